"""The member enterprises: eighteen per association with valid credit codes and phones.

Sixteen were registered by the association's manager as members (`enterprise_create_member`) on
the day they joined, in 2019; the last two registered themselves recently and asked to join
(`enterprise_register`), so that staff have requests to decide. Three members of the first
association were invited by the second (`membership_add`); two accepted (`membership_accept`, by
the first association, which registered them, or by their own users), the third has not answered
yet, so that an invitation waits on the first association's member list. On a later load an
enterprise changed while trying the demo is put back (`enterprise_update`); memberships are kept as
they are.
"""

import random
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError

from associations.models import Association, Membership
from associations.services import membership_accept, membership_add, membership_request
from core.models import Industry, Region, User
from core.validators import normalise_phone
from core.workflow import snapshot
from demo import accounts
from demo.associations import ASSOCIATIONS, make_uscc
from demo.timeline import days_ago, happened_at, morning_of
from enterprises.models import Enterprise
from enterprises.services import enterprise_create_member, enterprise_register, enterprise_update

MEMBERS_PER_ASSOCIATION = 18
ASKING_TO_JOIN = 2  # the last ones of each association

TRADES = [
    ("服装", "18"),
    ("五金制品", "33"),
    ("电子科技", "39"),
    ("食品", "14"),
    ("塑料制品", "29"),
    ("物流", "54"),
    ("餐饮管理", "62"),
    ("家具", "21"),
    ("纺织", "17"),
    ("医疗器械", "35"),
    ("包装印刷", "23"),
    ("商贸", "51"),
]
BRANDS = [
    "华兴",
    "盛达",
    "永利",
    "鸿运",
    "金源",
    "德信",
    "恒通",
    "新锐",
    "宏图",
    "瑞丰",
    "安泰",
    "佳美",
    "嘉禾",
    "昌隆",
    "远航",
    "明达",
    "信诚",
    "顺发",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "勇", "艳", "杰", "军", "涛", "明", "超"]


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def _phone(rng: random.Random) -> str:
    """A valid mobile number in the stored (E.164) form."""
    number = "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))
    try:
        return normalise_phone(number)
    except ValidationError:
        return "+8613800138000"


@dataclass
class Member:
    """One demo enterprise as the story has it: its fields, and how it joined."""

    fields: dict  # Enterprise.EDITABLE_FIELDS, relations as instances
    member_number: str
    joined: date | None  # None: it asked to join lately and waits for staff
    asked_days_ago: int = 0

    @property
    def uscc(self) -> str:
        return self.fields["uscc"]


def members_of(rng: random.Random, association: Association, province: str) -> list[Member]:
    """The demo members of an association in `province`."""
    counties = list(
        Region.objects.filter(level=Region.Level.COUNTY, path__startswith=province + "/")
        .order_by("code")
        .values_list("code", flat=True)
    )
    divisions = Industry.objects.in_bulk([division for _trade, division in TRADES])
    members = []
    for index in range(MEMBERS_PER_ASSOCIATION):
        county = Region.objects.select_related("parent").get(
            code=counties[rng.randrange(len(counties))]
        )
        trade, division = TRADES[index % len(TRADES)]
        brand = BRANDS[(index * 7 + len(ASSOCIATIONS)) % len(BRANDS)]
        city = county.parent.name_zh
        # The random draws come in the order of the loader before this one, so that a demo
        # database it made is recognised (and kept) by this one.
        fields = {
            "name": f"{city}{brand}{trade}有限公司",
            "uscc": make_uscc(rng, county.code),
            "region": county,
            "industry": divisions[division],
            "size": rng.choice(list(Enterprise.Size.values)),
            "employees": rng.randint(5, 280),
            "revenue_band": rng.choice(list(Enterprise.RevenueBand.values)),
            "legal_representative": _person(rng),
            "contact_name": _person(rng),
            "contact_phone": _phone(rng),
        }
        fields["address"] = f"{city}{brand}路{rng.randint(1, 300)}号"
        waiting = MEMBERS_PER_ASSOCIATION - index  # 1 and 2 for the last two
        if waiting <= ASKING_TO_JOIN:
            members.append(Member(fields, member_number="", joined=None, asked_days_ago=waiting))
        else:
            members.append(
                Member(
                    fields,
                    member_number=f"M{association.pk:02d}-{index + 1:04d}",
                    joined=date(2019, 1 + index % 12, 1 + index % 28),
                )
            )
    return members


