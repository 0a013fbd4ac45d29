"""A million needs of the populated association's 100,000 members, and what is read from them
every day: the staff queue (most pressing first) and the officials' list of escalated needs, for
a province and for a county. Each is measured as a page (when the pages exist), as the selector
with its count, and as the plan PostgreSQL chooses, to show which index answers it.

The needs are written with one INSERT … SELECT over generate_series, every value a hash of the
row's number: the same data on every run, in about a minute, and skipped when they are there.
Their status history is not generated: nothing measured here reads it.
"""

import re
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from associations.models import Membership
from bench.generate import Population
from bench.report import figure, heading, median_ms, note
from core.keyset import KeysetPage, cursor_after, keyset_page
from core.models import Region, Role, User
from enterprises.models import Enterprise
from supplies.models import Escalation, Match, Need, NeedMessage, Placement, SupplyItem
from supplies.selectors import escalated_list, need_list, need_queue

RUNS = 7
PAGE_SIZE = 25
PAGE_TARGET_MS = 300  # a first page a person waits for
# The pages' orders (supplies.views.queues): most pressing first; newest escalation first.
QUEUE_ORDER = ("rank_at", "id")
ESCALATED_ORDER = ("-escalated_at", "-id")
API_TARGET_MS = 300
SPAN_DAYS = 120  # needs filed over the last four months, more of them recently

BENCH_APPLICANT = "bench-enterprise"
OFFICIALS = {  # username: jurisdiction
    "bench-official": "440000",  # 广东省
    "bench-official-county": "440106",  # 广州市天河区
}
# Production materials staff add to the catalogue beside the seeded prevention supplies.
MATERIALS = [
    ("bench-steel-plate", "冷轧钢板", "Cold-rolled steel plate", "tonne"),
    ("bench-copper-wire", "电解铜线", "Copper wire", "kg"),
    ("bench-pp-pellets", "聚丙烯颗粒", "Polypropylene pellets", "tonne"),
    ("bench-chips", "电子元器件", "Electronic components", "piece"),
    ("bench-cartons", "瓦楞纸箱", "Corrugated cartons", "piece"),
    ("bench-cotton-yarn", "纯棉纱线", "Cotton yarn", "kg"),
]

# Out of every 100 needs: the kind, the urgency, and the status (the status depends on age:
# most needs older than two weeks are met or given up).
KIND_SHARES = [("supply", 55), ("labour", 25), ("difficulty", 20)]
URGENCY_SHARES = [("low", 15), ("normal", 50), ("high", 25), ("critical", 10)]
RECENT_STATUS_SHARES = [
    ("open", 38),
    ("in_progress", 26),
    ("info_requested", 5),
    ("escalated", 3),
    ("answered", 1),
    ("resolved", 22),
    ("cancelled", 5),
]
OLDER_STATUS_SHARES = [
    ("open", 4),
    ("in_progress", 8),
    ("info_requested", 2),
    ("escalated", 2),
    ("answered", 2),
    ("resolved", 74),
    ("cancelled", 8),
]
RESOLVED_AFTER_ESCALATION = 4  # per 100 resolved needs older than two weeks
DIFFICULTY_SHARES = [
    ("energy", 15),
    ("transport", 35),
    ("finance", 30),
    ("policy", 10),
    ("other", 10),
]
OUTCOME_SHARES = [("resolved", 35), ("partly_resolved", 35), ("cannot_help", 15), ("referred", 15)]
TRADES = ["普工", "装配工", "电焊工", "数控车床操作工", "叉车司机", "质检员", "仓管员", "缝纫工"]
SUPPLY_NOTES = [
    "复工在即，现有库存只够三天，请协会帮助对接供应商。",
    "订单恢复，原材料供应商未复工，急需替代货源。",
    "员工返岗人数增加，防疫物资缺口较大。",
    "物流中断，已付款货物无法到厂，请协调。",
]
LABOUR_NOTES = [
    "外地员工无法按时返岗，生产线缺人。",
    "订单增加，需临时招用一线工人，可提供食宿。",
    "希望协会对接劳务协作地区，点对点接回员工。",
]
DIFFICULTY_NOTES = {
    "energy": "复工后用电负荷增加，申请临时增容并缓缴电费。",
    "transport": "货车通行证办理困难，原料进不来、成品出不去。",
    "finance": "停工期间收入中断，工资和房租压力大，申请贷款贴息和延期还款。",
    "policy": "希望了解社保费减免和稳岗补贴的申报条件和流程。",
    "other": "厂区所在园区尚未允许复工，请协助沟通。",
}
SUMMARY = "企业复工需求经协会多方对接仍未解决，提请政府部门协调。"
REPLIES = {
    "resolved": "已协调相关部门和企业，问题已解决。",
    "partly_resolved": "已协调部分资源，其余缺口请协会继续对接。",
    "cannot_help": "经研究，目前暂无可调配资源，请关注后续政策。",
    "referred": "已转交相关职能部门办理，请与其联系。",
}
REFERRED_TO = "省工业和信息化厅"


