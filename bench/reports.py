"""Demand reports over the bench data (100,000 members, 20,000 applications, 1,000,000 needs):

1. one province's weekly report (Guangdong, the last complete ISO week of the data): the time of
   reports.figures.compute beside the same figures computed by plain SQL GROUP BY queries written
   here by hand, on the same data: their ratio, and a check that both give the same numbers;
2. the full daily run: services.schedule("day") for every province, official's jurisdiction and
   association, each report a task that real worker processes take, with 1 and with 2 workers
   (bench.daily_run), and where the largest report's time goes;
3. the largest report rendered as CSV, XLSX and PDF: time and peak memory of each.

The needs generator (bench.needs) writes no matches or placements; the reports count them, so
they are added here once (one match per supply request met in part or whole, one placement per
labour request with workers placed), with INSERT … SELECT, and skipped when they are there.
"""

import json
import time
import tracemalloc
from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from associations.models import Membership
from batches.models import Application, Batch
from bench import daily_run
from bench.generate import Population
from bench.report import figure, heading, median_ms, note
from core.models import Event, Industry, Region
from enterprises.models import Enterprise
from reports import figures, services
from reports.models import Report
from reports.periods import last_complete_period, local_midnight, previous_period
from supplies.models import Escalation, Match, Need, Placement, SupplyItem, SupplyOffer, plain

RUNS = 3
RATIO_TARGET = 1.5
PROVINCE = "440000"  # 广东
RENDER_RUNS = 3

# --- matches and placements ---------------------------------------------------------------

MATCHES_SQL = """
WITH supplier AS (
    SELECT m.enterprise_id, e.region_id FROM {membership} m
    JOIN {enterprise} e ON e.id = m.enterprise_id
    WHERE m.association_id = %(association)s AND m.status = 'active'
    ORDER BY m.enterprise_id LIMIT 1
), offers AS (
    INSERT INTO {offer} (enterprise_id, association_id, item_id, unit, quantity,
        remaining_quantity, delivery_region_id, available_until, note, status, created_by_id,
        created_at, updated_at)
    SELECT s.enterprise_id, %(association)s, it.id, it.unit, 99999999999, 99999999999,
        s.region_id, %(until)s, 'bench', 'open', %(staff)s, %(now)s, %(now)s
    FROM {item} it CROSS JOIN supplier s
    WHERE it.id IN (SELECT DISTINCT item_id FROM {need}
        WHERE association_id = %(association)s AND kind = 'supply')
    RETURNING id, item_id
)
INSERT INTO {match} (need_id, association_id, offer_id, quantity, note, matched_by_id,
    matched_at)
SELECT n.id, n.association_id, o.id, n.fulfilled_quantity, '', %(staff)s,
    n.created_at + (coalesce(n.closed_at, %(now)s) - n.created_at) * 0.5
FROM {need} n JOIN offers o ON o.item_id = n.item_id
WHERE n.association_id = %(association)s AND n.kind = 'supply' AND n.fulfilled_quantity > 0;

INSERT INTO {placement} (need_id, association_id, headcount, note, recorded_by_id, recorded_at)
SELECT n.id, n.association_id, n.filled_headcount, '', %(staff)s,
    n.created_at + (coalesce(n.closed_at, %(now)s) - n.created_at) * 0.5
FROM {need} n
WHERE n.association_id = %(association)s AND n.kind = 'labour' AND n.filled_headcount > 0;
"""


def populate_matches(population: Population, *, vacuum: bool = True) -> tuple[int, int, float]:
    """Matches and placements for the needs met in part or whole; (matches, placements, s)."""
    started = time.perf_counter()
    association = population.association
    matches = Match.objects.filter(need__association=association)
    placements = Placement.objects.filter(need__association=association)
    if matches.exists() or placements.exists():
        return matches.count(), placements.count(), 0.0
    tables = {
        "membership": Membership._meta.db_table,
        "enterprise": Enterprise._meta.db_table,
        "item": SupplyItem._meta.db_table,
        "need": Need._meta.db_table,
        "offer": SupplyOffer._meta.db_table,
        "match": Match._meta.db_table,
        "placement": Placement._meta.db_table,
    }
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            MATCHES_SQL.format(**tables),
            {
                "association": association.pk,
                "staff": population.staff.pk,
                "now": now,
                "until": timezone.localdate() + timedelta(days=365),
            },
        )
    if not vacuum:  # the caller vacuums once after many associations
        return matches.count(), placements.count(), time.perf_counter() - started
    with connection.cursor() as cursor:
        for model in (Match, Placement, SupplyOffer):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    return matches.count(), placements.count(), time.perf_counter() - started


