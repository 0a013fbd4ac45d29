"""A worker killed in the middle of a report (SIGKILL) leaves no report marked ready with partial
data, and the report is made all the same: its message goes back to the queue and runs again.

These tests run real Celery worker processes against Redis and the test database. Each test has
a Celery key prefix and a queue of its own, so that parallel test runs never take each other's
messages; the worker is told to pause after each section of the report so that it can be killed
half-way.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from reports import figures, services
from reports.models import Report
from supplies import services as needs
from supplies.models import Need, SupplyItem
from tests.workers import queue_option

pytestmark = pytest.mark.django_db(transaction=True)

BASE_DIR = Path(__file__).resolve().parents[2]
TASK = "reports.tasks.generate_report"
DAY = date(2020, 2, 10)
PAUSE_MS = 1000  # after each of the six sections: about six seconds a report
WAIT = 60  # seconds; longer means the worker never got there


def mask_n95() -> SupplyItem:
    """From the catalogue a migration seeds; a transactional test before this one emptied it."""
    item, _created = SupplyItem.objects.get_or_create(
        code="mask-n95",
        defaults={"name_zh": "N95/KN95口罩", "name_en": "N95/KN95 masks", "unit": "piece"},
    )
    return item


def database_url() -> str:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


class Broker:
    """A key prefix and a queue of this test's own, and the means to send to them. Under the
    prefix, the workers also consume every queue work is routed to (tests.workers), where a
    task's own follow-up work goes."""

    def __init__(self):
        token = uuid.uuid4().hex[:12]
        self.prefix = f"test-crash-{token}:"
        self.queue = f"reports-crash-{token}"
        self.app = Celery("crash-test", broker=settings.CELERY_BROKER_URL, set_as_current=False)
        self.app.conf.broker_transport_options = {"global_keyprefix": self.prefix}
        self.redis = redis.Redis.from_url(settings.CELERY_BROKER_URL)

    def send(self, report_id: int) -> None:
        self.app.send_task(TASK, args=[report_id], queue=self.queue)

    def unacknowledged(self) -> int:
        return self.redis.hlen(f"{self.prefix}unacked")

    def clean(self) -> None:
        keys = list(self.redis.scan_iter(f"{self.prefix}*", count=1000))
        keys += list(self.redis.scan_iter(f"*{self.queue}*", count=1000))
        if keys:
            self.redis.delete(*keys)
        self.app.close()


@pytest.fixture
def broker() -> Iterator[Broker]:
    broker = Broker()
    yield broker
    broker.clean()


class Worker:
    """`celery worker` in a session of its own, so that it and its pool can be killed together."""

    def __init__(self, broker: Broker, log: Path, **env: str):
        self.log = log
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "resumption_portal.settings",
            "SECRET_KEY": settings.SECRET_KEY,
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "CACHE_KEY_PREFIX": settings.CACHE_KEY_PREFIX,  # the progress this test reads
            "CELERY_KEY_PREFIX": broker.prefix,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "REPORT_SECTION_PAUSE_MS": str(PAUSE_MS),
            "HTTPS": "false",
            "LOG_LEVEL": "INFO",
            **env,
        }
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "resumption_portal",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "-Q",
            queue_option(broker.queue),  # its own, and those of the work a task queues
            "-n",
            f"{broker.queue}-{log.stem}@%h",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "info",
        ]
        self.output = log.open("wb")
        self.process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=environment,
            stdout=self.output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def children(self) -> list[int]:
        found = subprocess.run(
            ["pgrep", "-P", str(self.pid)], capture_output=True, text=True, check=False
        )
        return [int(pid) for pid in found.stdout.split()]

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill_all(self) -> None:
        """SIGKILL to the worker and its pool at once, as when its machine or container dies."""
        if self.alive():
            with suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.pid, signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
        self.kill_all()
        self.output.close()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@contextmanager
def running_worker(broker: Broker, log: Path, **env: str) -> Iterator[Worker]:
    worker = Worker(broker, log, **env)
    try:
        yield worker
    finally:
        worker.stop()