def _spread(shares: list[tuple[str, int]]) -> list[str]:
    """One entry per percent, in order: `array[h % 100 + 1]` draws with the shares."""
    values = [value for value, share in shares for _ in range(share)]
    if len(values) != 100:
        raise ValueError(f"shares add up to {len(values)}, not 100")
    return values


NEEDS_SQL = """
WITH members AS (
    SELECT e.id AS enterprise_id, e.region_id, row_number() OVER (ORDER BY e.id) - 1 AS n
    FROM {enterprise} e
    JOIN {membership} m ON m.enterprise_id = e.id
        AND m.association_id = %(association)s AND m.status = 'active'
), member_count AS (
    SELECT count(*) AS total FROM members
), items AS (
    SELECT id, unit, row_number() OVER (ORDER BY code) - 1 AS n,
        count(*) OVER () AS total
    FROM {item} WHERE code = ANY(%(items)s)
), drawn AS (
    SELECT g.i,
        hashint4(g.i) & 2147483647 AS h1,
        hashint4(-g.i) & 2147483647 AS h2,
        hashint8(g.i) & 2147483647 AS h3,
        -- the age in days: 120 * u², so that recent needs are the most numerous
        %(span)s * power(mod(hashint4(-g.i) & 2147483647, 1000000) / 1000000.0, 2) AS age
    FROM generate_series(%(first)s, %(last)s) AS g(i)
), shaped AS (
    SELECT d.*,
        (%(kinds)s::text[])[mod(d.h1, 100) + 1] AS kind,
        (%(urgencies)s::text[])[mod(d.h1 / 100, 100) + 1] AS urgency,
        CASE WHEN d.age < 14 THEN (%(recent)s::text[])[mod(d.h1 / 10000, 100) + 1]
            ELSE (%(older)s::text[])[mod(d.h1 / 10000, 100) + 1] END AS status,
        %(now)s - make_interval(secs => d.age * 86400) AS created_at,
        mod(d.h3 / 7, 100) < %(resolved_escalated)s AND d.age >= 14 AS was_escalated
    FROM drawn d
), timed AS (
    SELECT s.*,
        CASE WHEN s.status IN ('escalated', 'answered')
                OR (s.status = 'resolved' AND s.was_escalated)
            THEN s.created_at + (%(now)s - s.created_at) * 0.25 END AS escalated_at,
        CASE WHEN s.status IN ('resolved', 'cancelled')
            THEN s.created_at + (%(now)s - s.created_at) * (0.6 + mod(s.h3, 35) / 100.0)
        END AS closed_at,
        -- the share met: all of a resolved need, part of one being worked on
        CASE WHEN s.status = 'resolved' THEN 100
            WHEN s.status IN ('in_progress', 'info_requested', 'escalated', 'answered')
                THEN mod(s.h3 / 11, 90)
            ELSE 0 END AS met_percent
    FROM shaped s
)
INSERT INTO {need} (kind, enterprise_id, association_id, status, urgency, needed_by,
    description, item_id, unit, quantity, fulfilled_quantity, trade, headcount,
    filled_headcount, work_region_id, difficulty_kind, rank_at, escalated_at, closed_at,
    created_by_id, created_at, updated_at)
SELECT t.kind, m.enterprise_id, %(association)s, t.status, t.urgency,
    CASE WHEN t.kind <> 'difficulty' OR mod(t.h2, 2) = 0
        THEN (t.created_at AT TIME ZONE 'Asia/Shanghai')::date + 3 + mod(t.h3 / 13, 40)::int
    END,
    CASE t.kind
        WHEN 'supply' THEN (%(supply_notes)s::text[])[mod(t.h2 / 3, %(supply_note_count)s) + 1]
        WHEN 'labour' THEN (%(labour_notes)s::text[])[mod(t.h2 / 3, %(labour_note_count)s) + 1]
        ELSE (%(difficulty_notes)s::text[])[mod(t.h2 / 3, 100) + 1]
    END,
    CASE WHEN t.kind = 'supply' THEN it.id END,
    CASE WHEN t.kind = 'supply' THEN it.unit ELSE '' END,
    CASE WHEN t.kind = 'supply' THEN t.quantity END,
    CASE WHEN t.kind = 'supply' THEN round(t.quantity * t.met_percent / 100, 0) ELSE 0 END,
    CASE WHEN t.kind = 'labour' THEN (%(trades)s::text[])[mod(t.h2 / 5, %(trade_count)s) + 1]
        ELSE '' END,
    CASE WHEN t.kind = 'labour' THEN t.headcount END,
    CASE WHEN t.kind = 'labour' THEN t.headcount * t.met_percent / 100 ELSE 0 END,
    CASE WHEN t.kind = 'labour' THEN m.region_id END,
    CASE WHEN t.kind = 'difficulty' THEN (%(difficulties)s::text[])[mod(t.h2 / 3, 100) + 1]
        ELSE '' END,
    t.created_at - (CASE t.urgency WHEN 'low' THEN 0 WHEN 'normal' THEN 1 WHEN 'high' THEN 2
        ELSE 3 END) * interval '7 days',
    t.escalated_at, t.closed_at, %(applicant)s, t.created_at,
    coalesce(t.closed_at, t.escalated_at, t.created_at)
FROM (
    SELECT timed.*,
        -- 100 to 50,000 pieces, pairs or sets; 1 to 500 litres, bottles, kilograms or tonnes
        CASE WHEN mod(timed.h2 / 7, 2) = 0 THEN 100 * (1 + mod(timed.h2 / 17, 500))
            ELSE 1 + mod(timed.h2 / 17, 500) END::numeric AS quantity,
        1 + mod(timed.h2 / 19, 80) AS headcount
    FROM timed
) t
CROSS JOIN member_count mc
JOIN members m ON m.n = mod(t.h3, mc.total)
JOIN items it ON it.n = mod(t.h2 / 23, it.total);

INSERT INTO {escalation} (need_id, association_id, summary, escalated_by_id, escalated_at,
    reply, outcome, referred_to, replied_by_id, replied_at)
SELECT n.id, n.association_id, %(summary)s, %(staff)s, n.escalated_at,
    CASE WHEN r.replied THEN r.reply ELSE '' END,
    CASE WHEN r.replied THEN r.outcome ELSE '' END,
    CASE WHEN r.replied AND r.outcome = 'referred' THEN %(referred_to)s ELSE '' END,
    CASE WHEN r.replied THEN %(official)s END,
    CASE WHEN r.replied
        THEN n.escalated_at + (coalesce(n.closed_at, %(now)s) - n.escalated_at) * 0.5 END
FROM {need} n
CROSS JOIN LATERAL (
    SELECT n.status <> 'escalated' AS replied,
        (%(outcomes)s::text[])[mod(hashint8(n.id) & 2147483647, 100) + 1] AS outcome,
        (%(replies)s::text[])[mod(hashint8(n.id) & 2147483647, 100) + 1] AS reply
) r
WHERE n.association_id = %(association)s AND n.escalated_at IS NOT NULL;
"""

