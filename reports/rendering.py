"""A report as a file to download: CSV, XLSX and PDF.

All three are written from reports.tables, so that they say what the report page says, in the
active language, section by section.

Downloads are reproducible: the same report (figures, remarks, status) gives the same bytes every
time. Nothing in them is "now": the time written is when the figures were computed, the PDF is
written in reportlab's invariant mode, and the XLSX carries the generation time as its
created/modified properties and as the time of every entry of its zip archive.

Personal data: the figures hold no person's name, and every piece of free text (need
descriptions, summaries for government, replies, remarks) goes through figures.mask_personal here
once more, so that a phone or ID number typed anywhere is masked in every format.
"""

import codecs
import csv
import hashlib
import io
import logging
import re
import unicodedata
import zipfile
from datetime import UTC
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from core import spreadsheets
from core.text import with_aside
from reports import figures
from reports.figures import mask_personal
from reports.models import Report
from reports.periods import period_label
from reports.tables import (
    DECIMAL,
    INT,
    MONEY,
    PERCENT,
    TEXT,
    Column,
    Table,
    display,
    tables,
)

# Part of every kept file's state (reports.services.file_state): change it when what the
# renderers write changes, so that files kept before are made again.
RENDERING_VERSION = "2026-12-04"
NUMERIC = (INT, DECIMAL, PERCENT, MONEY)
# Control characters that XML (XLSX) and PDF text cannot hold; tab and newlines stay.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_PERCENT_TEXT = re.compile(r"^-?\d+(?:\.\d+)?%$")

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
logger = logging.getLogger(__name__)


def filename(report: Report, file_format: str) -> str:
    return f"report-{report.pk}-v{report.version}.{file_format}"


# --- what every format shares -------------------------------------------------------------


def _sections(report: Report, every_urgent: dict | None = None, *, spreadsheet=False):
    """The report's tables. A spreadsheet lists the urgent needs in full: `every_urgent` (the
    list kept for the version, reports.services.urgent_in_full), or, when none is given and the
    snapshot holds only the first of them, the list read now as at the end of the period."""
    if not report.data or report.generated_at is None:
        raise ValueError(f"Report {report.pk} has no figures yet (status {report.status}).")
    if not spreadsheet:
        return tables(report)
    return tables(report, every_urgent or figures.every_urgent(report))


def _local_time(moment) -> str:
    return timezone.localtime(moment).isoformat(sep=" ", timespec="seconds")


def metadata(report: Report) -> list[tuple[str, str]]:
    """The title block: what the report covers, which version, when it was computed, and the
    checksum of its figures (the same as in the API, to check a copy against)."""
    rows = [(_("Report"), report.title)]
    association, region = report.scope_names()
    if report.association_id:
        rows.append((_("Association"), association))
    if report.region_id:
        rows.append((_("Region"), with_aside(region, report.region_id)))
    elif not report.association_id:
        rows.append((_("Region"), _("National")))
    label = period_label(report.period_type, report.period_start)
    period = f"{report.get_period_type_display()} {label}"
    if report.last_day > report.period_start:
        period += f" ({report.period_start.isoformat()} – {report.last_day.isoformat()})"
    rows += [
        (_("Period"), period),
        (_("Version"), str(report.version)),
        (_("Status"), report.get_status_display()),
        (_("Generated at"), _local_time(report.generated_at)),
    ]
    if report.submitted_at:
        rows.append((_("Submitted at"), _local_time(report.submitted_at)))
    rows.append((_("Checksum (SHA-256)"), report.checksum))
    return rows


def clean_text(text: str) -> str:
    return _CONTROL.sub("", mask_personal(text))


def cell_text(value, kind: str, empty: str = "") -> str:
    """A cell as text: numbers plainly (no thousands separators), free text masked."""
    if value is None:
        return empty
    text = display(value, kind)
    return clean_text(text) if kind == TEXT else text


def _all_rows(table: Table) -> list[list]:
    return [*table.rows, table.totals] if table.totals else list(table.rows)


# --- CSV ----------------------------------------------------------------------------------


def _csv_cell(value, kind: str) -> str:
    text = cell_text(value, kind)
    if kind == TEXT:
        return spreadsheets.csv_cell(text)
    if kind in NUMERIC and text == "—":  # the headline's rate that cannot be computed
        return ""
    return text


def render_csv(report: Report, every_urgent: dict | None = None) -> bytes:
    """UTF-8 with a byte order mark, so that Excel reads the Chinese text.

    The title block (label, value) comes first; then each section: its title on a row of its
    own, the header row, the rows, the totals row and a note if there is one, with a blank row
    between sections. Integers and quantities are written plainly, rates as percentages
    ("25.00%"), a figure that cannot be computed (a rate without members) as an empty cell.
    """
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    # The title block names the association as its staff typed it: text like any other.
    writer.writerows(spreadsheets.csv_row(row) for row in metadata(report))
    for table in _sections(report, every_urgent, spreadsheet=True):
        writer.writerow([])
        writer.writerow(spreadsheets.csv_row([table.title]))
        writer.writerow(spreadsheets.csv_row(column.label for column in table.columns))
        for row in _all_rows(table):
            cells = zip(row, table.columns, strict=True)
            writer.writerow([_csv_cell(value, column.kind) for value, column in cells])
        if table.note:
            writer.writerow(spreadsheets.csv_row([table.note]))
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