def wait_for(condition: Callable[[], object], what: str, workers: list[Worker]) -> object:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    logs = "\n".join(f"--- {w.log.name}:\n{w.tail()}" for w in workers)
    raise AssertionError(f"waited {WAIT} s for {what}\n{logs}")


def sections_done(report: Report) -> int:
    return (cache.get(services.progress_key(report.pk)) or {}).get("done", 0)


def fresh(report: Report) -> Report:
    return Report.objects.get(pk=report.pk)


@pytest.fixture
def report(cast, monkeypatch) -> Report:
    """A queued weekly report on Guangdong with a need filed in its week."""
    from core.tasks import send_notification_email

    monkeypatch.setattr(send_notification_email, "delay", lambda *args: None)
    need = needs.need_file(
        actor=cast.enterprise_user,
        kind=Need.Kind.SUPPLY,
        item=mask_n95(),
        quantity="250",
        needed_by=timezone.localdate() + timedelta(days=3),
        urgency="critical",
    )
    filed = timezone.make_aware(datetime(2020, 2, 11, 9))
    Need.objects.filter(pk=need.pk).update(created_at=filed, rank_at=filed)
    return Report.objects.create(
        region_id="440000", period_type="week", period_start=DAY, period_end=DAY + timedelta(7)
    )


def assert_half_made_is_not_ready(report: Report) -> None:
    killed = fresh(report)
    assert killed.status in (Report.Status.QUEUED, Report.Status.RUNNING)
    assert killed.data is None
    assert killed.checksum == ""


def assert_complete(report: Report) -> Report:
    done = fresh(report)
    assert done.status == Report.Status.READY
    assert set(done.data) == {*figures.SECTIONS, "meta"}
    assert done.data["needs"]["totals"]["new"] == 1
    assert [row["id"] for row in done.data["urgent"]["rows"]] == list(
        Need.objects.values_list("pk", flat=True)
    )
    assert done.checksum == services.checksum(done.data)
    assert done.attempts >= 2
    return done


def test_a_killed_pool_process_leaves_no_ready_report_and_the_worker_makes_it_again(
    report, broker, tmp_path
):
    with running_worker(broker, tmp_path / "worker.log") as worker:
        broker.send(report.pk)
        wait_for(lambda: sections_done(report) >= 1, "the report to be half made", [worker])
        [child] = worker.children()

        os.kill(child, signal.SIGKILL)

        assert_half_made_is_not_ready(report)
        # The worker itself lives on, starts a new pool process, and the message it had not
        # acknowledged (acks_late) is rejected back to the queue (reject_on_worker_lost).
        wait_for(
            lambda: fresh(report).status == Report.Status.READY, "the report to be made", [worker]
        )
        assert worker.alive()
        assert child not in worker.children()
        done = assert_complete(report)
        assert "WorkerLostError" in worker.tail()
    assert done.attempts == 2


def test_a_killed_worker_s_report_is_made_by_the_next_worker_after_the_visibility_timeout(
    report, broker, tmp_path
):
    """With Redis as the broker, a message taken by a worker that dies with all its processes
    stays unacknowledged in Redis; a worker that starts after the visibility timeout hands it
    out again. (The production default is an hour; this test sets three seconds.)"""
    visibility = 3
    env = {"CELERY_VISIBILITY_TIMEOUT": str(visibility)}
    first = Worker(broker, tmp_path / "first.log", **env)
    try:
        broker.send(report.pk)
        wait_for(lambda: sections_done(report) >= 1, "the report to be half made", [first])
        first.kill_all()
        killed_at = time.monotonic()
    finally:
        first.stop()

    assert_half_made_is_not_ready(report)
    assert broker.unacknowledged() == 1  # parked in Redis, not lost
    time.sleep(max(0.0, visibility + 1 - (time.monotonic() - killed_at)))

    with running_worker(
        broker, tmp_path / "second.log", REPORT_SECTION_PAUSE_MS="50", **env
    ) as second:
        wait_for(
            lambda: fresh(report).status == Report.Status.READY,
            "the next worker to make the report",
            [first, second],
        )
    done = assert_complete(report)
    assert done.attempts == 2
    assert broker.unacknowledged() == 0
