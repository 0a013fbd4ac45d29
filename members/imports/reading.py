"""Reading a member spreadsheet: its type, its rows as strings, its header."""

import csv
import io
import zipfile
from collections.abc import Iterator

from django.conf import settings
from django.utils.translation import gettext as _

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
    except zipfile.BadZipFile:
        return False


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # spreadsheets store 13800138000 and 45 as floats
    return str(value).strip()


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused(
            _(
                "The file is not UTF-8 text. Save it as “CSV UTF-8” or as an Excel workbook "
                "(.xlsx) and upload it again."
            )
        ) from exc
    if "\x00" in text:
        raise ImportRefused(_("The file is not a CSV file; upload a .csv or .xlsx file."))
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            yield [cell.strip() for cell in row]
    except csv.Error as exc:
        raise ImportRefused(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from exc


def _xlsx_rows(content: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # any failure to open means "not a workbook"
        raise ImportRefused(_("The Excel file cannot be opened; save it again as .xlsx.")) from exc
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [_cell(value) for value in row]
    finally:
        workbook.close()


def check_size(size: int) -> None:
    if size > settings.UPLOAD_MAX_BYTES:
        raise ImportRefused(
            _("The file is larger than %(limit)d MB; split it into smaller files.")
            % {"limit": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}
        )


def read_rows(file_name: str, content: bytes) -> Iterator[list[str]]:
    """The rows of a CSV or XLSX file as lists of strings, header first."""
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
    """A quick estimate of the number of data rows, to decide whether to run in the background."""
    if file_name.lower().endswith(".xlsx") and _is_xlsx(content):
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(content), read_only=True)
        try:
            return max((workbook.worksheets[0].max_row or 1) - 1, 0)
        finally:
            workbook.close()
    return max(content.count(b"\n") - 1, 0)


def map_header(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    errors = []
    for index, title in enumerate(header):
        key = title.strip().lstrip("\ufeff")
        name = CHINESE_HEADERS.get(key) or key.lower()
        if name in REQUIRED or name in OPTIONAL:
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
