"""Notifications reach everyone concerned when the mail server is down.

The in-app notices are written in the transaction of the change they tell of, so that they are
committed with it whatever happens to mail; each e-mail is a Celery task of its own, queued on
commit, tried again with backoff while the mail server fails, and sent once however often its
message is delivered (Notification.emailed_at).
"""

import smtplib
import time

import pytest
from django.core import mail
from django.db import connection

from batches import services as batch_services
from batches.models import Application
from batches.tasks import notify_application_decision
from core.models import Notification, Role
from core.workflow import record_status
from resumption_portal.celery import app as celery_app
from supplies import services as supply_services
from supplies.models import Need, SupplyItem
from tests import mail_servers
from tests.factories import ApplicationFactory, BatchFactory, UserFactory
from tests.mail_servers import AddressRefused, MailServerDown, MailServerFailsOnce
from tests.supplies.conftest import file_supply
from tests.workers import in_process_worker

SERVERS = "tests.mail_servers"


@pytest.fixture(autouse=True)
def _fresh_mail_servers():
    mail_servers.reset()


@pytest.fixture
def mail_server_down(settings):
    settings.EMAIL_BACKEND = f"{SERVERS}.MailServerDown"


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    """The notifications whose e-mail task was queued (after the commit), instead of Celery."""
    from core.tasks import send_notification_email

    ids: list[int] = []
    monkeypatch.setattr(send_notification_email, "delay", ids.append)
    return ids


def users_of(enterprise, count: int = 3) -> list:
    """`count` active users of the enterprise, each with an address."""
    return [
        UserFactory(role=Role.ENTERPRISE, enterprise=enterprise, email=f"u{n}@huaxing.example.cn")
        for n in range(count)
    ]


def reject_an_application(cast) -> Application:
    batch = BatchFactory(association=cast.association, created_by=cast.staff)
    application = ApplicationFactory(batch=batch, enterprise=cast.member)
    batch_services.application_reject(
        actor=cast.staff, application_id=application.pk, reason="缺少防疫预案"
    )
    return application


def escalate_a_need(cast) -> Need:
    need = file_supply(cast, SupplyItem.objects.get(code="mask-medical"))
    supply_services.need_escalate(actor=cast.staff, need_id=need.pk, summary="本地无货")
    return need


# --- the notices are written with the change ---------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_decision_with_the_mail_server_down_leaves_every_user_of_the_applicant_a_notice(
    cast, mail_server_down
):
    """The e-mail tasks go to Redis here, where no worker takes them: the notices must not wait
    for any of them."""
    told = [cast.enterprise_user, *users_of(cast.member)]

    application = reject_an_application(cast)

    # The decision is committed, and its notices with it: one for each user, before any e-mail.
    assert not connection.in_atomic_block
    assert Application.objects.get(pk=application.pk).status == Application.Status.REJECTED
    notices = Notification.objects.filter(body="缺少防疫预案")
    assert sorted(n.user_id for n in notices) == sorted(u.pk for u in told)
    assert MailServerDown.attempts == 0  # no mail server was asked anything on the way


@pytest.mark.django_db
def test_a_decision_queues_one_email_task_per_user_with_an_address_once_it_commits(
    cast, queued, django_capture_on_commit_callbacks
):
    users = users_of(cast.member)  # the cast's enterprise user has no address
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reject_an_application(cast)
    assert queued == []
    for callback in callbacks:
        callback()
    assert sorted(queued) == sorted(
        Notification.objects.filter(user__in=users).values_list("pk", flat=True)
    )


@pytest.mark.django_db(transaction=True)
def test_an_escalation_with_the_mail_server_down_tells_the_enterprise_and_the_officials(
    cast, mail_server_down, queued
):
    colleagues = users_of(cast.member, 2)

    need = escalate_a_need(cast)

    told = set(
        Notification.objects.filter(key__startswith=f"need:{need.pk}:").values_list(
            "user__username", flat=True
        )
    )
    assert told == {"enterprise", "official", *(u.username for u in colleagues)}
    assert len(queued) == 2  # the colleagues have addresses; the cast's users have none


@pytest.mark.django_db
def test_a_notification_task_queued_before_the_deploy_tells_everyone_while_mail_is_down(
    cast, mail_server_down, django_capture_on_commit_callbacks
):
    """What the report was about: a task queued with the decision's event met a mail server that
    was down, told the first user and nobody else, and was not tried again. The task, still
    registered for the messages queued before the deploy, now tells every user and leaves the
    e-mails to their own tasks."""
    users = users_of(cast.member)
    application = ApplicationFactory(enterprise=cast.member, status=Application.Status.REJECTED)
    decision = record_status(
        application,
        from_status=Application.Status.SUBMITTED,
        to_status=Application.Status.REJECTED,
        actor=cast.staff,
        reason="缺少防疫预案",
    )

    with django_capture_on_commit_callbacks(execute=True):
        notify_application_decision(decision.pk)

    assert Notification.objects.filter(user__in=[cast.enterprise_user, *users]).count() == 4
    assert MailServerDown.attempts == 0


