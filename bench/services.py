"""Support services and relief at the scale of a large association: providers and services of
the bench association, 200,000 service requests of its 100,000 members in mixed states, hardship
assessments for about 30% of them, and a relief scheme with eligibility rules (grades severe and
moderate, small and micro firms, Guangdong, manufacturing). Measured: the staff's service-request
queue (selector's first page and count, its plan, the request list page and the API) and the
scheme's eligible enterprises at 10,000 and at 100,000 members (the number of queries the same).

The requests and assessments are written with one INSERT … SELECT over generate_series, every
value a hash of the row's number: the same data on every run, skipped when they are there. Their
history is not generated: nothing measured here reads it.
"""

import time
from datetime import date, timedelta
from decimal import Decimal

from django.db import OperationalError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from associations.models import Association, Membership
from bench.generate import Population
from bench.needs import RUNS, NotAvailable, _get, _queries, _server_time
from bench.report import figure, heading, note
from core.access import scope_of
from core.models import Industry, Region
from relief.models import HardshipAssessment, ReliefScheme
from services.models import Service, ServiceProvider, ServiceRequest
from services.selectors import offered_next, staff_queue

REQUESTS = 200_000
ASSESSED_SHARE = 30  # percent of members with a valid assessment
PAGE_SIZE = 50
PAGE_TARGET_MS = 300
ELIGIBLE_TARGET_MS = 1000
SLOW_S = 5  # a page slower than this once is timed once, not RUNS times
SMALL_MEMBERS = 10_000
SMALL_ASSOCIATION = {
    "name": "广州市小微企业商会（基准）",
    "uscc": "51440100BENCH00027",
    "region_id": "440100",
}
SCHEME_NAME = "减免2020年会费（基准）"

PROVIDERS = [
    ("广东省中小企业协会服务中心", "association"),
    ("广东德明律师事务所", "partner"),
    ("广州农村商业银行天河支行", "partner"),
    ("广东诚信税务师事务所", "partner"),
    ("广州人和人力资源服务有限公司", "partner"),
    ("广东省职业技能培训中心", "partner"),
]
# title, category, fee, provider index
SERVICES = [
    ("复工复产法律咨询", "legal", "free", 1),
    ("劳动合同审查", "legal", "reduced", 1),
    ("复工贷款对接", "finance", "free", 2),
    ("应收账款融资", "finance", "paid", 2),
    ("疫情期间税收优惠申报辅导", "tax", "free", 3),
    ("社保费减免申报", "hr", "free", 4),
    ("稳岗补贴申领", "policy", "free", 0),
    ("一线员工防疫与安全培训", "training", "reduced", 5),
    ("供应链协调", "other", "free", 0),
]
# Out of every 100 requests: mostly closed or resolved, the rest open or stopped.
STATUS_SHARES = [
    ("submitted", 8),
    ("accepted", 6),
    ("in_progress", 8),
    ("resolved", 10),
    ("closed", 55),
    ("declined", 7),
    ("withdrawn", 6),
]
GRADE_SHARES = [("severe", 25), ("moderate", 40), ("mild", 35)]


def _spread(shares):
    values = [value for value, share in shares for _ in range(share)]
    if len(values) != 100:
        raise ValueError(f"shares add up to {len(values)}, not 100")
    return values


