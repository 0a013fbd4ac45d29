"""The full daily run on real Celery workers: `services.schedule("day")` queues one
`generate_report` per scope (every province, official's jurisdiction and association) on the
`reports` queue, and N `celery worker` processes (one pool process each) share them; measured
from the schedule to the last report ready, with 1 and with 2 workers.

The workers are started as `make bench` runs everything: the bench database, Redis database 14
and the key prefix `bench:`, so that they never take another Redis user's messages. What they
are given besides the reports (each ready report's files, `store_report_files`) waits behind
the reports on the same queue and is thrown away once the run is measured.
"""

import cProfile
import io
import os
import pstats
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import redis
from django.conf import settings
from django.db import transaction

from bench.report import figure, heading, note
from core.health import PRIORITY_SUFFIXES
from reports import figures, services
from reports.models import Report
from reports.periods import last_complete_period

BASE_DIR = Path(__file__).resolve().parent.parent
LOG_DIR = BASE_DIR / "bench-data" / "workers"
QUEUE = "reports"
# Today's scale: under 15 s; the national set (ten times the data, 535 reports): under 5 minutes
# with 2 workers (issue #19).
TARGET_SECONDS = 300 if os.environ.get("BENCH_SCALE") == "national" else 15
WAIT_SECONDS = 600