FORGET_NEEDS_SQL = """
DELETE FROM {escalation} WHERE need_id IN (SELECT id FROM {need} WHERE association_id = %(a)s);
DELETE FROM {match} WHERE need_id IN (SELECT id FROM {need} WHERE association_id = %(a)s);
DELETE FROM {placement} WHERE need_id IN (SELECT id FROM {need} WHERE association_id = %(a)s);
DELETE FROM {message} WHERE need_id IN (SELECT id FROM {need} WHERE association_id = %(a)s);
DELETE FROM {need} WHERE association_id = %(a)s;
"""


@dataclass
class Needs:
    population: Population
    officials: dict[str, User]
    count: int
    added: int
    seconds: float


def _tables() -> dict[str, str]:
    return {
        "enterprise": Enterprise._meta.db_table,
        "membership": Membership._meta.db_table,
        "item": SupplyItem._meta.db_table,
        "need": Need._meta.db_table,
        "escalation": Escalation._meta.db_table,
        "match": Match._meta.db_table,
        "placement": Placement._meta.db_table,
        "message": NeedMessage._meta.db_table,
    }


def _people(population: Population) -> tuple[User, dict[str, User]]:
    """The enterprise user who files (one for all: who filed is not what is measured) and the
    two officials, of the province and of one county."""
    applicant, _created = User.objects.get_or_create(
        username=BENCH_APPLICANT,
        defaults={
            "role": Role.ENTERPRISE,
            "enterprise": Membership.objects.filter(association=population.association)
            .order_by("enterprise_id")
            .first()
            .enterprise,
        },
    )
    officials = {}
    for username, jurisdiction in OFFICIALS.items():
        officials[username], _created = User.objects.get_or_create(
            username=username, defaults={"role": Role.OFFICIAL, "jurisdiction_id": jurisdiction}
        )
    return applicant, officials