REQUESTS_SQL = """
WITH members AS (
    SELECT row_number() OVER (ORDER BY m.enterprise_id) - 1 AS n, m.enterprise_id
    FROM {membership} m
    WHERE m.association_id = %(association)s AND m.status = 'active'
), mc AS (SELECT count(*) AS total FROM members),
svc AS (
    SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, provider_id, count(*) OVER () AS total
    FROM {service} WHERE association_id = %(association)s
),
t AS (
    SELECT g AS n, hashint8(g) & 2147483647 AS h, hashint8(g + 7919) & 2147483647 AS h2,
        %(now)s - make_interval(secs => 180 * 86400
            * power(mod(hashint4(g) & 2147483647, 1000000) / 1000000.0, 2)) AS created_at
    FROM generate_series(1, %(count)s) g
), s AS (
    SELECT t.*, (%(statuses)s::text[])[mod(t.h, 100) + 1] AS status FROM t
)
INSERT INTO {request} (service_id, enterprise_id, association_id, description, status, reason,
    assignee_id, provider_id, respond_by, plan_by, resolve_by, resolved_at, rating,
    rating_comment, created_by_id, created_at, updated_at)
SELECT svc.id, m.enterprise_id, %(association)s, '复工后资金周转困难，希望协会对接相关服务。',
    s.status,
    CASE WHEN s.status = 'declined' THEN '不属于本服务范围' ELSE '' END,
    CASE WHEN s.status IN ('accepted', 'in_progress', 'resolved', 'closed')
        THEN %(staff)s END,
    CASE WHEN s.status IN ('accepted', 'in_progress', 'resolved', 'closed')
        THEN svc.provider_id END,
    (s.created_at AT TIME ZONE 'Asia/Shanghai')::date + 1,
    (s.created_at AT TIME ZONE 'Asia/Shanghai')::date + 5,
    (s.created_at AT TIME ZONE 'Asia/Shanghai')::date + 21,
    CASE WHEN s.status IN ('resolved', 'closed')
        THEN s.created_at + make_interval(days => 2 + mod(s.h2, 20)::int) END,
    CASE WHEN s.status = 'closed' THEN 3 + mod(s.h2 / 3, 3)::int END,
    '', %(staff)s, s.created_at, s.created_at
FROM s
CROSS JOIN mc
JOIN members m ON m.n = mod(s.h2, mc.total)
JOIN svc ON svc.n = mod(s.h / 100, svc.total)
"""

ASSESSMENTS_SQL = """
WITH members AS (
    SELECT m.enterprise_id, hashint8(m.enterprise_id) & 2147483647 AS h
    FROM {membership} m
    WHERE m.association_id = %(association)s AND m.status = 'active'
)
INSERT INTO {assessment} (enterprise_id, association_id, period, revenue_drop_percent,
    months_of_cash, orders_lost, workers_not_back, rent_burden_percent, cause, computed_grade,
    grade, override_reason, valid_until, status, requested_by_id, created_at)
SELECT m.enterprise_id, %(association)s, %(period)s, 20 + mod(m.h / 7, 70), 1 + mod(m.h / 11, 6),
    mod(m.h / 13, 40), mod(m.h / 17, 30), mod(m.h / 19, 40), 'epidemic',
    (%(grades)s::text[])[mod(m.h / 100, 100) + 1], (%(grades)s::text[])[mod(m.h / 100, 100) + 1],
    '', %(valid_until)s, 'assessed', %(staff)s, now()
FROM members m
WHERE mod(m.h, 100) < %(share)s
"""

SMALL_MEMBERS_SQL = """
INSERT INTO {membership} (enterprise_id, association_id, status, member_number, joined_on,
    created_at, updated_at)
SELECT enterprise_id, %s, 'active', member_number, joined_on, now(), now()
FROM {membership}
WHERE association_id = %s AND status = 'active'
ORDER BY enterprise_id LIMIT %s
"""


def _tables() -> dict[str, str]:
    return {
        "membership": Membership._meta.db_table,
        "service": Service._meta.db_table,
        "request": ServiceRequest._meta.db_table,
        "assessment": HardshipAssessment._meta.db_table,
    }


def _catalogue(association: Association) -> None:
    if Service.objects.filter(association=association).exists():
        return
    providers = [
        ServiceProvider.objects.create(association=association, name=name, kind=kind, capacity=50)
        for name, kind in PROVIDERS
    ]
    for title, category, fee, provider in SERVICES:
        Service.objects.create(
            association=association,
            provider=providers[provider],
            category=category,
            title=title,
            fee=fee,
            fee_amount=None if fee == "free" else Decimal("500.00"),
            capacity=50,
        )


