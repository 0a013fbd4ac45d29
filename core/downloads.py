"""A list a person filtered on a page, downloaded as CSV or XLSX.

The follow-up lists (batches, supplies) share this: every cell goes through
`core.spreadsheets` (a contact typed as `=HYPERLINK(...)` stays text), the CSV is UTF-8 with a
BOM so that Excel reads Chinese, and the file is named in the page's language with an ASCII
name beside it for clients that cannot read the other (Content-Disposition, RFC 6266).
"""

import csv
import re
import tempfile
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from core.spreadsheets import csv_row, xlsx_row

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What no file name may hold on any of the systems people save to, and what a header may not.
_NOT_IN_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_NOT_ASCII_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def file_name(parts: Sequence[str], extension: str) -> str:
    """`未申请企业-乐昌市-2026-12-04.xlsx`: the parts given, then today's local date."""
    named = [_NOT_IN_NAMES.sub("_", part).strip() for part in parts if part]
    return "-".join([*named, timezone.localdate().isoformat()]) + f".{extension}"


def ascii_file_name(parts: Sequence[str], extension: str) -> str:
    """The same name in ASCII letters, digits and hyphens only (`not-applied-440281-…`)."""
    named = [_NOT_ASCII_NAME.sub("-", part).strip("-") for part in parts if part]
    return file_name([part for part in named if part], extension)


def content_disposition(name: str, ascii_name: str) -> str:
    """An attachment named `name`, with `ascii_name` for clients that do not read filename*."""
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


class _Echo:
    def write(self, value):
        return value


def csv_download(
    header: Sequence[str], rows: Iterable[Sequence], *, name: str, ascii_name: str
) -> StreamingHttpResponse:
    """The rows as CSV (UTF-8 with BOM), streamed as they are read."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow(csv_row(row))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition(name, ascii_name)
    return response


def xlsx_download(
    header: Sequence[str],
    rows: Iterable[Sequence],
    *,
    name: str,
    ascii_name: str,
    sheet_title: str,
) -> FileResponse:
    """The rows as an Excel workbook, written in constant memory to a temporary file."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    # A sheet's title is at most 31 characters and holds none of []:*?/\
    sheet = workbook.create_sheet(re.sub(r"[\[\]:*?/\\]", " ", sheet_title)[:31])
    titles = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        titles.append(cell)
    sheet.append(titles)
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    workbook.save(handle)
    handle.seek(0)
    response = FileResponse(handle, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition(name, ascii_name)
    return response
