"""What the needs tests share: catalogue items, dates, members that offer, and needs put straight
into a status (no history row) as the starting point of a test that then goes through the
services."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from core import tasks as core_tasks
from core.models import Notification
from supplies import services
from supplies.models import Escalation, Need, SupplyItem, SupplyOffer
from tests.factories import EnterpriseFactory, MembershipFactory, UserFactory


def days_from_today(days: int):
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    """The notifications whose e-mail was handed to Celery on commit; no worker runs here."""
    calls: list[int] = []
    monkeypatch.setattr(core_tasks.send_notification_email, "delay", calls.append)
    return calls


def told_of(need_id: int) -> list[int]:
    """The events of a need whose people were told (their notifications' keys name them), in
    the order they were told."""
    keys = Notification.objects.filter(key__startswith=f"need:{need_id}:change:").order_by("pk")
    events: list[int] = []
    for key in keys.values_list("key", flat=True):
        event_id = int(key.split(":")[3])
        if event_id not in events:
            events.append(event_id)
    return events


@pytest.fixture
def mask(db) -> SupplyItem:
    return SupplyItem.objects.get(code="mask-medical")  # counted in pieces


@pytest.fixture
def disinfectant(db) -> SupplyItem:
    return SupplyItem.objects.get(code="disinfectant")  # counted in litres


def supplier_in(association, **enterprise_fields):
    """An enterprise user whose enterprise is an active member of `association` and can offer."""
    enterprise = EnterpriseFactory(**enterprise_fields)
    MembershipFactory(enterprise=enterprise, association=association)
    return UserFactory(enterprise=enterprise)


def offer_of(user, item: SupplyItem, quantity, **fields) -> SupplyOffer:
    return services.offer_create(
        actor=user,
        item=item,
        quantity=quantity,
        available_until=fields.pop("available_until", days_from_today(30)),
        **fields,
    )


def file_supply(cast, item: SupplyItem, quantity="1000", **fields) -> Need:
    return services.need_file(
        actor=cast.enterprise_user,
        kind=Need.Kind.SUPPLY,
        item=item,
        quantity=quantity,
        needed_by=fields.pop("needed_by", days_from_today(5)),
        **fields,
    )


def file_labour(cast, headcount=10, **fields) -> Need:
    return services.need_file(
        actor=cast.enterprise_user,
        kind=Need.Kind.LABOUR,
        trade=fields.pop("trade", "装配工"),
        headcount=headcount,
        needed_by=fields.pop("needed_by", days_from_today(7)),
        **fields,
    )


def need_in(cast, status: str, *, kind: str = Need.Kind.SUPPLY, escalated: bool = False, **fields):
    """A need of cast.member with cast.association, put straight into `status`. An escalated or
    answered need (or one said to be `escalated` before) carries its escalation row."""
    defaults = {
        Need.Kind.SUPPLY: {
            "item": SupplyItem.objects.get(code="mask-medical"),
            "unit": "piece",
            "quantity": Decimal("1000"),
        },
        Need.Kind.LABOUR: {"trade": "普工", "headcount": 10, "work_region_id": "440106"},
        Need.Kind.DIFFICULTY: {"difficulty_kind": "transport", "description": "货车无法通行"},
    }[kind]
    escalated = escalated or status in (Need.Status.ESCALATED, Need.Status.ANSWERED)
    closed = status in Need.CLOSED
    need = Need.objects.create(
        kind=kind,
        enterprise=fields.pop("enterprise", cast.member),
        association=fields.pop("association", cast.association),
        status=status,
        needed_by=fields.pop("needed_by", days_from_today(5)),
        created_by=cast.enterprise_user,
        escalated_at=timezone.now() if escalated else None,
        closed_at=timezone.now() if closed else None,
        **{**defaults, **fields},
    )
    if escalated:
        answered = status != Need.Status.ESCALATED
        Escalation.objects.create(
            need=need,
            summary="协会无法解决",
            escalated_by=cast.staff,
            reply="已协调" if answered else "",
            outcome="partly_resolved" if answered else "",
            replied_by=cast.official if answered else None,
            replied_at=timezone.now() if answered else None,
        )
    return need
