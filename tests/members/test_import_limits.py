"""Member imports are bounded: a hostile or mistaken file is refused at once with what to fix, and
an import that fails for any reason ends failed with a message, never stuck or a server error."""

import html
import io
import zipfile

import pytest
from django.db import DataError, OperationalError
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from enterprises.models import Enterprise, ImportJob
from members import imports
from members.imports import ImportRefused
from members.tasks import run_import_job
from resumption_portal.celery import app as celery_app
from tests.members.test_import import COLUMNS, csv_file, import_file, member_row, written

SPREADSHEET = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --- hand-made workbooks: a minimal .xlsx is five small XML files in a zip archive ------------


def cell(reference: str, value) -> str:
    if isinstance(value, int):
        return f'<c r="{reference}"><v>{value}</v></c>'
    return f'<c r="{reference}" t="inlineStr"><is><t>{value}</t></is></c>'


def sheet_row(number: int, values: list, *extra: str) -> str:
    cells = "".join(cell(f"{chr(65 + i)}{number}", v) for i, v in enumerate(values) if v != "")
    return f'<row r="{number}">{cells}{"".join(extra)}</row>'


def workbook(rows: list[str], *, dimension: str = "A1:I3", strings=None) -> bytes:
    """An .xlsx whose first sheet has these <row> elements and declares this dimension, and
    whose shared strings (if given) are these pieces of XML."""
    sheet = f'<worksheet xmlns="{SPREADSHEET}"><dimension ref="{dimension}"/><sheetData>'
    sheet += "".join(rows) + "</sheetData></worksheet>"
    types = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    )
    relationships = (
        f'<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" '
        f'Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/sharedStrings" '
        'Target="sharedStrings.xml"/></Relationships>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" '
            f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{SPREADSHEET}" xmlns:r="{RELATIONSHIPS}"><sheets>'
            '<sheet name="members" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr("xl/_rels/workbook.xml.rels", relationships)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as member:
            for piece in strings or [f'<sst xmlns="{SPREADSHEET}"/>'.encode()]:
                member.write(piece)
    return out.getvalue()


def one_long_string(megabytes: int):
    """Shared strings of one string of `megabytes` MB of one letter, in 1 MB pieces: what a
    "zip bomb" unpacks to (it compresses a thousandfold)."""
    yield f'<sst xmlns="{SPREADSHEET}" count="1" uniqueCount="1"><si><t>'.encode()
    piece = b"a" * MB
    for _ in range(megabytes):
        yield piece
    yield b"</t></si></sst>"


def good_rows(count: int, first: int = 2) -> list[str]:
    return [
        sheet_row(first + n, [member_row(n + 1)[name] for name in COLUMNS]) for n in range(count)
    ]


def opened_members(monkeypatch) -> list[str]:
    """The names of the archive members anything unpacks from now on."""
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def spy(archive, name, *args, **kwargs):
        opened.append(getattr(name, "filename", name))
        return real_open(archive, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    return opened


def refused(cast, content: bytes, file_name: str = "members.xlsx") -> str:
    """Import a file that must be refused whole, at once: the message, with nothing written and
    no job kept."""
    before = written(cast)
    with pytest.raises(ImportRefused) as refusal:
        import_file(cast, content, file_name)
    assert written(cast) == before
    assert not ImportJob.objects.exists()
    return refusal.value.detail


# --- workbooks that unpack to too much --------------------------------------------------------


def test_a_workbook_whose_strings_unpack_to_300_mb_is_refused_before_anything_is_unpacked(
    cast, monkeypatch
):
    bomb = workbook(
        [sheet_row(1, COLUMNS), *good_rows(1)],
        strings=one_long_string(300),
    )
    assert len(bomb) < 2 * MB
    opened = opened_members(monkeypatch)

    message = refused(cast, bomb)

    assert message == (
        "The Excel file unpacks to more than 100 MB. Split it into smaller files, or save it "
        "as “CSV UTF-8” and upload that."
    )
    assert "xl/sharedStrings.xml" not in opened


def test_a_workbook_compressed_far_beyond_any_real_one_is_refused(cast):
    content = workbook(
        [sheet_row(1, COLUMNS), *good_rows(1)],
        strings=one_long_string(8),
    )

    assert refused(cast, content) == (
        "The Excel file is not an ordinary workbook: part of it is compressed more than 100 "
        "times. Open it in Excel and save it again, or save it as “CSV UTF-8” and upload that."
    )


# --- sheets that declare more than they hold --------------------------------------------------


def test_a_sheet_with_a_row_a_million_lines_down_is_refused_at_once(cast):
    # 1.5 KB: the dimension says 16,384 columns by 1,048,576 rows, for one far cell.
    content = workbook(
        [
            sheet_row(1, COLUMNS),
            *good_rows(1),
            f'<row r="1048576">{cell("XFD1048576", "x")}</row>',
        ],
        dimension="A1:XFD1048576",
    )
    assert len(content) < 2000

    assert refused(cast, content) == (
        "The file has more than 200000 rows. Split it into files of at most 200000 rows each, "
        "and delete any empty rows below the data."
    )


def test_a_row_of_more_cells_than_a_sheet_has_columns_is_refused_before_it_is_read(cast):
    # Cells past the last column are skipped, but openpyxl builds every cell of a row first:
    # a few MB of them cost gigabytes.
    content = workbook(
        [sheet_row(1, COLUMNS), *good_rows(1), sheet_row(3, [], '<c r="A3"/>' * 20_000)]
    )

    assert refused(cast, content) == (
        "Row 3 has more than 16,384 cells, more than a spreadsheet has columns. Open the file "
        "in Excel and save it again, or save it as “CSV UTF-8” and upload that."
    )


def test_columns_past_the_last_known_one_and_a_false_dimension_are_ignored(cast):
    first, second = (member_row(n) for n in (1, 2))
    content = workbook(
        [
            sheet_row(1, COLUMNS, cell("XFD1", "remarks")),
            sheet_row(2, [first[name] for name in COLUMNS], cell("XFD2", "x")),
            sheet_row(3, [second[name] for name in COLUMNS], cell("XFD3", "y")),
        ],
        dimension="A1:XFD1048576",
    )

    job = import_file(cast, content, "members.xlsx")

    assert job.status == ImportJob.Status.SUCCEEDED, job.errors
    assert (job.created, job.total_rows) == (2, 2)


# --- the number of rows -----------------------------------------------------------------------


def xlsx_file(rows: list[dict]) -> bytes:
    book = Workbook()
    book.active.append(COLUMNS)
    for row in rows:
        book.active.append([row[name] for name in COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


FILES = {"members.csv": csv_file, "members.xlsx": xlsx_file}


@pytest.mark.parametrize("file_name", FILES)
def test_a_file_with_more_rows_than_the_limit_is_refused_with_what_to_do(cast, settings, file_name):
    settings.IMPORT_MAX_ROWS = 3
    content = FILES[file_name]([member_row(n) for n in range(1, 5)])

    assert refused(cast, content, file_name) == (
        "The file has more than 3 rows. Split it into files of at most 3 rows each, and delete "
        "any empty rows below the data."
    )


@pytest.mark.parametrize("file_name", FILES)
def test_a_file_with_as_many_rows_as_the_limit_is_imported(cast, settings, file_name):
    settings.IMPORT_MAX_ROWS = 3
    content = FILES[file_name]([member_row(n) for n in range(1, 4)])

    job = import_file(cast, content, file_name)

    assert (job.status, job.created) == (ImportJob.Status.SUCCEEDED, 3), job.errors


# --- numbers the database cannot hold ---------------------------------------------------------


def test_a_headcount_of_three_billion_is_a_problem_of_its_row_not_a_server_error(cast):
    before = written(cast)

    job = import_file(cast, csv_file([member_row(1), member_row(2, employees="3000000000")]))

    assert job.status == ImportJob.Status.FAILED
    assert job.errors[1:] == [
        {
            "row": 3,
            "column": "employees",
            "message": "Too many people for one enterprise: write its number of employees, "
            "from 0 to 1,000,000.",
        }
    ]
    assert written(cast) == before


def test_a_headcount_of_a_million_is_imported(cast):
    row = member_row(1, employees="1000000")

    job = import_file(cast, csv_file([row]))

    assert job.status == ImportJob.Status.SUCCEEDED, job.errors
    assert Enterprise.objects.get(uscc=row["uscc"]).employees == 1_000_000


# --- imports that fail on the server's side ---------------------------------------------------


def failing_write(monkeypatch, error: Exception) -> list[int]:
    attempts: list[int] = []

    def write_rows(**kwargs):
        attempts.append(1)
        raise error

    monkeypatch.setattr(imports.jobs, "write_rows", write_rows)
    return attempts


def queued_job(cast) -> ImportJob:
    return ImportJob.objects.create(
        association=cast.association,
        created_by=cast.staff,
        file_name="members.csv",
        content=csv_file([member_row(1)]),
        total_rows=1,
    )


def test_an_import_that_fails_on_the_server_shows_the_page_with_a_message_not_a_500(
    cast, client, monkeypatch
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    failing_write(monkeypatch, DataError("integer out of range"))
    client.force_login(cast.staff)
    client.cookies["django_language"] = "en"

    response = client.post(
        reverse("member-import"),
        {"file": SimpleUploadedFile("members.csv", csv_file([member_row(1)]))},
        follow=True,
    )

    assert response.status_code == 200
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    message = job.errors[0]["message"]
    assert message.startswith("The import failed because of an error on the server")
    assert f"import job {job.pk}" in message
    assert message in html.unescape(response.content.decode())


def test_a_queued_import_that_fails_on_the_server_ends_failed_with_a_message(cast, monkeypatch):
    failing_write(monkeypatch, DataError("integer out of range"))
    job = queued_job(cast)

    run_import_job.apply(args=[job.pk], throw=False)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.finished_at is not None
    assert "error on the server" in job.errors[0]["message"]


def test_a_queued_import_whose_database_stays_down_ends_failed_once_its_retries_are_spent(
    cast, monkeypatch
):
    attempts = failing_write(monkeypatch, OperationalError("the database system is starting up"))
    job = queued_job(cast)
    # Each retry runs at once, as a worker would run it later, and none raises.
    monkeypatch.setattr(celery_app.conf, "task_eager_propagates", False)

    run_import_job.apply(args=[job.pk], throw=False)

    job.refresh_from_db()
    assert len(attempts) == 1 + run_import_job.max_retries
    assert job.status == ImportJob.Status.FAILED
    assert "error on the server" in job.errors[0]["message"]
