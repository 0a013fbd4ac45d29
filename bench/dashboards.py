"""Daily rollups and the dashboards that read them, at bench scale (100,000 members, 20,000
applications, 1,000,000 needs): the nightly rollup of one day of the whole country, a backfill
of 90 days, and the country's and a province official's dashboards (queries, server time)."""

import time
from datetime import timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.report import figure, heading, median_ms, note
from core.models import Role, User
from reports import rollups
from reports.models import Rollup, RollupDay

RUNS = 7
BACKFILL_DAYS = 90


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return len(captured.captured_queries)


def bench_rollup() -> None:
    heading("Daily rollups")
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    started = time.perf_counter()
    record = rollups.compute_day(yesterday)
    seconds = time.perf_counter() - started
    figure("one day of the whole country (nightly)", f"{seconds:.1f} s", "< 10 s", seconds < 10)
    note(f"    {record.rows:,} rows for {yesterday}")
    first = today - timedelta(days=BACKFILL_DAYS - 1)
    done = set(
        RollupDay.objects.filter(day__range=(first, today), complete=True).values_list(
            "day", flat=True
        )
    )
    if len(done) >= BACKFILL_DAYS - 1:
        note(f"{len(done)} of the last {BACKFILL_DAYS} days rolled up already: backfill skipped")
    else:
        started = time.perf_counter()
        rollups.compute_days(first, today)
        seconds = time.perf_counter() - started
        figure(
            f"backfill of {BACKFILL_DAYS} days (manage.py rollup --days {BACKFILL_DAYS})",
            f"{seconds:.0f} s",
            f"{BACKFILL_DAYS} × the nightly run",
        )
        note(f"    {seconds / BACKFILL_DAYS:.1f} s a day on average")
    rollups.compute_day(today)
    note(f"{Rollup.objects.count():,} rollup rows in all")


def _user(username: str, **fields) -> User:
    user, _created = User.objects.get_or_create(username=username, defaults=fields)
    return user


def bench_dashboard(label: str, user: User, other: User | None = None) -> None:
    client = Client()
    client.force_login(user)
    url = "/dashboard/"
    client.get(url)  # warm: templates, translations, the map's geometry
    queries = _queries(client, url)
    line = f"{queries}"
    if other is not None:
        another = Client()
        another.force_login(other)
        another.get(url)
        elsewhere = _queries(another, url)
        line += f" ({elsewhere} for {other.jurisdiction_id})"
        figure(f"{label}: queries", line, "constant", queries == elsewhere)
    else:
        figure(f"{label}: queries", line, "constant")
    median, _response = median_ms(lambda: client.get(url), RUNS)
    figure(f"{label}: server time", f"{median:,.0f} ms", "< 300 ms", median < 300)
    median, _response = median_ms(lambda: client.get("/api/v1/dashboard/"), RUNS)
    figure(f"{label}: GET /api/v1/dashboard/", f"{median:,.0f} ms", "< 300 ms", median < 300)


def run() -> None:
    bench_rollup()
    admin = _user("bench-admin", role=Role.ADMIN, is_staff=True, is_superuser=True)
    province = _user("bench-official-gd", role=Role.OFFICIAL, jurisdiction_id="440000")
    other = _user("bench-official-zj", role=Role.OFFICIAL, jurisdiction_id="330000")
    heading("Dashboards over the rollups")
    bench_dashboard("the country (administrator)", admin)
    bench_dashboard("a province official (440000)", province, other)
    client = Client()
    client.force_login(province)
    today = timezone.localdate()
    params = f"?day_from={today - timedelta(days=BACKFILL_DAYS - 1)}&day_to={today}"
    median, _response = median_ms(lambda: client.get("/api/v1/rollups/" + params), RUNS)
    figure(
        "GET /api/v1/rollups/ (90 days, a province)", f"{median:,.0f} ms", "< 300 ms", median < 300
    )
    median, _response = median_ms(
        lambda: client.get("/api/v1/rollups/" + params + "&industry=C"), RUNS
    )
    figure("… by an industry section (C)", f"{median:,.0f} ms", "< 1000 ms", median < 1000)
