"""Making, generating, reviewing and correcting reports: one report per scope, period and version
whoever asks and however often; a snapshot that later data does not change; submitted reports
that stay as they were; and who submitted on time."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.errors import Conflict, DomainError, TransitionNotAllowed
from core.models import Event, Region, Role
from reports import figures, selectors, services
from reports.models import Report
from reports.tables import display, tables
from reports.tasks import generate_report
from supplies import services as needs
from supplies.models import Need, SupplyItem
from tests.concurrency import run_together
from tests.factories import (
    AssociationFactory,
    EnterpriseFactory,
    MembershipFactory,
    UserFactory,
)

S = Report.Status
DAY = date(2020, 2, 10)  # a Monday: its day, its ISO week


@pytest.fixture(autouse=True)
def queued(monkeypatch) -> list[int]:
    """The report ids handed to Celery (no worker runs here)."""
    from core.tasks import send_notification_email

    ids: list[int] = []
    monkeypatch.setattr(generate_report, "delay", lambda report_id: ids.append(report_id))
    monkeypatch.setattr(send_notification_email, "delay", lambda *args: None)
    return ids


def mask_n95() -> SupplyItem:
    """From the catalogue a migration seeds; a transactional test before this one emptied it."""
    item, _created = SupplyItem.objects.get_or_create(
        code="mask-n95",
        defaults={"name_zh": "N95/KN95口罩", "name_en": "N95/KN95 masks", "unit": "piece"},
    )
    return item


def guangdong() -> Region:
    return Region.objects.get(code="440000")


def ensure_week(**kwargs) -> Report:
    scope = {"region": guangdong(), "association": None, **kwargs}
    return services.ensure(period_type="week", start=DAY, **scope)


def in_week(days: int = 1, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(DAY + timedelta(days=days), time(hour)))


def file_supply_need(cast, *, filed: datetime, quantity: str = "100") -> Need:
    need = needs.need_file(
        actor=cast.enterprise_user,
        kind=Need.Kind.SUPPLY,
        item=mask_n95(),
        quantity=quantity,
        needed_by=timezone.localdate() + timedelta(days=3),
    )
    Need.objects.filter(pk=need.pk).update(created_at=filed, rank_at=filed)
    return need


def readied(**kwargs) -> Report:
    return services.generate(ensure_week(**kwargs).pk)


def association_report(cast) -> Report:
    return readied(region=None, association=cast.association)


# --- one report per scope, period and version ---------------------------------------------


def test_asking_twice_for_a_report_makes_one_and_queues_it_until_it_is_made(
    cast, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = ensure_week(requested_by=cast.official)
    with django_capture_on_commit_callbacks(execute=True):
        second = ensure_week(requested_by=cast.official)

    assert first.pk == second.pk
    assert Report.objects.count() == 1
    assert (first.period_start, first.period_end) == (DAY, DAY + timedelta(days=7))
    # not ready yet: asking again queues it again (a lost message is not lost for good)
    assert queued == [first.pk, first.pk]


def test_a_day_inside_the_period_names_the_same_report(cast):
    monday = ensure_week()
    sunday = services.ensure(
        region=guangdong(), association=None, period_type="week", start=DAY + timedelta(days=6)
    )

    assert monday.pk == sunday.pk


def test_a_ready_report_is_not_queued_again(cast, queued, django_capture_on_commit_callbacks):
    report = readied()
    queued.clear()

    with django_capture_on_commit_callbacks(execute=True):
        again = ensure_week()

    assert again.pk == report.pk
    assert queued == []


def test_generating_twice_leaves_one_ready_report_with_the_same_checksum(cast):
    file_supply_need(cast, filed=in_week())
    report = ensure_week()

    first = services.generate(report.pk)
    second = services.generate(report.pk)
    generate_report(report.pk)  # a redelivered message: the task body does nothing either

    report.refresh_from_db()
    assert report.status == S.READY
    assert report.attempts == 1
    assert first.checksum == second.checksum == report.checksum == services.checksum(report.data)
    assert report.data["needs"]["totals"]["new"] == 1
    assert set(report.data) == {*figures.SECTIONS, "meta"}
    assert Event.objects.filter(object_id=report.pk, to_status=S.READY).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_generating_the_same_report_at_once_write_it_once(settings, cast):
    """Real parallel workers on PostgreSQL: one generates, the other finds it being generated
    and leaves at once (it does not hold a worker waiting), and the report is stored once."""
    settings.REPORT_SECTION_PAUSE = 0.2  # long enough for the other to arrive meanwhile
    file_supply_need(cast, filed=in_week())
    report = Report.objects.create(
        region=guangdong(), period_type="week", period_start=DAY, period_end=DAY + timedelta(7)
    )
    outcomes = run_together([lambda: services.generate(report.pk)] * 2)

    assert [status for status, _value in outcomes] == ["ok", "ok"], outcomes
    statuses = sorted(value.status for _status, value in outcomes)
    # The one that left answers the report as it found it: queued, being generated, or ready.
    assert statuses in ([S.QUEUED, S.READY], [S.READY, S.RUNNING], [S.READY, S.READY]), statuses
    report.refresh_from_db()
    assert Report.objects.count() == 1
    assert report.status == S.READY
    assert Event.objects.filter(object_id=report.pk, to_status=S.READY).count() == 1
    assert report.attempts == 1
    assert report.data["needs"]["totals"]["new"] == 1


def test_a_report_whose_generation_never_finishes_is_failed_after_three_attempts(cast):
    report = Report.objects.create(
        region=guangdong(), period_type="week", period_start=DAY, period_end=DAY + timedelta(7)
    )
    # three starts that died with their worker
    Report.objects.filter(pk=report.pk).update(status=S.RUNNING, attempts=services.MAX_ATTEMPTS)

    services.generate(report.pk)

    report.refresh_from_db()
    assert (report.status, report.data) == (S.FAILED, None)
    assert report.error and str(services.MAX_ATTEMPTS) in report.error
    # asked again by a person: queued afresh, and it is made
    services.ensure(region=report.region, association=None, period_type="week", start=DAY)
    services.generate(report.pk)
    report.refresh_from_db()
    assert (report.status, report.attempts) == (S.READY, 1)


# --- the schedule -------------------------------------------------------------------------


def test_the_daily_schedule_makes_each_scope_s_report_once_and_queues_what_is_not_ready(
    cast, queued
):
    UserFactory(role=Role.OFFICIAL, jurisdiction_id="440100")  # a city's official
    UserFactory(role=Role.OFFICIAL, jurisdiction_id="440300", is_active=False)  # not any more
    UserFactory(role=Role.PARTNER, jurisdiction_id="440106")  # a partner system is no official
    third = AssociationFactory(region_id="440300")
    provinces = Region.objects.filter(level=Region.Level.PROVINCE).values_list("code", flat=True)
    expected = {(code, None) for code in provinces} | {("440100", None)}
    expected |= {(None, a.pk) for a in (cast.association, cast.other_association, third)}

    first = services.schedule("day", today=date(2020, 2, 11))

    made = Report.objects.filter(period_type="day", period_start=DAY)
    assert set(made.values_list("region_id", "association_id")) == expected
    assert made.count() == len(expected)
    assert set(made.values_list("period_end", flat=True)) == {DAY + timedelta(days=1)}
    assert sorted(first) == sorted(queued) == sorted(made.values_list("pk", flat=True))

    ready = made.get(region_id="440000")
    services.generate(ready.pk)
    queued.clear()
    second = services.schedule("day", today=date(2020, 2, 11))

    assert Report.objects.filter(period_type="day", period_start=DAY).count() == len(expected)
    assert sorted(second) == sorted(queued)
    assert set(queued) == set(made.exclude(pk=ready.pk).values_list("pk", flat=True))


def test_the_schedule_queues_the_reports_over_the_most_enterprises_first(cast, queued):
    """Workers take a run's reports in the order they were queued: the longest first, so that
    two workers end the run about together."""
    for code in ("110101", "310101", "330106", "440106"):
        MembershipFactory(
            enterprise=EnterpriseFactory(region_id=code), association=cast.association
        )
    third = AssociationFactory(region_id="440300")
    MembershipFactory(enterprise=EnterpriseFactory(region_id="440305"), association=third)

    services.schedule("day", today=date(2020, 2, 11))

    order = [Report.objects.get(pk=pk) for pk in queued]
    scopes = [report.association_id or report.region_id for report in order]
    # The association's 5 members; Guangdong's 3 enterprises, Zhejiang's 2; then those of 1.
    assert scopes[:3] == [cast.association.pk, "440000", "330000"]
    assert set(scopes[3:7]) == {"110000", "310000", cast.other_association.pk, third.pk}
    assert len(scopes) == len(set(scopes)) == 34 + 3


# --- the snapshot -------------------------------------------------------------------------


def test_a_generated_report_keeps_its_figures_when_the_data_change(cast):
    file_supply_need(cast, filed=in_week(1))
    report = readied()
    data, digest = report.data, report.checksum

    file_supply_need(cast, filed=in_week(2), quantity="7")  # filed late, dated in the period
    ensure_week()  # asked for again
    report.refresh_from_db()

    assert (report.data, report.checksum) == (data, digest)
    assert report.data["needs"]["totals"]["new"] == 1
    # the figures computed now do differ: the snapshot is what keeps them
    scope = figures.Scope(region=guangdong(), association=None, start=DAY, end=report.period_end)
    assert figures.compute(scope)["needs"]["totals"]["new"] == 2


def test_every_table_of_a_generated_report_renders(cast):
    file_supply_need(cast, filed=in_week(), quantity="100.5")
    report = readied()

    rendered = tables(report)
    assert rendered
    for table in rendered:
        for row in table.rows:
            assert len(row) == len(table.columns)
            for value, column in zip(row, table.columns, strict=True):
                assert isinstance(display(value, column.kind), str)


# --- review, submission, corrections ------------------------------------------------------


def test_a_submitted_report_takes_no_more_remarks_and_no_second_submission(cast):
    report = association_report(cast)
    services.report_update_remarks(
        actor=cast.staff, report_id=report.pk, remarks=" 复工率稳步上升 ", suggestions="减免房租"
    )
    submitted = services.report_submit(actor=cast.manager, report_id=report.pk)
    assert (submitted.status, submitted.remarks, submitted.submitted_by) == (
        S.SUBMITTED,
        "复工率稳步上升",
        cast.manager,
    )

    with pytest.raises(TransitionNotAllowed):
        services.report_update_remarks(actor=cast.staff, report_id=report.pk, remarks="改")
    with pytest.raises(TransitionNotAllowed):
        services.report_submit(actor=cast.staff, report_id=report.pk, remarks="改")
    report.refresh_from_db()
    assert (report.remarks, report.submitted_by, report.checksum, report.data) == (
        "复工率稳步上升",
        cast.manager,
        submitted.checksum,
        submitted.data,
    )


def test_only_the_association_s_staff_review_its_report(cast):
    report = association_report(cast)

    for outsider in (cast.other_staff, cast.official, cast.enterprise_user):
        with pytest.raises(PermissionDenied):
            services.report_submit(actor=outsider, report_id=report.pk)
    national = readied()
    with pytest.raises(PermissionDenied):
        services.report_submit(actor=cast.staff, report_id=national.pk)


def test_a_report_that_is_not_ready_cannot_be_submitted(cast):
    report = ensure_week(region=None, association=cast.association)

    with pytest.raises(TransitionNotAllowed):
        services.report_submit(actor=cast.staff, report_id=report.pk)
    with pytest.raises(TransitionNotAllowed):
        services.report_update_remarks(actor=cast.staff, report_id=report.pk, remarks="x")


def test_a_correction_is_version_2_with_the_remarks_and_version_1_stays(
    cast, queued, django_capture_on_commit_callbacks
):
    report = association_report(cast)
    services.report_submit(
        actor=cast.staff, report_id=report.pk, remarks="第一版", suggestions="建议"
    )
    v1 = Report.objects.get(pk=report.pk)
    queued.clear()

    with django_capture_on_commit_callbacks(execute=True):
        v2 = services.report_revise(actor=cast.staff, report_id=report.pk, reason="漏报一家")

    assert (v2.version, v2.status, v2.remarks, v2.suggestions) == (2, S.QUEUED, "第一版", "建议")
    assert (v2.period_start, v2.association_id, v2.region_id) == (DAY, cast.association.pk, None)
    assert queued == [v2.pk]
    again = Report.objects.get(pk=report.pk)
    assert (again.status, again.data, again.checksum, again.submitted_at, again.version) == (
        S.SUBMITTED,
        v1.data,
        v1.checksum,
        v1.submitted_at,
        1,
    )
    # version 2 is generated afresh and is the one a new request finds
    services.generate(v2.pk)
    latest = ensure_week(region=None, association=cast.association)
    assert latest.pk == v2.pk
    assert Report.objects.get(pk=v2.pk).data["meta"]["version"] == 2

    with pytest.raises(Conflict):
        services.report_revise(actor=cast.staff, report_id=report.pk)
    with pytest.raises(TransitionNotAllowed):
        services.report_revise(actor=cast.staff, report_id=v2.pk)  # ready, not submitted


# --- asking for a report ------------------------------------------------------------------


def test_a_report_is_only_made_for_a_period_that_has_ended(cast):
    today = timezone.localdate()

    for period_type in ("day", "week", "month"):
        with pytest.raises(DomainError) as caught:
            services.report_request(actor=cast.official, period_type=period_type, day=today)
        assert caught.value.http_status == 400
        assert list(caught.value.fields) == ["day"]
    assert not Report.objects.exists()

    yesterday = services.report_request(
        actor=cast.official, period_type="day", day=today - timedelta(days=1)
    )
    assert (yesterday.region_id, yesterday.requested_by) == ("440000", cast.official)


def test_an_official_asks_only_inside_the_jurisdiction_and_not_for_an_association(cast):
    zhejiang = Region.objects.get(pk="330000")
    with pytest.raises(DomainError) as caught:
        services.report_request(actor=cast.official, period_type="week", day=DAY, region=zhejiang)
    assert list(caught.value.fields) == ["region"]
    with pytest.raises(DomainError) as caught:
        services.report_request(
            actor=cast.official, period_type="week", day=DAY, association=cast.association
        )
    assert list(caught.value.fields) == ["association"]

    guangzhou = Region.objects.get(pk="440100")
    city = services.report_request(
        actor=cast.official, period_type="week", day=DAY, region=guangzhou
    )
    assert city.region_id == "440100"


def test_staff_ask_only_for_their_own_association(cast):
    with pytest.raises(PermissionDenied):
        services.report_request(
            actor=cast.other_staff, period_type="week", day=DAY, association=cast.association
        )
    with pytest.raises(DomainError) as caught:
        services.report_request(actor=cast.staff, period_type="week", day=DAY)
    assert list(caught.value.fields) == ["association"]
    with pytest.raises(PermissionDenied):
        services.report_request(
            actor=cast.enterprise_user, period_type="week", day=DAY, association=cast.association
        )

    own = services.report_request(
        actor=cast.staff, period_type="week", day=DAY, association=cast.association
    )
    assert (own.association, own.region) == (cast.association, None)


@pytest.mark.parametrize("period_type", ["year", "", "WEEK"])
def test_an_unknown_period_type_is_refused(cast, period_type):
    with pytest.raises(DomainError) as caught:
        services.report_request(actor=cast.admin, period_type=period_type, day=DAY)
    assert list(caught.value.fields) == ["period_type"]
    assert not Report.objects.exists()


# --- failures -------------------------------------------------------------------------------


def test_a_failed_generation_is_marked_with_its_error_and_asked_again_it_is_requeued(
    cast, monkeypatch, queued, django_capture_on_commit_callbacks
):
    report = ensure_week()
    original = figures.compute

    def broken(scope, on_step):
        on_step(1, 6)
        raise ValueError("figures broke")

    monkeypatch.setattr(figures, "compute", broken)
    generate_report(report.pk)  # the task body: logs the error, marks the report

    report.refresh_from_db()
    assert (report.status, report.error, report.data, report.attempts) == (
        S.FAILED,
        "ValueError: figures broke",
        None,
        1,
    )
    monkeypatch.setattr(figures, "compute", original)
    queued.clear()

    with django_capture_on_commit_callbacks(execute=True):
        again = ensure_week()

    assert again.pk == report.pk
    # asked again by a person: a fresh start, its attempts counted anew
    assert (again.status, again.error, again.attempts) == (S.QUEUED, "", 0)
    assert queued == [report.pk]
    generated = services.generate(report.pk)
    assert (generated.status, generated.attempts) == (S.READY, 1)


# --- completeness ---------------------------------------------------------------------------


def test_completeness_tells_on_time_late_and_missing_submissions(cast):
    """Daily reports of 2020-02-10 are due by 2020-02-12 00:00 (one day after the period)."""
    due = timezone.make_aware(datetime(2020, 2, 12))
    late_one = AssociationFactory(name="广州市五金商会", region_id="440100")
    drafting = AssociationFactory(name="深圳市物流协会", region_id="440300")
    silent = AssociationFactory(name="佛山市陶瓷协会", region_id="440600")

    def report(association, version=1, submitted_at=None):
        made = Report.objects.create(
            association=association,
            period_type="day",
            period_start=DAY,
            period_end=DAY + timedelta(days=1),
            version=version,
            status=S.SUBMITTED if submitted_at else S.READY,
            data={},
        )
        Report.objects.filter(pk=made.pk).update(submitted_at=submitted_at)

    report(cast.association, submitted_at=due)  # at the last moment: on time
    report(cast.association, version=2, submitted_at=due + timedelta(days=2))  # a correction
    report(late_one, submitted_at=due + timedelta(minutes=1))
    report(drafting)  # generated, never submitted
    report(cast.other_association, submitted_at=due - timedelta(hours=5))  # not Guangdong's
    Report.objects.create(  # the province's own report is no association's submission
        region=guangdong(),
        period_type="day",
        period_start=DAY,
        period_end=DAY + timedelta(days=1),
        status=S.SUBMITTED,
        data={},
        submitted_at=due - timedelta(days=1),
    )

    result = selectors.completeness(user=cast.official, period_type="day", day=DAY)

    assert result["due"] == due
    states = {
        row["association"].name: (row["state"], row["generated"], row["overdue"])
        for row in result["rows"]
    }
    assert states == {
        cast.association.name: ("on_time", True, False),
        late_one.name: ("late", True, False),
        drafting.name: ("not_submitted", True, True),
        silent.name: ("not_submitted", False, True),
    }
    assert result["counts"] == {"on_time": 1, "late": 1, "not_submitted": 2}
    assert result["rate"] == 0.25
    everyone = selectors.completeness(user=cast.admin, period_type="day", day=DAY)
    assert everyone["total"] == 5
    assert everyone["counts"]["on_time"] == 2


@pytest.mark.parametrize(
    ("period_type", "day", "due"),
    [
        ("day", date(2020, 2, 10), datetime(2020, 2, 12)),
        ("week", date(2020, 2, 12), datetime(2020, 2, 20)),  # the week ends 02-17, + 3 days
        ("month", date(2020, 2, 12), datetime(2020, 3, 6)),  # the month ends 03-01, + 5 days
    ],
)
def test_reports_are_due_some_days_after_their_period(cast, period_type, day, due):
    result = selectors.completeness(user=cast.official, period_type=period_type, day=day)
    assert result["due"] == timezone.make_aware(due)


def test_beat_runs_daily_weekly_and_monthly_reports_at_six_in_the_morning():
    from celery.schedules import crontab

    from resumption_portal.celery import app

    entries = {
        entry["args"][0]: entry["schedule"]
        for entry in app.conf.beat_schedule.values()
        if entry["task"] == "reports.tasks.schedule_reports"
    }
    assert entries == {
        "day": crontab(hour=6, minute=0),
        "week": crontab(hour=6, minute=0, day_of_week="mon"),
        "month": crontab(hour=6, minute=0, day_of_month="1"),
    }
    assert app.conf.timezone == "Asia/Shanghai"


def test_the_scheduled_task_makes_the_last_complete_period_s_reports(cast, monkeypatch):
    from reports.tasks import schedule_reports

    queued: list[int] = []
    monkeypatch.setattr(generate_report, "delay", queued.append)
    made = schedule_reports("week")
    start = timezone.localdate() - timedelta(days=timezone.localdate().weekday() + 7)
    reports = Report.objects.filter(period_type="week", period_start=start)
    assert made == reports.count() == len(queued) > 0
    assert reports.filter(association=cast.association, region__isnull=True).exists()
    assert reports.filter(region_id="440000", association__isnull=True).exists()


def test_a_report_narrowed_to_a_region_stays_the_association_s_own(cast):
    from tests.reports.sample import ready_report

    narrowed = ready_report(association=cast.association, region_id="440000")
    with pytest.raises(Conflict) as refused:
        services.report_submit(actor=cast.staff, report_id=narrowed.pk)
    assert refused.value.code == "narrowed_report"
    narrowed.refresh_from_db()
    assert narrowed.status == S.READY
    assert not selectors.report_list(user=cast.official).filter(pk=narrowed.pk).exists()
    assert selectors.report_list(user=cast.staff).filter(pk=narrowed.pk).exists()
