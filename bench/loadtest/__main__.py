"""`python -m bench.loadtest` (what `make loadtest` runs): the portal under simulated people.

1. makes the load test's accounts in the bench database (bench/loadtest/accounts.py; the bench
   data must be there: `make bench` first, or `make bench SCALE=national` for that database);
2. starts gunicorn on loopback (LOADTEST_WORKERS processes, production settings: DEBUG off,
   HTTPS=false, ALLOWED_HOSTS=127.0.0.1) and one Celery worker for the work the writes queue,
   and waits until /healthz answers;
3. runs locust headless: LOADTEST_USERS people (4 enterprise : 3 staff : 2 official : 1
   partner), started at LOADTEST_SPAWN_RATE a second, working for LOADTEST_SECONDS from the
   moment everybody has logged in (what the figures count); then stops gunicorn and the worker;
4. prints requests per second, p50/p95/p99 per endpoint (by URL pattern) and the errors (4xx,
   5xx, refused forms), the 5xx listed, beside the target: p95 < 500 ms with 50 people, no error.
"""

import csv
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

BASE_DIR = Path(__file__).resolve().parent.parent.parent
WORK_DIR = BASE_DIR / "bench-data" / "loadtest"
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
P95_TARGET_MS = 500
TARGET_USERS = 50
LOGIN_ALLOWANCE_SECONDS = 600
LIST_PAGE = 50  # the reports on the first page of the list (reports.views._list_page)


