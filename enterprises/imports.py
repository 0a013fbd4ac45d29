"""Member spreadsheet import: CSV (UTF-8, with or without BOM) or XLSX, all-or-nothing.

Every row is checked before anything is written; a file with any bad row writes nothing and
answers every problem as {row, column, message}, where `row` is the line number a person sees
in the spreadsheet (the header is line 1) and `column` the header as written in the file.
Good files are upserted by credit code into one association in a single transaction.
"""

import contextlib
import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from associations.models import Membership
from core.models import Industry, Region, StatusChange
from core.validators import normalise_phone, normalise_uscc
from enterprises.models import Enterprise, ImportJob

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
SIZES = {
    "micro": Enterprise.Size.MICRO,
    "small": Enterprise.Size.SMALL,
    "medium": Enterprise.Size.MEDIUM,
    "微型": Enterprise.Size.MICRO,
    "小型": Enterprise.Size.SMALL,
    "中型": Enterprise.Size.MEDIUM,
}
MAX_LENGTHS = {
    "name": 200,
    "contact_name": 64,
    "member_number": 32,
    "address": 255,
    "legal_representative": 64,
}
WRITE_BATCH = 2000
PROGRESS_EVERY = 2000

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


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[dict] = field(default_factory=list)


# --- reading ------------------------------------------------------------------------------


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


def _map_header(header: list[str]) -> dict[str, int]:
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


# --- checking -----------------------------------------------------------------------------


@dataclass
class CleanRow:
    line: int
    uscc: str
    name: str
    region_id: str
    industry_id: str
    size: str
    employees: int
    contact_name: str
    contact_phone: str
    # None: the file has no such column (so an upsert leaves the stored value alone).
    member_number: str | None
    address: str | None
    legal_representative: str | None


class RowChecker:
    """Checks rows against the reference data, loaded once per file."""

    def __init__(self, columns: dict[str, int], header: list[str]):
        self.columns = columns
        self.titles = {name: header[index] for name, index in columns.items()}
        self.region_levels = dict(Region.objects.values_list("code", "level"))
        self.industry_levels = dict(Industry.objects.values_list("code", "level"))
        self.seen: dict[str, int] = {}

    def check(self, line: int, row: list[str], errors: list[dict]) -> CleanRow | None:
        values = {
            name: (row[index] if index < len(row) else "") for name, index in self.columns.items()
        }
        row_errors: list[dict] = []

        def problem(name: str, message: str) -> None:
            row_errors.append({"row": line, "column": self.titles[name], "message": message})

        for name in REQUIRED:
            if not values[name]:
                problem(name, _("This value is required."))
        for name, limit in MAX_LENGTHS.items():
            if len(values.get(name, "")) > limit:
                problem(name, _("Too long: at most %(limit)d characters.") % {"limit": limit})

        uscc = values["uscc"]
        if uscc:
            try:
                uscc = normalise_uscc(uscc)
            except ValidationError as exc:
                problem("uscc", exc.messages[0])
            else:
                if uscc in self.seen:
                    problem(
                        "uscc",
                        _("This credit code is also on line %(line)d; each enterprise once.")
                        % {"line": self.seen[uscc]},
                    )
                else:
                    self.seen[uscc] = line

        region = values["region_code"]
        if region:
            level = self.region_levels.get(region)
            if level is None:
                problem(
                    "region_code", _("Unknown region code %(code)s (GB/T 2260).") % {"code": region}
                )
            elif level != Region.Level.COUNTY:
                problem(
                    "region_code",
                    _("%(code)s is a province or city; give the county-level code.")
                    % {"code": region},
                )

        industry = values["industry_code"]
        if industry:
            level = self.industry_levels.get(industry.upper())
            if level is None:
                problem(
                    "industry_code",
                    _("Unknown industry code %(code)s (GB/T 4754-2017).") % {"code": industry},
                )
            elif level != Industry.Level.DIVISION:
                problem(
                    "industry_code",
                    _("%(code)s is a section; give the two-digit division, e.g. 39.")
                    % {"code": industry},
                )

        size = SIZES.get(values["size"].lower()) if values["size"] else None
        if values["size"] and size is None:
            problem("size", _("Write micro, small or medium (or 微型, 小型, 中型)."))

        employees = 0
        if values["employees"]:
            try:
                employees = int(values["employees"])
                if employees < 0:
                    raise ValueError
            except ValueError:
                problem("employees", _("Write a whole number of people, e.g. 45."))

        phone = values["contact_phone"]
        if phone:
            try:
                phone = normalise_phone(phone)
            except ValidationError as exc:
                problem("contact_phone", exc.messages[0])

        if row_errors:
            errors.extend(row_errors)
            return None
        return CleanRow(
            line=line,
            uscc=uscc,
            name=values["name"],
            region_id=region,
            industry_id=industry.upper(),
            size=size,
            employees=employees,
            contact_name=values["contact_name"],
            contact_phone=phone,
            member_number=values.get("member_number"),
            address=values.get("address"),
            legal_representative=values.get("legal_representative"),
        )