def _catalogue() -> list[str]:
    for code, name_zh, name_en, unit in MATERIALS:
        SupplyItem.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": name_zh,
                "name_en": name_en,
                "unit": unit,
                "category": SupplyItem.Category.MATERIAL,
            },
        )
    return list(SupplyItem.objects.filter(is_active=True).values_list("code", flat=True))


def populate_needs(count: int, population: Population, *, vacuum: bool = True) -> Needs:
    """`count` needs of the bench association's members in realistic kinds, urgencies, ages and
    states, a share of them escalated (most of those answered); written with INSERT … SELECT.
    Does nothing when the association has exactly `count` needs already; otherwise starts over."""
    started = time.perf_counter()
    association = population.association
    with transaction.atomic():
        applicant, officials = _people(population)
        present = Need.objects.filter(association=association).count()
        if present == count:
            return Needs(population, officials, present, 0, time.perf_counter() - started)
        items = _catalogue()
        difficulties = _spread(DIFFICULTY_SHARES)
        outcomes = _spread(OUTCOME_SHARES)
        params = {
            "association": association.pk,
            "items": items,
            "span": SPAN_DAYS,
            "first": 1,
            "last": count,
            "now": timezone.now(),
            "kinds": _spread(KIND_SHARES),
            "urgencies": _spread(URGENCY_SHARES),
            "recent": _spread(RECENT_STATUS_SHARES),
            "older": _spread(OLDER_STATUS_SHARES),
            "resolved_escalated": RESOLVED_AFTER_ESCALATION,
            "supply_notes": SUPPLY_NOTES,
            "supply_note_count": len(SUPPLY_NOTES),
            "labour_notes": LABOUR_NOTES,
            "labour_note_count": len(LABOUR_NOTES),
            "difficulty_notes": [DIFFICULTY_NOTES[kind] for kind in difficulties],
            "difficulties": difficulties,
            "trades": TRADES,
            "trade_count": len(TRADES),
            "applicant": applicant.pk,
            "staff": population.staff.pk,
            "official": officials["bench-official"].pk,
            "summary": SUMMARY,
            "outcomes": outcomes,
            "replies": [REPLIES[outcome] for outcome in outcomes],
            "referred_to": REFERRED_TO,
        }
        tables = _tables()
        with connection.cursor() as cursor:
            cursor.execute(FORGET_NEEDS_SQL.format(**tables), {"a": association.pk})
            cursor.execute(NEEDS_SQL.format(**tables), params)
        added = Need.objects.filter(association=association).count()
        if added != count:
            raise RuntimeError(f"bench needs: {added:,} written for {count:,} asked")
    if not vacuum:  # the caller vacuums once after many associations
        return Needs(population, officials, added, added, time.perf_counter() - started)
    # Outside the transaction: VACUUM sets the visibility map, so counts read the index alone.
    with connection.cursor() as cursor:
        for table in (Need._meta.db_table, Escalation._meta.db_table, SupplyItem._meta.db_table):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return Needs(population, officials, added, added, time.perf_counter() - started)


# --- measuring ----------------------------------------------------------------------------


class NotAvailable(Exception):
    """The page or endpoint is not there (yet)."""


def _queries(action) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured.captured_queries)


