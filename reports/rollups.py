"""Daily rollups: each day's figures by region, industry and association, kept in one table so
that dashboards, trends and the rollups API read a few rows instead of the whole history
(docs/decisions/0016-daily-rollups.md).

A day's figures follow the demand reports' definitions (docs/decisions/0002): memberships and
applications as at the end of the day from the event log (batches.figures), needs filed,
resolved and escalated in the day and open or overdue at its end (reports.figures). Today is
rolled up as at now, and again until the day is over.

`compute_day` is idempotent: it replaces the day's rows in one transaction, under a lock per
day, so that the nightly task, the refresh of today and a backfill may meet without harm.
"""

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from time import perf_counter

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from batches.figures import (
    APPROVED,
    RESUMED_OF_MEMBERS,
    applications_at,
    counts_at,
    members_at,
    returning_workers_at,
)
from batches.models import Application
from core.notifications import on_commit
from core.workflow import status_at
from reports.figures import need_conditions
from reports.models import NEED_KINDS, ROLLUP_FIGURES, Rollup, RollupDay
from reports.periods import local_midnight
from supplies.models import Need, Placement

# pg_advisory_xact_lock(ROLLUP_LOCK, day): one computation of a day at a time.
ROLLUP_LOCK = 0x524F4C4C  # "ROLL"
REGION_LEVELS = (7, 14, 21)  # lengths of Region.path at province, city and county level
Key = tuple[str, str, int | None]  # region, industry, association (None: all of them)
GROUP = ("enterprise__region_id", "enterprise__industry_id")


def _key(row: dict, association: str | None) -> Key:
    return (
        row.pop("enterprise__region_id"),
        row.pop("enterprise__industry_id"),
        row.pop(association) if association else None,
    )


def _merge(rows: dict[Key, dict], found: Iterable[dict], association: str | None) -> None:
    for row in found:
        rows[_key(row, association)].update(row)


# --- enterprises: members, applications, returning workers ----------------------------------


def _applications_by_association(end: datetime) -> QuerySet:
    """Applications handed in at `end`, each knowing whether its enterprise was then a member
    of the association that runs its batch (an association's figures, as its reports count)."""
    members = members_at(end).filter(
        enterprise_id=OuterRef("enterprise_id"), association_id=OuterRef("batch__association_id")
    )
    return Application.objects.annotate(
        status_then=status_at(Application, end), is_member=Exists(members)
    ).filter(status_then__in=Application.APPLIED)


def _latest_approvals_by_association(applications: QuerySet) -> QuerySet:
    """Per enterprise and association, the approval whose returning workers count (as
    batches.figures.returning_workers_at, within one association's batches)."""
    approved = applications.filter(status_then__in=APPROVED)
    later = approved.filter(
        enterprise_id=OuterRef("enterprise_id"),
        batch__association_id=OuterRef("batch__association_id"),
    ).filter(
        Q(decided_at__gt=OuterRef("decided_at"))
        | Q(decided_at=OuterRef("decided_at"), id__gt=OuterRef("id"))
    )
    return approved.filter(~Exists(later))


def _enterprise_figures(rows: dict[Key, dict], end: datetime) -> None:
    members = members_at(end)
    # One membership per enterprise and association: a count of rows is a count of enterprises.
    by_association = members.values("association_id", *GROUP).annotate(members=Count("id"))
    across = members.values(*GROUP).annotate(members=Count("enterprise_id", distinct=True))
    _merge(rows, by_association, "association_id")
    _merge(rows, across, None)

    mine = _applications_by_association(end)
    association = "batch__association_id"
    _merge(rows, mine.values(association, *GROUP).annotate(**counts_at()), association)
    workers = Coalesce(Sum("returning_workers"), 0)
    _merge(
        rows,
        _latest_approvals_by_association(mine)
        .values(association, *GROUP)
        .annotate(returning_workers=workers),
        association,
    )
    anyone = applications_at(end).filter(status_then__in=Application.APPLIED)
    _merge(rows, anyone.values(*GROUP).annotate(**counts_at()), None)
    _merge(
        rows,
        returning_workers_at(anyone).values(*GROUP).annotate(returning_workers=workers),
        None,
    )


# --- needs ------------------------------------------------------------------------------------


