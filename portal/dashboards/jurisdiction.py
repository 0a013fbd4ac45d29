"""The jurisdiction's picture, across all its associations: the official's home page, an
administrator's for the whole country, and the drill-down of any region inside the scope
(`/dashboard/region/<code>/`).

The figures come from the daily rollups (reports.rollups), never from the raw tables: a
constant number of queries whatever the number of enterprises and needs. The lists of work
(escalated needs waiting for a reply) and the reporting ranking read their own selectors.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.http import Http404, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from batches.figures import RESUMED_OF_MEMBERS, percent_text
from core.access import scope_of
from core.charts import heatmap, ranked_bars, trend
from core.keyset import COUNT_CAP, capped_count
from core.maps import MapArea, region_map
from core.models import Region, User
from core.text import labelled
from reports import rollups
from reports.models import NEED_KINDS, ROLLUP_FIGURES
from reports.selectors import completeness, rollup_list
from supplies.models import Need
from supplies.selectors import escalated_awaiting

GB_CODE = re.compile(r"[0-9]{6}")  # a GB/T 2260 code; anything else is no region
TREND_DAYS = (30, 90)
WAITING_SHOWN = 10
COMPLETENESS_WEEKS = 4


@dataclass(frozen=True)
class Place:
    """Where the picture is of: a region, or the whole country (None)."""

    region: Region | None

    @property
    def code(self) -> str | None:
        return self.region.code if self.region else None

    @property
    def name(self) -> str:
        return self.region.name if self.region else _("The whole country")

    def children(self):
        if self.region is None:
            return Region.objects.filter(level=Region.Level.PROVINCE)
        return self.region.children.all()


def _place(user: User, code: str | None) -> Place:
    """The region asked for, if the user may see it (404 otherwise: a region outside the
    jurisdiction is as if it did not exist); by default the user's whole scope."""
    scope = scope_of(user)
    if code is None:
        if scope.is_admin:
            return Place(None)
        return Place(user.jurisdiction)
    region = Region.objects.filter(code=code).first() if GB_CODE.fullmatch(code) else None
    if region is None or not (scope.is_admin or scope.within_jurisdiction(region.path)):
        raise Http404
    return Place(region)


def region_url(code: str) -> str:
    return reverse("dashboard-region", args=[code])


def _figure_text(row: dict) -> str:
    return _("%(resumed)s of %(members)s members resumed (%(rate)s)") % {
        "resumed": row["resumed"],
        "members": row["members"],
        "rate": percent_text(row["rate"]) or "—",
    }


def _children_rows(user: User, place: Place, day: date) -> list[dict]:
    """Each region one level down with its figures of `day` (zeros where nothing was counted)."""
    rows = rollup_list(user=user).totals().across_associations()
    found = {
        row.pop("region_id"): rollups.with_rates(row)
        for row in rows.filter(day=day, region__in=place.children())
        .values("region_id")
        .annotate(**rollups.sums())
    }
    result = []
    for region in place.children().order_by("code"):
        if region.successor_id and region.code not in found:
            continue  # a withdrawn code that nobody is counted under any more
        figures = found.get(region.code) or rollups.with_rates(dict.fromkeys(ROLLUP_FIGURES, 0))
        figures.update(region=region, url=region_url(region.code), links=_links(Place(region)))
        figures["rate_text"] = percent_text(figures["rate"])
        result.append(figures)
    return result


def _map(place: Place, rows: list[dict]):
    areas = {
        row["region"].code: MapArea(
            value=row["rate"],
            href=row["url"],
            title=labelled(row["region"].name, _figure_text(row)),
        )
        for row in rows
    }
    return region_map(place.code, areas)


def _need_links(user: User, code: str, kind: str) -> str:
    """The list behind a need figure: officials read the needs put before them; people who
    see every need read the need list."""
    if scope_of(user).is_admin:
        return reverse("need-list") + "?" + urlencode({"region": code, "kind": kind})
    query = {"show": "all", "region": code, "kind": kind}
    return reverse("need-escalated") + "?" + urlencode(query)


def _heatmap(user: User, rows: list[dict]) -> dict:
    kinds = dict(Need.Kind.choices)
    columns = [{"label": kinds[kind]} for kind in NEED_KINDS]
    cells = []
    for row in rows:
        code = row["region"].code
        line = []
        for kind in NEED_KINDS:
            overdue, escalated = row[f"{kind}_overdue"], row[f"{kind}_escalated"]
            marks = _("%(overdue)s overdue · %(escalated)s escalated") % {
                "overdue": overdue,
                "escalated": escalated,
            }
            line.append(
                {
                    "value": row[f"{kind}_open"],
                    "href": _need_links(user, code, kind),
                    "title": labelled(f"{row['region'].name} · {kinds[kind]}", marks),
                    "marks": marks if overdue or escalated else "",
                }
            )
        cells.append(line)
    return heatmap([{"label": r["region"].name, "href": r["url"]} for r in rows], columns, cells)


