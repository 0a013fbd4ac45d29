"""Bytes per row of every table on the bench database, and what they make for 40 million SMEs
(the capacity estimate of docs/scale-out.md quotes this section's output).

Reads the catalog and counts rows; writes nothing. A table's bytes are its heap, TOAST and
indexes (pg_total_relation_size, summed over the partitions of a partitioned table). Run it after
the other sections, so that every table has its rows: `make bench ONLY=sizes` alone measures what
earlier runs left.

The projection multiplies the measured bytes per row by rows at national scale, from the
assumptions below (a year in which the portal serves a national disruption all year long: an
upper bound). Ratios between tables (matches per need, events per write…) are the bench's own
where it has them.
"""

from django.db import connection

from bench.report import heading, note
from core import distribution

SMES = 40_000_000
MEMBERSHIPS_PER_SME = 1.5  # some enterprises belong to two or three associations
USERS_PER_SME = 1.2  # an owner, sometimes a second contact; staff and officials are few
NEEDS_PER_SME_PER_MONTH = 1.0
APPLICATIONS_PER_SME_PER_YEAR = 2.0  # two resumption batches a year
SERVICE_REQUESTS_PER_SME_PER_YEAR = 1.0
COMPLAINTS_PER_SME_PER_YEAR = 0.05
NOTICES_TO_ALL_MEMBERS_PER_MONTH = 2  # per association: receipts = memberships × notices
WRITES_PER_NEED = 4  # filed, taken up, matched or placed, resolved (each appends an event)
WRITES_PER_APPLICATION = 4  # drafted, submitted, decided, resumed
WRITES_PER_REQUEST = 4  # asked, assigned, closed, rated
NOTIFICATIONS_PER_EVENT = 1.0  # the enterprise or the staff is told; kept 180 days
DELIVERIES_PER_EVENT = 0.1  # a tenth of the events go to one partner's webhook
NOTIFICATION_DAYS = 180
DELIVERY_DAYS = 30  # the delivery log is purged (integrations.tasks.purge_log)
DAYS = 365
COUNTY_DIVISIONS = 2_814 * 97  # county-level regions × GB/T 4754 divisions
BUSIEST_HOUR_SHARE = 0.15  # of a day's writes, in its busiest hour (office hours)


def _tables() -> list[tuple[str, int, int, int, int]]:
    """(table, rows, total bytes, heap bytes, indexes) of every table that is no partition."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname,
                   coalesce((SELECT sum(pg_total_relation_size(t.relid))
                             FROM pg_partition_tree(c.oid) t), pg_total_relation_size(c.oid)),
                   coalesce((SELECT sum(pg_table_size(t.relid))
                             FROM pg_partition_tree(c.oid) t), pg_table_size(c.oid)),
                   (SELECT count(*) FROM pg_index x WHERE x.indrelid = c.oid)
            FROM pg_class c
            WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
              AND NOT c.relispartition
            ORDER BY c.relname
            """
        )
        found = cursor.fetchall()
        tables = []
        for name, total, heap, indexes in found:
            cursor.execute(f'SELECT count(*) FROM "{name}"')  # noqa: S608 - names from the catalog
            tables.append((name, cursor.fetchone()[0], int(total), int(heap), indexes))
    return tables


def _national(rows: dict[str, int]) -> dict[str, tuple[float, float]]:
    """Rows held after a year and rows written per day (inserts and updates), per table."""

    def per(table: str, of: str) -> float:
        return rows.get(table, 0) / rows[of] if rows.get(of) else 0.0

    members = SMES * MEMBERSHIPS_PER_SME
    users = SMES * USERS_PER_SME
    needs = SMES * NEEDS_PER_SME_PER_MONTH * 12
    applications = SMES * APPLICATIONS_PER_SME_PER_YEAR
    requests = SMES * SERVICE_REQUESTS_PER_SME_PER_YEAR
    complaints = SMES * COMPLAINTS_PER_SME_PER_YEAR
    receipts = members * NOTICES_TO_ALL_MEMBERS_PER_MONTH * 12
    assessed = members * per("relief_hardshipassessment", "associations_membership")
    plan = {
        # Standing tables: 1 % of enterprises and memberships edited a day, a fifth of the
        # users sign in (last_login).
        "enterprises_enterprise": (SMES, SMES * 0.01),
        "associations_membership": (members, members * 0.01),
        "core_user": (users, users * 0.2),
        # A year's records: rows held, and their writes spread over the year.
        "supplies_need": (needs, needs * WRITES_PER_NEED / DAYS),
        "batches_application": (applications, applications * WRITES_PER_APPLICATION / DAYS),
        "services_servicerequest": (requests, requests * WRITES_PER_REQUEST / DAYS),
        "market_complaint": (complaints, complaints * 5 / DAYS),
        "relief_hardshipassessment": (assessed, assessed * 3 / DAYS),
        "notices_noticerecipient": (receipts, receipts * 2 / DAYS),  # written, then read
    }
    for table in ("supplies_match", "supplies_placement", "supplies_escalation"):
        held = needs * per(table, "supplies_need")
        plan[table] = (held, held * 2 / DAYS)  # written, then updated once
    held = needs * per("supplies_needmessage", "supplies_need")
    plan["supplies_needmessage"] = (held, held / DAYS)
    # Every write appends an event; sign-ins and a notice's receipts (written by a task, marked
    # read) do not.
    silent = ("core_user", "notices_noticerecipient")
    events_day = sum(written for table, (_, written) in plan.items() if table not in silent)
    plan["core_event"] = (events_day * DAYS, events_day)
    notifications_day = events_day * NOTIFICATIONS_PER_EVENT
    plan["core_notification"] = (notifications_day * NOTIFICATION_DAYS, notifications_day * 2)
    deliveries_day = events_day * DELIVERIES_PER_EVENT
    plan["integrations_delivery"] = (deliveries_day * DELIVERY_DAYS, deliveries_day * 2)
    plan["reports_rollup"] = _rollups(members)
    return plan


