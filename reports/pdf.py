"""The layout of a report's PDF (reportlab): see reports.rendering.render_pdf.

Every text goes through a Paragraph in the report's CJK font (embedded, or one that readers
substitute: reports.rendering.pdf_font) with CJK line breaking, so that Chinese renders and long
text wraps inside its cell; rows taller than a page split across pages.
"""

import io
import re
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as PdfTable

from core.charts import nice_ticks
from core.text import with_aside
from reports.charts import UNITS
from reports.models import Report
from reports.rendering import NUMERIC, cell_text, clean_text
from reports.tables import Table

PAGE = landscape(A4)
MARGIN = 12 * mm
WIDTH = PAGE[0] - 2 * MARGIN
CELL_SIZE = 7.5
PADDING = 6  # left and right padding of a cell, together
HEADER_FILL = colors.HexColor("#DDEBF7")
TOTALS_FILL = colors.HexColor("#F2F2F2")
STRIPE_FILL = colors.HexColor("#FAFBFD")
GRID = colors.HexColor("#B4B4B4")
CURRENT_BAR = colors.HexColor("#2F6DB5")
PREVIOUS_BAR = colors.HexColor("#A9C1E0")

_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
# A run that does not wrap: a word or number, or a few CJK characters (which could break
# anywhere, but a column a character wide is no use).
_UNBROKEN = re.compile(r"[^\s\u2e80-\u9fff\uff00-\uffef]+|[\u2e80-\u9fff\uff00-\uffef]{1,4}")
LONGEST_UNBROKEN = 90  # points: a longer run (a URL, say) is broken anywhere
LONGEST_WRAPPED = 0.35  # of the width: a longer text wraps rather than squeeze the others


def _styles(font: str) -> dict[str, ParagraphStyle]:
    """Each style, and under "<name>:latin" the same with Western line breaking (between words
    only) for text without CJK characters, which CJK breaking would cut in mid-word."""
    base = ParagraphStyle("base", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    cell = ParagraphStyle("cell", base, fontSize=CELL_SIZE, leading=CELL_SIZE + 2)
    styles = {
        "title": ParagraphStyle("title", base, fontSize=16, leading=21, spaceAfter=6),
        "heading": ParagraphStyle(
            "heading", base, fontSize=12, leading=16, spaceBefore=10, spaceAfter=4, keepWithNext=1
        ),
        "body": base,
        "note": ParagraphStyle("note", base, fontSize=8, textColor=colors.HexColor("#555555")),
        "cell": cell,
        "number": ParagraphStyle("number", cell, alignment=TA_RIGHT),
    }
    for name, style in list(styles.items()):
        styles[f"{name}:latin"] = ParagraphStyle(f"{name}:latin", style, wordWrap=None)
    return styles


def _paragraph(text: str, styles: dict, name: str) -> Paragraph:
    style = styles[name]
    if not _CJK.search(text) and all(
        stringWidth(run, style.fontName, style.fontSize) <= LONGEST_UNBROKEN - PADDING
        for run in text.split()
    ):
        style = styles[f"{name}:latin"]
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


# --- tables -------------------------------------------------------------------------------


def _widths(table: Table, font: str, room: float = WIDTH) -> list[float]:
    """Column widths that fit the page, as a browser lays out a table: each column gets at least
    its longest unbroken run (a date, a word, a figure) and at most its longest text; the room
    between is shared in proportion to what each column would still take."""
    rows = [*table.rows, *([table.totals] if table.totals else [])]

    def measure(text: str) -> float:
        return stringWidth(text, font, CELL_SIZE) + PADDING

    least, most = [], []
    for index, column in enumerate(table.columns):
        texts = [column.label, *(cell_text(row[index], column.kind, "—") for row in rows)]
        most.append(min(max(measure(text) for text in texts), LONGEST_WRAPPED * room))
        runs = [run for text in texts for run in _UNBROKEN.findall(text)]
        least.append(min(max((measure(run) for run in runs), default=PADDING), LONGEST_UNBROKEN))
    if sum(most) <= room:
        return most
    spare = max(room - sum(least), 0)
    wanted = sum(m - n for m, n in zip(most, least, strict=True)) or 1
    return [n + (m - n) * spare / wanted for m, n in zip(most, least, strict=True)]


def _table(table: Table, styles: dict, font: str, room: float = WIDTH) -> PdfTable:
    def cells(row: list) -> list[Paragraph]:
        return [
            _paragraph(
                cell_text(value, column.kind, "—"),
                styles,
                "number" if column.kind in NUMERIC else "cell",
            )
            for value, column in zip(row, table.columns, strict=True)
        ]

    header = [_paragraph(column.label, styles, "cell") for column in table.columns]
    body = [cells(row) for row in table.rows]
    if table.totals:
        body.append(cells(table.totals))
    style = [
        ("GRID", (0, 0), (-1, -1), 0.25, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), PADDING / 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), PADDING / 2),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, STRIPE_FILL]),
    ]
    if table.totals:
        style.append(("BACKGROUND", (0, -1), (-1, -1), TOTALS_FILL))
    return PdfTable(
        [header, *body],
        colWidths=_widths(table, font, room),
        repeatRows=1,
        splitInRow=1,
        hAlign="LEFT",
        style=TableStyle(style),
    )


