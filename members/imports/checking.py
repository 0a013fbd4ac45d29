"""Checking every row of a member spreadsheet before anything is written."""

import re
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import uscc as stdnum_uscc

from core.models import Industry, Region
from core.reference_data import withdrawn_region
from core.validators import normalise_phone, normalise_uscc
from enterprises.models import Enterprise
from members.imports.reading import (
    REQUIRED,
    ImportRefused,
    map_header,
    read_rows,
)

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
PROGRESS_EVERY = 2000
# A headcount beyond this is a typing mistake in a file of small and medium enterprises (the
# column itself would take up to 2,147,483,647, and beyond that the database refuses the file).
MAX_EMPLOYEES = 1_000_000


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


# A credit code already written compact, upper case and with a right check character is by far
# the usual case; checking it here is a tenth of the cost of python-stdnum's general cleaning,
# which is most of the time spent checking a large file. Anything else goes to normalise_uscc.
COMPACT_USCC = re.compile(r"[0-9]{8}[0-9A-HJ-NP-RTUW-Y]{10}")


def _normalised_uscc(value: str) -> str:
    """normalise_uscc(value), answered at once for a compact code with a right check character
    (python-stdnum's general cleaning of the input was a third of the checking time)."""
    if COMPACT_USCC.fullmatch(value) and stdnum_uscc.calc_check_digit(value) == value[17]:
        return value
    return normalise_uscc(value)


# Likewise a mobile number written as its 11 digits: libphonenumber's general parsing of it was
# most of the rest. In these ranges parsing finds no prefix to strip (10–12 and 179 begin
# dialling and carrier prefixes), so the number is +86 and the digits as written, and only the
# check of the range remains. Anything else goes to normalise_phone.
PLAIN_MOBILE = re.compile(r"1(?:[3-689][0-9]|7[0-8])[0-9]{8}")


def _normalised_phone(value: str) -> str:
    """normalise_phone(value), answered at once for a valid mobile written as 11 digits."""
    if PLAIN_MOBILE.fullmatch(value):
        number = phonenumbers.PhoneNumber(country_code=86, national_number=int(value))
        if phonenumbers.is_valid_number(number):
            return "+86" + value
    return normalise_phone(value)


class RowChecker:
    """Checks rows against the reference data, loaded once per file."""

    def __init__(self, columns: dict[str, int], header: list[str]):
        self.columns = columns
        self.titles = {name: header[index] for name, index in columns.items()}
        self.region_levels = dict(Region.objects.values_list("code", "level"))
        self.region_successors = dict(
            Region.objects.filter(successor__isnull=False).values_list("code", "successor_id")
        )
        self.industry_levels = dict(Industry.objects.values_list("code", "level"))
        self.seen: dict[str, int] = {}

    def region_error(self, region: str) -> str | None:
        """What is wrong with a region code for a new record, or None."""
        level = self.region_levels.get(region)
        if level is None:
            return _("Unknown region code %(code)s (GB/T 2260).") % {"code": region}
        if level != Region.Level.COUNTY:
            return _("%(code)s is a province or city; give the county-level code.") % {
                "code": region
            }
        if region in self.region_successors:
            successor = self.region_successors[region]
            return withdrawn_region(region, successor, self.region_levels.get(successor))
        return None

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
                uscc = _normalised_uscc(uscc)
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
        if region and (wrong := self.region_error(region)):
            problem("region_code", wrong)

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
            if employees > MAX_EMPLOYEES:
                problem(
                    "employees",
                    _(
                        "Too many people for one enterprise: write its number of employees, "
                        "from 0 to %(max)s."
                    )
                    % {"max": f"{MAX_EMPLOYEES:,}"},
                )

        phone = values["contact_phone"]
        if phone:
            try:
                phone = _normalised_phone(phone)
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
    columns = map_header(header)
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