def _rollups(members: float) -> tuple[float, float]:
    """A day's rollup rows: those of an association grow with its members (the cells of its
    members' counties × divisions, and their sums); those over every association stop growing
    once every county × division has an enterprise."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(DISTINCT day),
                   count(*) FILTER (WHERE association_id IS NOT NULL),
                   count(*) FILTER (WHERE association_id IS NULL),
                   count(*) FILTER (WHERE association_id IS NULL AND industry_id IS NOT NULL
                                    AND length(region_id) = 6 AND region_id NOT LIKE '%%00')
            FROM reports_rollup
            """
        )
        days, of_associations, over_all, finest = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM associations_membership")
        (memberships,) = cursor.fetchone()
    if not days or not memberships:
        return (0.0, 0.0)
    per_member = of_associations / days / memberships
    sums = over_all / max(finest, 1)  # the sums over cities, provinces, industries
    over_all_day = min(over_all / days / memberships * members, COUNTY_DIVISIONS * sums)
    day = per_member * members + over_all_day
    return (day * DAYS, day)


def _size(value: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if value >= scale:
            return f"{value / scale:,.1f} {unit}"
    return f"{value / 1e3:,.0f} kB"


def run() -> None:
    heading("Table sizes, and the tables at 40 million SMEs (docs/scale-out.md)")
    tables = _tables()
    rows = {name: count for name, count, *_ in tables}
    note(f"{'table':<32} {'rows':>11} {'B/row':>7} {'idx':>4}  placement")
    measured = {}
    for name, count, total, heap, indexes in tables:
        if count < 1000:
            continue
        per_row = total / count
        measured[name] = (per_row, indexes)
        where = distribution.placement_of(name)
        shown = where if isinstance(where, str) else f"{where.group} ({where.column})"
        note(
            f"{name:<32} {count:>11,} {per_row:>7,.0f} {indexes:>4}  {shown}"
            f"   heap {heap / count:,.0f} B/row"
        )
    heading("Projection: a year of a national disruption, 40,000,000 SMEs")
    note(
        f"assumptions: {MEMBERSHIPS_PER_SME} memberships and {USERS_PER_SME} users per SME; "
        f"{NEEDS_PER_SME_PER_MONTH:g} need per SME per month ({WRITES_PER_NEED} writes each); "
        f"{APPLICATIONS_PER_SME_PER_YEAR:g} applications and {SERVICE_REQUESTS_PER_SME_PER_YEAR:g} "
        f"service request per SME per year; {NOTICES_TO_ALL_MEMBERS_PER_MONTH} notices per "
        f"association per month to every member; one event per write, "
        f"{NOTIFICATIONS_PER_EVENT:g} notification per event ({NOTIFICATION_DAYS} days kept), "
        f"{DELIVERIES_PER_EVENT:g} webhook delivery per event ({DELIVERY_DAYS} days kept); "
        "ratios between needs and their matches, placements, escalations and messages, and "
        "rollup rows per member and day, as on this bench"
    )
    note(f"{'table':<32} {'rows':>15} {'bytes':>10} {'writes/day':>13} {'page writes/s':>14}")
    total_bytes = total_writes = total_pages = written_bytes = 0.0
    by_placement: dict[str, list[float]] = {}
    for name, (held, written) in sorted(_national(rows).items(), key=lambda kv: -kv[1][0]):
        if name not in measured:
            note(f"{name:<32} {held:>15,.0f} {'(no rows on this bench to measure)':>40}")
            continue
        per_row, indexes = measured[name]
        # A row written dirties its heap page and one page of each index: an upper bound of
        # the random page writes, before checkpoints combine them.
        pages = written * (1 + indexes) / 86_400
        total_bytes += held * per_row
        where = distribution.placement_of(name)
        kind = where if isinstance(where, str) else f"distributed by {where.group}"
        placed = by_placement.setdefault(kind, [0.0, 0.0])
        placed[0] += held * per_row
        placed[1] += written
        total_writes += written
        written_bytes += written * per_row
        total_pages += pages
        note(
            f"{name:<32} {held:>15,.0f} {_size(held * per_row):>10} {written:>13,.0f} "
            f"{pages:>14,.0f}"
        )
    note(
        f"{'all of these':<32} {'':>15} {_size(total_bytes):>10} {total_writes:>13,.0f} "
        f"{total_pages:>14,.0f}"
    )
    for kind, (held_bytes, written) in sorted(by_placement.items()):
        note(f"  {kind:<30} {_size(held_bytes):>10} {written:>13,.0f} writes/day")
    note(
        f"rows and index entries written a day: {_size(written_bytes)} (the write-ahead log "
        "carries that and the full-page images after each checkpoint)"
    )
    note(
        f"busiest hour ({BUSIEST_HOUR_SHARE:.0%} of a day's writes): "
        f"{total_writes * BUSIEST_HOUR_SHARE / 3600:,.0f} row writes/s, "
        f"{total_pages * 86_400 * BUSIEST_HOUR_SHARE / 3600:,.0f} page writes/s at most"
    )


if __name__ == "__main__":  # `python -m bench.sizes` with make bench's environment
    import django

    django.setup()
    run()
