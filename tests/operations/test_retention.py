"""The retention policy (docs/decisions/0028) as the nightly task applies it: what is older than
its period goes and nothing else; the contact data of enterprise users who left a year ago go,
the figures of their enterprise stay; two runs at once anonymise each person once."""

from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from batches.figures import progress
from core import accounts
from core.models import (
    ContactVerification,
    Event,
    Notification,
    NotificationDigest,
    NotificationPreference,
    Role,
    User,
)
from enterprises.models import ImportJob
from operations import retention
from operations.personal_data import left_users
from operations.tasks import apply_retention
from resumption_portal.celery import app
from supplies import services as needs
from supplies.models import Need
from tests.concurrency import run_together
from tests.factories import BatchFactory, EnterpriseFactory, UserFactory, hand_in

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def _notification(user, age: timedelta, *, read: bool = False, title: str = "n") -> Notification:
    created = timezone.now() - age
    return Notification.objects.create(
        user=user, title=title, created_at=created, read_at=created if read else None
    )


def _anonymised_events(user) -> int:
    return Event.objects.filter(
        content_type=ContentType.objects.get_for_model(User),
        object_id=user.pk,
        action="user.anonymised",
    ).count()


def test_the_task_is_on_the_beat_schedule_every_night():
    entry = next(
        item
        for item in app.conf.beat_schedule.values()
        if item["task"] == "operations.tasks.apply_retention"
    )
    assert entry["schedule"].hour == {4}


def test_notifications_older_than_the_period_go_read_or_not_and_nothing_newer(cast, settings):
    settings.NOTIFICATION_RETENTION_DAYS = 180
    user = cast.enterprise_user
    old_unread = _notification(user, 181 * DAY)
    old_read = _notification(cast.staff, 181 * DAY, read=True)
    kept = [
        _notification(user, 179 * DAY),
        _notification(cast.staff, 179 * DAY, read=True),
        _notification(user, timedelta()),
    ]
    NotificationDigest.objects.create(user=user, day=date.today() - 200 * DAY)
    recent_digest = NotificationDigest.objects.create(user=user, day=date.today() - 2 * DAY)

    done = retention.apply()

    assert done["notifications"] == 2
    remaining = set(Notification.objects.values_list("pk", flat=True))
    assert remaining == {n.pk for n in kept}
    assert not Notification.objects.filter(pk__in=[old_unread.pk, old_read.pk]).exists()
    assert list(NotificationDigest.objects.values_list("pk", flat=True)) == [recent_digest.pk]


def test_the_period_is_the_setting(cast, settings):
    settings.NOTIFICATION_RETENTION_DAYS = 30
    _notification(cast.enterprise_user, 31 * DAY)
    fresh = _notification(cast.enterprise_user, 29 * DAY)
    assert apply_retention()["notifications"] == 1
    assert list(Notification.objects.values_list("pk", flat=True)) == [fresh.pk]


def _job(cast, status: str, age: timedelta) -> ImportJob:
    job = ImportJob.objects.create(
        association=cast.association,
        created_by=cast.staff,
        file_name="members.csv",
        content="名称,统一社会信用代码,联系人,联系电话\n华兴,91440106…,张三,13800138000\n".encode(),
        status=status,
        total_rows=1,
        processed_rows=1,
        created=1,
    )
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - age)
    return job


def test_old_import_files_are_emptied_and_their_jobs_keep_their_counts(cast, settings):
    settings.IMPORT_FILE_RETENTION_DAYS = 30
    old_done = _job(cast, ImportJob.Status.SUCCEEDED, 31 * DAY)
    old_refused = _job(cast, ImportJob.Status.FAILED, 31 * DAY)
    recent = _job(cast, ImportJob.Status.SUCCEEDED, 29 * DAY)
    still_running = _job(cast, ImportJob.Status.RUNNING, 31 * DAY)

    assert retention.apply()["import_files"] == 2

    for job in (old_done, old_refused):
        job.refresh_from_db()
        assert bytes(job.content) == b""
        assert (job.total_rows, job.processed_rows, job.created) == (1, 1, 1)
        assert job.file_name == "members.csv"
    for job in (recent, still_running):
        job.refresh_from_db()
        assert "张三" in bytes(job.content).decode()
    assert retention.apply()["import_files"] == 0


