"""A report's snapshot as labelled tables in the active language: what the report page shows and
what the CSV, XLSX and PDF downloads write, so that all four say the same thing.

A cell holds a typed value (int, Decimal, str, bool or None); each column says its kind, so that
a spreadsheet stores numbers as numbers and a page shows a rate as a percentage.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from batches.figures import RESUMED_OF_MEMBERS
from core.models import in_active_language
from reports.figures import mask_personal
from reports.models import Report
from supplies.models import Escalation, Need, Unit, plain

TEXT, INT, DECIMAL, PERCENT, BOOL = "text", "int", "decimal", "percent", "bool"

FIGURE_LABELS = {
    "members": gettext_lazy("Member enterprises"),
    "applied": gettext_lazy("Applied"),
    "approved": gettext_lazy("Approved"),
    "resumed": gettext_lazy("Resumed"),
    "rate": RESUMED_OF_MEMBERS.label,
    "returning_workers": gettext_lazy("Returning workers"),
    "new": gettext_lazy("New needs"),
    "resolved": gettext_lazy("Resolved needs"),
    "open": gettext_lazy("Open at period end"),
    "escalated": gettext_lazy("Escalated"),
    "overdue": gettext_lazy("Overdue"),
    "headcount_asked": gettext_lazy("Headcount asked"),
    "headcount_filled": gettext_lazy("Headcount filled"),
}


@dataclass
class Column:
    label: str
    kind: str = TEXT


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    totals: list | None = None
    note: str = ""


def _name(names: dict, group: str, code: str | None) -> str:
    if not code:
        return ""
    pair = names.get(group, {}).get(code)
    if not pair:
        return code
    return in_active_language(*pair)


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or ""


def headline(data: dict) -> Table:
    meta = data["headline"]
    table = Table(
        "headline",
        _("Headline figures"),
        [
            Column(_("Figure")),
            Column(_("This period"), INT),
            Column(_("Previous period"), INT),
            Column(pgettext("report figure", "Change"), INT),
        ],
        note=_("Previous period: %(start)s to the day before %(end)s.")
        % {"start": meta["previous_start"], "end": meta["previous_end"]},
    )
    for row in meta["rows"]:
        if row["figure"] == "rate":
            values = [display(_decimal(row[k]), PERCENT) for k in ("current", "previous", "change")]
        else:
            values = [row["current"], row["previous"], row["change"]]
        table.rows.append([str(FIGURE_LABELS[row["figure"]]), *values])
    return table


def progress(data: dict) -> Table:
    names = data["names"]
    figures = ("members", "applied", "approved", "resumed")
    table = Table(
        "progress",
        _("Resumption progress by region and industry"),
        [
            Column(_("Region")),
            Column(_("Industry section")),
            *(Column(str(FIGURE_LABELS[f]), INT) for f in figures),
            Column(str(FIGURE_LABELS["rate"]), PERCENT),
            Column(str(FIGURE_LABELS["returning_workers"]), INT),
        ],
    )
    for row in data["progress"]["rows"]:
        table.rows.append(
            [
                _name(names, "regions", row["region"]),
                f"{row['section']} {_name(names, 'sections', row['section'])}",
                *(row[f] for f in figures),
                _decimal(row["rate"]),
                row["returning_workers"],
            ]
        )
    totals = data["progress"]["totals"]
    table.totals = [
        _("Total"),
        "",
        *(totals[f] for f in figures),
        _decimal(totals["rate"]),
        totals["returning_workers"],
    ]
    return table


NEED_COLUMNS = (
    "new",
    "resolved",
    "open",
    "escalated",
    "overdue",
    "headcount_asked",
    "headcount_filled",
)


def needs(data: dict) -> Table:
    names = data["names"]
    table = Table(
        "needs",
        _("Needs by kind, region and industry"),
        [
            Column(_("Kind")),
            Column(_("Region")),
            Column(_("Industry section")),
            *(Column(str(FIGURE_LABELS[f]), INT) for f in NEED_COLUMNS),
        ],
    )
    for row in data["needs"]["rows"]:
        table.rows.append(
            [
                _label(Need.Kind, row["kind"]),
                _name(names, "regions", row["region"]),
                f"{row['section']} {_name(names, 'sections', row['section'])}",
                *(row[f] for f in NEED_COLUMNS),
            ]
        )
    totals = data["needs"]["totals"]
    table.totals = [_("Total"), "", "", *(totals[f] for f in NEED_COLUMNS)]
    return table


def supplies(data: dict) -> Table:
    names = data["names"]
    table = Table(
        "supplies",
        _("Supply quantities by item"),
        [
            Column(pgettext("supply item", "Item")),
            Column(_("Unit")),
            Column(_("Requests"), INT),
            Column(_("Quantity asked"), DECIMAL),
            Column(_("Quantity matched"), DECIMAL),
        ],
    )
    for row in data["supplies"]["rows"]:
        table.rows.append(
            [
                _name(names, "items", row["item"]),
                _label(Unit, row["unit"]),
                row["requests"],
                _decimal(row["asked"]),
                _decimal(row["matched"]),
            ]
        )
    return table


def urgent(data: dict) -> Table:
    names = data["names"]
    section = data["urgent"]
    note = ""
    if section["total"] > len(section["rows"]):
        note = _("The %(shown)d most pressing of %(total)d are listed.") % {
            "shown": len(section["rows"]),
            "total": section["total"],
        }
    table = Table(
        "urgent",
        _("Urgent and escalated needs open at period end"),
        [
            Column(_("No.")),
            Column(_("Enterprise")),
            Column(_("Region")),
            Column(_("Kind")),
            Column(_("Need")),
            Column(_("Urgency")),
            Column(_("Filed")),
            Column(_("Age (days)"), INT),
            Column(_("Needed by")),
            Column(_("Overdue"), BOOL),
            Column(_("Summary for government")),
            Column(_("Outcome")),
            Column(_("Government reply")),
        ],
        note=note,
    )
    for row in section["rows"]:
        table.rows.append(
            [
                str(row["id"]),
                row["enterprise"],
                _name(names, "regions", row["region"]),
                _label(Need.Kind, row["kind"]),
                _need_text(names, row["need"]),
                _label(Need.Urgency, row["urgency"]),
                row["filed"],
                row["age_days"],
                row["needed_by"] or "",
                row["overdue"],
                row["summary"],
                _label(Escalation.Outcome, row["outcome"]) if row["outcome"] else "",
                row["reply"],
            ]
        )
    return table


def _need_text(names: dict, need: dict | str) -> str:
    if isinstance(need, str):  # reports generated before needs were stored in parts
        return need
    if "item" in need:
        quantity = Decimal(need["quantity"])
        unit = _label(Unit, need["unit"])
        return f"{_name(names, 'items', need['item'])} {display(quantity, DECIMAL)} {unit}"
    if "trade" in need:
        return f"{need['trade']} × {need['headcount']}"
    return f"{_label(Need.DifficultyKind, need['difficulty'])}：{need['text']}"


def remarks(report: Report) -> Table:
    return Table(
        "remarks",
        _("Remarks and policy suggestions"),
        [Column(_("Item")), Column(_("Text"))],
        rows=[
            [_("Remarks"), mask_personal(report.remarks) or "—"],
            [_("Policy suggestions"), mask_personal(report.suggestions) or "—"],
        ],
    )


def tables(report: Report) -> list[Table]:
    """The report's sections, in order; empty when it has no figures yet."""
    data = report.data
    if not data:
        return []
    result = [headline(data), progress(data), needs(data), supplies(data), urgent(data)]
    if report.is_association_report:
        result.append(remarks(report))
    return result


def display(value, kind: str) -> str:
    """A cell as text for a page, a CSV or a PDF."""
    if value is None:
        return "—" if kind in (PERCENT, DECIMAL) else ""
    if kind == PERCENT:
        return f"{(value * 100).quantize(Decimal('0.1'))}%"
    if kind == BOOL:
        return _("Yes") if value else ""
    if isinstance(value, Decimal):
        return plain(value)
    return str(value)
