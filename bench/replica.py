"""Reads on a streaming replica (decision 0031), at bench scale: a hot standby of the bench's own
PostgreSQL cluster made with `pg_basebackup -R` into bench-data/replica on a free port, then the
dashboards, the report list and the member export read through it and, for comparison, with the
user pinned to the primary. The replica is stopped and removed afterwards: without a replication
slot a standby left stopped cannot catch up later, and a slot would keep the primary's WAL
growing while nobody reads it.

On one machine the replica adds no capacity (both clusters share its cores and disk): the
figures show that the reads run on the replica (queries counted per database) and what they
cost there, not a speed-up. The speed-up comes from a replica on a machine of its own.

`python -m bench replica` runs it; the cluster's pg_hba.conf must allow replication from
loopback (`host replication postgres 127.0.0.1/32 trust`, then `SELECT pg_reload_conf()`)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import dj_database_url
import psycopg2

BASE_DIR = Path(__file__).resolve().parent.parent
DIRECTORY = BASE_DIR / "bench-data" / "replica"
RUNS = 7


def _refusal(config: dict) -> str:
    """Why a base backup of the bench's cluster cannot be made here, or '' when it can."""
    connection = psycopg2.connect(
        host=config.get("HOST") or "127.0.0.1",
        port=config.get("PORT") or 5432,
        user=config.get("USER") or "postgres",
        password=config.get("PASSWORD") or None,
        dbname=config["NAME"],
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW wal_level")
            if cursor.fetchone()[0] == "minimal":
                return "wal_level is minimal (a replica needs 'replica')"
            cursor.execute("SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = user")
            if not cursor.fetchone()[0]:
                return "the bench's role may not replicate"
            cursor.execute(
                "SELECT count(*) FROM pg_hba_file_rules "
                "WHERE 'replication' = ANY(database) AND type = 'host'"
            )
            if not cursor.fetchone()[0]:
                return "pg_hba.conf has no 'host replication' line"
    finally:
        connection.close()
    return ""


def run(env: dict[str, str]) -> None:
    """The section, from `python -m bench`: make the replica, measure in a process of its own
    (its settings name the replica), remove the replica."""
    from bench.report import figure, heading, note
    from bench.settings import BENCH_DATABASE_URL
    from tests.faults.services import StandbyCluster, wait_until

    heading("Reads on a replica")
    config = dj_database_url.parse(BENCH_DATABASE_URL)
    refusal = _refusal(config)
    if refusal:
        note(f"skipped: {refusal}.")
        note("  add `host replication postgres 127.0.0.1/32 trust` to the cluster's pg_hba.conf")
        note("  and run `SELECT pg_reload_conf()`; the bench then makes and removes its replica.")
        return
    if DIRECTORY.exists():
        import shutil

        shutil.rmtree(DIRECTORY)
    started = time.perf_counter()
    standby = StandbyCluster(int(config.get("PORT") or 5432), DIRECTORY, config.get("HOST"))
    try:
        standby.pg_ctl("start")
        wait_until(lambda: standby.caught_up(config["NAME"]), "the replica to stream", 300)
        seconds = time.perf_counter() - started
        size = sum(f.stat().st_size for f in DIRECTORY.rglob("*") if f.is_file()) / 2**30
        figure("base backup and start (pg_basebackup -R)", f"{seconds:.0f} s", "minutes, once")
        note(f"    {size:.1f} GiB: the whole cluster, every database in it")
        subprocess.run(
            [sys.executable, "-m", "bench.replica"],
            env={**env, "DATABASE_REPLICA_URL": standby.url(config["NAME"])},
            cwd=BASE_DIR,
            check=True,
        )
    finally:
        standby.destroy()


def _measure() -> None:
    import django

    django.setup()
    from django.db import connections
    from django.test import Client

    from bench.generate import POPULATION_STAFF
    from bench.report import figure, median_ms, note
    from core import replica
    from core.models import Role, User

    def user(username: str, **fields) -> User:
        found, _created = User.objects.get_or_create(username=username, defaults=fields)
        return found

    admin = user("bench-admin", role=Role.ADMIN, is_staff=True, is_superuser=True)
    province = user("bench-official-gd", role=Role.OFFICIAL, jurisdiction_id="440000")
    staff = User.objects.get(username=POPULATION_STAFF)

    def whole(client: Client, url: str):
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        if response.streaming:
            b"".join(response.streaming_content)
        return response

    reads = [
        ("the country's dashboard (administrator)", admin, "/dashboard/", RUNS),
        ("a province official's dashboard", province, "/dashboard/", RUNS),
        ("GET /api/v1/dashboard/ (province)", province, "/api/v1/dashboard/", RUNS),
        ("GET /api/v1/reports/ (province)", province, "/api/v1/reports/", RUNS),
        ("member export, 100,000 rows (CSV)", staff, "/members/export.csv", 3),
    ]
    for label, who, url, runs in reads:
        client = Client()
        client.force_login(who)
        replica.unpin(who)
        whole(client, url)  # warm: templates, translations, the replica's cache
        counted = {replica.REPLICA: 0, "default": 0}

        def count(alias: str, counted: dict = counted):
            def wrapper(execute, sql, params, many, context):
                counted[alias] += 1
                return execute(sql, params, many, context)

            return wrapper

        with (
            connections[replica.REPLICA].execute_wrapper(count(replica.REPLICA)),
            connections["default"].execute_wrapper(count("default")),
        ):
            whole(client, url)
        through_replica, _ = median_ms(lambda c=client, u=url: whole(c, u), runs)
        replica.pin_to_primary(who)
        whole(client, url)
        on_primary_ms, _ = median_ms(lambda c=client, u=url: whole(c, u), runs)
        replica.unpin(who)
        figure(
            f"{label}: replica / primary",
            f"{through_replica:,.0f} / {on_primary_ms:,.0f} ms",
            "same order",
        )
        note(
            f"    {counted[replica.REPLICA]} queries on the replica, "
            f"{counted['default']} on the primary (session, user, permissions)"
        )
    lag = replica.health()["lag_seconds"]
    note(f"replica lag at the last look: {lag if lag is not None else 'unknown'} s")
    note("one machine: both clusters share 2 cores; the figures are noisy, not a speed-up")


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    _measure()
