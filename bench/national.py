"""The national data set (`make bench SCALE=national`): ten times today's bench, built once.

Today's bench population (100,000 members of one Guangdong association, its 20,000
applications and 1,000,000 needs) becomes the largest of `associations` associations; the
others are spread over the provinces, a few large ones and a long tail in each, with
`enterprises` enterprises in all. Every association then gets what today's generators write for
the bench association, in proportion to its members: two resumption batches, ten needs a
member with their escalations, matches, placements and events, service requests, hardship
assessments, complaints, practice cases, a notice with its receipts, notifications and webhook
deliveries.

Enterprises come from `generate.member_rows` (their credit codes and names need Python) and go
in with COPY, 100,000 at a time; everything derived from them is written by the server itself
with today's INSERT … SELECT generators, one association per transaction. A run that stops
keeps what it committed, and the next run goes on from there: each step skips an association
that has its rows already.

`make bench SCALE=national ONLY=data` builds the set without measuring anything.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from stdnum.cn import uscc as stdnum_uscc

from associations.models import Association, Membership
from batches.models import Application, Batch
from bench import generate
from bench.generate import Dataset, Population, ReferenceCodes
from bench.report import figure, heading, note
from cases.models import Case, CaseTag
from core.models import (
    EVENT_COMMIT_LOCK,
    Event,
    EventCommit,
    Industry,
    Notification,
    Region,
    set_links,
)
from enterprises.models import Enterprise
from integrations.models import Delivery, Endpoint
from market.models import Complaint
from notices.models import Notice, NoticeRecipient
from relief.models import HardshipAssessment
from services.models import ServiceRequest
from supplies.models import Escalation, Match, Need, Placement


@dataclass(frozen=True)
class Scale:
    """Totals of the data set, today's bench population included."""

    enterprises: int = 1_000_000
    associations: int = 500
    needs_per_member: int = 10
    # Out of every 100 members: how many applied to each of an association's two batches.
    first_batch_share: int = 60
    second_batch_share: int = 50
    chunk: int = 100_000  # enterprises per COPY and transaction


NATIONAL = Scale()
# Vacuumed and analyzed once at the end, not after each association.
BIG_TABLES = [Enterprise, Membership, Application, Batch, Need, Escalation, Match, Placement]
BIG_TABLES += [Event, EventCommit, ServiceRequest, HardshipAssessment, Complaint, Case, CaseTag]
BIG_TABLES += [Notice, NoticeRecipient, Notification, Delivery]
# Enterprises all over the country (no home province): credit codes of a family of their own.
DATASET = Dataset(
    seed=86_000, org_digit="3", home_province="110000", home_share=0.0, member_prefix="CN"
)
NAME_SUFFIX = "（全国基准）"
STAFF_PREFIX = "bench-national-staff-"
ASSOCIATION_TRADES = ["中小企业", "电子商务", "机械工业", "纺织服装", "食品工业", "物流与采购"]
ASSOCIATION_TRADES += ["软件和信息服务业", "建筑业", "商业联合", "工商业联合", "餐饮与住宿"]


def _province_names() -> dict[str, str]:
    return dict(Region.objects.filter(level=Region.Level.PROVINCE).values_list("code", "name_zh"))


def _shares(codes: ReferenceCodes, total: int) -> list[str]:
    """One province per association, in proportion to the province's counties (each at least
    one): where the enterprises are, since they are drawn county by county."""
    counties = {province: len(group) for province, group in codes.counties_by_province.items()}
    provinces = sorted(counties)
    if total < len(provinces):
        raise ValueError(f"{total} associations cannot cover {len(provinces)} provinces")
    all_counties = sum(counties.values())
    spare = total - len(provinces)
    exact = {p: spare * counties[p] / all_counties for p in provinces}
    count = {p: 1 + int(exact[p]) for p in provinces}
    by_remainder = sorted(provinces, key=lambda p: exact[p] - int(exact[p]), reverse=True)
    for province in by_remainder[: total - sum(count.values())]:
        count[province] += 1
    return [p for p in provinces for _ in range(count[p])]


def _association_uscc(number: int, region: str) -> str:
    body = f"51{region}N{number:08d}"  # social organisation, the national set's own letter
    return body + stdnum_uscc.calc_check_digit(body)


