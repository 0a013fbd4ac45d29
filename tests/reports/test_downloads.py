"""The downloads of a report: CSV that Excel opens with its Chinese text, XLSX with a sheet per
section and numbers as numbers, a PDF whose Chinese text renders; the same bytes every time, and
never a person's phone number."""

import csv
import io
import shutil
import subprocess
from datetime import UTC
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from reports import rendering
from reports.models import Report
from reports.tables import NEED_COLUMNS, tables
from tests.conftest import api_as
from tests.reports.sample import (
    CONTACT,
    PHONE,
    file_needs,
    queued_report,
    quiet_tasks,
    ready_report,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(cast, monkeypatch):
    """The cast association's report of this week, with remarks that name a phone number."""
    quiet_tasks(monkeypatch)
    file_needs(cast)
    return ready_report(
        association=cast.association,
        remarks=f"本周复工进展顺利。如有疑问请致电 {PHONE}。",
        suggestions="建议开通重点物资运输绿色通道",
    )


def csv_sections(content: bytes) -> tuple[list[list[str]], dict[str, list[list[str]]]]:
    """The title block, and each section's rows (header first) by its title."""
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    blocks, block = [], []
    for row in rows:
        if row:
            block.append(row)
        else:
            blocks.append(block)
            block = []
    blocks.append(block)
    return blocks[0], {block[0][0]: block[1:] for block in blocks[1:]}


def pdf_text(content: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian package poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def xlsx_texts(content: bytes) -> str:
    workbook = load_workbook(io.BytesIO(content))
    return "\n".join(
        str(cell.value)
        for sheet in workbook
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    )


# --- CSV ----------------------------------------------------------------------------------


def test_csv_has_a_bom_a_chinese_title_block_and_the_figures_of_the_snapshot(cast, report):
    content = rendering.render_csv(report)
    assert content.startswith(b"\xef\xbb\xbf")

    block, sections = csv_sections(content)
    assert block[0][1] == report.title
    assert cast.association.name in block[0][1]
    assert [report.checksum] == [row[1] for row in block if row[1] == report.checksum]

    by_key = {table.key: table for table in tables(report)}
    needs = sections[by_key["needs"].title]
    assert needs[0] == [column.label for column in by_key["needs"].columns]
    totals = report.data["needs"]["totals"]
    assert [int(value) for value in needs[-1][3:]] == [totals[name] for name in NEED_COLUMNS]
    assert all("制造业" in row[2] for row in needs[1:-1])
    supplies = sections[by_key["supplies"].title]
    assert supplies[1][0] == "N95/KN95口罩"
    assert supplies[1][2:4] == ["1", "100.5"]  # requests, quantity asked: written plainly
    urgent = sections[by_key["urgent"].title]
    assert {row[1] for row in urgent[1:]} == {cast.member.name}


def test_csv_follows_the_active_language(cast, report):
    with translation.override("en"):
        _block, sections = csv_sections(rendering.render_csv(report))
        titles = [table.title for table in tables(report)]
    assert list(sections) == titles
    assert "Headline figures" in sections


RATE_LABEL = "Resumption rate (resumed ÷ members)"


def test_every_format_names_the_rate_by_what_it_divides_by(cast, report, tmp_path):
    with translation.override("en"):
        _block, sections = csv_sections(rendering.render_csv(report))
        by_key = {table.key: table for table in tables(report)}
        workbook = xlsx_texts(rendering.render_xlsx(report))
        pdf = pdf_text(rendering.render_pdf(report), tmp_path)
    progress = sections[by_key["progress"].title]
    assert RATE_LABEL in progress[0]  # the column header
    headline = sections[by_key["headline"].title]
    assert RATE_LABEL in [row[0] for row in headline]  # the headline's row
    assert RATE_LABEL in workbook
    assert "resumed ÷ members" in " ".join(pdf.split())  # a header may wrap


def test_text_that_looks_like_a_formula_stays_text(cast, monkeypatch):
    quiet_tasks(monkeypatch)
    cast.member.name = '=HYPERLINK("http://evil.example","点击")'
    cast.member.save(update_fields=["name"])
    file_needs(cast)
    report = ready_report(association=cast.association)

    _block, sections = csv_sections(rendering.render_csv(report))
    urgent = next(rows for title, rows in sections.items() if rows[1][1].startswith("'"))
    assert urgent[1][1] == "'" + cast.member.name
    workbook = load_workbook(io.BytesIO(rendering.render_xlsx(report)))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    named = [cell for cell in cells if cell.value == cast.member.name]
    assert named and all(cell.data_type == "s" for cell in named)


# --- XLSX ---------------------------------------------------------------------------------


def test_xlsx_has_a_cover_and_a_sheet_per_section_with_numbers_as_numbers(cast, report):
    workbook = load_workbook(io.BytesIO(rendering.render_xlsx(report)))
    sections = tables(report)
    assert len(workbook.sheetnames) == 1 + len(sections)

    cover = workbook.worksheets[0]
    cover_values = [cell.value for row in cover.iter_rows() for cell in row]
    assert report.title in cover_values and report.checksum in cover_values

    for sheet, table in zip(workbook.worksheets[1:], sections, strict=True):
        header = next(sheet.iter_rows(max_row=1))
        assert [cell.value for cell in header] == [column.label for column in table.columns]
        assert all(cell.font.b for cell in header)
        assert header[0].fill.fgColor.rgb.endswith("DDEBF7")
        assert sheet.freeze_panes == "A2"

    needs = workbook.worksheets[1 + [t.key for t in sections].index("needs")]
    totals_row = list(needs.iter_rows(values_only=True))[len(report.data["needs"]["rows"]) + 1]
    assert totals_row[3] == report.data["needs"]["totals"]["new"] == 3
    assert all(isinstance(value, int) for value in totals_row[3:])

    supplies = workbook.worksheets[1 + [t.key for t in sections].index("supplies")]
    asked = supplies.cell(row=2, column=4)
    assert asked.value == 100.5 and asked.data_type == "n"
    progress = workbook.worksheets[1 + [t.key for t in sections].index("progress")]
    rate = progress.cell(row=2, column=8)
    assert rate.data_type == "n" and rate.number_format == "0.00%"


def test_xlsx_is_dated_when_its_figures_were_computed(report):
    first = rendering.render_xlsx(report)
    properties = load_workbook(io.BytesIO(first)).properties
    expected = report.generated_at.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    assert properties.created == properties.modified == expected
    assert rendering.render_xlsx(report) == first


# --- PDF ----------------------------------------------------------------------------------


def test_pdf_embeds_a_cjk_font_and_its_chinese_text_reads_back(cast, report, tmp_path):
    content = rendering.render_pdf(report)
    assert content.startswith(b"%PDF")
    text = pdf_text(content, tmp_path)
    assert "\f" in text  # at least one page
    assert cast.association.name in text
    assert "制造业" in text
    assert "N95/KN95口罩" in text
    assert report.checksum in text
    if shutil.which("pdffonts"):
        path = tmp_path / "report.pdf"
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True)
        embedded = [line for line in fonts.stdout.splitlines() if "WenQuanYi" in line]
        assert embedded and " yes yes yes " in embedded[0]  # embedded, subset, with Unicode


def test_pdf_repeats_the_header_on_every_page_and_wraps_long_text(cast, monkeypatch, tmp_path):
    """Sixty urgent needs and an escalation summary of several thousand characters: the table
    runs over pages, each with its header row, and nothing is cut off or raises."""
    from supplies import services as needs
    from supplies.models import Need

    quiet_tasks(monkeypatch)
    for number in range(60):
        needs.need_file(
            actor=cast.enterprise_user,
            kind=Need.Kind.DIFFICULTY,
            difficulty_kind="finance",
            description=f"第{number}号：流动资金紧张，需要贷款展期",
            urgency="high",
        )
    long_need = Need.objects.order_by("id").first()
    needs.need_escalate(
        actor=cast.staff, need_id=long_need.pk, summary="供应链中断，物流受阻。" * 400
    )
    report = ready_report(association=cast.association)
    urgent = next(table for table in tables(report) if table.key == "urgent")

    content = rendering.render_pdf(report)
    pages = [page for page in pdf_text(content, tmp_path).split("\f") if page.strip()]
    header, kind = urgent.columns[5].label, urgent.rows[0][3]  # "Urgency", "Difficulty"
    first = next(number for number, page in enumerate(pages) if header in page)
    with_rows = [page for page in pages[first:] if kind in page]
    assert len(with_rows) >= 3
    assert all(header in page for page in with_rows)
    # All of the summary is there, over two pages (a line may end inside a phrase: count "链").
    assert sum(page.count("链") for page in pages) >= 400
    assert content == rendering.render_pdf(report)


# --- without a Chinese font to embed ------------------------------------------------------

INSTALLED_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


def font_warnings(caplog) -> str:
    return "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.name == "reports.rendering" and record.levelname == "WARNING"
    )


