"""The outbox sweeps of reports (core.outbox): reports asked for whose message was lost, and
the beat entries a broker that was down made it miss (the last day's, week's and month's
scheduled reports)."""

from datetime import timedelta
from functools import partial

from django.db.models import Q
from django.utils import timezone

from core import metrics, outbox
from reports.models import Report
from reports.periods import last_complete_period

# A report being generated this long is taken to have lost its worker and its message (a broker
# restarted empty): generation is one worker at a time (reports.services.generate), so queueing
# it again is safe.
RUNNING_FOR = timedelta(minutes=30)
BATCH = 1000
# The scheduled runs (resumption_portal/celery.py) are at 06:00; looked for from this time on.
SCHEDULED_FROM = (6, 10)


def _not_done(stale_before):
    return Report.objects.filter(
        Q(status=Report.Status.QUEUED, created_at__lt=stale_before)
        | Q(status=Report.Status.RUNNING, updated_at__lt=stale_before - RUNNING_FOR)
    )


def reports_asked(stale_before):
    from reports.tasks import generate_report

    for pk in _not_done(stale_before).order_by("created_at").values_list("pk", flat=True)[:BATCH]:
        yield outbox.Work(f"report:{pk}", partial(generate_report.delay, pk))


def scheduled_runs(stale_before):
    """The daily run, and on Mondays the weekly and on the 1st the monthly one, once their
    time has passed without their reports."""
    from reports.tasks import schedule_reports

    local = timezone.localtime(stale_before)
    if (local.hour, local.minute) < SCHEDULED_FROM:
        return
    today = local.date()
    due = ["day"]
    if today.weekday() == 0:
        due.append("week")
    if today.day == 1:
        due.append("month")
    for period_type in due:
        start, _end = last_complete_period(period_type, today)
        if not Report.objects.filter(period_type=period_type, period_start=start).exists():
            yield outbox.Work(
                f"schedule:{period_type}:{start}", partial(schedule_reports.delay, period_type)
            )


outbox.register("reports.asked", reports_asked)
outbox.register("reports.scheduled", scheduled_runs)
metrics.register_backlog(
    "portal_reports_waiting",
    "Reports queued or being generated.",
    lambda: Report.objects.filter(status__in=[Report.Status.QUEUED, Report.Status.RUNNING]).count(),
)