def check_file(
    file_name: str, content: bytes, progress: Callable[[int], None] | None = None
) -> list[CleanRow]:
    """Every row, checked; raises ImportRefused listing every problem if any row is bad."""
    rows = read_rows(file_name, content)
    header = next(rows, None)
    if header is None or not any(header):
        raise ImportRefused(_("The file is empty."))
    columns = _map_header(header)
    checker = RowChecker(columns, header)
    clean: list[CleanRow] = []
    errors: list[dict] = []
    for line, row in enumerate(rows, start=2):
        if not any(row):
            continue  # blank lines in spreadsheets are common and harmless
        checked = checker.check(line, row, errors)
        if checked is not None:
            clean.append(checked)
        if progress and line % PROGRESS_EVERY == 0:
            progress(line)
    if errors:
        raise ImportRefused(
            _("Nothing was imported: %(count)d problem(s) to fix in the file.")
            % {"count": len(errors)},
            errors,
        )
    if not clean:
        raise ImportRefused(_("The file has a header but no rows to import."))
    return clean


# --- writing ------------------------------------------------------------------------------


ENTERPRISE_UPDATE_FIELDS = [
    "name",
    "region",
    "industry",
    "size",
    "employees",
    "contact_name",
    "contact_phone",
    "address",
    "legal_representative",
    "updated_at",
]


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@transaction.atomic
def write_rows(*, rows: list[CleanRow], association_id: int, actor, file_name: str) -> ImportResult:
    """Upsert the enterprises by credit code and make them members of the association."""
    result = ImportResult()
    now = timezone.now()
    today = timezone.localdate()
    membership_type = None
    reason = _("imported from %(file)s") % {"file": file_name}
    # An optional column missing from the file must not blank what the enterprise already has.
    update_fields = [
        name
        for name in ENTERPRISE_UPDATE_FIELDS
        if name not in OPTIONAL or (rows and getattr(rows[0], name) is not None)
    ]
    for batch in _chunks(rows, WRITE_BATCH):
        codes = [row.uscc for row in batch]
        existing = set(Enterprise.objects.filter(uscc__in=codes).values_list("uscc", flat=True))
        result.updated += len(existing)
        result.created += len(batch) - len(existing)
        enterprises = Enterprise.objects.bulk_create(
            [
                Enterprise(
                    uscc=row.uscc,
                    name=row.name,
                    region_id=row.region_id,
                    industry_id=row.industry_id,
                    size=row.size,
                    employees=row.employees,
                    contact_name=row.contact_name,
                    contact_phone=row.contact_phone,
                    address=row.address or "",
                    legal_representative=row.legal_representative or "",
                    created_at=now,
                    updated_at=now,
                )
                for row in batch
            ],
            update_conflicts=True,
            unique_fields=["uscc"],
            update_fields=update_fields,
        )
        ids = {enterprise.uscc: enterprise.pk for enterprise in enterprises}
        members = set(
            Membership.objects.filter(
                association_id=association_id, enterprise_id__in=ids.values()
            ).values_list("enterprise_id", flat=True)
        )
        new_memberships = Membership.objects.bulk_create(
            [
                Membership(
                    association_id=association_id,
                    enterprise_id=ids[row.uscc],
                    status=Membership.Status.ACTIVE,
                    member_number=row.member_number or "",
                    joined_on=today,
                    created_at=now,
                    updated_at=now,
                )
                for row in batch
                if ids[row.uscc] not in members
            ]
        )
        numbered = [row for row in batch if ids[row.uscc] in members and row.member_number]
        for row in numbered:
            Membership.objects.filter(
                association_id=association_id, enterprise_id=ids[row.uscc]
            ).update(member_number=row.member_number, updated_at=now)
        if new_memberships:
            if membership_type is None:
                membership_type = ContentType.objects.get_for_model(Membership)
            StatusChange.objects.bulk_create(
                [
                    StatusChange(
                        content_type=membership_type,
                        object_id=membership.pk,
                        from_status="",
                        to_status=Membership.Status.ACTIVE,
                        actor=actor,
                        reason=reason,
                        at=now,
                    )
                    for membership in new_memberships
                ]
            )
    return result


