"""Reading a member spreadsheet: its type, its rows as strings, its header."""

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from core.spreadsheets import csv_unescape
from core.uploads import too_large_message

REQUIRED = (
    "uscc",
    "name",
    "region_code",
    "industry_code",
    "size",
    "employees",
    "contact_name",
    "contact_phone",
)
OPTIONAL = ("member_number", "address", "legal_representative")
COLUMNS = frozenset(REQUIRED + OPTIONAL)
CHINESE_HEADERS = {
    "统一社会信用代码": "uscc",
    "企业名称": "name",
    "行政区划代码": "region_code",
    "行业代码": "industry_code",
    "企业规模": "size",
    "从业人数": "employees",
    "联系人": "contact_name",
    "联系电话": "contact_phone",
    "会员编号": "member_number",
    "地址": "address",
    "法定代表人": "legal_representative",
}
TEMPLATE_EXAMPLE = {
    "uscc": "91440106MA59C8XK3C",
    "name": "广州华兴电子科技有限公司",
    "region_code": "440106",
    "industry_code": "39",
    "size": "small",
    "employees": "45",
    "contact_name": "陈敏",
    "contact_phone": "13800138000",
    "member_number": "GD-0001",
    "address": "广州市天河区天河路100号",
    "legal_representative": "王伟",
}

# An .xlsx is a zip archive of XML: a small upload may unpack to gigabytes, and openpyxl holds a
# workbook's shared strings in memory. What the archive's directory declares is checked before
# anything is unpacked (settings.IMPORT_XLSX_MAX_UNPACKED_BYTES in all, and no large member
# compressed more than XLSX_MAX_RATIO times: real workbooks stay far below); then each member is
# unpacked once in bounded chunks, so that one holding more than it declares is refused as well
# (zipfile stops at the declared size, and the checksum then fails).
XLSX_MAX_RATIO = 100
XLSX_RATIO_FROM = 4 * 1024 * 1024  # smaller members may compress as well as they like
UNPACK_CHUNK = 1024 * 1024
# The header is read up to this column, a data row up to the last column the import knows: a
# sheet may declare A1:XFD1048576 (16,384 columns, a million rows) for one far cell.
HEADER_COLUMNS = 100
# A sheet's rows, as its XML has them: <row r="12" ...>, or <x:row ...> under a prefix. Counting
# them this way reads the sheet in bounded chunks instead of trusting the dimension it declares.
ROW_TAG = re.compile(rb"<([A-Za-z_][\w.-]*:)?row\b[^>]*>")
ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["'](\d{1,12})""")  # more digits: past any limit
TAG_TAIL = 64 * 1024  # the most of an unfinished tag kept from one chunk for the next
# A row holds at most one cell per column, and a spreadsheet has 16,384 columns (A to XFD); a row
# of millions of cells costs openpyxl gigabytes of memory before any column is skipped.
ROW_CELLS = 16_384


