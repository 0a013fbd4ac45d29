"""The daily digest: after midnight (Asia/Shanghai), one e-mail per user listing the
notifications of the kinds they chose to receive daily, told during the previous full local day
[00:00, 24:00) and not e-mailed yet; sent once however often the task runs."""

import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import digests
from core.models import Delivery, Notification, NotificationDigest, NotificationPreference
from core.notifications import notify
from resumption_portal.celery import app as celery_app
from tests.factories import UserFactory
from tests.workers import in_process_worker

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 3, 9)
Kind = Notification.Kind


def at(day: date, hh: int, mm: int) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=SHANGHAI)


@pytest.fixture
def reader(db):
    """A user who chose the digest for needs and complaints, e-mails at once for the rest."""
    user = UserFactory(username="reader", email="reader@huaxing.example.cn")
    for kind in (Kind.NEED, Kind.COMPLAINT):
        NotificationPreference.objects.create(user=user, kind=kind, delivery=Delivery.DAILY)
    return user


def told(user, title: str, when: datetime, kind=Kind.NEED, **kwargs) -> Notification:
    notification = notify(user=user, title=title, kind=kind, **kwargs)
    Notification.objects.filter(pk=notification.pk).update(created_at=when)
    return notification


@pytest.fixture
def queued_digests(monkeypatch) -> list[int]:
    """The digests whose sending was queued, instead of Celery."""
    from core.tasks import send_digest

    ids: list[int] = []
    monkeypatch.setattr(send_digest, "delay", ids.append)
    return ids


def run_digests(day: date, queued: list[int]) -> None:
    """What beat and the workers do: queue the day's digests, then send each queued one."""
    queued.clear()
    digests.queue_daily_digests(day)
    for digest_id in list(queued):
        digests.send_digest(digest_id)


def subjects_and_bodies() -> list[tuple[list[str], str, str]]:
    return [(m.to, m.subject, m.body) for m in mail.outbox]


# --- the day's window --------------------------------------------------------------------


def test_the_window_is_the_local_day_in_shanghai(settings):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    start, end = digests.day_window(DAY)
    assert start == at(DAY, 0, 0) and end == at(DAY + timedelta(days=1), 0, 0)
    assert start.astimezone(ZoneInfo("UTC")).hour == 16  # 16:00 UTC the day before


@pytest.mark.django_db
def test_a_notification_at_23_59_is_in_that_days_digest_and_one_at_00_01_in_the_next(
    reader, queued_digests, mailoutbox
):
    late = told(reader, "晚上的需求", at(DAY, 23, 59))
    early = told(reader, "凌晨的需求", at(DAY + timedelta(days=1), 0, 1))
    before = told(reader, "前一天的需求", at(DAY, 0, 0) - timedelta(minutes=1))

    run_digests(DAY, queued_digests)

    [message] = mailoutbox
    assert message.to == ["reader@huaxing.example.cn"]
    assert "晚上的需求" in message.body
    assert "凌晨的需求" not in message.body and "前一天的需求" not in message.body
    assert "2026-03-09" in message.subject
    late.refresh_from_db()
    early.refresh_from_db()
    assert late.emailed_at is not None and early.emailed_at is None

    run_digests(DAY + timedelta(days=1), queued_digests)

    assert len(mailoutbox) == 2
    assert "凌晨的需求" in mailoutbox[1].body and "晚上的需求" not in mailoutbox[1].body
    before.refresh_from_db()
    assert before.emailed_at is None  # its own day's digest was not run here