def test_pdf_downloads_without_a_chinese_font_in_a_substitute_font_with_a_warning(
    cast, report, client, settings, caplog, tmp_path
):
    settings.REPORT_PDF_FONT = "/nonexistent/font.ttc"
    client.force_login(cast.staff)

    response = client.get(reverse("report-download", args=[report.pk, "pdf"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    content = response.content
    assert content.startswith(b"%PDF-")
    assert b"/STSong-Light" in content  # named for readers to substitute, not embedded
    assert b"/FontFile2" not in content
    assert report.title in pdf_text(content, tmp_path)
    warning = font_warnings(caplog)
    assert "REPORT_PDF_FONT=/nonexistent/font.ttc: there is no such file" in warning
    assert "apt-get install -y fonts-wqy-zenhei" in warning


def test_pdf_without_any_installed_chinese_font_says_which_package_to_install(
    report, settings, caplog, tmp_path
):
    settings.REPORT_PDF_FONT = ""
    settings.REPORT_PDF_FONT_CANDIDATES = [str(tmp_path / "not-installed.ttc")]

    content = rendering.render_pdf(report)

    assert b"/STSong-Light" in content
    assert report.title in pdf_text(content, tmp_path)
    assert "No Chinese font for PDF reports" in font_warnings(caplog)
    assert "fonts-wqy-zenhei" in font_warnings(caplog)


def test_a_font_installed_while_the_portal_runs_is_embedded_in_the_next_download(
    cast, report, client, settings, tmp_path
):
    if not Path(INSTALLED_FONT).is_file():
        pytest.skip("fonts-wqy-zenhei is not installed")
    font = tmp_path / "fonts" / "wqy-zenhei.ttc"
    settings.REPORT_PDF_FONT = ""
    settings.REPORT_PDF_FONT_CANDIDATES = [str(font)]
    client.force_login(cast.staff)
    url = reverse("report-download", args=[report.pk, "pdf"])
    substitute = client.get(url).content
    assert b"/STSong-Light" in substitute

    font.parent.mkdir()
    font.symlink_to(INSTALLED_FONT)  # installed now, without a restart
    embedded = client.get(url)

    assert embedded.status_code == 200
    assert b"/STSong-Light" not in embedded.content  # not the kept substitute: made again
    assert b"/FontFile2" in embedded.content  # the TrueType font, embedded
    assert report.title in pdf_text(embedded.content, tmp_path)
    assert client.get(url).content == embedded.content  # and kept from now on


def test_pdf_with_a_font_that_cannot_be_embedded_is_made_and_says_why(report, settings, caplog):
    noto = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    if not Path(noto).is_file():
        pytest.skip("fonts-noto-cjk is not installed")
    settings.REPORT_PDF_FONT = noto

    content = rendering.render_pdf(report)

    assert b"/STSong-Light" in content
    assert f"REPORT_PDF_FONT={noto}: it cannot be embedded" in font_warnings(caplog)
    assert "TrueType" in font_warnings(caplog)


# --- every format -------------------------------------------------------------------------


def test_the_same_report_gives_the_same_bytes_twice(report):
    assert rendering.render_csv(report) == rendering.render_csv(report)
    assert rendering.render_pdf(report) == rendering.render_pdf(report)
    assert rendering.render_xlsx(report) == rendering.render_xlsx(report)


def test_renaming_the_association_does_not_change_a_report_made_before(cast, report):
    before = rendering.render_csv(report)
    cast.association.name = "广东省电子信息行业协会"
    cast.association.save()

    report = Report.objects.get(pk=report.pk)  # read afresh, as a later download would
    assert rendering.render_csv(report) == before
    assert "广东省电子行业协会" in report.title


def test_no_format_shows_the_phone_number_or_the_contact_person(report, tmp_path):
    texts = {
        "csv": rendering.render_csv(report).decode("utf-8-sig"),
        "xlsx": xlsx_texts(rendering.render_xlsx(report)),
        "pdf": pdf_text(rendering.render_pdf(report), tmp_path),
    }
    for name, text in texts.items():
        assert "原材料运输受阻" in text, name  # the need whose description held the number
        assert "物流中断" in text, name  # and its escalation summary
        assert "138********" in text, name
        assert PHONE not in text, name
        assert CONTACT not in text, name


def test_a_report_without_figures_cannot_be_rendered(cast):
    report = queued_report(association=cast.association)
    for render in (rendering.render_csv, rendering.render_xlsx, rendering.render_pdf):
        with pytest.raises(ValueError, match="no figures yet"):
            render(report)


# --- a cut list ---------------------------------------------------------------------------


def test_a_cut_urgent_list_says_so_and_the_spreadsheets_carry_all_of_it(
    cast, monkeypatch, tmp_path
):
    """The report names the 2 most pressing of 3 urgent needs (the limit lowered from 200): the
    page and the PDF say "2 of 3 shown" and where the rest are; the CSV and XLSX list all 3."""
    from reports import figures

    quiet_tasks(monkeypatch)
    file_needs(cast)
    monkeypatch.setattr(figures, "URGENT_LIMIT", 2)
    report = ready_report(association=cast.association)
    assert (len(report.data["urgent"]["rows"]), report.data["urgent"]["total"]) == (2, 3)
    ids = sorted(str(pk) for pk in cast.member.needs.values_list("pk", flat=True))

    with translation.override("en"):
        page = next(table for table in tables(report) if table.key == "urgent")
        assert len(page.rows) == 2
        assert page.note.startswith("2 of 3 shown, the most pressing first; all of them are")
        assert "2 of 3 shown" in pdf_text(rendering.render_pdf(report), tmp_path)

        _title, sections = csv_sections(rendering.render_csv(report))
        urgent = sections[page.title]
        assert sorted(row[0] for row in urgent[1:]) == ids

        workbook = load_workbook(io.BytesIO(rendering.render_xlsx(report)))
        sheet = next(s for s in workbook if s.cell(row=1, column=1).value == "No.")
        assert sorted(str(row[0]) for row in sheet.iter_rows(min_row=2, values_only=True)) == ids


# --- rendered once ------------------------------------------------------------------------


def test_a_download_is_rendered_once_kept_with_its_checksum_and_sent_as_kept(
    cast, report, client, monkeypatch
):
    import hashlib

    from reports import services

    assert services.store_files(report.pk) == 3
    client.force_login(cast.staff)
    url = reverse("report-download", args=[report.pk, "pdf"])
    first = client.get(url)
    assert first.status_code == 200
    assert first.content == rendering.render_pdf(report)  # the kept bytes are a fresh rendering
    assert first["X-Content-SHA256"] == hashlib.sha256(first.content).hexdigest()

    def no_rendering(*args, **kwargs):
        raise AssertionError("a kept file is sent, not rendered again")

    monkeypatch.setattr(rendering, "render_pdf", no_rendering)
    again = client.get(url)
    assert again.content == first.content
    assert (
        api_as(cast.staff).get(f"/api/v1/reports/{report.pk}/download/?format=pdf").content
        == first.content
    )


def test_a_submitted_report_is_rendered_again_with_its_submission(cast, report, client, tmp_path):
    from reports import services

    client.force_login(cast.staff)
    url = reverse("report-download", args=[report.pk, "pdf"])
    before = client.get(url).content
    submitted = services.report_submit(actor=cast.staff, report_id=report.pk)
    after = client.get(url).content

    assert after != before
    assert after == rendering.render_pdf(submitted)
    # the title block gains the time of submission ("提交时间", also the urgent list's "filed")
    assert (
        pdf_text(after, tmp_path).count("提交时间")
        == pdf_text(before, tmp_path).count("提交时间") + 1
    )


# --- a correction -------------------------------------------------------------------------


def test_a_corrected_version_shows_which_figures_changed_in_the_page_and_the_xlsx(cast, report):
    from reports import services
    from supplies import services as needs
    from supplies.models import Need

    services.report_submit(actor=cast.staff, report_id=report.pk)
    needs.need_file(
        actor=cast.enterprise_user,
        kind=Need.Kind.DIFFICULTY,
        difficulty_kind="finance",
        description="贷款到期",
    )
    revision = services.report_revise(actor=cast.staff, report_id=report.pk, reason="漏报一项")
    revision = services.generate(revision.pk)

    with translation.override("en"):
        sections = tables(revision)
        changed = sections[1]
        assert changed.title == "Changed since version 1"
        rows = {(row[0], row[2]): (row[3], row[4]) for row in changed.rows}
        assert rows[("Headline figures", "New needs")] == ("3", "4")
        assert rows[("Headline figures", "Open at period end")] == ("3", "4")
        assert all(old != new for old, new in rows.values())
        workbook = load_workbook(io.BytesIO(rendering.render_xlsx(revision)))
        sheet = workbook["Changed since version 1"]
        assert ("Headline figures", None, "New needs", "3", "4") in set(
            sheet.iter_rows(values_only=True)
        )
    # the first version has nothing to compare with
    assert all(table.key != "changes" for table in tables(report))


def test_every_rendering_of_a_version_lists_the_same_urgent_needs(cast, monkeypatch):
    """The full urgent list is read once and kept with the version: a need filed afterwards (in
    the same period) is not in the spreadsheets rendered again at submission."""
    from reports import figures, services
    from supplies import services as needs
    from supplies.models import Need

    quiet_tasks(monkeypatch)
    file_needs(cast)
    monkeypatch.setattr(figures, "URGENT_LIMIT", 2)
    report = ready_report(association=cast.association)
    first = services.stored_file(report, "csv")
    needs.need_file(
        actor=cast.enterprise_user,
        kind=Need.Kind.DIFFICULTY,
        difficulty_kind="energy",
        description="停电",
        urgency="critical",
    )
    submitted = services.report_submit(actor=cast.staff, report_id=report.pk)
    again = services.stored_file(submitted, "csv")

    assert again.sha256 != first.sha256  # made again: it now says when it was submitted

    def urgent_ids(content: bytes) -> list[str]:
        _title, sections = csv_sections(content)
        rows = next(rows for title, rows in sections.items() if rows[0][0] == "编号")
        return sorted(row[0] for row in rows[1:])

    assert urgent_ids(bytes(again.content)) == urgent_ids(bytes(first.content))
    assert len(urgent_ids(bytes(first.content))) == 3
    assert len(urgent_ids(rendering.render_csv(submitted))) == 4  # what a fresh read would list


def test_a_format_that_cannot_be_rendered_leaves_the_others_kept_and_submission_works(
    cast, monkeypatch, django_capture_on_commit_callbacks
):
    from reports import services
    from reports.models import ReportFile
    from reports.tasks import store_report_files

    quiet_tasks(monkeypatch)
    file_needs(cast)
    report = ready_report(association=cast.association)

    def no_font(report, font=""):
        raise ImproperlyConfigured("a PDF that cannot be rendered")

    monkeypatch.setattr(rendering, "render_pdf", no_font)
    assert services.store_files(report.pk) == 2
    kept = set(ReportFile.objects.filter(report=report).values_list("format", flat=True))
    assert kept == {"csv", "xlsx"}

    def broker_away(report_id):
        raise ConnectionError("broker away")

    monkeypatch.setattr(store_report_files, "delay", broker_away)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(actor=cast.staff, report_id=report.pk)
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED
