"""`python -m bench` (what `make bench` runs): prepare the bench database, generate the data, run
every benchmark and print the figures beside their targets.

1. create the database of BENCH_DATABASE_URL if missing, migrate it, load the reference data;
2. populate 100,000 members of one association (skipped when they are there already);
3. write the 100,000-row member CSV into bench-data/ (kept when it is there already);
4. import it twice, in a process of its own (rows/s, peak RSS);
5. the API's enterprise list and the member list page over the 100,000 members;
6. one open batch of that association with 20,000 applications (skipped when they are there):
   the review queue (page and API) and the progress figures (selector and page);
7. 1,000,000 needs of those members (skipped when they are there): the staff queue and the
   officials' escalated needs (pages, selectors, plans) and the supply requests API;
8. demand reports over those applications and needs (adding matches and placements once): one
   province's weekly figures against plain SQL, the full daily run, rendering the largest report;
9. daily rollups of those (one day of the whole country; a backfill of 90 days, once) and the
   dashboards that read them: the country's and a province official's; section `replica` reads
   them, the report list and the member export through a streaming replica it makes with
   pg_basebackup and removes after (bench/replica.py; decision 0031);
10. 200,000 service requests, hardship assessments of 30% of the members and a relief scheme:
   the staff's service-request queue (selector, plan, page, API) and the scheme's eligible
   enterprises at 10,000 and 100,000 members;
11. 100,000 complaints: the staff's complaints queue (selector, plan, page);
12. 100,000 practice cases: the library searched in Chinese (first page and count, plan, page);
13. notices: one published to the 100,000 members (time), its receipts (page, API, figures) and
   a member's inbox;
14. daily digests of notifications for 100,000 users: writing and queueing them, sending them on
   one worker, and running the digest again (which sends nothing);
15. partner integration: the change feed over 1,000,000 events (a page of 1,000 after a deep
   and a shallow cursor) and webhook deliveries to a local receiver (events per second);
16. the bytes per row of every table, and the tables at 40 million SMEs (docs/scale-out.md).

`python -m bench needs` (or `make bench ONLY=needs`) runs steps 1-2 and the sections named
only: import (3-4), members (5), batches (6), needs (7), reports (8), dashboards (9),
services (10), market (11), cases (12),
notices (13), digests (14), webhooks (15), sizes (16); `data` runs steps 1-2 alone.

BENCH_SCALE=national (`make bench SCALE=national`, in a database of its own) first builds the
national set around that population (bench/national.py: 1,000,000 enterprises in 500
associations, 10,000,000 needs, ...), once, then runs the same sections over it, the member
import with 1,000,000 rows.

Section `partitions` (bench/partitions.py; decision 0036) builds the event log, notifications
and webhook attempts (and the needs, for comparison) twice in a schema of its own, as one table
and partitioned by month, and times their queries and a month's purge on both, plans printed;
the schema is dropped after.
"""

import argparse
import importlib
import os
import subprocess
import sys
import time
from pathlib import Path

import dj_database_url
import psycopg2
from psycopg2 import sql

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / "bench-data"
MEMBERS = 100_000
CSV_ROWS = 100_000
APPLICATIONS = 20_000
NEEDS = 1_000_000
SCALE = os.environ.get("BENCH_SCALE", "today")
if SCALE not in ("today", "national"):
    raise SystemExit(f"BENCH_SCALE is 'today' or 'national', not {SCALE!r}")
NATIONAL_BACKFILL_DAYS = 7
if SCALE == "national":
    CSV_ROWS = 1_000_000
SECTIONS = (
    "data",
    "partitions",
    "import",
    "members",
    "batches",
    "needs",
    "reports",
    "dashboards",
    "replica",
    "services",
    "market",
    "cases",
    "notices",
    "digests",
    "webhooks",
    "sizes",
    "lists",
)


def _settings_env() -> dict[str, str]:
    import bench.settings  # noqa: F401 - sets the bench's environment defaults

    return dict(os.environ)


def ensure_database(url: str) -> bool:
    """Create the bench database if the server does not have it yet; True if it was created."""
    config = dj_database_url.parse(url)
    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    server = psycopg2.connect(dbname="postgres", **params)
    server.autocommit = True
    try:
        with server.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
            if cursor.fetchone():
                return False
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
            return True
    finally:
        server.close()


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, str(BASE_DIR / "manage.py"), *args], env=env, cwd=BASE_DIR, check=True
    )


def _sections(argv: list[str] | None) -> set[str]:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("sections", nargs="*", help=f"any of {', '.join(SECTIONS)} (default: all)")
    sections = parser.parse_args(argv).sections
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section {', '.join(sorted(unknown))}; choose from {SECTIONS}")
    return set(sections or SECTIONS) - {"data"}