# --- the same figures in plain SQL --------------------------------------------------------

KEYED = """
    substr(r.path, 1, %(key)s) AS region, coalesce(i.parent_id, i.code) AS section
"""
ENTERPRISE = """
    JOIN {enterprise} e ON e.id = {alias}.enterprise_id
    JOIN {region} r ON r.code = e.region_id
    JOIN {industry} i ON i.code = e.industry_id
"""

# Statuses as at the end of the period, from the event log: the latest status event of each
# membership and application before it (docs/decisions/0002).
AS_AT = """
WITH member_status AS (
    SELECT DISTINCT ON (ev.object_id) ev.object_id AS id, ev.to_status
    FROM {event} ev
    WHERE ev.content_type_id = %(membership_type)s AND ev.to_status <> '' AND ev.at < %(end)s
    ORDER BY ev.object_id, ev.at DESC, ev.id DESC
), members AS (
    SELECT DISTINCT m.enterprise_id
    FROM {membership} m LEFT JOIN member_status s ON s.id = m.id
    WHERE (s.to_status = 'active' OR (s.to_status IS NULL AND m.joined_on < %(end_day)s))
        AND (%(scope_association)s::bigint IS NULL OR m.association_id = %(scope_association)s)
), application_status AS (
    SELECT DISTINCT ON (ev.object_id) ev.object_id AS id, ev.to_status
    FROM {event} ev
    WHERE ev.content_type_id = %(application_type)s AND ev.to_status <> '' AND ev.at < %(end)s
    ORDER BY ev.object_id, ev.at DESC, ev.id DESC
), applications AS (
    SELECT a.id, a.enterprise_id, a.decided_at, a.returning_workers, s.to_status AS status_then,
        EXISTS (SELECT 1 FROM members mm WHERE mm.enterprise_id = a.enterprise_id) AS is_member
    FROM {application} a JOIN application_status s ON s.id = a.id
        JOIN {batch} b ON b.id = a.batch_id
    WHERE s.to_status = ANY(%(applied)s)
        AND (%(scope_association)s::bigint IS NULL OR b.association_id = %(scope_association)s)
), workers AS (
    SELECT DISTINCT ON (a.enterprise_id) a.enterprise_id, a.returning_workers
    FROM applications a WHERE a.status_then IN ('approved', 'resumed')
    ORDER BY a.enterprise_id, a.decided_at DESC, a.id DESC
)
"""
MEMBERS_SQL = """{as_at}
SELECT {keyed}, count(*)
FROM members m {enterprise_m}
WHERE r.path LIKE %(path)s
GROUP BY 1, 2
"""
APPLICATIONS_SQL = """{as_at}
SELECT {keyed},
    count(DISTINCT a.enterprise_id),
    count(DISTINCT a.enterprise_id) FILTER (WHERE a.status_then IN ('approved', 'resumed')),
    count(DISTINCT a.enterprise_id) FILTER (WHERE a.status_then = 'resumed' AND a.is_member),
    count(DISTINCT a.enterprise_id) FILTER (WHERE a.status_then = 'resumed' AND NOT a.is_member)
FROM applications a {enterprise_a}
WHERE r.path LIKE %(path)s
GROUP BY 1, 2
"""
WORKERS_SQL = """{as_at}
SELECT {keyed}, sum(w.returning_workers)
FROM workers w {enterprise_w}
WHERE r.path LIKE %(path)s
GROUP BY 1, 2
"""
NEEDS_SQL = """
WITH escalated AS (
    SELECT DISTINCT need_id FROM {escalation}
    WHERE escalated_at >= %(start)s AND escalated_at < %(end)s
)
SELECT n.kind, {keyed},
    count(*) FILTER (WHERE n.created_at >= %(start)s),
    count(*) FILTER (
        WHERE n.status = 'resolved' AND n.closed_at >= %(start)s AND n.closed_at < %(end)s),
    count(*) FILTER (WHERE n.closed_at IS NULL OR n.closed_at >= %(end)s),
    count(x.need_id),
    count(*) FILTER (
        WHERE (n.closed_at IS NULL OR n.closed_at >= %(end)s) AND n.needed_by < %(end_day)s),
    coalesce(sum(n.headcount) FILTER (
        WHERE n.kind = 'labour' AND n.created_at >= %(start)s), 0)
FROM {need} n {enterprise_n}
LEFT JOIN escalated x ON x.need_id = n.id
WHERE r.path LIKE %(path)s AND n.created_at < %(end)s
    AND (%(scope_association)s::bigint IS NULL OR n.association_id = %(scope_association)s)
GROUP BY 1, 2, 3
HAVING count(*) FILTER (WHERE n.created_at >= %(start)s) > 0
    OR count(*) FILTER (WHERE n.closed_at IS NULL OR n.closed_at >= %(end)s) > 0
    OR count(*) FILTER (WHERE n.status = 'resolved' AND n.closed_at >= %(start)s
        AND n.closed_at < %(end)s) > 0
    OR count(x.need_id) > 0
"""
PLACEMENTS_SQL = """
SELECT {keyed}, sum(p.headcount)
FROM {placement} p JOIN {need} n ON n.id = p.need_id {enterprise_n}
WHERE r.path LIKE %(path)s AND n.kind = 'labour'
    AND (%(scope_association)s::bigint IS NULL OR n.association_id = %(scope_association)s)
    AND p.recorded_at >= %(start)s AND p.recorded_at < %(end)s
GROUP BY 1, 2
"""
ASKED_SQL = """
SELECT it.code, n.unit, count(*), sum(n.quantity)
FROM {need} n JOIN {item} it ON it.id = n.item_id
    JOIN {enterprise} e ON e.id = n.enterprise_id JOIN {region} r ON r.code = e.region_id
WHERE r.path LIKE %(path)s AND n.kind = 'supply'
    AND (%(scope_association)s::bigint IS NULL OR n.association_id = %(scope_association)s)
    AND n.created_at >= %(start)s AND n.created_at < %(end)s
GROUP BY 1, 2
"""
MATCHED_SQL = """
SELECT it.code, n.unit, sum(mt.quantity)
FROM {match} mt JOIN {need} n ON n.id = mt.need_id LEFT JOIN {item} it ON it.id = n.item_id
    JOIN {enterprise} e ON e.id = n.enterprise_id JOIN {region} r ON r.code = e.region_id
WHERE r.path LIKE %(path)s AND mt.matched_at >= %(start)s AND mt.matched_at < %(end)s
    AND (%(scope_association)s::bigint IS NULL OR n.association_id = %(scope_association)s)
GROUP BY 1, 2
"""
PRESSING = """
FROM {need} n JOIN {enterprise} e ON e.id = n.enterprise_id
    JOIN {region} r ON r.code = e.region_id
WHERE r.path LIKE %(path)s AND n.created_at < %(end)s
    AND (%(scope_association)s::bigint IS NULL OR n.association_id = %(scope_association)s)
    AND (n.closed_at IS NULL OR n.closed_at >= %(end)s)
    AND (n.urgency IN ('high', 'critical') OR EXISTS (
        SELECT 1 FROM {escalation} y WHERE y.need_id = n.id AND y.escalated_at < %(end)s))
"""
URGENT_COUNT_SQL = "SELECT count(*) " + PRESSING
# The list: the most pressing needs with what the report shows of each, and the latest
# escalation made before the end of the period.
URGENT_SQL = """
SELECT n.id, (n.created_at AT TIME ZONE 'Asia/Shanghai')::date, n.needed_by,
    x.id IS NOT NULL, CASE WHEN x.replied_at < %(end)s THEN x.outcome ELSE '' END,
    n.name, n.region_id, n.kind, n.urgency, it.code, n.quantity, n.unit, n.trade, n.headcount,
    n.difficulty_kind, n.description, x.summary, x.reply
FROM (
    SELECT n.id, n.created_at, n.needed_by, n.kind, n.urgency, n.item_id, n.quantity, n.unit,
        n.trade, n.headcount, n.difficulty_kind, n.description, n.rank_at, e.name, e.region_id
    {pressing}
    ORDER BY n.rank_at, n.id
    LIMIT %(limit)s
) n
    LEFT JOIN {item} it ON it.id = n.item_id
    LEFT JOIN LATERAL (
        SELECT id, summary, outcome, reply, replied_at FROM {escalation}
        WHERE need_id = n.id AND escalated_at < %(end)s
        ORDER BY escalated_at DESC, id DESC LIMIT 1
    ) x ON TRUE
ORDER BY n.rank_at, n.id
""".replace("{pressing}", PRESSING.strip())
# The previous period, the whole scope at once.
PREVIOUS_PROGRESS_SQL = """{as_at}
SELECT
    (SELECT count(*) FROM members m {enterprise_m} WHERE r.path LIKE %(path)s),
    (SELECT count(DISTINCT a.enterprise_id) FROM applications a {enterprise_a}
        WHERE r.path LIKE %(path)s),
    (SELECT count(DISTINCT a.enterprise_id) FROM applications a {enterprise_a}
        WHERE r.path LIKE %(path)s AND a.status_then IN ('approved', 'resumed')),
    (SELECT count(DISTINCT a.enterprise_id) FROM applications a {enterprise_a}
        WHERE r.path LIKE %(path)s AND a.status_then = 'resumed' AND a.is_member),
    (SELECT count(DISTINCT a.enterprise_id) FROM applications a {enterprise_a}
        WHERE r.path LIKE %(path)s AND a.status_then = 'resumed' AND NOT a.is_member),
    (SELECT coalesce(sum(w.returning_workers), 0) FROM workers w {enterprise_w}
        WHERE r.path LIKE %(path)s)
"""
PREVIOUS_NEEDS_SQL = """
SELECT count(*) FILTER (WHERE n.created_at >= %(start)s),
    count(*) FILTER (
        WHERE n.status = 'resolved' AND n.closed_at >= %(start)s AND n.closed_at < %(end)s),
    count(*) FILTER (WHERE n.closed_at IS NULL OR n.closed_at >= %(end)s),
    count(*) FILTER (WHERE n.id IN (SELECT need_id FROM {escalation}
        WHERE escalated_at >= %(start)s AND escalated_at < %(end)s)),
    count(*) FILTER (
        WHERE (n.closed_at IS NULL OR n.closed_at >= %(end)s) AND n.needed_by < %(end_day)s)
FROM {need} n JOIN {enterprise} e ON e.id = n.enterprise_id
    JOIN {region} r ON r.code = e.region_id
WHERE r.path LIKE %(path)s AND n.created_at < %(end)s
    AND (%(scope_association)s::bigint IS NULL OR n.association_id = %(scope_association)s)
"""
NAMES_SQL = {
    "regions": "SELECT code, name_zh, name_en FROM {region} WHERE code = ANY(%(codes)s)",
    "sections": "SELECT code, name_zh, name_en FROM {industry} WHERE code = ANY(%(codes)s)",
    "items": "SELECT code, name_zh, name_en FROM {item} WHERE code = ANY(%(codes)s)",
}