def ensure_associations(scale: Scale, codes: ReferenceCodes) -> list[Population]:
    """The associations besides the bench's own, each with a staff user (made once)."""
    provinces = _shares(codes, scale.associations - 1)
    names = _province_names()
    regions = set(Region.objects.values_list("code", flat=True))
    kinds = [Association.Kind.INDUSTRY_ASSOCIATION, Association.Kind.CHAMBER_OF_COMMERCE]
    populations = []
    with transaction.atomic():
        for number, province in enumerate(provinces, start=1):
            capital = province[:2] + "0100"
            region = capital if capital in regions else province
            trade = ASSOCIATION_TRADES[number % len(ASSOCIATION_TRADES)]
            association, _created = Association.objects.get_or_create(
                uscc=_association_uscc(number, region),
                defaults={
                    "name": f"{names[province]}{trade}协会{number:03d}{NAME_SUFFIX}",
                    "kind": kinds[number % 2],
                    "region_id": region,
                },
            )
            staff = generate.bench_staff(f"{STAFF_PREFIX}{number:03d}", association)
            populations.append(Population(association, staff, 0, 0, 0.0))
    return populations


@contextmanager
def bulk_transaction():
    """A transaction that fires no per-row trigger (`session_replication_role = replica`, for
    this transaction only): Django's foreign keys are DEFERRABLE INITIALLY DEFERRED, so every
    row queued a check per key (and every event the event log's commit trigger) to run at
    COMMIT, most of the load's time at this size. The rows are made from keys just read from
    their tables, and tests/test_bench_national.py checks every foreign key of a small set.
    The event log's commit position, which the trigger would write, is written here the same
    way: under its lock, held until the commit is visible."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        yield
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [EVENT_COMMIT_LOCK])
        cursor.execute(
            f"INSERT INTO {EventCommit._meta.db_table} (txid, position) "  # noqa: S608
            "VALUES (pg_current_xact_id()::text::bigint, nextval('core_eventcommit_position')) "
            "ON CONFLICT (txid) DO NOTHING"
        )


# While a step loads its largest tables, they keep only their unique indexes and those the load
# reads (each association's rows by association, the events of a need); the others are built
# once at the end, by sorting, instead of being kept up row by row. Their definitions wait in
# a table of the bench database, so that a run that stops rebuilds them next time.
NEEDS_LOAD = {
    Need: {"supplies_need_association_id_c17078dd"},
    Event: {"status_change_subject"},
}
CAPABILITIES_LOAD = {
    ServiceRequest: {"services_servicerequest_association_id_f9624f0d"},
    HardshipAssessment: {"relief_hardshipassessment_association_id_7d67643a"},
    Complaint: {"market_complaint_association_id_9bf091ba"},
    Case: {"cases_case_association_id_e3375f32"},
    CaseTag: set(),
    NoticeRecipient: {"notices_noticerecipient_notice_id_6bf6fd11"},
    Delivery: set(),
}
DROPPED = "bench_national_dropped_index"
BUILD_LOCK = 8_600_019  # one build at a time; a second run measures what is there


def drop_indexes(load: dict) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {DROPPED} (name text PRIMARY KEY, definition text)"
        )
        for model, keep in load.items():
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = %s::regclass AND NOT i.indisunique "
                "AND NOT c.relname = ANY(%s)",
                [model._meta.db_table, list(keep)],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(
                    f"INSERT INTO {DROPPED} VALUES (%s, %s) ON CONFLICT DO NOTHING",  # noqa: S608
                    [name, definition],
                )
                cursor.execute(f'DROP INDEX "{name}"')


def rebuild_indexes() -> int:
    """Build the indexes a load dropped (if any), one transaction each; how many."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [DROPPED])
        if cursor.fetchone()[0] is None:
            return 0
        cursor.execute(f"SELECT name, definition FROM {DROPPED} ORDER BY name")  # noqa: S608
        dropped = cursor.fetchall()
        cursor.execute("SET maintenance_work_mem = '512MB'")
    for name, definition in dropped:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s)", [name])
            if cursor.fetchone()[0] is None:
                cursor.execute(definition)
            cursor.execute(f"DELETE FROM {DROPPED} WHERE name = %s", [name])  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {DROPPED}")
    return len(dropped)