# --- jobs ---------------------------------------------------------------------------------


def _progress_key(job_id: int) -> str:
    return f"import-job:{job_id}:processed"


def live_processed_rows(job: ImportJob) -> int:
    if job.status == ImportJob.Status.RUNNING:
        return cache.get(_progress_key(job.pk), job.processed_rows)
    return job.processed_rows


def run_job(job_id: int) -> ImportJob | None:
    """Run a pending import job. Claiming it first makes a repeated delivery of the task a no-op;
    a job whose worker died (no progress for a while) can be claimed again, and since the write is
    one transaction, the dead attempt left nothing behind."""
    stale = timezone.now() - timedelta(minutes=10)
    claimable = Q(status=ImportJob.Status.PENDING) | Q(
        status=ImportJob.Status.RUNNING, updated_at__lt=stale
    )
    claimed = ImportJob.objects.filter(claimable, pk=job_id).update(
        status=ImportJob.Status.RUNNING, updated_at=timezone.now()
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    key = _progress_key(job.pk)

    def progress(rows_done: int) -> None:
        cache.set(key, rows_done, timeout=3600)

    try:
        rows = check_file(job.file_name, bytes(job.content), progress)
        result = write_rows(
            rows=rows,
            association_id=job.association_id,
            actor=job.created_by,
            file_name=job.file_name,
        )
    except ImportRefused as refused:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED,
            errors=[{"row": None, "column": None, "message": refused.detail}, *refused.errors],
            finished_at=timezone.now(),
        )
    except Exception:
        # Hand the job back: the task's retry would otherwise find it RUNNING and do nothing,
        # leaving the import hanging. (The write was one transaction, so nothing is half done.)
        with contextlib.suppress(DatabaseError):
            if not connection.in_atomic_block:
                connection.close_if_unusable_or_obsolete()
            ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.PENDING)
        raise
    else:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.SUCCEEDED,
            created=result.created,
            updated=result.updated,
            processed_rows=len(rows),
            total_rows=len(rows),
            finished_at=timezone.now(),
        )
    cache.delete(key)
    job.refresh_from_db()
    return job


def start_import(*, actor, association_id: int, file_name: str, content: bytes) -> ImportJob:
    """Check the file's type and header at once, then import it: here and now for a small file,
    in a Celery worker for a large one (the job is then PENDING and the caller polls it)."""
    from associations.services import works_for
    from enterprises.tasks import run_import_job

    if not works_for(actor, association_id):
        raise PermissionDenied
    rows = read_rows(file_name, content)
    header = next(rows, None)
    if header is None or not any(header):
        raise ImportRefused(_("The file is empty."))
    _map_header(header)
    total = count_data_rows(file_name, content)
    job = ImportJob.objects.create(
        association_id=association_id,
        created_by=actor,
        file_name=file_name[:255],
        content=content,
        total_rows=total,
    )
    if total > settings.IMPORT_BACKGROUND_ROWS:
        transaction.on_commit(lambda: run_import_job.delay(job.pk))
        return job
    return run_job(job.pk)