def _metadata_table(rows: list[tuple[str, str]], styles: dict) -> PdfTable:
    data = [
        [_paragraph(label, styles, "body"), _paragraph(value, styles, "body")]
        for label, value in rows
    ]
    return PdfTable(
        data,
        colWidths=[40 * mm, WIDTH - 40 * mm],
        hAlign="LEFT",
        style=TableStyle(
            [
                ("BACKGROUND", (0, 0), (0, -1), HEADER_FILL),
                ("GRID", (0, 0), (-1, -1), 0.25, GRID),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        ),
    )


# --- the headline chart -------------------------------------------------------------------


def _unit_chart(rows: list[list], x: float, width: float, font: str) -> VerticalBarChart:
    """The bars of one unit's figures, this period against the previous one, on its own axis."""
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = x, 62, width, 112
    chart.data = [[row[1] for row in rows], [row[2] for row in rows]]
    chart.bars[0].fillColor, chart.bars[1].fillColor = CURRENT_BAR, PREVIOUS_BAR
    chart.bars.strokeColor = None
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName, chart.barLabels.fontSize = font, 6
    chart.barLabels.nudge = 6
    # counts on whole, round steps (0, 5, 10 …), not reportlab's 0.2, 0.4 …
    ticks = nice_ticks(max(value for series in chart.data for value in series))
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, ticks[-1]
    chart.valueAxis.valueStep = ticks[1] - ticks[0]
    chart.valueAxis.labels.fontName, chart.valueAxis.labels.fontSize = font, 7
    axis = chart.categoryAxis
    axis.categoryNames = [clean_text(str(row[0])) for row in rows]
    axis.labels.fontName, axis.labels.fontSize = font, 7
    axis.labels.angle, axis.labels.boxAnchor, axis.labels.dy = 30, "ne", -2
    return chart


def _headline_chart(table: Table, font: str, width: float) -> Drawing | None:
    """The headline counts as bars, one chart per unit (enterprises, needs, people: as the
    page draws them, reports.charts.UNITS), each on its own scale and titled with its unit;
    rates are left out (another scale again)."""
    by_figure = dict(zip(table.row_keys, table.rows, strict=True))
    groups = []
    for title, unit, names in UNITS:
        rows = [by_figure[name] for name in names if name in by_figure]
        rows = [row for row in rows if isinstance(row[1], int) and isinstance(row[2], int)]
        if rows:
            groups.append((with_aside(str(title), str(unit)), rows))
    if not groups:
        return None
    drawing = Drawing(width, 214)
    # each chart's width by its bars, with room for its axis and its title however few
    weights = [len(rows) + 2 for _title, rows in groups]
    x = 0.0
    for (title, rows), weight in zip(groups, weights, strict=True):
        share = width * weight / sum(weights)
        drawing.add(_unit_chart(rows, x + 28, share - 44, font))
        drawing.add(String(x + 28, 188, clean_text(title), fontName=font, fontSize=8))
        x += share
    legend = Legend()
    legend.x, legend.y, legend.columnMaximum, legend.alignment = 28, 212, 1, "right"
    legend.fontName, legend.fontSize = font, 8
    legend.dx = legend.dy = 8
    legend.colorNamePairs = [
        (CURRENT_BAR, table.columns[1].label),
        (PREVIOUS_BAR, table.columns[2].label),
    ]
    drawing.add(legend)
    return drawing


def _headline(table: Table, styles: dict, font: str) -> PdfTable:
    """The headline figures with their definitions, and below them their chart."""
    figures = _table(table, styles, font)
    chart = _headline_chart(table, font, WIDTH)
    if chart is None:
        return figures
    return PdfTable(
        [[figures], [chart]],
        colWidths=[WIDTH],
        hAlign="LEFT",
        style=TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        ),
    )