def test_sign_up_codes_go_after_a_day(db):
    now = timezone.now()
    old = ContactVerification.objects.create(
        channel="phone",
        address="+8613800138000",
        code_hash="x",
        created_at=now - 25 * timedelta(hours=1),
        expires_at=now - 24 * timedelta(hours=1),
    )
    recent = ContactVerification.objects.create(
        channel="email",
        address="a@example.com",
        code_hash="x",
        created_at=now - timedelta(hours=2),
        expires_at=now - timedelta(hours=1),
    )
    assert retention.apply()["signup_codes"] == 1
    assert list(ContactVerification.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not ContactVerification.objects.filter(pk=old.pk).exists()


# --- anonymising those who left ----------------------------------------------------------------


def _leaver(cast, **fields) -> User:
    """An enterprise user of cast.member with contact data and records, deactivated now."""
    user = UserFactory(
        role=Role.ENTERPRISE,
        enterprise=cast.member,
        first_name="四",
        last_name="李",
        email="lisi@example.com",
        phone="13900139000",
        **fields,
    )
    NotificationPreference.objects.create(user=user, kind="need", delivery="daily")
    _notification(user, timedelta())
    accounts.deactivate(user, actor=cast.admin, reason="离职")
    return user


def _labour_need(user) -> Need:
    return needs.need_file(
        actor=user,
        kind=Need.Kind.LABOUR,
        trade="装配工",
        headcount=5,
        needed_by=timezone.localdate() + 7 * DAY,
    )


def test_a_user_who_left_a_year_ago_loses_their_contact_data_and_the_figures_stay(cast, settings):
    settings.ANONYMISE_LEFT_USERS_AFTER_DAYS = 365
    batch = BatchFactory(association=cast.association)
    user = UserFactory(
        role=Role.ENTERPRISE,
        enterprise=cast.member,
        first_name="四",
        last_name="李",
        email="lisi@example.com",
        phone="13900139000",
    )
    hand_in(user, batch)
    need = _labour_need(user)
    NotificationPreference.objects.create(user=user, kind="need", delivery="daily")
    _notification(user, timedelta())
    ContactVerification.objects.create(
        channel="phone",
        address="+8613900139000",
        code_hash="x",
        expires_at=timezone.now() + timedelta(minutes=15),
    )
    accounts.deactivate(user, actor=cast.admin, reason="离职")
    figures_before = progress(batch=batch)
    needs_before = cast.member.needs.count()

    # not yet: a day short of the period
    assert retention.anonymise_left_users(timezone.now() + 364 * DAY) == 0
    user.refresh_from_db()
    assert user.email == "lisi@example.com" and user.anonymised_at is None

    later = timezone.now() + 366 * DAY
    assert retention.apply(now=later)["anonymised_users"] == 1

    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.email, user.phone) == ("", "", "", "")
    assert user.username == f"former-{user.pk}"
    assert not user.has_usable_password()
    assert not user.is_active
    assert user.anonymised_at == later
    assert not NotificationPreference.objects.filter(user=user).exists()
    assert not Notification.objects.filter(user=user).exists()
    assert not ContactVerification.objects.filter(address="+8613900139000").exists()
    # the figures: the row stays with its enterprise and its records
    assert user.enterprise_id == cast.member.pk
    assert cast.member.needs.count() == needs_before
    assert Need.objects.get(pk=need.pk).created_by_id == user.pk
    assert progress(batch=batch) == figures_before
    assert progress(batch=batch)["totals"]["applied"] == 1
    event = Event.objects.get(object_id=user.pk, action="user.anonymised")
    assert event.actor is None
    assert "lisi" not in str(event.changes) + event.reason
    # run again: nothing more, still one event
    assert retention.apply(now=later + DAY)["anonymised_users"] == 0
    assert _anonymised_events(user) == 1


def test_only_enterprise_users_still_away_are_anonymised(cast, settings):
    settings.ANONYMISE_LEFT_USERS_AFTER_DAYS = 365
    left = _leaver(cast)
    came_back = _leaver(cast)
    accounts.reactivate(came_back, actor=cast.admin, reason="回来了")
    staff = UserFactory(role=Role.STAFF, email="staff@example.com")
    accounts.deactivate(staff, actor=cast.admin, reason="离职")
    never_left = UserFactory(
        role=Role.ENTERPRISE, enterprise=EnterpriseFactory(), email="x@example.com"
    )

    assert retention.anonymise_left_users(timezone.now() + 366 * DAY) == 1

    left.refresh_from_db()
    assert left.anonymised_at is not None and left.email == ""
    for other in (came_back, staff, never_left):
        other.refresh_from_db()
        assert other.anonymised_at is None and other.email


def test_a_second_departure_counts_from_its_own_day(cast):
    """Left, came back, left again: the period runs from the latest deactivation."""
    user = _leaver(cast)
    between = timezone.now()
    assert User.objects.filter(left_users(between + DAY)).get() == user
    accounts.reactivate(user, actor=cast.admin, reason="回来了")
    assert not User.objects.filter(left_users(between + DAY)).exists()  # active again
    accounts.deactivate(user, actor=cast.admin, reason="又走了")
    assert not User.objects.filter(left_users(between)).exists()  # left again after `between`
    assert User.objects.filter(left_users(timezone.now() + DAY)).get() == user


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_anonymise_each_leaver_once(cast, settings):
    settings.ANONYMISE_LEFT_USERS_AFTER_DAYS = 365
    leavers = [_leaver(cast) for _ in range(6)]
    later = timezone.now() + 366 * DAY

    outcomes = run_together(
        [
            lambda: retention.anonymise_left_users(later),
            lambda: retention.anonymise_left_users(later),
        ]
    )

    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
    assert sum(result for _, result in outcomes) == 6
    for user in leavers:
        user.refresh_from_db()
        assert user.anonymised_at is not None
        assert _anonymised_events(user) == 1


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_delete_each_old_notification_once(cast, settings):
    settings.NOTIFICATION_RETENTION_DAYS = 180
    old = timezone.now() - 181 * DAY
    Notification.objects.bulk_create(  # more than two chunks
        Notification(user=cast.enterprise_user, title=str(index), created_at=old)
        for index in range(2500)
    )
    fresh = _notification(cast.enterprise_user, timedelta())

    outcomes = run_together(
        [
            lambda: retention.delete_old_notifications(timezone.now()),
            lambda: retention.delete_old_notifications(timezone.now()),
        ]
    )

    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
    assert sum(result for _, result in outcomes) == 2500
    assert list(Notification.objects.values_list("pk", flat=True)) == [fresh.pk]