# --- enterprises and memberships ----------------------------------------------------------

MEMBERS_SQL = (
    generate.ENTERPRISES_SQL  # noqa: S608 - table names of our own models
    + """
WITH association AS (
    SELECT a.id, a.province,
        row_number() OVER (PARTITION BY a.province ORDER BY a.id) - 1 AS rank,
        count(*) OVER (PARTITION BY a.province) AS total
    FROM unnest(%(associations)s::bigint[], %(provinces)s::text[]) AS a(id, province)
), drawn AS (
    -- u² over the province's associations: the first few are large, the rest a long tail
    SELECT b.*, e.id AS enterprise_id, left(e.region_id, 2) || '0000' AS province,
        power((hashtext(b.uscc) & 2147483647) / 2147483648.0, 2) AS u
    FROM bench_members b JOIN {enterprise} e ON e.uscc = b.uscc
), added AS (
    INSERT INTO {membership} (enterprise_id, association_id, status, member_number, joined_on,
        created_at, updated_at)
    SELECT d.enterprise_id, a.id, 'active', d.member_number, d.joined_on, now(), now()
    FROM drawn d JOIN association a ON a.province = d.province
        AND a.rank = floor(a.total * d.u)
    ON CONFLICT (enterprise_id, association_id) DO NOTHING
    RETURNING id, enterprise_id, created_at
)
INSERT INTO {event} (content_type_id, object_id, action, from_status, to_status, reason, at,
    region)
SELECT %(content_type)s, added.id, 'membership.created', '', 'active', 'bench data',
    added.created_at, e.region_id
FROM added JOIN {enterprise} e ON e.id = added.enterprise_id;
"""
)


def _national_enterprises() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {Enterprise._meta.db_table} "  # noqa: S608 - our own table
            "WHERE substring(uscc, 9, 1) = %s",
            [DATASET.org_digit],
        )
        return cursor.fetchone()[0]


def _chunks(rows: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(rows, size)):
        yield chunk


def populate_enterprises(
    scale: Scale, codes: ReferenceCodes, populations: list[Population], bench_members: int
) -> int:
    """The enterprises besides the bench population's, members of the national associations;
    COPY of `chunk` rows then two INSERT … SELECT, one transaction each."""
    wanted = scale.enterprises - bench_members
    present = _national_enterprises()
    if present >= wanted:
        return 0
    params = {
        "associations": [p.association.pk for p in populations],
        "provinces": [p.association.region_id[:2] + "0000" for p in populations],
        "content_type": ContentType.objects.get_for_model(Membership).pk,
    }
    sql = MEMBERS_SQL.format(
        enterprise=Enterprise._meta.db_table,
        membership=Membership._meta.db_table,
        event=Event._meta.db_table,
    )
    rows = islice(generate.member_rows(DATASET, wanted, codes), present, None)
    for chunk in _chunks(rows, scale.chunk):
        started = time.perf_counter()
        buffer = generate._copy_buffer(iter(chunk))
        with bulk_transaction(), connection.cursor() as cursor:
            cursor.execute(generate.MEMBERS_TABLE)
            cursor.copy_expert("COPY bench_members FROM STDIN WITH (FORMAT csv)", buffer)
            cursor.execute(sql, params)
        present += len(chunk)
        note(f"    {present:,} enterprises ({time.perf_counter() - started:.1f} s for the last)")
    _analyze(Enterprise, Membership, Event)
    return wanted


def _members(populations: list[Population]) -> list[Population]:
    counts = dict(
        Membership.objects.filter(
            association__in=[p.association for p in populations],
            status=Membership.Status.ACTIVE,
        )
        .values_list("association")
        .annotate(n=Count("id"))
    )
    return [
        Population(p.association, p.staff, counts.get(p.association.pk, 0), 0, 0.0)
        for p in populations
    ]


# --- batches and applications -------------------------------------------------------------


