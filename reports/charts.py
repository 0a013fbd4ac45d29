"""The report's headline counts as bar charts, this period against the previous one: one chart
per unit (enterprises, needs, people), each on its own scale and labelled with its unit, so that
a headcount of 38 does not dwarf a count of 3 enterprises. The page draws them with
core.charts; the PDF (reports.pdf) draws the same groups."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from core.charts import ranked_bars
from reports.tables import FIGURE_LABELS

# (title, unit, figures): a figure belongs to the chart of what it counts.
UNITS = (
    (
        pgettext_lazy("report chart", "Enterprises at period end"),
        gettext_lazy("Unit: enterprises"),
        ("members", "applied", "approved", "resumed", "resumed_not_members"),
    ),
    (
        pgettext_lazy("report chart", "Needs"),
        gettext_lazy("Unit: needs"),
        ("new", "resolved", "open", "escalated", "overdue"),
    ),
    (
        pgettext_lazy("report chart", "Returning workers and labour"),
        gettext_lazy("Unit: people"),
        ("returning_workers", "headcount_asked", "headcount_filled"),
    ),
)
# Counted in the needs section only, for this period: the report has no previous value.
NEEDS_TOTALS = ("headcount_asked", "headcount_filled")


def _figures(data: dict) -> dict[str, dict]:
    rows = {row["figure"]: row for row in data["headline"]["rows"]}
    totals = data.get("needs", {}).get("totals", {})
    for name in NEEDS_TOTALS:
        if name not in rows and totals.get(name) is not None:
            rows[name] = {"figure": name, "current": totals[name], "previous": None}
    return rows


def headline_charts(data: dict, links: dict[str, str] | None = None) -> list[dict]:
    """A chart per unit that the report has figures of, each bar linking to the list behind
    its figure where there is one."""
    links = links or {}
    figures = _figures(data)
    charts = []
    for title, unit, names in UNITS:
        rows = [
            {
                "label": str(FIGURE_LABELS[name]),
                "value": figures[name]["current"],
                "compare": figures[name]["previous"],
                "href": links.get(name, ""),
            }
            for name in names
            if name in figures
        ]
        if rows:
            chart = ranked_bars(
                rows,
                percent=False,
                value_label=_("This period"),
                compare_label=_("Previous period"),
                label_header=_("Figure"),
                caption=str(title),
                unit=str(unit),
            )
            charts.append(chart)
    return charts