def _tables() -> dict[str, str]:
    tables = {
        "membership": Membership._meta.db_table,
        "enterprise": Enterprise._meta.db_table,
        "region": Region._meta.db_table,
        "industry": Industry._meta.db_table,
        "application": Application._meta.db_table,
        "batch": Batch._meta.db_table,
        "need": Need._meta.db_table,
        "escalation": Escalation._meta.db_table,
        "match": Match._meta.db_table,
        "placement": Placement._meta.db_table,
        "item": SupplyItem._meta.db_table,
        "event": Event._meta.db_table,
    }
    tables["keyed"] = KEYED
    tables["as_at"] = AS_AT.format(**tables)
    for alias in "manw":
        tables[f"enterprise_{alias}"] = ENTERPRISE.format(alias=alias, **tables)
    return tables


def _sql(query: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query.format(**_tables()), params)
        return cursor.fetchall()


def _code(key: str) -> str:
    return key.rstrip("/").rsplit("/", 1)[-1]


def _rate(resumed: int, members: int) -> str | None:
    if not members:
        return None
    return str((Decimal(resumed) / Decimal(members)).quantize(Decimal("0.0001")))


def _quantity(value) -> str:
    return plain(value) or "0"


def _key_length(region: Region | None) -> int:
    if region is None:
        return figures.PATH_SEGMENT
    if region.level == Region.Level.COUNTY:
        return len(region.path)
    return len(region.path) + figures.PATH_SEGMENT