def _batches(population: Population, scale: Scale, sections: list[str]) -> list[tuple[Batch, int]]:
    """Two batches of the association for its province: an earlier one, closed, and an open
    one; each with the number of applications it gets."""
    scale_shares = (scale.first_batch_share, scale.second_batch_share)
    now = timezone.now()
    province = population.association.region_id[:2] + "0000"
    made = []
    for number, (share, status, age) in enumerate(
        zip(scale_shares, (Batch.Status.CLOSED, Batch.Status.OPEN), (40, 12), strict=True),
        start=1,
    ):
        count = population.members * share // 100
        batch = Batch.objects.create(
            association=population.association,
            name=f"第{number}批复工复产（全国基准）",
            opens_at=now - timedelta(days=age),
            closes_at=now - timedelta(days=age - 20) if number == 1 else now + timedelta(days=30),
            planned_start=timezone.localdate() - timedelta(days=age - 2),
            capacity=max(count, 1),
            status=status,
            mandatory_items=generate.BENCH_BATCH["mandatory_items"],
            review_days=generate.BENCH_BATCH["review_days"],
            prevention_requirements=generate.BENCH_BATCH["prevention_requirements"],
            created_by=population.staff,
        )
        set_links(batch, "regions", [province])
        set_links(batch, "industries", sections)
        made.append((batch, count))
    return made


def populate_applications(population: Population, scale: Scale, sections: list[str]) -> int:
    """Today's applications generator, run for each of the association's two batches."""
    if Batch.objects.filter(association=population.association).exists():
        return 0
    statuses = [status for status, share in generate.STATUS_SHARES for _ in range(share)]
    content_type = ContentType.objects.get_for_model(Application).pk
    added = 0
    with connection.cursor() as cursor:
        for batch, count in _batches(population, scale, sections):
            if not count:
                continue
            cursor.execute(
                generate.APPLICATIONS_SQL.format(**generate._tables()),
                {
                    "association": population.association.pk,
                    "batch": batch.pk,
                    "region_prefix": batch.regions.get().code + "/%",
                    "sections": sections,
                    "count": count,
                    "statuses": statuses,
                    "now": timezone.now(),
                    "spread": generate.SUBMISSION_SPREAD_SECONDS,
                    "planned_start": batch.planned_start,
                    "review_days": batch.review_days,
                    "applicant": population.staff.pk,
                    "staff": population.staff.pk,
                    "content_type": content_type,
                },
            )
            added += count
    return added


# --- needs and their events ---------------------------------------------------------------

NEED_EVENTS_SQL = """
INSERT INTO {event} (content_type_id, object_id, action, from_status, to_status, reason, at,
    actor_id, region)
SELECT %(content_type)s, n.id, 'need.created', '', 'open', '', n.created_at, n.created_by_id,
    e.region_id
FROM {need} n JOIN {enterprise} e ON e.id = n.enterprise_id
WHERE n.association_id = %(association)s
UNION ALL
SELECT %(content_type)s, n.id, 'need.escalated', 'in_progress', 'escalated', %(summary)s,
    n.escalated_at, %(staff)s, e.region_id
FROM {need} n JOIN {enterprise} e ON e.id = n.enterprise_id
WHERE n.association_id = %(association)s AND n.escalated_at IS NOT NULL
"""


def need_events(population: Population, *, check: bool = True) -> int:
    """The events of the association's needs: each filed, some escalated (once, unless the
    caller knows there are none yet)."""
    from bench import needs

    content_type = ContentType.objects.get_for_model(Need)
    first = (
        Need.objects.filter(association=population.association)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if check and Event.objects.filter(content_type=content_type, object_id=first).exists():
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            NEED_EVENTS_SQL.format(
                event=Event._meta.db_table,
                need=Need._meta.db_table,
                enterprise=Enterprise._meta.db_table,
            ),
            {
                "content_type": content_type.pk,
                "association": population.association.pk,
                "summary": needs.SUMMARY,
                "staff": population.staff.pk,
            },
        )
        return cursor.rowcount


def fill(population: Population, scale: Scale, sections: list[str]) -> bool:
    """An association's batches, applications, needs, escalations, events, matches and
    placements, in one transaction; False when it had them already."""
    from bench import needs, reports

    wanted = population.members * scale.needs_per_member
    if Need.objects.filter(association=population.association).count() == wanted:
        return False
    with bulk_transaction():
        populate_applications(population, scale, sections)
        needs.populate_needs(wanted, population, vacuum=False)
        need_events(population, check=False)  # written with the needs, in this transaction
        reports.populate_matches(population, vacuum=False)
    return True


# --- the newer capabilities --------------------------------------------------------------