def populate_requests(population: Population, count: int = REQUESTS, *, vacuum: bool = True) -> int:
    association = population.association
    if ServiceRequest.objects.filter(association=association).exists():
        return 0
    with transaction.atomic():
        _catalogue(association)
        with connection.cursor() as cursor:
            cursor.execute(
                REQUESTS_SQL.format(**_tables()),
                {
                    "association": association.pk,
                    "count": count,
                    "now": timezone.now(),
                    "statuses": _spread(STATUS_SHARES),
                    "staff": population.staff.pk,
                },
            )
            added = cursor.rowcount
    if not vacuum:  # the caller vacuums once after many associations
        return added
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {ServiceRequest._meta.db_table}")
    return added


def populate_assessments(association: Association, staff, *, vacuum: bool = True) -> int:
    if HardshipAssessment.objects.filter(association=association).exists():
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            ASSESSMENTS_SQL.format(**_tables()),
            {
                "association": association.pk,
                "period": date(2020, 3, 1),
                "grades": _spread(GRADE_SHARES),
                "valid_until": date(2099, 12, 31),
                "share": ASSESSED_SHARE,
                "staff": staff.pk,
            },
        )
        added = cursor.rowcount
    if not vacuum:  # the caller vacuums once after many associations
        return added
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {HardshipAssessment._meta.db_table}")
    return added


def _small_association() -> Association:
    """A second association whose members are the first 10,000 of the bench association's."""
    association, _ = Association.objects.get_or_create(
        uscc=SMALL_ASSOCIATION["uscc"],
        defaults={
            "name": SMALL_ASSOCIATION["name"],
            "kind": Association.Kind.INDUSTRY_ASSOCIATION,
            "region_id": SMALL_ASSOCIATION["region_id"],
        },
    )
    return association


def populate_small(population: Population) -> Association:
    small = _small_association()
    if not Membership.objects.filter(association=small).exists():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                SMALL_MEMBERS_SQL.format(**_tables()),
                [small.pk, population.association.pk, SMALL_MEMBERS],
            )
    populate_assessments(small, population.staff)
    return small


def _scheme(association: Association) -> ReliefScheme:
    scheme = ReliefScheme.objects.filter(association=association, name=SCHEME_NAME).first()
    if scheme:
        return scheme
    scheme = ReliefScheme.objects.create(
        association=association,
        name=SCHEME_NAME,
        kind=ReliefScheme.Kind.DUES_WAIVED_FULL,
        grades=["severe", "moderate"],
        sizes=["micro", "small"],
        budget=Decimal("10000000.00"),
        amount_per_grant=Decimal("2000.00"),
        active_from=date(2020, 3, 1),
        active_to=timezone.localdate() + timedelta(days=365),
    )
    scheme.regions.set(Region.objects.filter(code="440000"))
    scheme.industries.set(Industry.objects.filter(code="C"))
    return scheme