# --- each e-mail is its own task, tried again while the mail server fails ------------------


def a_notice(cast, **fields) -> Notification:
    cast.enterprise_user.email = "owner@huaxing.example.cn"
    cast.enterprise_user.save(update_fields=["email"])
    return Notification.objects.create(
        user=cast.enterprise_user, title="第一批复工：您的申请已拒绝", body="缺少防疫预案", **fields
    )


@pytest.fixture
def retries(monkeypatch) -> list[float]:
    """The countdown of each retry the task asks Celery for."""
    from core.tasks import send_notification_email

    countdowns: list[float] = []
    retry = send_notification_email.retry

    def recording_retry(*args, **kwargs):
        countdowns.append(kwargs["countdown"])
        return retry(*args, **kwargs)

    monkeypatch.setattr(send_notification_email, "retry", recording_retry)
    return countdowns


@pytest.fixture
def eager_retries(monkeypatch):
    """Run eagerly (apply), a task's retries follow one another at once, as a worker would run
    them after their waits; each may fail in turn without raising in the test."""
    monkeypatch.setattr(celery_app.conf, "task_eager_propagates", False)


@pytest.mark.django_db
def test_an_email_is_tried_again_with_growing_waits_while_the_mail_server_is_down(
    cast, mail_server_down, retries, eager_retries
):
    from core.tasks import send_notification_email

    notice = a_notice(cast)

    result = send_notification_email.apply(args=[notice.pk])

    limit = send_notification_email.max_retries
    assert MailServerDown.attempts == limit + 1
    assert result.failed() and isinstance(result.result, smtplib.SMTPServerDisconnected)
    # A retry asked for after each failure (the one after the last attempt refused), each wait
    # drawn at random below a bound that doubles, up to ten minutes.
    assert len(retries) == limit + 1
    assert all(0 <= wait <= min(2**n, 600) for n, wait in enumerate(retries))
    notice.refresh_from_db()
    assert notice.emailed_at is None  # what a later delivery of the task will still send


@pytest.mark.django_db
def test_an_email_the_mail_server_failed_once_is_sent_on_the_next_try(
    cast, settings, retries, eager_retries
):
    from core.tasks import send_notification_email

    settings.EMAIL_BACKEND = f"{SERVERS}.MailServerFailsOnce"
    notice = a_notice(cast)

    result = send_notification_email.apply(args=[notice.pk])

    assert result.successful()
    assert len(retries) == 1
    [sent] = mail.outbox
    assert (sent.to, sent.subject) == (["owner@huaxing.example.cn"], notice.title)
    assert "缺少防疫预案" in sent.body
    notice.refresh_from_db()
    assert notice.emailed_at is not None


@pytest.mark.django_db
def test_an_address_the_mail_server_refuses_is_not_tried_again(
    cast, settings, retries, eager_retries
):
    from core.tasks import send_notification_email

    settings.EMAIL_BACKEND = f"{SERVERS}.AddressRefused"
    notice = a_notice(cast)

    result = send_notification_email.apply(args=[notice.pk])

    assert result.failed()
    assert (AddressRefused.attempts, retries) == (1, [])


@pytest.mark.django_db
def test_an_email_task_delivered_again_sends_nothing_twice(cast, mailoutbox, settings):
    from core.tasks import send_notification_email

    notice = a_notice(cast)

    assert send_notification_email(notice.pk) is True
    assert send_notification_email(notice.pk) is False  # the message delivered again
    settings.EMAIL_BACKEND = f"{SERVERS}.MailServerDown"
    assert send_notification_email(notice.pk) is False  # and again, the server down by then

    assert len(mailoutbox) == 1
    assert MailServerDown.attempts == 0


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_each_user_exactly_one_email_when_the_mail_server_fails_once(
    cast, settings
):
    settings.EMAIL_BACKEND = f"{SERVERS}.MailServerFailsOnce"
    users = users_of(cast.member)

    with in_process_worker():
        reject_an_application(cast)
        notices = Notification.objects.filter(user__in=users)
        assert notices.count() == 3  # in the portal at once, whatever mail does
        deadline = time.monotonic() + 60
        while notices.filter(emailed_at__isnull=True).exists() and time.monotonic() < deadline:
            time.sleep(0.2)

    assert not notices.filter(emailed_at__isnull=True).exists()
    addresses = sorted(u.email for u in users)
    assert sorted(address for message in mail.outbox for address in message.to) == addresses
    assert all(MailServerFailsOnce.attempts[address] == 2 for address in addresses)
