"""The report page's charts as plain geometry for an inline SVG: no script and nothing fetched
from the network, so the page works offline and prints as it shows."""

from django.utils.translation import gettext_lazy as _

from reports.tables import FIGURE_LABELS

CHARTS = (
    (_("Resumption at period end"), ("applied", "approved", "resumed")),
    (_("Needs in the period"), ("new", "resolved", "open")),
)
WIDTH = 500
LABEL_WIDTH = 150  # the figure's name, left of its bars
VALUE_WIDTH = 48  # room for the number right of the longest bar
BAR = 14
GAP = 3  # between a figure's two bars
ROW = 2 * BAR + GAP + 14
TOP = 28  # the legend


def _bar(value: int | None, y: int, scale: float) -> dict:
    value = value or 0
    width = round(value * scale, 1)
    if value and width < 2:
        width = 2  # a small number stays visible
    return {"value": value, "y": y, "width": width, "text_x": LABEL_WIDTH + width + 4}


def _chart(title: str, names: tuple[str, ...], rows: dict[str, dict]) -> dict:
    biggest = max([1, *(rows[name][key] or 0 for name in names for key in ("current", "previous"))])
    scale = (WIDTH - LABEL_WIDTH - VALUE_WIDTH) / biggest
    figures = []
    for index, name in enumerate(names):
        y = TOP + index * ROW
        figures.append(
            {
                "label": str(FIGURE_LABELS[name]),
                "label_y": y + BAR + GAP // 2 + 4,
                "current": _bar(rows[name]["current"], y, scale),
                "previous": _bar(rows[name]["previous"], y + BAR + GAP, scale),
            }
        )
    return {
        "title": str(title),
        "figures": figures,
        "width": WIDTH,
        "height": TOP + len(names) * ROW - 10,
        "label_width": LABEL_WIDTH,
        "bar": BAR,
    }


def headline_charts(headline_rows: list[dict]) -> list[dict]:
    """Bars of this period against the previous one for the headline counts, in two charts
    (each with its own scale: members' applications and needs differ by orders of size)."""
    rows = {row["figure"]: row for row in headline_rows}
    return [_chart(title, names, rows) for title, names in CHARTS]