def _explain(label: str, sql: str, params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", params)
        plan = [row[0] for row in cursor.fetchall()]
    note(f"EXPLAIN ANALYZE, {label}:")
    for line in plan:
        note(f"    {line}")
    text = "\n".join(plan)
    whole = f"Seq Scan on {ServiceRequest._meta.db_table}" in text
    figure("  whole requests table scanned", "yes" if whole else "no", "no", not whole)


def _first_page(queryset):
    return list(queryset[:PAGE_SIZE]), queryset.count()


def _offered_next(staff) -> bool:
    """offered_next (the request page's panel) once, cut at SLOW_S seconds; True if slow.

    Every other service of the catalogue is given capacity to spare first, so that the panel
    has something to offer (with capacity 50 each, the 64,000 open requests fill them all)."""
    services = Service.objects.filter(association_id__in=scope_of(staff).association_ids)
    spare = list(services.order_by("pk").values_list("pk", flat=True))[::2]
    Service.objects.filter(pk__in=spare).update(capacity=1_000_000)
    started = time.perf_counter()
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL statement_timeout = {SLOW_S * 1000}")
            offered = offered_next(staff)
    except OperationalError:
        figure("  one run, offered_next", f"> {SLOW_S} s (cancelled)", "< 300 ms", False)
        return True
    seconds = time.perf_counter() - started
    note(f"offered next (the request page's panel): {len(offered)} services with capacity free")
    if seconds > SLOW_S:
        figure("  one run, offered_next", f"{seconds:,.1f} s", "< 300 ms", False)
        return True
    _server_time(f"  median time, offered_next ({RUNS} runs)", lambda: offered_next(staff), 300)
    return False


def bench_queue(population: Population) -> None:
    staff = population.staff
    rows, total = _first_page(staff_queue(staff))
    note(f"the staff's queue: {total:,} open requests; first page {len(rows)} rows")
    count = _queries(lambda: _first_page(staff_queue(staff)))
    figure("  SQL queries, first page + count", str(count), "2", count == 2)
    _server_time(
        f"  median time, first {PAGE_SIZE} + count ({RUNS} runs)",
        lambda: _first_page(staff_queue(staff)),
        PAGE_TARGET_MS,
    )
    query = staff_queue(staff)[:PAGE_SIZE].query
    sql, params = query.sql_with_params()
    _explain("the service-request queue, first page", sql, params)
    slow_offered = _offered_next(staff)
    client = Client()
    client.force_login(staff)
    for url, params in (
        ("/services/requests/", {}),
        ("/services/requests/", {"page": 40}),
        ("/services/queue/", {}),
        ("/api/v1/service-requests/", {}),
    ):
        if slow_offered and url.startswith("/services/requests/"):
            note(f"{url} {params or ''}: not timed (it reads offered_next on every load)")
            continue
        try:
            once = time.perf_counter()
            queries = _queries(lambda url=url, params=params: _get(client, url, params))
            once = time.perf_counter() - once
        except NotAvailable:
            note(f"{url} {params or ''}: not there (404)")
            continue
        figure(f"SQL queries, {url} {params or ''}", str(queries))
        if once > SLOW_S:
            label = f"one run, {url} {params or ''}"
            figure(label, f"{once:,.1f} s", f"< {PAGE_TARGET_MS} ms", False)
            continue
        _server_time(
            f"median server time, {url} {params or ''} ({RUNS} runs)",
            lambda url=url, params=params: _get(client, url, params),
            PAGE_TARGET_MS,
        )


def bench_eligibility(population: Population) -> None:
    from relief.selectors import eligible_enterprises

    heading("Relief eligibility")
    started = time.perf_counter()
    added = populate_assessments(population.association, population.staff)
    small = populate_small(population)
    note(
        f"assessments: {HardshipAssessment.objects.count():,}"
        + (f" ({added:,} written in {time.perf_counter() - started:.1f} s)" if added else "")
    )
    counts = {}
    for association, members in ((small, SMALL_MEMBERS), (population.association, 100_000)):
        scheme = _scheme(association)

        def compute(scheme=scheme):
            fresh = ReliefScheme.objects.get(pk=scheme.pk)
            return eligible_enterprises(fresh).count(), list(eligible_enterprises(fresh)[:50])

        found, _rows = compute()
        queries = _queries(compute)
        counts[members] = queries
        note(f"{members:,} members: {found:,} eligible (severe/moderate, micro/small, 广东, C)")
        figure(f"  SQL queries, scheme + count + first 50 ({members:,} members)", str(queries))
        _server_time(
            f"  median time, count + first 50 ({members:,} members, {RUNS} runs)",
            compute,
            ELIGIBLE_TARGET_MS,
        )

        def everyone(scheme=scheme):
            return len(list(eligible_enterprises(ReliefScheme.objects.get(pk=scheme.pk))))

        _server_time(
            f"  median time, every eligible enterprise ({members:,} members, {RUNS} runs)",
            everyone,
            ELIGIBLE_TARGET_MS * 3,
        )
    same = len(set(counts.values())) == 1
    figure("query count the same at 10,000 and 100,000", "yes" if same else "no", "yes", same)
    with CaptureQueriesContext(connection) as captured:
        list(eligible_enterprises(_scheme(population.association))[:50])
    note(f"    the eligibility query: {captured.captured_queries[-1]['sql'][:300]}…")


def run(population: Population) -> None:
    heading("Support services")
    started = time.perf_counter()
    added = populate_requests(population)
    if added:
        note(f"wrote {added:,} service requests in {time.perf_counter() - started:.1f} s")
    else:
        note("service requests already in the database")
    bench_queue(population)
    bench_eligibility(population)