def load(
    rng: random.Random, associations: list[Association], managers: list[User], admin: User
) -> list[list[Enterprise]]:
    """The members of each association (in the order of `ASSOCIATIONS`), made or put back."""
    enterprises = []
    for association, spec, manager in zip(associations, ASSOCIATIONS, managers, strict=True):
        enterprises.append(
            [
                _member(member, association, manager, admin)
                for member in members_of(rng, association, spec["province"])
            ]
        )
    # A few enterprises belong to both associations, as real ones often do: the second invited
    # them, and those who answer for them accepted (all but the last, which is still invited).
    for index, enterprise in enumerate(enterprises[0][-5:-2]):
        if not Membership.objects.filter(
            enterprise=enterprise, association=associations[1]
        ).exists():
            with happened_at(morning_of(date(2019, 6, 1 + index))):
                invitation = membership_add(
                    actor=managers[1],
                    association_id=associations[1].pk,
                    enterprise_id=enterprise.pk,
                    member_number=f"X-{index + 1:04d}",
                )
            if index < 2 and invitation.status == Membership.Status.INVITED:
                with happened_at(morning_of(date(2019, 6, 3 + index))):
                    membership_accept(
                        actor=_answers_for(enterprise, managers[0]),
                        membership_id=invitation.pk,
                    )
    return enterprises


def _answers_for(enterprise: Enterprise, manager: User) -> User:
    """Who accepts an invitation for the enterprise: its own user, else the manager of the
    association that registered it."""
    return (
        User.objects.filter(enterprise=enterprise, is_active=True).order_by("pk").first() or manager
    )


def _member(member: Member, association: Association, manager: User, admin: User) -> Enterprise:
    enterprise = _found(member)
    if enterprise is None:
        return _join(member, association, manager)
    if _differs(enterprise, member.fields):
        enterprise = enterprise_update(actor=admin, enterprise_id=enterprise.pk, **member.fields)
    if not Membership.objects.filter(enterprise=enterprise, association=association).exists():
        _join(member, association, manager, enterprise=enterprise)
    return enterprise


def _found(member: Member) -> Enterprise | None:
    """The demo enterprise, by its name or, if it was renamed, by its credit code."""
    return (
        Enterprise.objects.filter(name=member.fields["name"]).order_by("pk").first()
        or Enterprise.objects.filter(uscc=member.uscc).first()
    )


def _differs(enterprise: Enterprise, fields: dict) -> bool:
    return snapshot(enterprise, fields) != snapshot(Enterprise(**fields), fields)


def _join(
    member: Member, association: Association, manager: User, enterprise: Enterprise | None = None
) -> Enterprise:
    """Make the enterprise a member as the story has it (registering it first if needed)."""
    if member.joined is not None:
        with happened_at(morning_of(member.joined)):
            if enterprise is None:
                return enterprise_create_member(
                    actor=manager,
                    association_id=association.pk,
                    member_number=member.member_number,
                    **member.fields,
                )
            membership_add(
                actor=manager,
                association_id=association.pk,
                enterprise_id=enterprise.pk,
                member_number=member.member_number,
            )
            return enterprise
    with happened_at(days_ago(member.asked_days_ago)):
        if enterprise is None:
            account = accounts.member_account(
                uscc=member.uscc, first_name=member.fields["contact_name"]
            )
            return enterprise_register(
                actor=account, association_id=association.pk, **member.fields
            )
        membership_request(actor=accounts.account_of(enterprise), association_id=association.pk)
        return enterprise