def _waiting(user: User, place: Place) -> dict:
    """Needs escalated and not yet answered, the longest waiting first, and how many."""
    scope_region = user.jurisdiction if scope_of(user).kind == "jurisdiction" else None
    within = place.region if place.region != scope_region else None  # the scope is given
    needs = escalated_awaiting(user=user, within=within)
    shown = needs.select_related("enterprise", "enterprise__region", "association")
    # Counted as the lists count (core.keyset): up to COUNT_CAP, read from need_escalated in
    # order; the whole count joined every escalated need of a province to its enterprise.
    total = capped_count(needs, COUNT_CAP)
    return {"needs": shown[:WAITING_SHOWN], "total": total, "capped": total > COUNT_CAP}


def _reporting(user: User, today: date) -> dict:
    """Associations ranked by the share of the last weeks' reports they submitted on time."""
    weeks = [today - timedelta(weeks=back) for back in range(1, COMPLETENESS_WEEKS + 1)]
    tally: dict[int, dict] = {}
    for week in weeks:
        for row in completeness(user=user, period_type="week", day=week)["rows"]:
            association = row["association"]
            seen = tally.setdefault(association.pk, {"association": association, "on_time": 0})
            seen["on_time"] += row["state"] == "on_time"
    ranked = sorted(tally.values(), key=lambda r: (-r["on_time"], r["association"].name))
    page = reverse("report-completeness") + "?period_type=week"
    bars = [
        {
            "label": r["association"].name,
            "value": r["on_time"] / COMPLETENESS_WEEKS,
            "href": page,
            "text": f"{r['on_time']}/{COMPLETENESS_WEEKS}",
        }
        for r in ranked
    ]
    return {"bars": ranked_bars(bars, percent=True) if bars else None, "weeks": len(weeks)}


def _links(place: Place) -> dict:
    """The lists behind the figures of a place: its enterprises, the progress of the
    associations' batches there, and the needs put before government from there."""
    where = {"region": place.code} if place.code else {}
    within = {"within": place.code} if place.code else {}
    return {
        "members": reverse("enterprise-list") + "?" + urlencode(where),
        "progress": reverse("association-progress") + "?" + urlencode(within),
        "escalated": reverse("need-escalated") + "?" + urlencode({"show": "all", **where}),
        "overdue": reverse("follow-up-overdue-needs") + "?" + urlencode(where),
    }


def figures(user: User, query: QueryDict, code: str | None = None) -> dict:
    """The figures of the place at `code` (default: the user's scope) from the rollups: its
    headline, the rate's series over the days asked for, each region one level down. What the
    page draws and what the dashboard API answers."""
    place = _place(user, code)
    days = int(query.get("days")) if query.get("days") in {"30", "90"} else TREND_DAYS[0]
    rollups.ask_for_fresh_figures()
    record = rollups.latest_day()
    today = record.day if record else timezone.localdate()
    here = rollup_list(user=user).totals().across_associations().filter(region=place.region)
    series = rollups.by_day(here, today - timedelta(days=days - 1), today)
    headline = series[-1][1] or rollups.with_rates(dict.fromkeys(ROLLUP_FIGURES, 0))
    headline["rate_text"] = percent_text(headline["rate"])
    return {
        "place": place,
        "record": record,
        "day": today,
        "days": days,
        "headline": headline,
        "series": series,
        "children": _children_rows(user, place, today),
    }


def _crumbs(user: User, place: Place) -> list[dict]:
    """The way down from the top of the user's scope to the place."""
    top = scope_of(user).jurisdiction_path or ""
    codes = place.region.path.strip("/").split("/")
    ancestors = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [
        {"name": ancestors[c].name, "url": region_url(c)}
        for c in codes
        if c in ancestors and ancestors[c].path.startswith(top)
    ]


def _rate_bars(children: list[dict]) -> dict:
    """The regions ranked by rate: the map's stand-in when maps are turned off."""
    ranked = sorted(children, key=lambda r: (r["rate"] is None, -(r["rate"] or 0)))
    rows = [{"label": r["region"].name, "value": r["rate"], "href": r["url"]} for r in ranked]
    return ranked_bars(rows, percent=True)


def picture(user: User, query: QueryDict, code: str | None = None) -> dict:
    """The context of the jurisdiction's picture at `code`: the figures, drawn, and the lists
    of work beside them."""
    found = figures(user, query, code)
    place, children, series = found["place"], found["children"], found["series"]
    with_needs = [r for r in children if r["needs_open"] or r["needs_escalated"]]
    region_map = _map(place, children) if children else None
    return {
        **found,
        "crumbs": _crumbs(user, place) if code is not None else [],
        "trend_days": TREND_DAYS,
        "rate_label": RESUMED_OF_MEMBERS.label,
        "trend": trend(
            [(day, row["rate"] if row else None) for day, row in series],
            label=str(RESUMED_OF_MEMBERS.label),
        ),
        "region_map": region_map,
        "rate_bars": _rate_bars(children) if children and region_map is None else None,
        "needs_heatmap": _heatmap(user, with_needs) if with_needs else None,
        "waiting": _waiting(user, place),
        "sees_escalated_only": not scope_of(user).is_admin,
        "reporting": _reporting(user, found["day"]),
        "links": _links(place),
    }


def context(user: User, query: QueryDict) -> dict:
    return {**picture(user, query), "jurisdiction": user.jurisdiction}