def _need_figures(rows: dict[Key, dict], start: datetime, end: datetime) -> None:
    """Each kind's need figures and the labour headcounts, per association; the rows of all
    associations add them up (a need is addressed to one association)."""
    conditions = need_conditions(start, end, timezone.localdate(end))
    counts = {
        f"{kind}_{name}": Count("id", filter=Q(kind=kind) & condition)
        for kind in Need.Kind.values
        for name, condition in conditions.items()
    }
    asked = Q(kind=Need.Kind.LABOUR, created_at__gte=start)
    grouped = (
        Need.objects.filter(created_at__lt=end)
        .filter(conditions["open"] | Q(created_at__gte=start) | Q(closed_at__gte=start))
        .values("association_id", *GROUP)
        .annotate(**counts, headcount_asked=Coalesce(Sum("headcount", filter=asked), 0))
    )
    placed = (
        Placement.objects.filter(recorded_at__gte=start, recorded_at__lt=end)
        .values(
            "need__association_id", "need__enterprise__region_id", "need__enterprise__industry_id"
        )
        .annotate(headcount_filled=Sum("headcount"))
    )
    found = list(grouped)
    for row in placed:
        found.append(
            {
                "association_id": row["need__association_id"],
                "enterprise__region_id": row["need__enterprise__region_id"],
                "enterprise__industry_id": row["need__enterprise__industry_id"],
                "headcount_filled": row["headcount_filled"],
            }
        )
    for row in found:
        region, industry, association = _key(row, "association_id")
        for key in ((region, industry, association), (region, industry, None)):
            target = rows[key]
            for name, value in row.items():
                target[name] = target.get(name, 0) + value


# --- storing ----------------------------------------------------------------------------------

_COLUMNS = ", ".join(ROLLUP_FIGURES)
_SUMS = ", ".join(f"CAST(SUM(b.{name}) AS integer)" for name in ROLLUP_FIGURES)


def _store(day: date, rows: dict[Key, dict]) -> None:
    """The finest rows, those with any figure: COPY on PostgreSQL (tens of thousands of rows a
    day at national scale, where bulk_create took most of the run), INSERTs elsewhere."""
    kept = [(key, figures) for key, figures in rows.items() if any(figures.values())]
    with connection.cursor() as cursor:
        driver = cursor.cursor
        if connection.vendor == "postgresql" and hasattr(driver, "copy_expert"):
            text = io.StringIO()
            csv.writer(text).writerows(
                (day, region, industry, association or "", *(f.get(n, 0) for n in ROLLUP_FIGURES))
                for (region, industry, association), f in kept
            )
            text.seek(0)
            columns = f"day, region_id, industry_id, association_id, {_COLUMNS}"
            driver.copy_expert(
                f"COPY {Rollup._meta.db_table} ({columns}) FROM STDIN WITH (FORMAT csv)", text
            )
            return
    Rollup.objects.bulk_create(
        (
            Rollup(day=day, region_id=region, industry_id=industry, association_id=assoc, **f)
            for (region, industry, assoc), f in kept
        ),
        batch_size=2000,
    )


def _insert_totals(day: date) -> None:
    """Rows of all industries together, at each level of region and for the country, added up
    from the day's finest rows by PostgreSQL (an enterprise has one region and one industry)."""
    # Only the model's own table and column names are formatted in; values are parameters.
    table = Rollup._meta.db_table
    by_region = f"""INSERT INTO {table} (day, region_id, industry_id, association_id, {_COLUMNS})
        SELECT b.day, substr(r.path, %s, 6), NULL, b.association_id, {_SUMS}
        FROM {table} b JOIN core_region r ON r.code = b.region_id
        WHERE b.day = %s AND b.industry_id IS NOT NULL AND length(r.path) >= %s
        GROUP BY b.day, substr(r.path, %s, 6), b.association_id"""  # noqa: S608
    country = f"""INSERT INTO {table} (day, region_id, industry_id, association_id, {_COLUMNS})
        SELECT b.day, NULL, NULL, b.association_id, {_SUMS}
        FROM {table} b WHERE b.day = %s AND b.industry_id IS NOT NULL
        GROUP BY b.day, b.association_id"""  # noqa: S608
    with connection.cursor() as cursor:
        for length in REGION_LEVELS:
            cursor.execute(by_region, [length - 6, day, length, length - 6])
        cursor.execute(country, [day])


