"""`python -m bench` (what `make bench` runs): prepare the bench database, generate the data, run
every benchmark and print the figures beside their targets.

1. create the database of BENCH_DATABASE_URL if missing, migrate it, load the reference data;
2. populate 100,000 members of one association (skipped when they are there already);
3. write the 100,000-row member CSV into bench-data/ (kept when it is there already);
4. import it twice, in a process of its own (rows/s, peak RSS);
5. the API's enterprise list and the member list page over the 100,000 members;
6. one open batch of that association with 20,000 applications (skipped when they are there):
   the review queue (page and API) and the progress figures (selector and page).
"""

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


def main() -> None:
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
    from bench import batches, generate, pages

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

    # A process of its own, so that its peak RSS is the import's.
    subprocess.run(  # noqa: S603 - this interpreter, our own module
        [sys.executable, "-m", "bench.importing", str(csv_path)], env=env, cwd=BASE_DIR, check=True
    )

    pages.run(population.staff, population.members)

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
    print(f"\nbench finished in {time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
