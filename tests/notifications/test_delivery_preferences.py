"""Each user chooses, per kind, how the e-mails of their notifications come: at once (the
default), in the daily digest, or not at all. The notification in the portal is always written;
an urgent one (a rejection, a government's answer) is e-mailed at once whatever was chosen."""

import pytest

from core.models import Delivery, Notification, NotificationPreference
from core.notifications import notify
from supplies import services as supply_services
from tests.core.test_notification_delivery import escalate_a_need, reject_an_application

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    """The notifications whose e-mail task was queued (after the commit), instead of Celery."""
    from core.tasks import send_notification_email

    ids: list[int] = []
    monkeypatch.setattr(send_notification_email, "delay", ids.append)
    return ids


@pytest.fixture
def owner(cast):
    user = cast.enterprise_user
    user.email = "owner@huaxing.example.cn"
    user.save(update_fields=["email"])
    return user


def choose(user, kind: str, delivery: str) -> None:
    NotificationPreference.objects.create(user=user, kind=kind, delivery=delivery)


def tell(user, kind=Kind.NEED, **kwargs) -> Notification:
    return notify(user=user, title="口罩需求：处理中", kind=kind, **kwargs)


def test_without_a_choice_the_email_is_queued_at_once(
    owner, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notification = tell(owner)
    assert queued == [notification.pk]
    assert notification.email_delivery == Delivery.IMMEDIATE


def test_immediate_chosen_queues_the_email_at_once(
    owner, queued, django_capture_on_commit_callbacks
):
    choose(owner, Kind.NEED, Delivery.IMMEDIATE)
    with django_capture_on_commit_callbacks(execute=True):
        notification = tell(owner)
    assert queued == [notification.pk]


def test_daily_chosen_keeps_the_email_for_the_digest(
    owner, queued, django_capture_on_commit_callbacks
):
    choose(owner, Kind.NEED, Delivery.DAILY)
    with django_capture_on_commit_callbacks(execute=True):
        notification = tell(owner)
    assert queued == []
    assert Notification.objects.get(pk=notification.pk).email_delivery == Delivery.DAILY
    assert notification.read_at is None  # in the portal all the same


def test_none_chosen_sends_no_email_but_the_notification_is_in_the_portal(
    owner, queued, django_capture_on_commit_callbacks
):
    choose(owner, Kind.NEED, Delivery.NONE)
    with django_capture_on_commit_callbacks(execute=True):
        notification = tell(owner)
    assert queued == []
    assert Notification.objects.filter(pk=notification.pk, user=owner).exists()
    assert notification.email_delivery == Delivery.NONE


def test_a_choice_for_one_kind_leaves_the_other_kinds_at_once(
    owner, queued, django_capture_on_commit_callbacks
):
    choose(owner, Kind.NEED, Delivery.NONE)
    with django_capture_on_commit_callbacks(execute=True):
        notification = tell(owner, kind=Kind.SERVICE)
    assert queued == [notification.pk]


@pytest.mark.parametrize("delivery", [Delivery.DAILY, Delivery.NONE])
def test_an_urgent_notification_is_emailed_at_once_whatever_was_chosen(
    owner, queued, django_capture_on_commit_callbacks, delivery
):
    choose(owner, Kind.DECISION, delivery)
    with django_capture_on_commit_callbacks(execute=True):
        notification = tell(owner, kind=Kind.DECISION, urgent=True)
    assert queued == [notification.pk]
    assert notification.urgent


def test_a_government_answer_is_always_urgent(owner, queued, django_capture_on_commit_callbacks):
    choose(owner, Kind.ANSWER, Delivery.NONE)  # not possible through the pages; a stale row
    with django_capture_on_commit_callbacks(execute=True):
        notification = tell(owner, kind=Kind.ANSWER)
    assert notification.urgent
    assert queued == [notification.pk]


def test_a_user_without_an_address_gets_no_email_and_nothing_waits_for_a_digest(
    cast, queued, django_capture_on_commit_callbacks
):
    choose(cast.enterprise_user, Kind.NEED, Delivery.DAILY)
    with django_capture_on_commit_callbacks(execute=True):
        notification = tell(cast.enterprise_user)
    assert queued == []
    assert notification.email_delivery == Delivery.NONE


# --- the portal's notifications carry their kind -----------------------------------------


def test_a_rejection_is_an_urgent_decision_emailed_despite_the_digest(
    cast, owner, queued, django_capture_on_commit_callbacks
):
    choose(owner, Kind.DECISION, Delivery.DAILY)
    with django_capture_on_commit_callbacks(execute=True):
        reject_an_application(cast)
    notification = Notification.objects.get(user=owner)
    assert (notification.kind, notification.urgent) == (Kind.DECISION, True)
    assert queued == [notification.pk]


def test_a_government_answer_to_an_escalated_need_is_an_urgent_answer(
    cast, owner, queued, django_capture_on_commit_callbacks
):
    choose(owner, Kind.NEED, Delivery.DAILY)
    need = escalate_a_need(cast)
    escalated = Notification.objects.get(user=owner, key__startswith=f"need:{need.pk}:")
    assert (escalated.kind, escalated.urgent) == (Kind.NEED, False)
    assert escalated.email_delivery == Delivery.DAILY

    with django_capture_on_commit_callbacks(execute=True):
        supply_services.need_reply(
            actor=cast.official, need_id=need.pk, reply="已协调本地企业供货", outcome="resolved"
        )
    answer = Notification.objects.filter(user=owner).exclude(pk=escalated.pk).get()
    assert (answer.kind, answer.urgent) == (Kind.ANSWER, True)
    assert queued == [answer.pk]
