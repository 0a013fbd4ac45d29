"""Every write on a report leaves an event in its history: asked for, generated (each attempt,
ready or failed), asked again, remarks edited (old and new text, masked as the report shows it),
submitted, corrected; and the schedule's reports are recorded once however often it runs."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.workflow import history_for
from reports import services
from reports.models import Report
from tests.reports.sample import PHONE, queued_report, quiet_tasks, ready_report

pytestmark = pytest.mark.django_db
S = Report.Status


@pytest.fixture(autouse=True)
def _no_tasks(monkeypatch):
    quiet_tasks(monkeypatch)


def events(report: Report) -> list[tuple]:
    return [
        (event.action, event.from_status, event.to_status, event.actor)
        for event in history_for(report)
    ]


def _yesterday():
    return timezone.localdate() - timedelta(days=1)


def test_asking_for_a_report_records_who_asked_and_generating_it_records_each_step(cast):
    report = services.report_request(
        actor=cast.staff, period_type="day", day=_yesterday(), association=cast.association
    )
    services.generate(report.pk)
    assert events(report) == [
        ("report.created", "", S.QUEUED, cast.staff),
        ("report.running", S.QUEUED, S.RUNNING, None),
        ("report.ready", S.RUNNING, S.READY, None),
    ]


def test_asking_twice_records_one_creation(cast):
    for _ in range(2):
        report = services.report_request(
            actor=cast.staff, period_type="day", day=_yesterday(), association=cast.association
        )
    assert [e[0] for e in events(report)] == ["report.created"]


def test_a_failed_report_asked_again_records_the_failure_and_who_asked_again(cast):
    report = services.report_request(
        actor=cast.staff, period_type="day", day=_yesterday(), association=cast.association
    )
    services.mark_failed(report.pk, "OperationalError: the database went away")
    services.report_request(
        actor=cast.manager, period_type="day", day=_yesterday(), association=cast.association
    )
    assert events(report) == [
        ("report.created", "", S.QUEUED, cast.staff),
        ("report.failed", S.QUEUED, S.FAILED, None),
        ("report.queued", S.FAILED, S.QUEUED, cast.manager),
    ]
    # The error stays on the report: the history, which the association reads, does not say it.
    assert all("OperationalError" not in event.reason for event in history_for(report))


def test_saving_remarks_records_the_old_and_new_text_masked(cast):
    report = ready_report(association=cast.association, remarks="原来的说明")
    services.report_update_remarks(
        actor=cast.staff, report_id=report.pk, remarks=f"请致电 {PHONE}", suggestions=None
    )
    event = history_for(report).last()
    assert (event.action, event.actor) == ("report.updated", cast.staff)
    assert event.changes == {"remarks": ["原来的说明", "请致电 138********"]}


def test_saving_the_same_remarks_again_records_nothing(cast):
    report = ready_report(association=cast.association, remarks="说明")
    before = history_for(report).count()
    services.report_update_remarks(actor=cast.staff, report_id=report.pk, remarks=" 说明 ")
    assert history_for(report).count() == before


def test_submitting_records_the_submission_with_the_last_remarks(cast):
    report = ready_report(association=cast.association, suggestions="")
    services.report_submit(actor=cast.manager, report_id=report.pk, suggestions="减免租金")
    event = history_for(report).last()
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "report.submitted",
        S.READY,
        S.SUBMITTED,
        cast.manager,
    )
    assert event.changes == {"suggestions": ["", "减免租金"]}


def test_a_correction_is_recorded_on_the_submitted_version_and_on_the_new_one(cast):
    report = ready_report(association=cast.association)
    services.report_submit(actor=cast.staff, report_id=report.pk)
    revision = services.report_revise(actor=cast.staff, report_id=report.pk, reason="数字有误")
    revised = history_for(report).last()
    assert (revised.action, revised.actor, revised.reason) == (
        "report.revised",
        cast.staff,
        "数字有误",
    )
    assert [(e.action, e.to_status, e.reason) for e in history_for(revision)] == [
        ("report.created", S.QUEUED, "数字有误")
    ]


def test_the_schedule_records_each_report_it_makes_once(cast):
    services.schedule("day")
    services.schedule("day")
    made = Report.objects.filter(period_type="day")
    assert made.count() >= 3  # the provinces and officials' regions, and both associations
    assert all(events(report) == [("report.created", "", S.QUEUED, None)] for report in made)


def test_the_schedule_does_not_record_a_report_someone_asked_for_before(cast):
    asked = services.report_request(
        actor=cast.staff, period_type="day", day=_yesterday(), association=cast.association
    )
    services.schedule("day")
    assert [e[0] for e in events(asked)] == ["report.created"]
    assert events(asked)[0][3] == cast.staff


def test_a_report_made_ready_records_nothing_more_when_generated_again(cast):
    report = queued_report(association=cast.association)
    services.generate(report.pk)
    count = history_for(report).count()
    services.generate(report.pk)
    assert history_for(report).count() == count
