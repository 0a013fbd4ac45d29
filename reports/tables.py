"""A report's snapshot as labelled tables in the active language: what the report page shows and
what the CSV, XLSX and PDF downloads write, so that all four say the same thing.

A cell holds a typed value (int, Decimal, str, bool or None); each column says its kind, so that
a spreadsheet stores numbers as numbers and a page shows a rate as a percentage.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from batches.figures import RESUMED_OF_MEMBERS, percent_text
from core.models import in_active_language
from core.text import labelled, with_aside
from reports.figures import mask_personal
from reports.models import Report
from supplies.models import Escalation, Need, Unit, in_unit, plain

TEXT, INT, DECIMAL, PERCENT, BOOL = "text", "int", "decimal", "percent", "bool"

FIGURE_LABELS = {
    "members": gettext_lazy("Member enterprises"),
    "applied": gettext_lazy("Applied"),
    "approved": gettext_lazy("Approved"),
    "resumed": gettext_lazy("Resumed"),
    "resumed_not_members": gettext_lazy("Resumed, no longer members"),
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


# What each figure counts, as docs/decisions/0002 defines it (one sentence each): beside the
# headline figures on the page and in every download.
FIGURE_DEFINITIONS = {
    "members": gettext_lazy(
        "Enterprises whose membership was active at the end of the period, by its history."
    ),
    "applied": gettext_lazy(
        "Enterprises with an application handed in and not withdrawn at the end of the period."
    ),
    "approved": gettext_lazy("Enterprises with an application approved by the end of the period."),
    "resumed": gettext_lazy(
        "Members at the end of the period whose resumption was recorded by then."
    ),
    "resumed_not_members": gettext_lazy(
        "Enterprises whose resumption was recorded by the end of the period but that were no "
        "members then; not in the rate."
    ),
    "rate": gettext_lazy("Resumed ÷ members at the end of the period; never above 100 %."),
    "returning_workers": gettext_lazy(
        "Workers returning, once per enterprise: the figure of its latest approved application."
    ),
    "new": gettext_lazy("Needs filed in the period."),
    "resolved": gettext_lazy("Needs resolved in the period."),
    "open": gettext_lazy("Needs filed before the end of the period and not closed by then."),
    "escalated": gettext_lazy("Needs put before government in the period."),
    "overdue": gettext_lazy("Needs open at the end of the period whose needed-by day had passed."),
}
ROUNDING = gettext_lazy(
    "Rates are rounded to four decimal places (0.01 %%), half to even as in GB/T 8170 "
    "(1/32 = 0.0312); every format shows the same rounded value. Previous period: "
    "%(start)s to %(last)s."
)


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
    row_keys: list[str] = field(default_factory=list)  # what each row is (the headline's figures)


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


def previous_period(data: dict) -> tuple[date, date]:
    """The first and the last day of the period the headline compares with: the snapshot keeps
    its end as the day after (periods run up to local midnight), which no reader should see."""
    meta = data["headline"]
    start, end = (
        date.fromisoformat(meta["previous_start"]),
        date.fromisoformat(meta["previous_end"]),
    )
    return start, end - timedelta(days=1)


def headline(data: dict) -> Table:
    meta = data["headline"]
    previous_start, previous_last = previous_period(data)
    table = Table(
        "headline",
        _("Headline figures"),
        [
            Column(_("Figure")),
            Column(_("This period"), INT),
            Column(_("Previous period"), INT),
            Column(pgettext("report figure", "Change"), INT),
            Column(_("Definition")),
        ],
        note=str(ROUNDING)
        % {"start": previous_start.isoformat(), "last": previous_last.isoformat()},
    )
    for row in meta["rows"]:
        if row["figure"] == "rate":
            values = [display(_decimal(row[k]), PERCENT) for k in ("current", "previous", "change")]
        else:
            values = [row["current"], row["previous"], row["change"]]
        definition = FIGURE_DEFINITIONS.get(row["figure"], "")
        table.rows.append([str(FIGURE_LABELS[row["figure"]]), *values, str(definition)])
        table.row_keys.append(row["figure"])
    return table


def progress(data: dict) -> Table:
    names = data["names"]
    figures = ("members", "applied", "approved", "resumed", "resumed_not_members")
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
                # reports made before the figure existed do not have it: an empty cell
                *(row.get(f) for f in figures),
                _decimal(row["rate"]),
                row["returning_workers"],
            ]
        )
    totals = data["progress"]["totals"]
    table.totals = [
        _("Total"),
        "",
        *(totals.get(f) for f in figures),
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


def urgent(data: dict, every: dict | None = None) -> Table:
    """The urgent list of the snapshot, or `every` one of them (figures.urgent with the files'
    limit: what the CSV and XLSX downloads list), saying plainly when the list is cut."""
    names = every["names"] if every else data["names"]
    section = every or data["urgent"]
    note = ""
    shown, total = len(section["rows"]), section["total"]
    if total > shown and every is None:
        note = _(
            "%(shown)d of %(total)d shown, the most pressing first; all of them are in the CSV "
            "and XLSX downloads."
        ) % {"shown": shown, "total": total}
    elif total > shown:
        note = _(
            "%(shown)d of %(total)d listed, the most pressing first: narrow the report's scope "
            "to list the others."
        ) % {"shown": shown, "total": total}
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
        amount = in_unit(quantity, need["unit"], display(quantity, DECIMAL))
        return f"{_name(names, 'items', need['item'])} {amount}"
    if "trade" in need:
        return f"{need['trade']} × {need['headcount']}"
    return labelled(_label(Need.DifficultyKind, need["difficulty"]), need["text"])


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


def tables(report: Report, every_urgent: dict | None = None) -> list[Table]:
    """The report's sections, in order; empty when it has no figures yet. `every_urgent`: the
    whole urgent list, for the spreadsheet downloads (the snapshot holds the first 200)."""
    data = report.data
    if not data:
        return []
    urgent_table = urgent(data, every_urgent)
    result = [headline(data), progress(data), needs(data), supplies(data), urgent_table]
    corrected = changes(report)
    if corrected is not None:
        result.insert(1, corrected)
    if report.is_association_report:
        result.append(remarks(report))
    return result


def display(value, kind: str) -> str:
    """A cell as text for a page, a CSV or a PDF."""
    if value is None:
        return "—" if kind in (PERCENT, DECIMAL) else ""
    if kind == PERCENT:
        # A rate is stored to four decimal places: as a percentage with two it is the same
        # number, rounded once (ROUNDING), whatever the format.
        return percent_text(value)
    if kind == BOOL:
        return _("Yes") if value else ""
    if isinstance(value, Decimal):
        return plain(value)
    return str(value)


# --- what a correction changed ------------------------------------------------------------


def _figure_rows(data: dict) -> dict[tuple[str, str, str], object]:
    """Every figure of a snapshot keyed by (section, row, figure), the row named as a reader
    knows it."""
    names = data["names"]
    values: dict[tuple[str, str, str], object] = {}
    for row in data["headline"]["rows"]:
        values[("headline", "", row["figure"])] = row["current"]
    for row in data["progress"]["rows"]:
        label = f"{_name(names, 'regions', row['region'])} · {row['section']}"
        for figure in FIGURE_LABELS:
            if figure in row:
                values[("progress", label, figure)] = row[figure]
    for row in data["needs"]["rows"]:
        label = (
            f"{_label(Need.Kind, row['kind'])} · {_name(names, 'regions', row['region'])} · "
            f"{row['section']}"
        )
        for figure in NEED_COLUMNS:
            values[("needs", label, figure)] = row[figure]
    for row in data["supplies"]["rows"]:
        label = with_aside(_name(names, "items", row["item"]), _label(Unit, row["unit"]))
        for figure in ("requests", "asked", "matched"):
            values[("supplies", label, figure)] = row[figure]
    return values


SECTION_TITLES = {
    "headline": gettext_lazy("Headline figures"),
    "progress": gettext_lazy("Resumption progress by region and industry"),
    "needs": gettext_lazy("Needs by kind, region and industry"),
    "supplies": gettext_lazy("Supply quantities by item"),
}
SUPPLY_LABELS = {
    "requests": gettext_lazy("Requests"),
    "asked": gettext_lazy("Quantity asked"),
    "matched": gettext_lazy("Quantity matched"),
}


def previous_version(report: Report) -> Report | None:
    if report.version < 2:
        return None
    return (
        Report.objects.filter(
            region_id=report.region_id,
            association_id=report.association_id,
            period_type=report.period_type,
            period_start=report.period_start,
            version=report.version - 1,
            data__isnull=False,
        )
        .only("data", "version")
        .first()
    )


def changes(report: Report) -> Table | None:
    """A corrected version's figures that differ from the version it corrects (old → new): a
    figure that was not there before (a new row) is shown against an empty cell."""
    previous = previous_version(report)
    if previous is None or not report.data:
        return None
    old, new = _figure_rows(previous.data), _figure_rows(report.data)
    table = Table(
        "changes",
        _("Changed since version %(version)d") % {"version": previous.version},
        [
            Column(_("Section")),
            Column(_("Row")),
            Column(_("Figure")),
            Column(_("Version %(version)d") % {"version": previous.version}),
            Column(_("Version %(version)d") % {"version": report.version}),
        ],
    )
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        section, row, figure = key
        label = FIGURE_LABELS.get(figure) or SUPPLY_LABELS.get(figure) or figure
        kind = PERCENT if figure == "rate" else DECIMAL if figure in ("asked", "matched") else INT
        table.rows.append(
            [
                str(SECTION_TITLES[section]),
                row,
                str(label),
                display(_decimal(before) if kind != INT else before, kind),
                display(_decimal(after) if kind != INT else after, kind),
            ]
        )
    if not table.rows:
        table.note = _("No figure changed.")
    return table