def plain_sql(
    region: Region | None,
    start: date,
    end: date,
    *,
    association_id: int | None = None,
    period_type: str = "week",
) -> dict:
    """The numbers of figures.compute for a region (None: the country), of one association or
    of all, from hand-written GROUP BY queries: the definitions of docs/decisions/0002 written
    again, apart from the figures module (the tests compare the two on adversarial data)."""
    params = {
        "path": (region.path if region is not None else "") + "%",
        "key": _key_length(region),
        "scope_association": association_id,
        "start": local_midnight(start),
        "end": local_midnight(end),
        "end_day": end,
        "applied": list(Application.APPLIED),
        "membership_type": ContentType.objects.get_for_model(Membership).pk,
        "application_type": ContentType.objects.get_for_model(Application).pk,
        "limit": figures.URGENT_LIMIT,
    }
    progress: dict[tuple, dict] = {}
    for region_key, section, members in _sql(MEMBERS_SQL, params):
        progress.setdefault((region_key, section), dict.fromkeys(figures.PROGRESS_FIGURES, 0))
        progress[(region_key, section)]["members"] = members
    for region_key, section, *counts in _sql(APPLICATIONS_SQL, params):
        row = progress.setdefault((region_key, section), dict.fromkeys(figures.PROGRESS_FIGURES, 0))
        row.update(zip(figures.PROGRESS_FIGURES[1:5], counts, strict=True))
    for region_key, section, workers in _sql(WORKERS_SQL, params):
        row = progress.setdefault((region_key, section), dict.fromkeys(figures.PROGRESS_FIGURES, 0))
        row["returning_workers"] = workers
    progress_rows = []
    for (region_key, section), row in sorted(progress.items()):
        row["rate"] = _rate(row["resumed"], row["members"])
        progress_rows.append({"region": _code(region_key), "section": section, **row})

    need_rows: dict[tuple, dict] = {}
    for kind, region_key, section, *counts in _sql(NEEDS_SQL, params):
        need_rows[(kind, region_key, section)] = dict(
            zip(figures.NEED_FIGURES, [*counts, 0], strict=True)
        )
    for region_key, section, filled in _sql(PLACEMENTS_SQL, params):
        row = need_rows.setdefault(
            ("labour", region_key, section), dict.fromkeys(figures.NEED_FIGURES, 0)
        )
        row["headcount_filled"] = filled
    needs = [
        {"kind": kind, "region": _code(region_key), "section": section, **row}
        for (kind, region_key, section), row in sorted(need_rows.items())
    ]

    supplies: dict[tuple, dict] = {}
    empty = {"requests": 0, "asked": None, "matched": None}
    for item, unit, requests, asked in _sql(ASKED_SQL, params):
        supplies[(item, unit)] = {**empty, "requests": requests, "asked": asked}
    for item, unit, matched in _sql(MATCHED_SQL, params):
        supplies.setdefault((item, unit), dict(empty))["matched"] = matched

    listed = _sql(URGENT_SQL, params)
    urgent = [
        {
            "id": need_id,
            "age_days": (end - filed).days,
            "overdue": bool(needed_by and needed_by < end),
            "escalated": escalated,
            "outcome": outcome or "",
        }
        for need_id, filed, needed_by, escalated, outcome, *_shown in listed
    ]
    [(urgent_total,)] = _sql(URGENT_COUNT_SQL, params)

    previous_start, previous_end = previous_period(period_type, start)
    before = {
        "start": local_midnight(previous_start),
        "end": local_midnight(previous_end),
        "end_day": previous_end,
    }
    [progress_counts] = _sql(PREVIOUS_PROGRESS_SQL, {**params, **before})
    [need_counts] = _sql(PREVIOUS_NEEDS_SQL, {**params, **before})
    previous = {
        **dict(zip(figures.PROGRESS_FIGURES, progress_counts, strict=True)),
        **dict(zip(figures.NEED_FIGURES[:5], need_counts, strict=True)),
    }
    previous["rate"] = _rate(previous["resumed"], previous["members"])

    codes = {
        "regions": sorted(
            {r["region"] for r in progress_rows + needs} | {row[6] for row in listed}
        ),
        "sections": sorted({r["section"] for r in progress_rows + needs}),
        "items": sorted({item for item, _unit in supplies}),
    }
    names = {
        group: {code: [zh, en] for code, zh, en in _sql(query, {"codes": codes[group]})}
        for group, query in NAMES_SQL.items()
    }
    return {
        "progress": progress_rows,
        "needs": needs,
        "supplies": [
            {
                "item": item,
                "unit": unit,
                "requests": row["requests"],
                "asked": _quantity(row["asked"]),
                "matched": _quantity(row["matched"]),
            }
            for (item, unit), row in sorted(supplies.items())
        ],
        "urgent": urgent,
        "urgent_total": urgent_total,
        "previous": previous,
        "names": names,
    }