def compute_day(day: date, *, now: datetime | None = None) -> RollupDay:
    """Compute and store `day`'s rollup, replacing any made before: as at the end of the day,
    or as at now for today. Refuses a day that has not begun."""
    now = now or timezone.now()
    start, midnight = local_midnight(day), local_midnight(day + timedelta(days=1))
    if start > now:
        raise ValueError(f"{day} has not begun")
    end = min(midnight, now)
    began = perf_counter()
    with transaction.atomic():
        if connection.vendor == "postgresql":  # SQLite (make run) writes one at a time anyway
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)", [ROLLUP_LOCK, day.toordinal()]
                )
        rows: dict[Key, dict] = defaultdict(dict)
        _enterprise_figures(rows, end)
        _need_figures(rows, start, end)
        Rollup.objects.filter(day=day).delete()
        _store(day, rows)
        _insert_totals(day)
        stored = Rollup.objects.filter(day=day).count()
        record, _created = RollupDay.objects.update_or_create(
            day=day,
            defaults={
                "computed_at": now,
                "complete": midnight <= now,
                "rows": stored,
                "seconds": round(perf_counter() - began, 3),
            },
        )
    return record


def compute_days(first: date, last: date) -> list[RollupDay]:
    """Every day from `first` to `last`, oldest first (a backfill), then fresh statistics for
    the planner: after millions of new rows it would otherwise plan for a handful (a partner's
    90 days by industry section took 4.8 s before, 1 s after, at bench scale)."""
    done = [
        compute_day(first + timedelta(days=offset)) for offset in range((last - first).days + 1)
    ]
    if connection.vendor == "postgresql" and len(done) > 1:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Rollup._meta.db_table}")
    return done


def refresh() -> list[RollupDay]:
    """The beat's work: today as at now, and yesterday once more if it was last computed
    before its end (the nightly run, or the first refresh after midnight)."""
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    done = []
    if not RollupDay.objects.filter(day=yesterday, complete=True).exists():
        done.append(compute_day(yesterday))
    done.append(compute_day(today))
    return done


# --- reading: what dashboards and the API take from the rollups -------------------------------

FRESH_FOR = timedelta(minutes=15)  # a refresh of today is asked for when it is older than this
NEED_TOTALS = ("new", "open", "resolved", "escalated", "overdue")


def sums(names=ROLLUP_FIGURES) -> dict:
    return {name: Coalesce(Sum(name), 0) for name in names}


def with_rates(row: dict) -> dict:
    """A row of summed figures with the resumption rate (resumed ÷ members, rounded as the
    reports round it) and each need figure of all kinds together (`needs_open`, …)."""
    row["rate"] = RESUMED_OF_MEMBERS.of(row)
    for name in NEED_TOTALS:
        row[f"needs_{name}"] = sum(row.get(f"{kind}_{name}", 0) for kind in NEED_KINDS)
    return row


def by_day(rows: QuerySet, first: date, last: date) -> list[tuple[date, dict | None]]:
    """The figures of `rows` added up per day from `first` to `last`: None for a day that has
    no rollup yet, and zeros for a day rolled up with nothing in these rows."""
    rolled = set(rolled_days(first, last))
    found = {
        row.pop("day"): with_rates(row)
        for row in rows.filter(day__range=(first, last)).values("day").annotate(**sums())
    }
    empty = with_rates(dict.fromkeys(ROLLUP_FIGURES, 0))
    days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    return [(day, found.get(day, dict(empty)) if day in rolled else None) for day in days]


def rolled_days(first: date, last: date) -> list[date]:
    return list(
        RollupDay.objects.filter(day__range=(first, last))
        .order_by("day")
        .values_list("day", flat=True)
    )


def latest_day() -> RollupDay | None:
    return RollupDay.objects.order_by("-day").first()


def ask_for_fresh_figures() -> None:
    """Queue a refresh when today's rollup is missing or older than FRESH_FOR — once, however
    many dashboards are open (a cache key held while the refresh is due)."""
    today = RollupDay.objects.filter(day=timezone.localdate()).first()
    if today is not None and timezone.now() - today.computed_at < FRESH_FOR:
        return
    if cache.add("rollups:refresh-asked", True, timeout=int(FRESH_FOR.total_seconds())):
        from reports.tasks import refresh_rollups  # the tasks module imports this one

        on_commit(refresh_rollups.delay)
