"""The daily run fans out one task per scope over real worker processes, and a worker killed in
the middle of it (SIGKILL, with its pool) costs nothing but time: every scheduled scope's report
ends ready exactly once, with one `report.created` and one ready event each.

Real `celery worker` processes against Redis and the test database, under a key prefix of the
test's own (the machinery of tests/reports/test_worker_crash.py). The run starts as beat starts
it: `schedule_reports` sent to the reports' queue; the worker that takes it queues one
`generate_report` per scope, and both workers take them. One worker is slowed down (a pause
after each section of a report) so that it is surely half-way through a report when it is
killed; the other is not, and makes the rest. The killed worker's message waits in Redis for
the visibility timeout, and a worker started after it (as a restarted container) takes it.
"""

import time
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.utils import timezone

from core.models import Event
from reports import services
from reports.models import Report
from reports.periods import last_complete_period
from tests.reports.test_worker_crash import Broker, Worker, fresh, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

VISIBILITY = "3"  # seconds before a dead worker's message is handed out again (an hour in prod)
SLOW = "1000"  # ms after each of a report's six sections: about six seconds a report
FAST = "0"


@pytest.fixture
def broker():
    broker = Broker()
    yield broker
    broker.clean()


def day_reports():
    start, _end = last_complete_period("day")
    return Report.objects.filter(period_type="day", period_start=start)


def test_the_daily_run_makes_every_scope_s_report_once_with_a_worker_killed_half_way(
    cast, broker, tmp_path
):
    scopes = {(region and region.pk, association and association.pk)
              for region, association in services.scheduled_scopes()}  # fmt: skip
    assert len(scopes) >= 36  # the provinces and both associations
    env = {"CELERY_VISIBILITY_TIMEOUT": VISIBILITY}
    slow = Worker(broker, tmp_path / "slow.log", REPORT_SECTION_PAUSE_MS=SLOW, **env)
    fast = Worker(broker, tmp_path / "fast.log", REPORT_SECTION_PAUSE_MS=FAST, **env)
    workers = [slow, fast]
    try:
        broker.app.send_task("reports.tasks.schedule_reports", args=["day"], queue="reports")
        wait_for(lambda: day_reports().count() == len(scopes), "the run to be scheduled", workers)

        # The slow worker has been on one report for a while: it is half-way through it.
        def taken_by_the_slow_worker():
            a_while_ago = timezone.now() - timedelta(seconds=2)
            return (
                day_reports()
                .filter(status=Report.Status.RUNNING, updated_at__lt=a_while_ago)
                .first()
            )

        killed = wait_for(taken_by_the_slow_worker, "the slow worker to be half-way", workers)
        assert day_reports().filter(status=Report.Status.READY).count() >= 1  # both at work
        slow.kill_all()
        killed_at = time.monotonic()

        # The other worker makes every other report; the killed one's is left as it was.
        others = day_reports().exclude(pk=killed.pk)
        wait_for(
            lambda: not others.exclude(status=Report.Status.READY).exists(),
            "the other worker to make the rest",
            workers,
        )
        left = fresh(killed)
        assert left.status == Report.Status.RUNNING
        assert left.data is None

        time.sleep(max(0.0, float(VISIBILITY) + 1 - (time.monotonic() - killed_at)))
        workers.append(
            Worker(broker, tmp_path / "restarted.log", REPORT_SECTION_PAUSE_MS=FAST, **env)
        )
        wait_for(lambda: fresh(killed).status == Report.Status.READY, "the killed report", workers)
    finally:
        for worker in workers:
            worker.stop()

    reports = day_reports()
    assert {(r.region_id, r.association_id) for r in reports} == scopes
    assert reports.count() == len(scopes)
    assert not reports.exclude(status=Report.Status.READY).exists()
    assert all(report.checksum == services.checksum(report.data) for report in reports)
    events = (
        Event.objects.filter(
            content_type=ContentType.objects.get_for_model(Report),
            object_id__in=reports.values("pk"),
        )
        .values("object_id")
        .annotate(
            created=Count("pk", filter=Q(action="report.created")),
            ready=Count("pk", filter=Q(to_status=Report.Status.READY)),
        )
    )
    assert len(events) == len(scopes)
    assert {(row["created"], row["ready"]) for row in events} == {(1, 1)}
    assert fresh(killed).attempts == 2