def comparable(data: dict) -> dict:
    """figures.compute's result, cut to what plain_sql computes."""
    return {
        "progress": data["progress"]["rows"],
        "needs": data["needs"]["rows"],
        "supplies": data["supplies"]["rows"],
        "urgent": [
            {
                "id": row["id"],
                "age_days": row["age_days"],
                "overdue": row["overdue"],
                "escalated": row["escalated"],
                "outcome": row["outcome"],
            }
            for row in data["urgent"]["rows"]
        ],
        "urgent_total": data["urgent"]["total"],
        "previous": {row["figure"]: row["previous"] for row in data["headline"]["rows"]},
    }


def _differences(ours: dict, theirs: dict) -> list[str]:
    differences = []
    for key in ours:
        if ours[key] != theirs.get(key):
            differences.append(key)
    return differences


# --- the benchmarks -----------------------------------------------------------------------


def data_week() -> tuple[date, date]:
    """The last complete ISO week before the newest need: a week full of data."""
    newest = Need.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    day = timezone.localtime(newest).date() if newest else timezone.localdate()
    return last_complete_period("week", day)


def _describe(region: Region, start: date, end: date) -> None:
    scope = Need.objects.filter(enterprise__region__path__startswith=region.path)
    in_week = scope.filter(
        created_at__gte=local_midnight(start), created_at__lt=local_midnight(end)
    ).count()
    note(
        f"{region.name_zh} ({region.code}), week {start} – {end - timedelta(days=1)}: "
        f"{scope.count():,} needs in the province, {in_week:,} filed that week; "
        f"{Application.objects.filter(enterprise__region__path__startswith=region.path).count():,}"
        " applications"
    )