class Workers:
    """N `celery worker -Q reports --concurrency 1` processes, each in a session of its own."""

    def __init__(self, count: int):
        from resumption_portal.celery import app

        self.app = app
        self.names = [f"bench-reports-{count}-{n}-{os.getpid()}@bench" for n in range(count)]
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.processes = []
        for name in self.names:
            log = (LOG_DIR / f"{name.split('@')[0]}.log").open("wb")
            command = [
                sys.executable, "-m", "celery", "-A", "resumption_portal", "worker",
                "-Q", QUEUE, "--pool=prefork", "--concurrency=1", "-n", name,
                "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning",
            ]  # fmt: skip
            self.processes.append(
                subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
                    command,
                    cwd=BASE_DIR,
                    env=dict(os.environ),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )

    def wait_until_ready(self, timeout: float = 120) -> float:
        """Seconds until every worker answers a ping."""
        started = time.perf_counter()
        waiting = set(self.names)
        while waiting and time.perf_counter() - started < timeout:
            for reply in self.app.control.ping(destination=list(waiting), timeout=1.0):
                waiting -= set(reply)
            if any(p.poll() is not None for p in self.processes):
                raise RuntimeError(f"a worker exited; see {LOG_DIR}")
        if waiting:
            raise RuntimeError(f"workers not ready after {timeout} s: {sorted(waiting)}")
        return time.perf_counter() - started

    def stop(self) -> None:
        """A warm shutdown (the task at hand is finished), then SIGKILL to what is left."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def _broker() -> tuple[redis.Redis, str]:
    prefix = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("global_keyprefix", "")
    return redis.Redis.from_url(settings.CELERY_BROKER_URL), prefix


def _empty_queue() -> None:
    client, prefix = _broker()
    client.delete(*(f"{prefix}{QUEUE}{suffix}" for suffix in PRIORITY_SUFFIXES))
    client.close()


def _forget_unacknowledged() -> None:
    """What a stopped worker had taken and not acknowledged (the bench's own prefix only)."""
    client, prefix = _broker()
    client.delete(f"{prefix}unacked", f"{prefix}unacked_index")
    client.close()


def one_run(count: int) -> tuple[float, list[int]]:
    """The day's reports made afresh by `count` workers: (seconds from schedule to all ready,
    the report ids)."""
    start, _end = last_complete_period("day")
    # A whole run: the reports of that day from an earlier run go first.
    Report.objects.filter(period_type="day", period_start=start).delete()
    _empty_queue()
    workers = Workers(count)
    try:
        started_in = workers.wait_until_ready()
        began = time.perf_counter()
        queued = services.schedule("day")
        scheduled = time.perf_counter() - began
        reports = Report.objects.filter(pk__in=queued)
        while time.perf_counter() - began < WAIT_SECONDS:
            if not reports.exclude(status__in=Report.DONE).exists():
                break
            time.sleep(0.05)
        total = time.perf_counter() - began
    finally:
        _empty_queue()  # the files of each report: not part of the run measured
        workers.stop()
        _forget_unacknowledged()
    ready = reports.filter(status=Report.Status.READY).count()
    label = "1 worker" if count == 1 else f"{count} workers"
    note(
        f"{label} ({count} `celery worker -Q reports -c 1` process{'es' if count > 1 else ''}, "
        f"ready in {started_in:.1f} s before the clock starts)"
    )
    figure(f"  {label}: reports ready", f"{ready}/{len(queued)}", "all", ready == len(queued))
    figure(f"  {label}: schedule (make and queue)", f"{scheduled * 1000:,.0f} ms")
    figure(
        f"  {label}: schedule to all ready",
        f"{total:,.1f} s",
        f"< {TARGET_SECONDS} s",
        total < TARGET_SECONDS,
    )
    return total, queued


def profile_largest(report_ids: list[int]) -> None:
    """Where one report's time goes: the report over the most enterprises (the first queued),
    section by section, and cProfile's heaviest functions."""
    largest = Report.objects.select_related("region", "association").get(pk=report_ids[0])
    scope = figures.scope_of(largest)
    note(f"the largest report: {largest.title} (as a worker computes it: JIT off)")
    with transaction.atomic():
        services.without_jit()
        began = time.perf_counter()
        rolled = figures.day_rollup(scope, scope.start)
        figure("  the day's rollup rows read", f"{(time.perf_counter() - began) * 1000:,.0f} ms")
        for name in ("progress", "needs"):
            for label, rows in (("from the rollup", rolled), ("from the raw tables", None)):
                began = time.perf_counter()
                getattr(figures, name)(scope, rows)
                elapsed = (time.perf_counter() - began) * 1000
                figure(f"  section {name} ({label})", f"{elapsed:,.0f} ms")
        for name in ("supplies", "services", "relief", "complaints", "urgent"):
            began = time.perf_counter()
            getattr(figures, name)(scope)
            figure(f"  section {name}", f"{(time.perf_counter() - began) * 1000:,.0f} ms")
        profiler = cProfile.Profile()
        began = time.perf_counter()
        profiler.enable()
        figures.compute(scope)
        profiler.disable()
    figure("  figures.compute (under cProfile)", f"{(time.perf_counter() - began) * 1000:,.0f} ms")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("tottime")
    stats.print_stats(4)
    for line in out.getvalue().splitlines():
        if line.strip() and ("{" in line or "/" in line) and "ncalls" not in line:
            note("    " + line.strip()[:110])


def roll_up_the_days_before(start) -> None:
    """What the beat has done by the morning's run: the day's rollup and the day before's, made
    after their end (a day's report reads them: reports.figures.compute). Made afresh here, so
    that they hold what the database holds now; not part of the run measured."""
    from reports import rollups

    for day in (start - timedelta(days=1), start):
        began = time.perf_counter()
        rolled = rollups.compute_day(day)
        figure(f"  rollup of {day} (the beat's, at 00:05)", f"{time.perf_counter() - began:.1f} s")
        assert rolled.complete


def run() -> list[int]:
    start, _end = last_complete_period("day")
    heading(f"The full daily run for {start}: every scope's report on real workers")
    note("one task per scope on the `reports` queue, the largest first; wall time from")
    note("services.schedule to the last report ready (the machine's 2 cores are shared with")
    note("PostgreSQL and anything else running: figures are noisy)")
    roll_up_the_days_before(start)
    one, _queued = one_run(1)
    two, queued = one_run(2)
    ratio = two / one if one else 0.0
    figure("2 workers ÷ 1 worker", f"{ratio:.2f}", "about 1/2", ratio <= 0.6)
    profile_largest(queued)
    return queued