# --- XLSX ---------------------------------------------------------------------------------

NUMBER_FORMATS = {INT: "#,##0", DECIMAL: "#,##0.00", PERCENT: "0.00%", MONEY: "#,##0.00"}
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _xlsx_value(value, kind: str):
    """A number stays a number; the headline's rates, given as text ("25.0%"), become one."""
    if value is None or kind not in NUMERIC:
        return (cell_text(value, kind) or None) if value is not None else None
    if isinstance(value, str):
        if _PERCENT_TEXT.match(value):
            return Decimal(value[:-1]) / 100, NUMBER_FORMATS[PERCENT]
        try:
            return Decimal(value), NUMBER_FORMATS[DECIMAL]
        except InvalidOperation:
            return None  # "—": not computable
    return value, NUMBER_FORMATS[kind]


def _xlsx_cell(sheet, value, kind: str, *, style=None):
    converted = _xlsx_value(value, kind)
    number_format = None
    if isinstance(converted, tuple):
        converted, number_format = converted
    cell = spreadsheets.xlsx_cell(sheet, converted)  # text stays text, never a formula
    if isinstance(converted, str) and "\n" in converted:
        cell.alignment = _wrapped()
    if number_format:
        cell.number_format = number_format
    if style:
        cell.font, cell.fill = style
    return cell


def _wrapped():
    from openpyxl.styles import Alignment

    return Alignment(wrap_text=True, vertical="top")


def _header_style():
    from openpyxl.styles import Font, PatternFill

    return Font(bold=True), PatternFill("solid", fgColor="DDEBF7")


def _totals_style():
    from openpyxl.styles import Font, PatternFill

    return Font(bold=True), PatternFill("solid", fgColor="F2F2F2")


def _set_widths(sheet, columns: list[Column], rows: list[list]) -> None:
    from openpyxl.utils import get_column_letter

    for index, column in enumerate(columns):
        texts = [column.label, *(cell_text(row[index], column.kind) for row in rows)]
        width = max(_display_width(text) for text in texts) + 2
        sheet.column_dimensions[get_column_letter(index + 1)].width = min(max(width, 8), 60)


def _sheet_name(title: str, used: set[str]) -> str:
    base = SHEET_NAME_FORBIDDEN.sub(" ", title).strip()[:31] or "Sheet"
    name, number = base, 2
    while name.lower() in used:
        suffix = f" ({number})"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    used.add(name.lower())
    return name


def _cover_sheet(workbook, report: Report) -> None:
    sheet = workbook.create_sheet(_sheet_name(_("Report"), set()))
    rows = metadata(report)
    _set_widths(sheet, [Column(""), Column("")], [list(row) for row in rows])
    header = _header_style()
    for label, value in rows:
        sheet.append(
            [_xlsx_cell(sheet, label, TEXT, style=header), spreadsheets.xlsx_value(sheet, value)]
        )


def _table_sheet(workbook, table: Table, name: str) -> None:
    sheet = workbook.create_sheet(name)
    sheet.freeze_panes = "A2"
    rows = _all_rows(table)
    _set_widths(sheet, table.columns, rows)
    header = _header_style()
    sheet.append([_xlsx_cell(sheet, c.label, TEXT, style=header) for c in table.columns])
    for row in table.rows:
        cells = zip(row, table.columns, strict=True)
        sheet.append([_xlsx_cell(sheet, value, column.kind) for value, column in cells])
    if table.totals:
        totals = _totals_style()
        sheet.append(
            [
                _xlsx_cell(sheet, v, c.kind, style=totals)
                for v, c in zip(table.totals, table.columns, strict=True)
            ]
        )
    if table.note:
        sheet.append([])
        sheet.append([_xlsx_cell(sheet, table.note, TEXT)])