NOTICE_TITLE = "关于报送复工复产情况的通知（全国基准）"

NOTIFICATIONS_SQL = """
INSERT INTO {notification} (user_id, kind, urgent, email_delivery, title, body, link, key,
    created_at, read_at)
SELECT %(staff)s, 'need', mod(g, 10) = 0, 'immediate', '新的企业需求待处理', '', '/needs/', '',
    c.at, CASE WHEN c.at < %(now)s - interval '3 days' THEN c.at + interval '2 hours' END
FROM generate_series(1, %(count)s) g
CROSS JOIN LATERAL (SELECT %(now)s - make_interval(secs => 120 * 86400
    * power(mod(hashint4(g) & 2147483647, 1000000) / 1000000.0, 2)) AS at) c
"""

DELIVERIES_SQL = """
INSERT INTO {delivery} (endpoint_id, event_id, variant, position, event_type, status, attempts,
    due_at, last_status_code, created_at, finished_at)
SELECT %(endpoint)s, e.id, '', c.position, e.action, 'delivered', 1, e.at, 200, e.at,
    e.at + interval '2 seconds'
FROM {need} n
JOIN {event} e ON e.content_type_id = %(content_type)s AND e.object_id = n.id
    AND e.action = 'need.created'
JOIN {commit} c ON c.txid = e.txid
WHERE n.association_id = %(association)s AND mod(n.id, 10) = 0
"""


def _notice(population: Population) -> None:
    """A notice published to the association's members through the notices' own services."""
    from notices import services

    if Notice.objects.filter(association=population.association, title=NOTICE_TITLE).exists():
        return
    notice = services.notice_create(
        actor=population.staff,
        association_id=population.association.pk,
        data={
            "title": NOTICE_TITLE,
            "body": "各会员单位：请于本周五前报送复工人数。",
            "category": "resumption",
            "needs_sign_off": True,
            "sign_by": "2099-01-01",
        },
    )
    services.notice_publish(actor=population.staff, notice_id=notice.pk)
    services.write_recipients(notice.pk)


def _notifications_and_deliveries(population: Population) -> None:
    """Two notifications a member for the staff user, and a partner's webhook endpoint with a
    delivery of one need in ten."""
    staff = population.staff
    endpoint = Endpoint.objects.create(
        account=staff,
        association=population.association,
        created_by=staff,
        url="https://partner.example.cn/hooks/portal",
        description="bench",
        event_types=["need.created"],
    )
    with connection.cursor() as cursor:
        cursor.execute(
            NOTIFICATIONS_SQL.format(notification=Notification._meta.db_table),
            {"staff": staff.pk, "count": 2 * population.members, "now": timezone.now()},
        )
        cursor.execute(
            DELIVERIES_SQL.format(
                delivery=Delivery._meta.db_table,
                need=Need._meta.db_table,
                event=Event._meta.db_table,
                commit=EventCommit._meta.db_table,
            ),
            {
                "endpoint": endpoint.pk,
                "content_type": ContentType.objects.get_for_model(Need).pk,
                "association": population.association.pk,
            },
        )


def fill_capabilities(population: Population) -> bool:
    """Today's generators of the newer capabilities for one association, in proportion to its
    members (the bench's: 200,000 service requests, 100,000 complaints and cases for 100,000
    members), in one transaction; False when it had them already."""
    from bench import cases, market, services

    if Endpoint.objects.filter(association=population.association, description="bench").exists():
        return False
    members = population.members
    with bulk_transaction():
        services.populate_requests(population, 2 * members, vacuum=False)
        services.populate_assessments(population.association, population.staff, vacuum=False)
        market.populate_complaints(members, population, vacuum=False)
        cases.populate_cases(population, members, vacuum=False)
        _notice(population)
        _notifications_and_deliveries(population)  # last: its endpoint marks the work done
    return True


# --- the whole set ------------------------------------------------------------------------


def _analyze(*models) -> None:
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def table_sizes() -> None:
    """Rows (the planner's estimate, exact after ANALYZE's full pass on small tables) and bytes
    with indexes of each large table."""
    with connection.cursor() as cursor:
        for model in BIG_TABLES:
            cursor.execute(
                "SELECT reltuples::bigint, pg_size_pretty(pg_total_relation_size(oid)) "
                "FROM pg_class WHERE oid = %s::regclass",
                [model._meta.db_table],
            )
            rows, size = cursor.fetchone()
            note(f"    {model._meta.db_table:<28} {rows:>12,} rows {size:>10}")