def bench_weekly(region: Region, start: date, end: date) -> dict:
    heading(f"Weekly report of one province: figures.compute against plain SQL ({RUNS} runs)")
    _describe(region, start, end)
    scope = figures.Scope(region=region, association=None, start=start, end=end)
    figures.compute(scope)  # warm: connection, plans, caches
    plain_sql(region, start, end)
    compute_ms, data = median_ms(lambda: figures.compute(scope), RUNS)
    sql_ms, by_hand = median_ms(lambda: plain_sql(region, start, end), RUNS)
    ratio = compute_ms / sql_ms
    figure("figures.compute, median", f"{compute_ms:,.0f} ms")
    figure("plain SQL GROUP BY queries, median", f"{sql_ms:,.0f} ms")
    figure("ratio compute / plain SQL", f"{ratio:.2f}", f"≤ {RATIO_TARGET}", ratio <= RATIO_TARGET)
    ours = comparable(data)
    differences = _differences(ours, by_hand)
    same = not differences
    figure(
        "same numbers both ways",
        "OK" if same else "MISMATCH",
        "OK",
        same,
    )
    if differences:
        note(f"    differ in: {', '.join(differences)}")
    totals = data["progress"]["totals"]
    need_totals = data["needs"]["totals"]
    note(
        f"    {len(data['progress']['rows'])} progress rows, {len(data['needs']['rows'])} need "
        f"rows, {len(data['supplies']['rows'])} supply rows, "
        f"{data['urgent']['total']:,} urgent ({len(data['urgent']['rows'])} listed)"
    )
    note(
        f"    members {totals['members']:,}, applied {totals['applied']:,}, approved "
        f"{totals['approved']:,}, resumed {totals['resumed']:,}; needs new "
        f"{need_totals['new']:,}, open {need_totals['open']:,}, resolved "
        f"{need_totals['resolved']:,}, escalated {need_totals['escalated']:,}"
    )
    return data