def _zip_with_fixed_times(raw: bytes, moment) -> bytes:
    """The same archive with every entry dated `moment`, instead of the time it was written."""
    stamp = timezone.localtime(moment).timetuple()[:6]
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(raw)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            fixed = zipfile.ZipInfo(entry.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = entry.external_attr
            target.writestr(fixed, source.read(entry))
    return out.getvalue()


def render_xlsx(report: Report, every_urgent: dict | None = None) -> bytes:
    """A cover sheet (title block and checksum), then one sheet per section: a bold, filled,
    frozen header row, numbers as numbers (integers, quantities with two decimals, rates in
    percentage format), the totals row, columns wide enough for their text. Written in
    openpyxl's write-only mode, which streams rows to disk instead of holding cell objects."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    sections = _sections(report, every_urgent, spreadsheet=True)
    workbook = Workbook(write_only=True)
    generated = report.generated_at.astimezone(UTC).replace(tzinfo=None)
    workbook.properties.title = report.title
    workbook.properties.creator = "Resumption Portal"
    workbook.properties.identifier = report.checksum
    workbook.properties.created = workbook.properties.modified = generated
    _cover_sheet(workbook, report)
    used = {_("Report").lower()}
    for table in sections:
        _table_sheet(workbook, table, _sheet_name(table.title, used))
    raw = io.BytesIO()
    # ExcelWriter rather than workbook.save(), which would stamp "modified" with the time now.
    ExcelWriter(workbook, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()
    return _zip_with_fixed_times(raw.getvalue(), report.generated_at)


# --- PDF ----------------------------------------------------------------------------------


# What PDFs use when no TrueType CJK font can be embedded: reportlab's CID font for Simplified
# Chinese. The PDF names it without embedding it, and readers (Acrobat, browsers, poppler) show
# the Chinese text in a font of their own: a PDF that looks plainer rather than no PDF at all.
FALLBACK_PDF_FONT = "STSong-Light"
_INSTALL_HINT = (
    "install the Debian package fonts-wqy-zenhei (sudo apt-get install -y fonts-wqy-zenhei) or "
    "point REPORT_PDF_FONT at a TrueType font (.ttf or .ttc) with Chinese glyphs"
)


def pdf_font_file() -> str:
    """The font file PDFs should embed (`path` or `path#n`): settings.REPORT_PDF_FONT when it is
    set, else the first of settings.REPORT_PDF_FONT_CANDIDATES that is installed, or "". Looked
    up at each PDF, so that a font installed while the portal runs is used without a restart."""
    if settings.REPORT_PDF_FONT:
        return settings.REPORT_PDF_FONT
    return next((path for path in settings.REPORT_PDF_FONT_CANDIDATES if Path(path).is_file()), "")


def _map_faces(name: str) -> None:
    from reportlab.lib.fonts import addMapping

    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(name, bold, italic, name)  # one face: <b> in a cell must not fail


@lru_cache
def _registered_font(spec: str, modified: int, size: int) -> tuple[str, str]:
    """The registered name of the font of `spec` and "", or "" and why it cannot be embedded.
    Keyed by the file's time and size too, so that a file replaced in place is read again."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    path, _hash, index = spec.partition("#")
    name = "ReportCJK-" + hashlib.sha256(spec.encode()).hexdigest()[:8]
    try:
        font = TTFont(name, path, subfontIndex=int(index or 0))
    except (TTFError, ValueError, OSError) as exc:
        return "", str(exc)
    pdfmetrics.registerFont(font)
    _map_faces(name)
    return name, ""


@lru_cache
def _fallback_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_PDF_FONT))
    _map_faces(FALLBACK_PDF_FONT)
    return FALLBACK_PDF_FONT


def pdf_font() -> str:
    """The registered name of the font PDFs are written in: the TrueType CJK font of
    pdf_font_file(), embedded; or, when there is none or it cannot be embedded, FALLBACK_PDF_FONT
    with a warning in the log saying what to install. A PDF is made either way."""
    spec = pdf_font_file()
    if not spec:
        logger.warning(
            "No Chinese font for PDF reports: this PDF uses %s, which is not embedded (readers "
            "substitute a font of their own). For an embedded font, %s.",
            FALLBACK_PDF_FONT,
            _INSTALL_HINT,
        )
        return _fallback_font()
    try:
        found = Path(spec.partition("#")[0]).stat()
    except OSError:
        problem = "there is no such file"
    else:
        name, problem = _registered_font(spec, found.st_mtime_ns, found.st_size)
        if name:
            return name
        problem = f"it cannot be embedded ({problem}); it must be a TrueType font"
    logger.warning(
        "REPORT_PDF_FONT=%s: %s. This PDF uses %s, which is not embedded (readers substitute a "
        "font of their own). For an embedded font, %s.",
        spec,
        problem,
        FALLBACK_PDF_FONT,
        _INSTALL_HINT,
    )
    return _fallback_font()


def render_pdf(report: Report, font: str = "") -> bytes:
    """A4 landscape: the title and its block, the headline figures with a bar chart of this
    period against the previous one, then each section as a table whose header row repeats on
    every page and whose long text wraps; the remarks as paragraphs. Every page's footer has
    the title, the page number and the checksum. Chinese renders on any reader: the CJK font
    (pdf_font_file()) is embedded, or readers substitute one for FALLBACK_PDF_FONT. `font` is
    a name pdf_font() gave (default: pdf_font() now)."""
    from reports import pdf

    return pdf.build(report, _sections(report), metadata(report), font or pdf_font())
