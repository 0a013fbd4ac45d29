"""Checking every row of a member spreadsheet before anything is written."""

import re
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.models import Industry, Region
from core.reference_data import withdrawn_region
from core.validators import normalise_phone, normalise_uscc
from enterprises.models import Enterprise
from members.imports.reading import (
    OPTIONAL,
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


class CleanRow(NamedTuple):
    """A checked row, its values in the order of the import's temporary table (a tuple, so that
    it is written to COPY as it is)."""

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
    address: str | None
    legal_representative: str | None
    member_number: str | None


# A credit code already written compact, upper case and with a right check character is by far
# the usual case; checking it here is a tenth of the cost of python-stdnum's general cleaning,
# which is most of the time spent checking a large file. Anything else goes to normalise_uscc.
COMPACT_USCC = re.compile(r"[0-9]{8}[0-9A-HJ-NP-RTUW-Y]{10}")


USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_VALUES = {character: value for value, character in enumerate(USCC_ALPHABET)}
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _uscc_check_character(code: str) -> str:
    """python-stdnum's calc_check_digit for a compact code, without its cleaning of the input
    (the same sum; tests compare the two)."""
    values = USCC_VALUES
    total = sum(
        values[character] * weight
        for character, weight in zip(code[:17], USCC_WEIGHTS, strict=True)
    )
    return USCC_ALPHABET[(31 - total) % 31]


def _normalised_uscc(value: str) -> str:
    """normalise_uscc(value), answered at once for a compact code with a right check character
    (python-stdnum's general cleaning of the input was a third of the checking time)."""
    if COMPACT_USCC.fullmatch(value) and _uscc_check_character(value) == value[17]:
        return value
    return normalise_uscc(value)


# Likewise a mobile number written as its 11 digits, whole or in groups (138-0013-8000,
# +86 138 0013 8000): libphonenumber's general parsing of it was most of the rest. In these
# ranges parsing finds no prefix to strip (10–12 and 179 begin dialling and carrier prefixes),
# so the number is +86 and its digits, and only the check of the range remains: a number valid
# for libphonenumber is one its metadata for China describes, as the general pattern and the
# mobile one (read from the library, so that they follow its updates). Anything else goes to
# normalise_phone; tests compare the two.
PLAIN_MOBILE = re.compile(r"1(?:[3-689][0-9]|7[0-8])[0-9]{8}")
GROUPED_MOBILE = re.compile(r"(?:\+86 ?)?(1[0-9]{2})[- ]?([0-9]{4})[- ]?([0-9]{4})")
_CHINA = phonenumbers.PhoneMetadata.metadata_for_region("CN")
CHINA_NUMBER = re.compile(_CHINA.general_desc.national_number_pattern)
CHINA_MOBILE = re.compile(_CHINA.mobile.national_number_pattern)


def _normalised_phone(value: str) -> str:
    """normalise_phone(value), answered at once for a valid mobile written as 11 digits."""
    digits = value
    if not PLAIN_MOBILE.fullmatch(digits) and (grouped := GROUPED_MOBILE.fullmatch(value)):
        digits = "".join(grouped.groups())
    if (
        PLAIN_MOBILE.fullmatch(digits)
        and CHINA_NUMBER.fullmatch(digits)
        and CHINA_MOBILE.fullmatch(digits)
    ):
        return "+86" + digits
    return normalise_phone(value)


# Where each check's problem stands among a row's problems, as a person reads them.
REQUIRED_RANK, LENGTH_RANK, USCC_RANK, REGION_RANK, INDUSTRY_RANK = range(5)
SIZE_RANK, EMPLOYEES_RANK, PHONE_RANK = range(5, 8)


class RowChecker:
    """Checks rows against the reference data, loaded once per file. A problem is kept as
    (row, rank, {row, column, message}), so that the duplicates found afterwards (in the
    database, for a file read as a stream) take their place among the others."""

    def __init__(self, columns: dict[str, int], header: list[str]):
        self.columns = columns
        self.titles = {name: header[index] for name, index in columns.items()}
        self.region_levels = dict(Region.objects.values_list("code", "level"))
        self.region_successors = dict(
            Region.objects.filter(successor__isnull=False).values_list("code", "successor_id")
        )
        # The codes a new record may take, and the divisions, for the usual case: one lookup.
        self.counties = {
            code
            for code, level in self.region_levels.items()
            if level == Region.Level.COUNTY and code not in self.region_successors
        }
        self.industry_levels = dict(Industry.objects.values_list("code", "level"))
        self.divisions = {
            code for code, level in self.industry_levels.items() if level == Industry.Level.DIVISION
        }
        self.fields = [(name, columns.get(name)) for name in FIELDS]
        self.width = max(columns.values()) + 1

    def region_error(self, region: str) -> str | None:
        """What is wrong with a region code for a new record, or None."""
        if region in self.counties:
            return None
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

    def duplicate(self, line: int, first: int) -> tuple[int, int, dict]:
        message = _("This credit code is also on line %(line)d; each enterprise once.") % {
            "line": first
        }
        return (line, USCC_RANK, {"row": line, "column": self.titles["uscc"], "message": message})

    def check(self, line: int, row: list[str], problems: list) -> CleanRow | None:
        """The row, checked: a CleanRow if it is right; None if its credit code cannot be read;
        otherwise a CleanRow of its credit code alone (to find duplicates), its problems added
        to `problems`."""
        if len(row) < self.width:
            row = row + [""] * (self.width - len(row))
        values = {name: (None if index is None else row[index]) for name, index in self.fields}
        found = len(problems)

        def problem(rank: int, name: str, message: str) -> None:
            problems.append(
                (line, rank, {"row": line, "column": self.titles[name], "message": message})
            )

        for name in REQUIRED:
            if not values[name]:
                problem(REQUIRED_RANK, name, _("This value is required."))
        for name, limit in MAX_LENGTHS.items():
            if len(values[name] or "") > limit:
                problem(
                    LENGTH_RANK,
                    name,
                    _("Too long: at most %(limit)d characters.") % {"limit": limit},
                )

        uscc = values["uscc"]
        if uscc:
            try:
                uscc = _normalised_uscc(uscc)
            except ValidationError as exc:
                problem(USCC_RANK, "uscc", exc.messages[0])
                uscc = ""

        region = values["region_code"]
        if region and (wrong := self.region_error(region)):
            problem(REGION_RANK, "region_code", wrong)

        industry = values["industry_code"]
        if industry:
            industry = industry.upper()
            if industry not in self.divisions:
                if industry not in self.industry_levels:
                    problem(
                        INDUSTRY_RANK,
                        "industry_code",
                        _("Unknown industry code %(code)s (GB/T 4754-2017).")
                        % {"code": values["industry_code"]},
                    )
                else:
                    problem(
                        INDUSTRY_RANK,
                        "industry_code",
                        _("%(code)s is a section; give the two-digit division, e.g. 39.")
                        % {"code": values["industry_code"]},
                    )

        size = SIZES.get(values["size"].lower()) if values["size"] else None
        if values["size"] and size is None:
            problem(SIZE_RANK, "size", _("Write micro, small or medium (or 微型, 小型, 中型)."))

        employees = 0
        if values["employees"]:
            try:
                employees = int(values["employees"])
                if employees < 0:
                    raise ValueError
            except ValueError:
                problem(EMPLOYEES_RANK, "employees", _("Write a whole number of people, e.g. 45."))
                employees = 0
            if employees > MAX_EMPLOYEES:
                problem(
                    EMPLOYEES_RANK,
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
                problem(PHONE_RANK, "contact_phone", exc.messages[0])

        if len(problems) > found:
            return (
                CleanRow(line, uscc, "", "", "", "", 0, "", "", None, None, None) if uscc else None
            )
        return CleanRow(
            line,
            uscc,
            values["name"],
            region,
            industry,
            size,
            employees,
            values["contact_name"],
            phone,
            values["address"],
            values["legal_representative"],
            values["member_number"],
        )


# The columns a row is read into, in the order of CleanRow's values after its line.
FIELDS = (
    "uscc",
    "name",
    "region_code",
    "industry_code",
    "size",
    "employees",
    "contact_name",
    "contact_phone",
    "address",
    "legal_representative",
    "member_number",
)


class CheckedFile:
    """A member spreadsheet whose rows are checked one by one as they are read, so that a large
    file is written to the database as it is checked (see writing.write_rows), never held whole.

    Iterating yields a CleanRow for every row whose credit code could be read, those with other
    problems too (as the credit code alone), so that the database finds every duplicate; then
    `refuse_if_wrong(duplicates)` raises ImportRefused listing every problem, row by row, if the
    file had any: an import writes only a file with none."""

    def __init__(
        self, file_name: str, content, progress: Callable[[int], None] | None = None
    ) -> None:
        rows = read_rows(file_name, content)
        header = next(rows, None)
        if header is None or not any(header):
            raise ImportRefused(_("The file is empty."))
        columns = map_header(header)
        self.checker = RowChecker(columns, header)
        # The optional columns the file has: those it lacks leave the stored values alone.
        self.given = frozenset(name for name in OPTIONAL if name in columns)
        self.rows = 0
        self.problems: list[tuple[int, int, dict]] = []
        self._rows = rows
        self._progress = progress

    def __iter__(self) -> Iterator[CleanRow]:
        check, problems, progress = self.checker.check, self.problems, self._progress
        for line, row in enumerate(self._rows, start=2):
            if not any(row):
                continue  # blank lines in spreadsheets are common and harmless
            self.rows += 1
            checked = check(line, row, problems)
            if checked is not None:
                yield checked
            if progress and line % PROGRESS_EVERY == 0:
                progress(line)

    def refuse_if_wrong(self, duplicates: Iterable[tuple[int, int]] = ()) -> None:
        """Raise ImportRefused if the file had a problem; `duplicates`: (line, the line where
        its credit code first appears) for every later appearance."""
        problems = self.problems + [self.checker.duplicate(*pair) for pair in duplicates]
        if problems:
            problems.sort(key=lambda problem: problem[:2])
            raise ImportRefused(
                _("Nothing was imported: %(count)d problem(s) to fix in the file.")
                % {"count": len(problems)},
                [problem for _line, _rank, problem in problems],
            )
        if not self.rows:
            raise ImportRefused(_("The file has a header but no rows to import."))


def check_file(
    file_name: str, content: bytes, progress: Callable[[int], None] | None = None
) -> list[CleanRow]:
    """Every row, checked and held in a list (for a small file; an import streams them);
    raises ImportRefused listing every problem if any row is bad."""
    checked = CheckedFile(file_name, content, progress)
    rows = list(checked)
    first: dict[str, int] = {}
    duplicates = []
    for row in rows:
        if row.uscc in first:
            duplicates.append((row.line, first[row.uscc]))
        else:
            first[row.uscc] = row.line
    checked.refuse_if_wrong(duplicates)
    return rows