def _server_time(label: str, action, target_ms: int) -> float:
    action()  # warm: connection, templates, translations, caches
    median, _result = median_ms(action, RUNS)
    figure(label, f"{median:,.0f} ms", f"< {target_ms} ms", median < target_ms)
    return median


def _get(client: Client, url: str, params: dict | None = None):
    response = client.get(url, params or {})
    if response.status_code == 404:
        raise NotAvailable(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} {params} answered {response.status_code}")
    return response


def _page_url(names: tuple[str, ...], fallback: str, client: Client) -> str | None:
    """The page's URL by its name, else by the path the product names; None when absent."""
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    try:
        _get(client, fallback)
    except NotAvailable:
        return None
    return fallback


def _need_indexes() -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Need._meta.db_table)
    return {name for name, info in constraints.items() if info["index"]}


def _explain(label: str, sql: str, expected: str | None) -> None:
    """EXPLAIN ANALYZE of a query exactly as the selector sent it: which indexes of the needs'
    table answer it (`expected`, or any), and whether the table is read whole."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}")
        plan = [row[0] for row in cursor.fetchall()]
    note(f"EXPLAIN ANALYZE, {label}:")
    for line in plan:
        note(f"    {line}")
    text = "\n".join(plan)
    used = sorted(name for name in _need_indexes() if re.search(rf"\b{name}\b", text))
    met = expected in used if expected else bool(used)
    figure("  needs read through index", ", ".join(used) or "none", expected or "an index", met)
    whole = f"Seq Scan on {Need._meta.db_table}" in text
    figure("  whole needs table scanned", "yes" if whole else "no", "no", not whole)


def _describe(association) -> None:
    needs = Need.objects.filter(association=association)
    by_status = dict(
        needs.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    by_kind = dict(
        needs.order_by().values_list("kind").annotate(n=Count("id")).values_list("kind", "n")
    )
    total = sum(by_status.values())
    note(
        f"{total:,} needs: "
        + ", ".join(f"{kind} {by_kind.get(kind, 0):,}" for kind in Need.Kind.values)
    )
    note("  " + ", ".join(f"{s} {by_status.get(s, 0):,}" for s in Need.Status.values))
    active = needs.filter(status__in=Need.ACTIVE)
    note(
        f"  on the queue {active.count():,}, overdue {needs.overdue().count():,}, "
        f"escalated at some time {needs.filter(escalated_at__isnull=False).count():,}"
    )


def _first_page(queryset, order: tuple[str, ...], cursor: str | None = None) -> KeysetPage:
    """What a list page reads (core.keyset): a page of rows from the cursor and the count of
    them all, capped at COUNT_CAP."""
    return keyset_page(queryset, order=order, cursor=cursor, per_page=PAGE_SIZE, salt="bench")


def bench_selector(label: str, make_queryset, expected: str | None, order: tuple[str, ...]):
    """The selector as a list page uses it: its first page and its capped count, then page 40
    (from a cursor after the 975th row) with its plan: the index is read from the cursor on."""
    page = _first_page(make_queryset(), order)
    total = f"{page.count_cap:,}+" if page.count_capped else f"{page.count:,}"
    note(f"{label}: {total} rows; first page {len(page)} rows")
    with CaptureQueriesContext(connection) as captured:
        _first_page(make_queryset(), order)
    queries = captured.captured_queries
    figure("  SQL queries, first page + count", str(len(queries)), "2", len(queries) == 2)
    _server_time(
        f"  median time, first {PAGE_SIZE} + count ({RUNS} runs)",
        lambda: _first_page(make_queryset(), order),
        PAGE_TARGET_MS,
    )
    for what, query in zip(("first page", "count"), queries, strict=False):
        # The count may start from another index (a province's escalated needs: from its
        # members' through need_escalated_enterprise); the pages read `expected` in order.
        _explain(f"{label}, {what}", query["sql"], expected if what == "first page" else None)
    deep = make_queryset().order_by(*order)[PAGE_SIZE * 39 - 1 : PAGE_SIZE * 39]
    if not deep:
        return
    cursor = cursor_after(deep[0], order=order, salt="bench")
    with CaptureQueriesContext(connection) as captured:
        _first_page(make_queryset(), order, cursor)
    _server_time(
        f"  median time, page 40 from its cursor + count ({RUNS} runs)",
        lambda: _first_page(make_queryset(), order, cursor),
        PAGE_TARGET_MS,
    )
    _explain(f"{label}, page 40", captured.captured_queries[0]["sql"], expected)


def bench_page(label: str, client: Client, url: str | None, pages: dict[str, dict]) -> None:
    if url is None:
        note(f"{label}: not available yet")
        return
    # A page as people get it: the menu's counts and the user's scope are kept between pages
    # (core.badges), so the first visit after the data changed counts them once more.
    for params in pages.values():
        _get(client, url, params)
    counts = {name: _queries(lambda p=p: _get(client, url, p)) for name, p in pages.items()}
    for name, count in counts.items():
        figure(f"SQL queries, {name}", str(count))
    if len(counts) > 1:
        same = len(set(counts.values())) == 1
        figure("query count constant in page", "yes" if same else "no", "yes", same)
    for name, params in pages.items():
        _server_time(
            f"median server time, {name} ({RUNS} runs)",
            lambda params=params: _get(client, url, params),
            PAGE_TARGET_MS,
        )


def _fresh(user: User) -> User:
    """The user as a request has it: read again, with what the scoping reads (associations,
    jurisdiction) cached on it after the first call, as the middleware's user is."""
    return User.objects.select_related("jurisdiction").get(pk=user.pk)