def _render(name: str, render, report: Report) -> None:
    try:
        render(report)  # warm: fonts, templates
    except Exception as exc:  # a missing font or library: say so, measure the rest
        note(f"{name}: not available ({type(exc).__name__}: {exc})")
        return
    median, output = median_ms(lambda: render(report), RENDER_RUNS)
    tracemalloc.start()
    render(report)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    figure(
        f"{name}: {len(output) / 1024:,.0f} KiB",
        f"{median:,.0f} ms",
    )
    figure(f"{name}: peak memory (tracemalloc)", f"{peak / 2**20:,.1f} MiB")


def bench_rendering(report_ids: list[int]) -> None:
    heading("Rendering the largest report")
    try:
        from reports import rendering
    except ImportError:
        note("reports.rendering is not there yet: rendering not measured")
        return
    reports = Report.objects.filter(pk__in=report_ids, status=Report.Status.READY)
    largest = max(reports, key=lambda r: len(json.dumps(r.data)), default=None)
    if largest is None:
        note("no ready report to render")
        return
    data = largest.data
    note(
        f"{largest.title}: {len(json.dumps(data)) / 1024:,.0f} KiB of figures; "
        f"{len(data['progress']['rows'])} progress rows, {len(data['needs']['rows'])} need rows, "
        f"{len(data['supplies']['rows'])} supply rows, {len(data['urgent']['rows'])} urgent"
    )
    for name in ("csv", "xlsx", "pdf"):
        render = getattr(rendering, f"render_{name}", None)
        if render is None:
            note(f"{name.upper()}: reports.rendering.render_{name} is not there yet")
            continue
        _render(name.upper(), render, largest)
    bench_download(largest)


def bench_download(report: Report) -> None:
    """A download as the portal serves it: the file rendered once and kept (services.
    stored_file), then read back and sent."""
    heading("Downloading the largest report's PDF")
    from reports.models import ReportFile

    ReportFile.objects.filter(report=report).delete()
    began = time.perf_counter()
    services.stored_file(report, "pdf")
    figure("first download: rendered and kept", f"{(time.perf_counter() - began) * 1000:,.0f} ms")

    def download() -> bytes:
        return bytes(services.stored_file(report, "pdf").content)

    median, content = median_ms(download, RENDER_RUNS)
    figure(
        f"every later download: the kept {len(content) / 1024:,.0f} KiB",
        f"{median:,.0f} ms",
        "≤ 100 ms",
        median <= 100,
    )


def bench_weekly_report(region: Region, start: date) -> Report:
    """The same report made and stored as the schedule makes it (services.generate)."""
    from reports.tasks import generate_report

    Report.objects.filter(
        region=region, association=None, period_type="week", period_start=start
    ).delete()
    with mock.patch.object(generate_report, "delay"):
        report = services.ensure(region=region, association=None, period_type="week", start=start)
    began = time.perf_counter()
    report = services.generate(report.pk)
    figure(
        "the same report generated and stored", f"{(time.perf_counter() - began) * 1000:,.0f} ms"
    )
    size = len(json.dumps(report.data)) / 1024
    note(f"    {report.title}: status {report.status}, {size:,.0f} KiB of figures")
    return report


def run(population: Population) -> None:
    from bench.report import peak_rss_mib

    heading("Data: matches and placements")
    matches, placements, seconds = populate_matches(population)
    if seconds:
        figure(f"populated {matches:,} matches, {placements:,} placements", f"{seconds:.1f} s")
    else:
        note(f"{matches:,} matches, {placements:,} placements already there: skipped")

    region = Region.objects.get(code=PROVINCE)
    start, end = data_week()
    bench_weekly(region, start, end)
    weekly = bench_weekly_report(region, start)
    daily = daily_run.run()
    bench_rendering([weekly.pk, *daily])
    note(f"peak RSS of the bench process so far: {peak_rss_mib():,.0f} MiB")