# --- pages --------------------------------------------------------------------------------


def _canvas_with_footer(title: str, checksum: str, font: str):
    """A canvas that keeps its pages until the end, to write "page n of m" on each."""

    class FooterCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            for state in self._pages:
                self.__dict__.update(state)
                self._footer(len(self._pages))
                super().showPage()
            super().save()

        def _footer(self, pages: int) -> None:
            self.setFont(font, 7)
            self.setFillColor(colors.HexColor("#555555"))
            y = 7 * mm
            page = _("Page %(page)d of %(pages)d") % {"page": self._pageNumber, "pages": pages}
            self.drawCentredString(PAGE[0] / 2, y, page)
            self.drawRightString(PAGE[0] - MARGIN, y, f"SHA-256 {checksum}")
            room = PAGE[0] / 2 - MARGIN - 40
            shown = title
            while shown and stringWidth(shown, font, 7) > room:
                shown = shown[:-2] + "…"
            self.drawString(MARGIN, y, shown)

    return FooterCanvas


def _remarks(table: Table, styles: dict) -> list:
    story = [_paragraph(table.title, styles, "heading")]
    for label, text in table.rows:
        story += [
            _paragraph(str(label), styles, "note"),
            _paragraph(clean_text(str(text)), styles, "body"),
            Spacer(0, 4),
        ]
    return story


def _story(sections: list[Table], metadata: list[tuple[str, str]], styles: dict, font: str):
    story = [_paragraph(metadata[0][1], styles, "title"), _metadata_table(metadata[1:], styles)]
    for table in sections:
        if table.key == "remarks":
            story += _remarks(table, styles)
            continue
        story.append(_paragraph(table.title, styles, "heading"))
        if table.note:
            story.append(_paragraph(table.note, styles, "note"))
        if not table.rows:
            story.append(_paragraph(_("Nothing to report for this period."), styles, "note"))
        elif table.key == "headline":
            story.append(_headline(table, styles, font))
        else:
            story.append(_table(table, styles, font))
    return story


def build(report: Report, sections: list[Table], metadata: list[tuple[str, str]], font: str):
    styles = _styles(font)
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=14 * mm,
        title=report.title,
        author=_("Resumption Portal"),
        subject=f"SHA-256 {report.checksum}",
        creator="Resumption Portal",
        initialFontName=font,
        invariant=1,  # no creation time or random document id: the same bytes every time
    )
    document.build(
        _story(sections, metadata, styles, font),
        canvasmaker=_canvas_with_footer(report.title, report.checksum, font),
    )
    return out.getvalue()