def bench_queue(staff: User) -> None:
    heading("Staff queue: the association's active needs, most pressing first")
    client = Client()
    client.force_login(staff)
    url = _page_url(("need-queue",), "/needs/queue/", client)
    note(f"page GET {url or '/needs/queue/'}")
    user = _fresh(staff)
    # Page 40 as the page's "Next" link reaches it: a cursor after the 975th need.
    row = need_queue(user=user)[PAGE_SIZE * 39 - 1]
    deep = cursor_after(row, order=QUEUE_ORDER, salt="need-queue")
    pages = {"first page": {}, "page 40 (cursor)": {"cursor": deep}}
    bench_page("staff queue page", client, url, pages)
    bench_selector(
        "selectors.need_queue(user=staff)", lambda: need_queue(user=user), "need_queue", QUEUE_ORDER
    )


def bench_escalated(officials: dict[str, User]) -> None:
    for username, official in officials.items():
        jurisdiction = Region.objects.get(code=official.jurisdiction_id)
        heading(
            f"Escalated needs, official of {jurisdiction.name_zh} ({jurisdiction.code}, "
            f"{jurisdiction.get_level_display()})"
        )
        client = Client()
        client.force_login(official)
        url = _page_url(("need-escalated", "need-escalated-list"), "/needs/escalated/", client)
        note(f"page GET {url or '/needs/escalated/'}")
        bench_page(f"escalated page ({username})", client, url, {"first page": {}})
        user = _fresh(official)
        bench_selector(
            f"selectors.escalated_list(user={username})",
            lambda user=user: escalated_list(user=user),
            # a province reads the newest escalations in order; a county starts from its few
            # hundred members, whichever index
            "need_escalated" if jurisdiction.level == Region.Level.PROVINCE else None,
            ESCALATED_ORDER,
        )


def bench_api(staff: User) -> None:
    url = "/api/v1/supply-requests/"
    params = {"ordering": "rank"}
    heading(f"GET {url}?ordering=rank (staff)")
    client = Client()
    client.force_login(staff)
    try:
        first = _get(client, url, params).json()
    except NotAvailable:
        note("supply requests API: not available yet")
        return
    note(f"count answered: {first['count']:,}; rows on the first page: {len(first['results']):,}")
    counts = {
        f"page_size={size}": _queries(
            lambda size=size: _get(client, url, {**params, "page_size": size})
        )
        for size in (10, 100, 1000)
    }
    for label, count in counts.items():
        figure(f"SQL queries, {label}", str(count))
    same = len(set(counts.values())) == 1
    figure("query count constant in page size", "yes" if same else "no", "yes", same)
    _server_time(
        f"median server time, default page ({RUNS} runs)",
        lambda: _get(client, url, params),
        API_TARGET_MS,
    )
    from bench.pages import api_ratio

    user = _fresh(staff)
    api_ratio(client, url, params, need_list(user=user, kind=Need.Kind.SUPPLY).ranked(), RUNS)


def run(needs: Needs) -> None:
    heading("Needs")
    _describe(needs.population.association)
    staff = needs.population.staff
    bench_queue(staff)
    bench_escalated(needs.officials)
    bench_api(staff)