def _settle() -> None:
    """What autovacuum does between production's writes, done before each section when this
    cluster has it off (test machines often do): the dead rows the sections leave (each import
    run deletes and writes 100,000 members) and stale statistics otherwise slowed every later
    section, run after run (the daily run 24.7 s -> 32.8 s two runs later)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        if cursor.fetchone()[0] == "on":
            return
        cursor.execute("VACUUM (ANALYZE)")


def main(argv: list[str] | None = None) -> None:
    sections = _sections(argv)
    started = time.perf_counter()
    env = _settings_env()
    from bench.report import figure, heading, note

    heading("Bench database")
    from bench.settings import BENCH_DATABASE_URL as url

    created = ensure_database(url)
    note(f"{dj_database_url.parse(url)['NAME']} ({'created' if created else 'exists'})")
    step = time.perf_counter()
    manage("migrate", "--noinput", "-v", "0", env=env)
    manage("load_reference_data", env=env)
    note(f"migrated and reference data loaded in {time.perf_counter() - step:.1f} s")

    import django

    django.setup()
    from bench import generate, pages

    heading("Data")
    codes = generate.ReferenceCodes()
    population = generate.populate_members(MEMBERS, codes)
    if population.added:
        rate = population.added / population.seconds
        figure(
            f"populated {population.added:,} members (COPY)",
            f"{population.seconds:.1f} s",
            "seconds, not minutes",
            population.seconds < 60,
        )
        note(f"    {rate:,.0f} members/s, enterprises + memberships + history rows")
    else:
        note(f"{population.members:,} members already in the database: population skipped")
    if SCALE == "national":
        from bench import national

        national.populate(population, codes=codes)

    def section(name: str, *args):
        return lambda: importlib.import_module(f"bench.{name}").run(*args)

    steps = {
        "partitions": section("partitions"),
        "import": lambda: bench_import(env, codes),
        "members": lambda: pages.run(population.staff, population.members),
        "batches": lambda: bench_batches(population),
        "needs": lambda: bench_needs(population),
        "reports": lambda: bench_reports(population),
        "dashboards": lambda: bench_dashboards(population),
        "replica": section("replica", env),
        "services": section("services", population),
        "market": section("market", population),
        "cases": section("cases", population),
        "notices": section("notices", population),
        "digests": section("digests", population),
        "webhooks": section("webhooks", population),
        "sizes": section("sizes"),
        "lists": lambda: bench_lists(population),
    }
    for name, step in steps.items():
        if name in sections:
            _settle()
            step()
    print(f"\nbench finished in {time.perf_counter() - started:.0f} s", flush=True)


def bench_import(env: dict[str, str], codes) -> None:
    from bench import generate
    from bench.report import note

    step = time.perf_counter()
    csv_path = DATA_DIR / f"members-{CSV_ROWS}.csv"
    existed = csv_path.exists()
    generate.write_member_csv(csv_path, CSV_ROWS, codes)
    note(
        f"{csv_path.relative_to(BASE_DIR)}: {CSV_ROWS:,} rows, "
        f"{csv_path.stat().st_size / 2**20:.1f} MiB "
        + (
            "(kept from an earlier run)"
            if existed
            else f"(written in {time.perf_counter() - step:.1f} s)"
        )
    )
    # A process of its own, so that its peak RSS is the import's; at national scale one run,
    # the file streamed from disk (bench.importing --national).
    national = ["--national", "--rows", str(CSV_ROWS)] if SCALE == "national" else []
    subprocess.run(  # noqa: S603 - this interpreter, our own module
        [sys.executable, "-m", "bench.importing", str(csv_path), *national],
        env=env,
        cwd=BASE_DIR,
        check=True,
    )


def bench_batches(population) -> None:
    from bench import batches, generate
    from bench.report import figure, heading, note

    heading("Data: a resumption batch")
    applications = generate.populate_applications(APPLICATIONS, population)
    if applications.added:
        figure(
            f"populated {applications.added:,} applications (INSERT … SELECT)",
            f"{applications.seconds:.1f} s",
            "seconds, not minutes",
            applications.seconds < 60,
        )
        note("    applications + the history of each step + the batch's approved count")
    else:
        note(f"{applications.count:,} applications already in the batch: population skipped")
    batches.run(population.staff, applications.batch)


def bench_needs(population) -> None:
    from bench import needs
    from bench.report import figure, heading, note

    heading("Data: needs")
    result = needs.populate_needs(NEEDS, population)
    if result.added:
        figure(
            f"populated {result.added:,} needs (INSERT … SELECT)",
            f"{result.seconds:.1f} s",
            "about a minute",
            result.seconds < 120,
        )
        note("    needs of every kind, urgency, age and status + escalations and replies")
    else:
        note(f"{result.count:,} needs already in the database: population skipped")
    needs.run(result)


def _applications_and_needs(population, purpose: str) -> None:
    """The batch's applications and the needs, written once for the sections that read them."""
    from bench import generate, needs
    from bench.report import heading, note

    heading(f"Data: applications and needs for the {purpose}")
    applications = generate.populate_applications(APPLICATIONS, population)
    population_of_needs = needs.populate_needs(NEEDS, population)
    for what, made in (("applications", applications), ("needs", population_of_needs)):
        note(f"{made.count:,} {what} ({'written now' if made.added else 'there already'})")


def bench_lists(population) -> None:
    from bench import lists

    _applications_and_needs(population, "lists")
    lists.run(population)


def bench_reports(population) -> None:
    from bench import reports

    _applications_and_needs(population, "reports")
    reports.run(population)


def bench_dashboards(population) -> None:
    from bench import dashboards

    _applications_and_needs(population, "dashboards")
    if SCALE == "national":
        # A day of the national set takes ten times as long to roll up: a week is rolled up
        # (once), not 90 days, and the dashboards read that week.
        dashboards.BACKFILL_DAYS = NATIONAL_BACKFILL_DAYS
    dashboards.run()


if __name__ == "__main__":
    main()
