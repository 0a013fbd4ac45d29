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
from market.models import Complaint
from relief.models import ReliefScheme
from reports.figures import mask_personal
from reports.models import Report
from supplies.models import Escalation, Need, Unit, in_unit, plain

TEXT, INT, DECIMAL, PERCENT, BOOL = "text", "int", "decimal", "percent", "bool"
MONEY = "money"  # yuan, always with two decimal places

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
# Support services and relief (docs/decisions/0019): their own labels, since a service request
# "resolved" is not a need resolved.
SERVICE_LABELS = {
    "requested": gettext_lazy("Services requested"),
    "resolved": gettext_lazy("Services resolved"),
}
RELIEF_LABELS = {
    "enterprises": gettext_lazy("Enterprises with relief"),
    "granted": gettext_lazy("Relief held (yuan)"),
    "revoked_enterprises": gettext_lazy("Enterprises revoked in the period"),
    "revoked": gettext_lazy("Relief revoked in the period (yuan)"),
}
SERVICES_NOTE = gettext_lazy(
    "Services requested: requests made in the period. Services resolved: requests resolved "
    "for the first time in the period; a request reopened and resolved again counts once, in "
    "the period of its first resolution."
)
RELIEF_NOTE = gettext_lazy(
    "Relief held: grants granted by the end of the period and not revoked by then (a later "
    "revocation does not change it); proposed and rejected grants are not counted. An enterprise "
    "counts once per scheme in each row, so one with relief under two schemes counts in both "
    "rows and twice in the total. Amounts in yuan, exact to the fen."
)

COMPLAINT_LABELS = {
    "new": gettext_lazy("Complaints filed"),
    "upheld": gettext_lazy("Complaints upheld"),
    "handed_off": gettext_lazy("Handed to market regulation"),
}
COMPLAINTS_NOTE = gettext_lazy(
    "Complaints about businesses by category, the business's region and its industry section "
    "(blank for a business that is not a member). Filed: in the period. Upheld: decided upheld "
    "for the first time in the period. Handed to market regulation: on a day of the period. No "
    "complainant or business is named."
)

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


def services(data: dict) -> Table:
    names = data["names"]
    table = Table(
        "services",
        _("Support services by region and industry"),
        [
            Column(_("Region")),
            Column(_("Industry section")),
            *(Column(str(SERVICE_LABELS[f]), INT) for f in SERVICE_LABELS),
        ],
        note=str(SERVICES_NOTE),
    )
    for row in data["services"]["rows"]:
        table.rows.append(
            [
                _name(names, "regions", row["region"]),
                f"{row['section']} {_name(names, 'sections', row['section'])}",
                *(row[f] for f in SERVICE_LABELS),
            ]
        )
    totals = data["services"]["totals"]
    table.totals = [_("Total"), "", *(totals[f] for f in SERVICE_LABELS)]
    return table


RELIEF_KINDS = {"enterprises": INT, "granted": MONEY, "revoked_enterprises": INT, "revoked": MONEY}


def _scheme_name(data: dict, scheme: str) -> str:
    """The scheme's name; in a report over more than one association, with its association."""
    found = data["names"].get("schemes", {}).get(scheme)
    if not found:
        return scheme
    if data.get("meta", {}).get("association"):
        return found["name"]
    return with_aside(found["name"], found["association"])