class ImportRefused(Exception):
    """The file cannot be imported; `errors` says every reason, row by row where it can."""

    def __init__(self, detail: str, errors: list[dict] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


def _is_xlsx(content: bytes) -> bool:
    if not content.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # spreadsheets store 13800138000 and 45 as floats
    # An exported CSV marks text that looks like a formula with an apostrophe (see
    # core.spreadsheets); the value imported is the text without it.
    return csv_unescape(str(value).strip())


def _column_name(title: str) -> str:
    key = title.strip().lstrip("\ufeff")
    return CHINESE_HEADERS.get(key) or key.lower()


def _known_width(header: list[str]) -> int:
    """The columns a data row is read to: up to the last one the import knows."""
    known = [index for index, title in enumerate(header) if _column_name(title) in COLUMNS]
    return known[-1] + 1 if known else 1


def _too_many_rows() -> ImportRefused:
    return ImportRefused(
        _(
            "The file has more than %(limit)d rows. Split it into files of at most %(limit)d "
            "rows each, and delete any empty rows below the data."
        )
        % {"limit": settings.IMPORT_MAX_ROWS}
    )


def _not_utf8() -> ImportRefused:
    return ImportRefused(
        _(
            "The file is not UTF-8 text. Save it as “CSV UTF-8” or as an Excel workbook "
            "(.xlsx) and upload it again."
        )
    )


def _not_csv() -> ImportRefused:
    return ImportRefused(_("The file is not a CSV file; upload a .csv or .xlsx file."))


def _text_lines(stream: IO[bytes]) -> Iterator[str]:
    """The lines of a CSV file read as a stream (a file too large to hold: the bench's national
    import), refused as a whole file is if it is not UTF-8 text or holds a NUL character."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        for line in text:
            if "\x00" in line:
                raise _not_csv()
            yield line
    except UnicodeDecodeError as exc:
        raise _not_utf8() from exc


def _csv_rows(content: bytes | IO[bytes]) -> Iterator[list[str]]:
    if isinstance(content, bytes):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _not_utf8() from exc
        if "\x00" in text:
            raise _not_csv()
        lines = io.StringIO(text, newline="")
    else:
        lines = _text_lines(content)
    last_line = settings.IMPORT_MAX_ROWS + 1
    width = HEADER_COLUMNS
    unescape = csv_unescape
    try:
        for line, row in enumerate(csv.reader(lines), start=1):
            # _cell for text: stripped, and an exported file's apostrophe before a formula-like
            # value taken off (the cells that start with one are few).
            cells = [
                unescape(text) if (text := cell.strip())[:1] == "'" else text
                for cell in row[:width]
            ]
            if line == 1:
                width = _known_width(cells)
            elif line > last_line and any(cells):
                raise _too_many_rows()
            yield cells
    except csv.Error as exc:
        raise ImportRefused(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from exc


def _cannot_open() -> ImportRefused:
    return ImportRefused(_("The Excel file cannot be opened; save it again as .xlsx."))


def _xlsx_archive(content: bytes) -> zipfile.ZipFile:
    """The workbook's zip archive, refused if it unpacks to too much (see XLSX_MAX_RATIO)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _cannot_open() from exc
    members = archive.infolist()
    limit = settings.IMPORT_XLSX_MAX_UNPACKED_BYTES
    if sum(member.file_size for member in members) > limit:
        raise ImportRefused(
            _(
                "The Excel file unpacks to more than %(limit)d MB. Split it into smaller files, "
                "or save it as “CSV UTF-8” and upload that."
            )
            % {"limit": limit // (1024 * 1024)}
        )
    for member in members:
        if member.file_size > max(XLSX_RATIO_FROM, XLSX_MAX_RATIO * member.compress_size):
            raise ImportRefused(
                _(
                    "The Excel file is not an ordinary workbook: part of it is compressed more "
                    "than %(ratio)d times. Open it in Excel and save it again, or save it as "
                    "“CSV UTF-8” and upload that."
                )
                % {"ratio": XLSX_MAX_RATIO}
            )
    try:
        for member in members:
            with archive.open(member) as stream:
                while stream.read(UNPACK_CHUNK):
                    pass
    except Exception as exc:  # more than it declares, damaged, encrypted, compressed unknown
        raise _cannot_open() from exc
    return archive


def _first_sheet_path(archive: zipfile.ZipFile) -> str:
    """The path in the archive of the sheet openpyxl reads as the first worksheet."""
    from openpyxl.reader.workbook import WorkbookParser

    names = set(archive.namelist())
    try:
        parser = WorkbookParser(archive, "xl/workbook.xml", keep_links=False)
        parser.parse()
        for _sheet, rel in parser.find_sheets():
            if rel.target in names and "chartsheet" not in rel.Type:
                return rel.target
    except Exception as exc:  # any failure to read the workbook's parts: not a workbook
        raise _cannot_open() from exc
    raise _cannot_open()


def _last_row_number(archive: zipfile.ZipFile, path: str) -> int:
    """The number of the sheet's last row (a formatted row counts, even if empty), read from its
    XML in bounded chunks; refuses a sheet past settings.IMPORT_MAX_ROWS data rows, or with a
    row of more cells than a spreadsheet has columns."""
    last_line = settings.IMPORT_MAX_ROWS + 1
    last = cells = 0
    tail = b""
    row_tag, cell_tags = ROW_TAG, (b"<c ", b"<c>", b"<c/")

    def count_cells(buffer: bytes, start: int, end: int) -> int:
        found = cells + sum(buffer.count(tag, start, end) for tag in cell_tags)
        if found > ROW_CELLS:
            raise ImportRefused(
                _(
                    "Row %(line)d has more than %(cells)s cells, more than a spreadsheet has "
                    "columns. Open the file in Excel and save it again, or save it as "
                    "“CSV UTF-8” and upload that."
                )
                % {"line": last, "cells": f"{ROW_CELLS:,}"}
            )
        return found

    with archive.open(path) as stream:
        while chunk := stream.read(UNPACK_CHUNK):
            buffer = tail + chunk
            if row_tag is ROW_TAG and (first := ROW_TAG.search(buffer)):
                # The sheet's own prefix, as a literal start the regex engine finds fast.
                prefix = first.group(1) or b""
                row_tag = re.compile(b"<" + re.escape(prefix) + rb"row\b[^>]*>")
                cell_tags = tuple(b"<" + prefix + b"c" + after for after in (b" ", b">", b"/"))
            end = buffer.rfind(b">") + 1
            position = 0
            for tag in row_tag.finditer(buffer, 0, end):
                count_cells(buffer, position, tag.start())
                position, cells = tag.end(), 0
                number = ROW_NUMBER.search(tag.group(0))
                last = max(last, int(number.group(1))) if number else last + 1
                if last > last_line:
                    raise _too_many_rows()
            cells = count_cells(buffer, position, end)
            tail = buffer[end:][-TAG_TAIL:]
    return last


def _xlsx_rows(content: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    archive = _xlsx_archive(content)
    _last_row_number(archive, _first_sheet_path(archive))
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # any failure to open means "not a workbook"
        raise _cannot_open() from exc
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the dimension a sheet declares is not to be trusted
        first = sheet.iter_rows(max_row=1, max_col=HEADER_COLUMNS, values_only=True)
        header = [_cell(value) for value in next(first, ())]
        first.close()
        yield header
        rows = sheet.iter_rows(
            min_row=2,
            max_row=settings.IMPORT_MAX_ROWS + 1,  # _last_row_number refused any further row
            max_col=_known_width(header),
            values_only=True,
        )
        for row in rows:
            yield [_cell(value) for value in row]
    except ImportRefused:
        raise
    except Exception as exc:  # a damaged sheet, found half-way
        raise ImportRefused(
            _("The Excel file cannot be read; save it again as .xlsx and upload it again.")
        ) from exc
    finally:
        workbook.close()


def check_size(size: int) -> None:
    if size > settings.UPLOAD_MAX_BYTES:
        raise ImportRefused(too_large_message())


def read_rows(file_name: str, content: bytes | IO[bytes]) -> Iterator[list[str]]:
    """The rows of a CSV or XLSX file as lists of strings, header first. `content`: the file's
    bytes, or (a CSV file too large to hold, read by the bench) a binary stream."""
    if not isinstance(content, bytes):
        if not file_name.lower().endswith((".csv", ".txt")):
            raise ImportRefused(_("Upload a .csv or .xlsx file (this file type is not accepted)."))
        return _csv_rows(content)
    if not content:
        raise ImportRefused(_("The file is empty."))
    check_size(len(content))
    lower = file_name.lower()
    if lower.endswith(".xlsx"):
        if not _is_xlsx(content):
            raise ImportRefused(_("This file is named .xlsx but is not an Excel workbook."))
        return _xlsx_rows(content)
    if lower.endswith(".csv") or lower.endswith(".txt"):
        if content.startswith(b"PK\x03\x04") or content.startswith(b"\xd0\xcf\x11\xe0"):
            raise ImportRefused(_("This file is named .csv but is a spreadsheet workbook."))
        return _csv_rows(content)
    raise ImportRefused(_("Upload a .csv or .xlsx file (this file type is not accepted)."))


def count_data_rows(file_name: str, content: bytes) -> int:
    """A quick estimate of the number of data rows, to decide whether to run in the background.
    Refuses a file past settings.IMPORT_MAX_ROWS rows: a workbook's rows are counted from its
    sheet's XML (and one that unpacks to too much is refused), a CSV file's lines are counted
    and, if they are too many, its rows read."""
    if file_name.lower().endswith(".xlsx") and _is_xlsx(content):
        archive = _xlsx_archive(content)
        return max(_last_row_number(archive, _first_sheet_path(archive)) - 1, 0)
    lines = max(content.count(b"\n") - 1, 0)
    if lines > settings.IMPORT_MAX_ROWS:  # blank lines or line breaks in values, perhaps
        for _row in read_rows(file_name, content):
            pass  # refuses a row past the limit
    return lines


def map_header(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    errors = []
    for index, title in enumerate(header):
        name = _column_name(title)
        if name in COLUMNS:
            if name in columns:
                errors.append(
                    {
                        "row": 1,
                        "column": title,
                        "message": _("This column appears twice; keep one."),
                    }
                )
            columns[name] = index
    missing = [name for name in REQUIRED if name not in columns]
    for name in missing:
        errors.append(
            {
                "row": 1,
                "column": name,
                "message": _("The required column “%(name)s” is missing from the header row.")
                % {"name": name},
            }
        )
    if errors:
        raise ImportRefused(_("The header row is not right; see the template."), errors)
    return columns