@pytest.mark.django_db
def test_one_email_lists_every_kind_chosen_daily_and_leaves_out_the_others(
    reader, queued_digests, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    from core.tasks import send_notification_email

    monkeypatch.setattr(send_notification_email, "delay", lambda pk: None)
    with django_capture_on_commit_callbacks(execute=True):
        told(reader, "需求：已匹配", at(DAY, 9, 0), kind=Kind.NEED)
        told(
            reader, "投诉：已受理", at(DAY, 10, 0), kind=Kind.COMPLAINT, body="请在五个工作日内答复"
        )
        told(reader, "服务请求：已受理", at(DAY, 11, 0), kind=Kind.SERVICE)  # at once
        told(reader, "投诉：不予受理", at(DAY, 12, 0), kind=Kind.COMPLAINT, urgent=True)  # at once

    run_digests(DAY, queued_digests)

    [message] = mailoutbox
    assert "需求：已匹配" in message.body and "投诉：已受理" in message.body
    assert "请在五个工作日内答复" in message.body
    assert "服务请求" not in message.body and "不予受理" not in message.body
    assert message.body.index("需求：已匹配") < message.body.index("投诉：已受理")  # in order
    digest = NotificationDigest.objects.get(user=reader, day=DAY)
    assert digest.sent_at is not None and digest.notification_count == 2


@pytest.mark.django_db
def test_running_the_digest_twice_sends_it_once(reader, queued_digests, mailoutbox):
    told(reader, "需求：已匹配", at(DAY, 9, 0))

    run_digests(DAY, queued_digests)
    run_digests(DAY, queued_digests)
    # the same task delivered twice
    digest = NotificationDigest.objects.get(user=reader, day=DAY)
    assert digests.send_digest(digest.pk) is False

    assert len(mailoutbox) == 1
    assert NotificationDigest.objects.filter(user=reader).count() == 1


@pytest.mark.django_db
def test_a_kind_turned_off_since_is_left_out_of_the_digest(reader, queued_digests, mailoutbox):
    told(reader, "需求：已匹配", at(DAY, 9, 0))
    told(reader, "投诉：已受理", at(DAY, 10, 0), kind=Kind.COMPLAINT)
    NotificationPreference.objects.filter(user=reader, kind=Kind.NEED).update(
        delivery=Delivery.NONE
    )

    run_digests(DAY, queued_digests)

    [message] = mailoutbox
    assert "投诉：已受理" in message.body and "需求" not in message.body


@pytest.mark.django_db
def test_nobody_without_daily_notifications_gets_a_digest(db, queued_digests, mailoutbox):
    user = UserFactory(email="someone@example.cn")
    told(user, "需求：已匹配", at(DAY, 9, 0))  # at once: not the digest's

    run_digests(DAY, queued_digests)

    assert queued_digests == [] and mailoutbox == []


@pytest.mark.django_db
def test_a_digest_reads_its_notifications_in_one_query_however_many(
    reader, queued_digests, mailoutbox
):
    """Set-based: the queries of a digest do not grow with its notifications."""

    def queries_for(user, count: int) -> int:
        for n in range(count):
            told(user, f"需求 {n}", at(DAY, 8, n))
        queued_digests.clear()
        digests.queue_daily_digests(DAY)
        [digest_id] = [
            d for d in queued_digests if NotificationDigest.objects.get(pk=d).user_id == user.pk
        ]
        with CaptureQueriesContext(connection) as queries:
            assert digests.send_digest(digest_id) is True
        return len(queries)

    other = UserFactory(email="other@example.cn")
    NotificationPreference.objects.create(user=other, kind=Kind.NEED, delivery=Delivery.DAILY)
    assert queries_for(reader, 2) == queries_for(other, 25)
    assert mailoutbox[1].body.count("需求 ") == 25


@pytest.mark.django_db
def test_queueing_the_digests_of_many_users_takes_a_constant_number_of_queries(db, queued_digests):
    def queueing_queries(users: int) -> int:
        for n in range(users):
            user = UserFactory(email=f"u{n}-{users}@example.cn")
            NotificationPreference.objects.create(
                user=user, kind=Kind.NEED, delivery=Delivery.DAILY
            )
            told(user, "需求：已匹配", at(DAY, 9, 0))
        NotificationDigest.objects.all().delete()
        queued_digests.clear()
        with CaptureQueriesContext(connection) as queries:
            digests.queue_daily_digests(DAY)
        return len(queries)

    assert queueing_queries(2) == queueing_queries(30)
    assert len(queued_digests) == 32  # the first two users' digests were written again


# --- with Celery: beat's task and a real worker --------------------------------------------


def test_beat_runs_the_digest_shortly_after_midnight_in_shanghai():
    entry = celery_app.conf.beat_schedule["notification-digests"]
    assert entry["task"] == "core.tasks.send_daily_digests"
    assert celery_app.conf.timezone == "Asia/Shanghai"
    schedule = entry["schedule"]
    assert schedule.hour == {0} and schedule.minute == {10}


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_each_digest_once_when_the_task_is_run_twice(settings):
    user = UserFactory(username="reader", email="reader@huaxing.example.cn")
    NotificationPreference.objects.create(user=user, kind=Kind.NEED, delivery=Delivery.DAILY)
    second = UserFactory(username="second", email="second@huaxing.example.cn")
    NotificationPreference.objects.create(user=second, kind=Kind.NEED, delivery=Delivery.DAILY)
    for who in (user, second):
        told(who, "需求：已匹配", at(DAY, 23, 59))
        told(who, "需求：处理中", at(DAY + timedelta(days=1), 0, 1))

    from core.tasks import send_daily_digests

    with in_process_worker():
        send_daily_digests.delay(DAY.isoformat())
        send_daily_digests.delay(DAY.isoformat())
        due = Notification.objects.filter(created_at__lt=at(DAY + timedelta(days=1), 0, 0))
        deadline = time.monotonic() + 60
        while due.filter(emailed_at__isnull=True).exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)  # the second run's tasks, had they sent anything

    assert not due.filter(emailed_at__isnull=True).exists()
    assert sorted(address for m in mail.outbox for address in m.to) == [
        "reader@huaxing.example.cn",
        "second@huaxing.example.cn",
    ]
    assert all("需求：已匹配" in m.body and "处理中" not in m.body for m in mail.outbox)
