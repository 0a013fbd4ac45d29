"""Complaints at the scale of a large association: 100,000 complaints about its 100,000 members
(most closed, a few thousand open), and the staff's complaints queue read from them: the
selector's first page and count, the page itself (its SQL queries the same on the first and on a
later page), and the plan PostgreSQL chooses.

The complaints are written with one INSERT … SELECT over generate_series, every value a hash of
the row's number: the same data on every run, skipped when they are there. Their history is not
generated: nothing measured here reads it.
"""

import time

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from associations.models import Membership
from bench.generate import Population
from bench.needs import RUNS, _get, _queries, _server_time
from bench.report import figure, heading, note
from enterprises.models import Enterprise
from market.models import Complaint
from market.selectors import queue

COMPLAINTS = 100_000
PAGE_SIZE = 25
PAGE_TARGET_MS = 300

COMPLAINTS_SQL = """
WITH members AS (
    SELECT row_number() OVER (ORDER BY m.enterprise_id) - 1 AS n, e.id, e.name, e.uscc,
        e.region_id
    FROM {membership} m JOIN {enterprise} e ON e.id = m.enterprise_id
    WHERE m.association_id = %(association)s
), mc AS (SELECT count(*) AS total FROM members),
t AS (
    SELECT g AS n, hashint8(g) & 2147483647 AS h, hashint8(g + 7919) & 2147483647 AS h2
    FROM generate_series(1, %(count)s) g
)
INSERT INTO {complaint} (association_id, complainant_id, respondent_id, respondent_name,
    respondent_credit_code, respondent_region_id, category, what_happened, happened_on, place,
    show_identity, status, referral, verify_by, answer_by, resolve_by, extension_reason,
    decision, upheld, decided_at, closed_at, answered_at, respondent_answer, created_at,
    updated_at)
SELECT %(association)s, %(complainant)s, m.id, m.name, m.uscc, m.region_id,
    (%(categories)s::text[])[mod(t.h, 7) + 1],
    '商品价格明显高于周边商户，且未明码标价。', (c.at)::date - 1, '门店',
    false, c.status, '', (c.at)::date + 1, (c.at)::date + 3, (c.at)::date + 21, '',
    CASE WHEN c.status IN ('upheld', 'not_upheld', 'closed') THEN '已核实处理' ELSE '' END,
    CASE WHEN c.status IN ('upheld', 'closed') THEN true
         WHEN c.status = 'not_upheld' THEN false END,
    CASE WHEN c.status IN ('upheld', 'not_upheld', 'closed') THEN c.at + interval '5 days' END,
    CASE WHEN c.status = 'closed' THEN c.at + interval '7 days' END,
    CASE WHEN c.status <> 'submitted' THEN c.at + interval '1 day' END,
    '', c.at, c.at
FROM t
CROSS JOIN mc
JOIN members m ON m.n = mod(t.h2, mc.total)
CROSS JOIN LATERAL (
    SELECT %(now)s::timestamptz - (mod(t.h, %(span)s) || ' days')::interval
        - (mod(t.h2, 86400) || ' seconds')::interval AS at,
        CASE WHEN mod(t.h, %(span)s) < 20
            THEN (%(recent)s::text[])[mod(t.h2 / 7, 10) + 1]
            ELSE 'closed' END AS status
) c;
"""

RECENT_STATUSES = [
    "submitted",
    "submitted",
    "accepted",
    "investigating",
    "investigating",
    "mediation",
    "upheld",
    "not_upheld",
    "closed",
    "closed",
]
CATEGORIES = [value for value, _label in Complaint.Category.choices]


def populate_complaints(count: int, population: Population, *, vacuum: bool = True) -> int:
    association = population.association
    with transaction.atomic():
        present = Complaint.objects.filter(association=association).count()
        if present == count:
            return 0
        Complaint.objects.filter(association=association).delete()
        with connection.cursor() as cursor:
            cursor.execute(
                COMPLAINTS_SQL.format(
                    membership=Membership._meta.db_table,
                    enterprise=Enterprise._meta.db_table,
                    complaint=Complaint._meta.db_table,
                ),
                {
                    "association": association.pk,
                    "complainant": population.staff.pk,
                    "count": count,
                    "categories": CATEGORIES,
                    "now": timezone.now(),
                    "span": 400,
                    "recent": RECENT_STATUSES,
                },
            )
    if not vacuum:  # the caller vacuums once after many associations
        return count
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Complaint._meta.db_table}")
    return count


def _explain(label: str, sql: str) -> None:
    """EXPLAIN ANALYZE of the query as the selector sent it, and whether the open-complaints
    index answers it rather than a scan of the whole table."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}")
        plan = [row[0] for row in cursor.fetchall()]
    note(f"EXPLAIN ANALYZE, {label}:")
    for line in plan:
        note(f"    {line}")
    text = "\n".join(plan)
    used = "complaint_open_queue" in text
    figure("  read through complaint_open_queue", "yes" if used else "no", "yes", used)
    whole = f"Seq Scan on {Complaint._meta.db_table}" in text
    figure("  whole complaints table scanned", "yes" if whole else "no", "no", not whole)


def _first_page(queryset):
    return list(queryset[:PAGE_SIZE]), queryset.count()


def run(population: Population) -> None:
    heading("Complaints")
    started = time.perf_counter()
    added = populate_complaints(COMPLAINTS, population)
    if added:
        note(f"wrote {added:,} complaints in {time.perf_counter() - started:.1f} s")
    else:
        note(f"{COMPLAINTS:,} complaints already in the database")
    staff = population.staff
    rows, total = _first_page(queue(staff))
    note(f"the staff's queue: {total:,} open complaints; first page {len(rows)} rows")
    count = _queries(lambda: _first_page(queue(staff)))
    figure("  SQL queries, first page + count", str(count), "2", count == 2)
    _server_time(
        f"  median time, first {PAGE_SIZE} + count ({RUNS} runs)",
        lambda: _first_page(queue(staff)),
        PAGE_TARGET_MS,
    )
    with CaptureQueriesContext(connection) as captured:
        list(queue(staff)[:PAGE_SIZE])
    _explain("the complaints queue, first page", captured.captured_queries[-1]["sql"])
    client = Client()
    client.force_login(staff)
    pages = {"first page": {}, "page 40": {"page": 40}, "overdue only": {"overdue": "on"}}
    _get(client, "/complaints/")  # warm: the session, the user's scope, the caches
    counts = {
        name: _queries(lambda p=p: _get(client, "/complaints/", p)) for name, p in pages.items()
    }
    for name, n in counts.items():
        figure(f"SQL queries, /complaints/ {name}", str(n))
    same = len(set(counts.values())) == 1
    figure("query count constant in the page", "yes" if same else "no", "yes", same)
    for name, params in pages.items():
        _server_time(
            f"median server time, /complaints/ {name} ({RUNS} runs)",
            lambda params=params: _get(client, "/complaints/", params),
            PAGE_TARGET_MS,
        )