def _knob(name: str, default: int) -> int:
    value = os.environ.get(name, "") or str(default)
    if not value.isdigit() or int(value) < 1:
        raise SystemExit(f"{name} is a whole number of at least 1, not {value!r}")
    return int(value)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(metrics_dir: str) -> dict[str, str]:
    """The settings gunicorn and the worker run with: production's, on loopback over HTTP, with
    the login throttle opened (every simulated person logs in from 127.0.0.1)."""
    import bench.settings  # noqa: F401 - fills in the bench's environment (database, Redis)

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "false",
        "HTTPS": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOGIN_THROTTLE_RATE": "100000/min",
        "LOG_LEVEL": "WARNING",
        "PROMETHEUS_MULTIPROC_DIR": metrics_dir,
        "PYTHONPATH": str(BASE_DIR),
    }


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own programs, fixed arguments
        command,
        env=env,
        cwd=BASE_DIR,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(process: subprocess.Popen) -> None:
    """A warm shutdown: the main process lets its workers finish what they hold."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped (exit {server.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - loopback
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within 60 s; see {log}")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def _ms(row: dict[str, str], column: str) -> str:
    value = row.get(column) or "N/A"
    return "-" if value == "N/A" else f"{float(value):,.0f}"


def report(prefix: Path, users: int, seconds: int, workers: int) -> None:
    from bench.report import figure, heading, note

    stats = _rows(prefix.with_name(prefix.name + "_stats.csv"))
    failures = _rows(prefix.with_name(prefix.name + "_failures.csv"))
    endpoints = [row for row in stats if row["Name"] != "Aggregated" and int(row["Request Count"])]
    total = next(row for row in stats if row["Name"] == "Aggregated")
    heading(f"Load test: {users} simulated people for {seconds} s, gunicorn with {workers} workers")
    note(f"{'endpoint':<46} {'requests':>8} {'errors':>6} {'p50':>6} {'p95':>6} {'p99':>6} ms")
    for row in sorted(endpoints, key=lambda row: -int(row["Request Count"])):
        name = f"{row['Type']} {row['Name']}"
        note(
            f"{name[:46]:<46} {int(row['Request Count']):>8,} {int(row['Failure Count']):>6,} "
            f"{_ms(row, '50%'):>6} {_ms(row, '95%'):>6} {_ms(row, '99%'):>6}"
        )
    errors = int(total["Failure Count"])
    p95 = float(total["95%"]) if total["95%"] not in ("", "N/A") else float("inf")
    figure("requests per second", f"{float(total['Requests/s']):,.1f}")
    figure("requests in all", f"{int(total['Request Count']):,}")
    figure("p50 over all requests", f"{_ms(total, '50%')} ms")
    at_target = users >= TARGET_USERS
    figure(
        "p95 over all requests",
        f"{_ms(total, '95%')} ms",
        f"< {P95_TARGET_MS} ms with {TARGET_USERS} people",
        p95 < P95_TARGET_MS if at_target else None,
    )
    figure("p99 over all requests", f"{_ms(total, '99%')} ms")
    figure("errors (4xx, 5xx, refused forms)", f"{errors:,}", "0", errors == 0)
    for failure in failures:
        note(
            f"  {failure['Occurrences']:>6} × {failure['Method']} {failure['Name']}: "
            f"{failure['Error']}"
        )
    server_errors = [failure for failure in failures if "HTTP 5" in failure["Error"]]
    if server_errors:
        note(f"5xx answers: see {WORK_DIR / 'gunicorn.log'} for their tracebacks")
    note(
        "locust, gunicorn, the Celery worker and PostgreSQL share this machine's cores: the "
        "figures hold for this machine as it was loaded at the time"
    )


def _fresh_rollup(seconds: int) -> None:
    """Today's rollup as the beat keeps it (refreshed every quarter of an hour), made before the
    clock starts when it would go stale during the test: a dashboard opened on a stale rollup
    queues its refresh, which at national scale holds one of the machine's two cores for two
    minutes (a quarter-hour's refresh overlaps one request in six in a steady day)."""
    from django.utils import timezone

    from bench.report import note
    from reports import rollups
    from reports.models import RollupDay

    today = RollupDay.objects.filter(day=timezone.localdate()).first()
    allowance = rollups.FRESH_FOR - timedelta(seconds=seconds + LOGIN_ALLOWANCE_SECONDS / 4)
    if today is not None and timezone.now() - today.computed_at < allowance:
        return
    began = time.perf_counter()
    rollups.refresh()
    note(f"today's rollup refreshed first, as the beat does: {time.perf_counter() - began:.1f} s")


def _report_files_kept(official_usernames: list[str]) -> None:
    """The downloads of the reports on the officials' lists, as the worker keeps them once a
    report is made (reports.services.store_files): the bench's daily run measures the reports
    alone and drops those tasks, so that a load test after it would render each file inside
    a request (a province's XLSX holds a gunicorn worker for 10 s) or queue it to the one
    worker the writes need."""
    from bench.report import note
    from core.models import User
    from reports import selectors, services
    from reports.forms import ReportFilterSet

    began, reports = time.perf_counter(), set()
    for user in User.objects.filter(username__in=official_usernames):
        listed = ReportFilterSet({}, queryset=selectors.report_list(user=user)).qs
        reports.update(listed.values_list("pk", flat=True)[:LIST_PAGE])
    stored = sum(services.store_files(pk) for pk in sorted(reports))
    note(
        f"downloads of the {len(reports)} reports on the officials' first pages kept "
        f"({stored} files, {time.perf_counter() - began:.1f} s)"
    )


def main() -> None:
    users = _knob("LOADTEST_USERS", 50)
    seconds = _knob("LOADTEST_SECONDS", 120)
    workers = _knob("LOADTEST_WORKERS", 3)
    spawn_rate = _knob("LOADTEST_SPAWN_RATE", 5)
    WORK_DIR.mkdir(parents=True, exist_ok=True)

    import django

    django.setup()
    from bench.loadtest import accounts
    from bench.report import heading, note

    heading("Load test: accounts")
    accounts_file = WORK_DIR / "accounts.json"
    made = accounts.prepare(users, accounts_file)
    note(
        f"{len(made.enterprise)} enterprise users, {len(made.staff)} staff, "
        f"{len(made.official)} officials, {len(made.partner)} partner accounts "
        f"({accounts_file.relative_to(BASE_DIR)})"
    )
    _fresh_rollup(seconds)
    _report_files_kept(made.official)
    from django.db import connections

    connections.close_all()

    port = _free_port()
    host = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="loadtest-metrics-") as metrics_dir:
        env = server_environment(metrics_dir)
        server_log, worker_log = WORK_DIR / "gunicorn.log", WORK_DIR / "worker.log"
        server = _start(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "resumption_portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--no-control-socket",  # another gunicorn on this machine may hold the default
            ],
            env,
            server_log,
        )
        worker = _start(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "resumption_portal",
                "worker",
                "--concurrency",
                "1",
                "--loglevel",
                "WARNING",
            ],
            env,
            worker_log,
        )
        try:
            _wait_healthy(f"{host}/healthz", server, server_log)
            note(f"gunicorn ({workers} workers) answers at {host}; locust runs {seconds} s")
            prefix = WORK_DIR / "locust"
            subprocess.run(  # noqa: S603 - locust, fixed arguments
                [
                    sys.executable,
                    "-m",
                    "locust",
                    "-f",
                    str(LOCUSTFILE),
                    "--headless",
                    "--users",
                    str(users),
                    "--spawn-rate",
                    str(spawn_rate),
                    # The locustfile stops it `seconds` after everybody has logged in; this
                    # bounds the run if the logins never all succeed.
                    "--run-time",
                    f"{seconds + LOGIN_ALLOWANCE_SECONDS}s",
                    "--stop-timeout",
                    "10",
                    "--host",
                    host,
                    "--csv",
                    str(prefix),
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                    "--exit-code-on-error",
                    "0",
                ],
                env={
                    **env,
                    "LOADTEST_ACCOUNTS": str(accounts_file),
                    "LOADTEST_SECONDS": str(seconds),
                },
                cwd=BASE_DIR,
                stdout=(WORK_DIR / "locust.log").open("wb"),
                stderr=subprocess.STDOUT,
                check=True,
            )
        finally:
            _stop(server)
            _stop(worker)
    report(prefix, users, seconds, workers)


if __name__ == "__main__":
    main()