def database_size() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        return cursor.fetchone()[0]


def populate(
    bench: Population, scale: Scale = NATIONAL, *, codes: ReferenceCodes | None = None
) -> list[Population]:
    """Build what is missing of the national set beside the bench population (whose batch and
    needs are today's generators' at today's sizes); prints each step's time."""
    heading("Data: the national set")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [BUILD_LOCK])
        if not cursor.fetchone()[0]:
            note("another run is building the national set: measuring what is there")
            return []
    try:
        return _populate(bench, scale, codes or ReferenceCodes())
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [BUILD_LOCK])


def _populate(bench: Population, scale: Scale, codes: ReferenceCodes) -> list[Population]:
    from bench import needs, reports

    started = step = time.perf_counter()

    def done(what: str) -> None:
        nonlocal step
        figure(what, f"{time.perf_counter() - step:,.1f} s")
        step = time.perf_counter()

    populations = ensure_associations(scale, codes)
    done(f"{len(populations) + 1} associations with a staff user each")
    added = populate_enterprises(scale, codes, populations, bench.members)
    done(f"{added:,} enterprises and memberships (COPY)" if added else "enterprises there")
    populations = _members(populations)
    sizes = sorted((p.members for p in populations), reverse=True)
    note(
        f"    members per association: {sizes[0]:,} largest, {sizes[len(sizes) // 2]:,} "
        f"median, {sizes[-1]:,} smallest (and the bench association's {bench.members:,})"
    )
    # The bench association: today's batch and needs, with the events and matches of the rest.
    from bench.__main__ import APPLICATIONS, NEEDS

    generate.populate_applications(APPLICATIONS, bench)
    needs.populate_needs(NEEDS, bench)
    with bulk_transaction():
        need_events(bench)
    reports.populate_matches(bench)
    done("the bench association's applications, needs, events, matches")
    sections = list(
        Industry.objects.filter(level=Industry.Level.SECTION).values_list("code", flat=True)
    )
    wanted = {p.association.pk: p.members * scale.needs_per_member for p in populations}
    have = dict(
        Need.objects.filter(association__in=wanted)
        .values_list("association")
        .annotate(n=Count("id"))
        .order_by()
    )
    missing = [p for p in populations if have.get(p.association.pk, 0) != wanted[p.association.pk]]
    if missing:
        drop_indexes(NEEDS_LOAD)
    for number, population in enumerate(missing, start=1):
        fill(population, scale, sections)
        if number % 25 == 0:
            seconds = time.perf_counter() - step
            note(f"    {number} of {len(missing)} associations: {seconds:,.0f} s")
    done(f"applications, needs, events, matches of {len(missing)} associations")
    if rebuilt := rebuild_indexes():
        done(f"{rebuilt} indexes of the needs and events built")
    # Statistics of the loaded needs and events before the newer capabilities are made from
    # them: taken before the load, the planner expects one need of the bench association and
    # joins every event of a need to each of its 100,000 (a delivery step that never ends).
    with connection.cursor() as cursor:
        for model in (Need, Event, EventCommit):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    done_already = set(
        Endpoint.objects.filter(description="bench").values_list("association", flat=True)
    )
    missing = [p for p in [bench, *populations] if p.association.pk not in done_already]
    if missing:
        drop_indexes(CAPABILITIES_LOAD)
    filled = 0
    for number, population in enumerate(missing, start=1):
        filled += fill_capabilities(population)
        if number % 25 == 0:
            seconds = time.perf_counter() - step
            note(f"    {number} of {len(missing)} associations: {seconds:,.0f} s")
    if rebuilt := rebuild_indexes():
        note(f"    {rebuilt} indexes of those tables built")
    done(
        f"service requests, assessments, complaints, cases, notices, notifications, "
        f"deliveries of {filled} associations"
    )
    _analyze(*BIG_TABLES)
    done("VACUUM ANALYZE")
    table_sizes()
    note(f"national set ready in {time.perf_counter() - started:,.0f} s; {database_size()}")
    return populations
