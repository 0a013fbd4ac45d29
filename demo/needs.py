"""Needs of the first association's members in several states, two offers and a match, and two
difficulties escalated to government, one of them answered: so that the needs pages, the queue,
the offers and the official's escalated needs are not empty.

Each step goes through the supplies services at the moment it happened (`demo.timeline`): a need
filed six days ago for a date two days ago is overdue now, and was not when it was filed. Made
once: needs that exist (perhaps changed while trying the demo) are kept.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from associations.models import Association
from core.models import Region, User
from demo.accounts import account_of
from demo.timeline import days_ago, happened_at
from enterprises.models import Enterprise
from supplies import services as supplies
from supplies.models import Escalation, Need, SupplyItem, SupplyOffer

K = Need.Kind


def load(association: Association, staff: User, official: User, members: list[Enterprise]) -> None:
    if Need.objects.filter(association=association).exists():
        return
    today = timezone.localdate(days_ago(0))
    items = {item.code: item for item in SupplyItem.objects.all()}

    with happened_at(days_ago(3)):
        masks_offer = _offer(
            members[3],
            association,
            items["mask-medical"],
            1500,
            available_until=today + timedelta(days=20),
            delivery_region=Region.objects.get(code="440000"),
            note="每箱50只，可送货上门",
        )
        _offer(
            members[6],
            association,
            items["disinfectant"],
            500,
            available_until=today + timedelta(days=14),
            note="84消毒液，5升装",
        )

    # The demo enterprise user's own: masks, partly matched from the offer; and workers.
    with happened_at(days_ago(2)):
        masks = _file(
            members[0],
            association,
            K.SUPPLY,
            item=items["mask-medical"],
            quantity=Decimal(1000),
            needed_by=today + timedelta(days=5),
            urgency=Need.Urgency.HIGH,
            description="复工后200名员工两周的用量。",
        )
    with happened_at(days_ago(1)):
        supplies.match_create(
            actor=staff, need_id=masks.pk, offer_id=masks_offer.pk, quantity=Decimal(600)
        )
        _file(
            members[0],
            association,
            K.LABOUR,
            trade="缝纫工",
            headcount=8,
            work_region=members[0].region,
            needed_by=today + timedelta(days=10),
            description="两班倒，包住宿。",
        )
    # Nobody has taken this one up, and the day it was needed by has passed.
    with happened_at(days_ago(6)):
        _file(
            members[4],
            association,
            K.SUPPLY,
            item=items["mask-n95"],
            quantity=Decimal(200),
            needed_by=today - timedelta(days=2),
            urgency=Need.Urgency.CRITICAL,
        )

    answered = _escalated(
        members[2],
        association,
        staff,
        filed=7,
        escalated=5,
        difficulty_kind=Need.DifficultyKind.TRANSPORT,
        description="原料运输车辆进城需要通行证，供货中断。",
        summary="运输车辆缺少通行证，影响原料供应，请交通部门协助办理。",
    )
    with happened_at(days_ago(3)):
        supplies.need_reply(
            actor=official,
            need_id=answered.pk,
            reply="已协调市交通运输局，为该企业3辆货车办理复工复产通行证，请企业到窗口领取。",
            outcome=Escalation.Outcome.RESOLVED,
        )
    _escalated(
        members[1],
        association,
        staff,
        filed=4,
        escalated=2,
        difficulty_kind=Need.DifficultyKind.ENERGY,
        description="园区限电，每周停产两天，订单无法按期交付。",
        urgency=Need.Urgency.HIGH,
        summary="企业所在园区执行有序用电，协会已与供电所沟通未果，请协调保障复工企业用电。",
    )


def _offer(
    enterprise: Enterprise, association: Association, item: SupplyItem, quantity: int, **fields
) -> SupplyOffer:
    return supplies.offer_create(
        actor=account_of(enterprise),
        association_id=association.pk,
        item=item,
        quantity=Decimal(quantity),
        **fields,
    )


def _file(enterprise: Enterprise, association: Association, kind: str, **fields) -> Need:
    return supplies.need_file(
        actor=account_of(enterprise), kind=kind, association_id=association.pk, **fields
    )


def _escalated(
    enterprise: Enterprise,
    association: Association,
    staff: User,
    *,
    filed: int,
    escalated: int,
    summary: str,
    **fields,
) -> Need:
    """A difficulty the member reported `filed` days ago, put before government `escalated`
    days ago."""
    with happened_at(days_ago(filed)):
        need = _file(enterprise, association, Need.Kind.DIFFICULTY, **fields)
    with happened_at(days_ago(escalated)):
        return supplies.need_escalate(actor=staff, need_id=need.pk, summary=summary)