def _money(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


def relief(data: dict) -> Table:
    names = data["names"]
    table = Table(
        "relief",
        _("Relief by scheme, region and industry"),
        [
            Column(_("Relief scheme")),
            Column(_("Kind")),
            Column(_("Region")),
            Column(_("Industry section")),
            *(Column(str(RELIEF_LABELS[f]), kind) for f, kind in RELIEF_KINDS.items()),
        ],
        note=str(RELIEF_NOTE),
    )

    def values(figures: dict) -> list:
        return [
            _money(figures[f]) if kind == MONEY else figures[f] for f, kind in RELIEF_KINDS.items()
        ]

    for row in data["relief"]["rows"]:
        scheme = names.get("schemes", {}).get(row["scheme"], {})
        table.rows.append(
            [
                _scheme_name(data, row["scheme"]),
                _label(ReliefScheme.Kind, scheme.get("kind", "")),
                _name(names, "regions", row["region"]),
                f"{row['section']} {_name(names, 'sections', row['section'])}",
                *values(row),
            ]
        )
    table.totals = [_("Total"), "", "", "", *values(data["relief"]["totals"])]
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
    result = [headline(data), progress(data), needs(data), supplies(data)]
    # reports made before support services and relief were counted have no such sections
    result += [section(data) for key, section in ADDED if key in data]
    result.append(urgent_table)
    corrected = changes(report)
    if corrected is not None:
        result.insert(1, corrected)
    if report.is_association_report:
        result.append(remarks(report))
    return result


def complaints(data: dict) -> Table:
    names = data["names"]
    table = Table(
        "complaints",
        _("Complaints about businesses by category, region and industry"),
        [
            Column(_("Category")),
            Column(_("Region")),
            Column(_("Industry section")),
            *(Column(str(COMPLAINT_LABELS[f]), INT) for f in COMPLAINT_LABELS),
        ],
        note=str(COMPLAINTS_NOTE),
    )
    for row in data["complaints"]["rows"]:
        section = row["section"]
        table.rows.append(
            [
                _label(Complaint.Category, row["category"]),
                _name(names, "regions", row["region"]),
                f"{section} {_name(names, 'sections', section)}" if section else "—",
                *(row[f] for f in COMPLAINT_LABELS),
            ]
        )
    totals = data["complaints"]["totals"]
    table.totals = [_("Total"), "", "", *(totals[f] for f in COMPLAINT_LABELS)]
    return table


ADDED = (("services", services), ("relief", relief), ("complaints", complaints))


def display(value, kind: str) -> str:
    """A cell as text for a page, a CSV or a PDF."""
    if value is None:
        return "—" if kind in (PERCENT, DECIMAL, MONEY) else ""
    if kind == MONEY:
        return str(Decimal(value).quantize(Decimal("0.01")))
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
    for row in data.get("services", {}).get("rows", []):
        label = f"{_name(names, 'regions', row['region'])} · {row['section']}"
        for figure in SERVICE_LABELS:
            values[("services", label, figure)] = row[figure]
    for row in data.get("relief", {}).get("rows", []):
        label = f"{_scheme_name(data, row['scheme'])} · {_name(names, 'regions', row['region'])}"
        label += f" · {row['section']}"
        for figure in RELIEF_LABELS:
            values[("relief", label, figure)] = row[figure]
    return values


SECTION_TITLES = {
    "headline": gettext_lazy("Headline figures"),
    "progress": gettext_lazy("Resumption progress by region and industry"),
    "needs": gettext_lazy("Needs by kind, region and industry"),
    "supplies": gettext_lazy("Supply quantities by item"),
    "services": gettext_lazy("Support services by region and industry"),
    "relief": gettext_lazy("Relief by scheme, region and industry"),
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
    # A version made before a section existed did not count it: nothing to compare with.
    for section, _section in ADDED:
        if section not in previous.data:
            new = {key: value for key, value in new.items() if key[0] != section}
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
        label, kind = _changed_figure(section, figure)
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


def _changed_figure(section: str, figure: str) -> tuple[str, str]:
    """A figure's label and kind, as the changes table shows it."""
    if section == "services":
        return SERVICE_LABELS[figure], INT
    if section == "relief":
        return RELIEF_LABELS[figure], RELIEF_KINDS[figure]
    label = FIGURE_LABELS.get(figure) or SUPPLY_LABELS.get(figure) or figure
    kind = PERCENT if figure == "rate" else DECIMAL if figure in ("asked", "matched") else INT
    return label, kind
