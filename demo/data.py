"""A small demo data set for `make run`: two associations in two provinces, their staff, an
official, a partner account and a few dozen member enterprises with valid credit codes.

Loading is idempotent: records are found by their natural keys and brought back to the demo state.
"""

import random
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils import timezone
from stdnum.cn import uscc as stdnum_uscc

from associations.models import Association, AssociationUser, Membership
from batches.models import Application, Batch
from core.models import Industry, Region, Role, User
from core.validators import normalise_phone
from core.workflow import record_status
from enterprises.models import Enterprise

DEMO_PASSWORD = "demo-pass-2020"  # noqa: S105 - documented demo login, only in DEMO_MODE
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"

ASSOCIATIONS = [
    {
        "name": "广东省中小企业协会",
        "kind": Association.Kind.INDUSTRY_ASSOCIATION,
        "region": "440100",
        "province": "440000",
        "industries": ["C", "F", "G", "I"],
        "contact_name": "陈敏",
    },
    {
        "name": "浙江省温州商会",
        "kind": Association.Kind.CHAMBER_OF_COMMERCE,
        "region": "330100",
        "province": "330000",
        "industries": ["C", "G", "H"],
        "contact_name": "林海",
    },
]

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


def make_uscc(rng: random.Random, region_code: str, prefix: str = "91") -> str:
    body = prefix + region_code + "".join(rng.choice(USCC_CHARS[:10]) for _ in range(8))
    body += rng.choice(USCC_CHARS)
    return body + stdnum_uscc.calc_check_digit(body)


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def _phone(rng: random.Random) -> str:
    """A valid mobile number in the stored (E.164) form."""
    number = "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))
    try:
        return normalise_phone(number)
    except ValidationError:
        return "+8613800138000"


def _user(username: str, *, role: str, first_name: str, **extra) -> User:
    user, _created = User.objects.update_or_create(
        username=username,
        defaults={
            "role": role,
            "first_name": first_name,
            "password": make_password(DEMO_PASSWORD),
            "is_active": True,
            **extra,
        },
    )
    return user


@transaction.atomic
def load_demo_data() -> dict[str, int]:
    if not settings.DEMO_MODE:
        raise ImproperlyConfigured("Demo data is loaded only with DEMO_MODE=true (make run).")
    if not Region.objects.exists() or not Industry.objects.exists():
        raise ImproperlyConfigured("Load the reference data first: manage.py load_reference_data")
    rng = random.Random(2020)
    associations = []
    for spec in ASSOCIATIONS:
        association = Association.objects.filter(name=spec["name"]).first()
        if association is None:
            association = Association(name=spec["name"])
            association.uscc = make_uscc(rng, spec["region"], prefix="51")
        else:
            make_uscc(rng, spec["region"], prefix="51")  # keep the random sequence stable
        association.kind = spec["kind"]
        association.region_id = spec["region"]
        association.contact_name = spec["contact_name"]
        association.save()
        association.industries.set(spec["industries"])
        associations.append(association)

    enterprises_by_association: list[list[Enterprise]] = []
    for association, spec in zip(associations, ASSOCIATIONS, strict=True):
        counties = list(
            Region.objects.filter(
                level=Region.Level.COUNTY, path__startswith=spec["province"] + "/"
            )
            .order_by("code")
            .values_list("code", flat=True)
        )
        members = []
        for index in range(18):
            county = counties[rng.randrange(len(counties))]
            trade, division = TRADES[index % len(TRADES)]
            brand = BRANDS[(index * 7 + len(associations)) % len(BRANDS)]
            city = Region.objects.get(code=county).parent.name_zh
            name = f"{city}{brand}{trade}有限公司"
            uscc = make_uscc(rng, county)
            enterprise, _created = Enterprise.objects.update_or_create(
                name=name,
                defaults={
                    "uscc": uscc,
                    "region_id": county,
                    "industry_id": division,
                    "size": rng.choice(list(Enterprise.Size.values)),
                    "employees": rng.randint(5, 280),
                    "revenue_band": rng.choice(list(Enterprise.RevenueBand.values)),
                    "legal_representative": _person(rng),
                    "contact_name": _person(rng),
                    "contact_phone": _phone(rng),
                    "address": f"{city}{brand}路{rng.randint(1, 300)}号",
                },
            )
            members.append(enterprise)
            membership, created = Membership.objects.get_or_create(
                enterprise=enterprise,
                association=association,
                defaults={
                    # The last two asked to join and wait for staff to decide.
                    "status": Membership.Status.PENDING
                    if index >= 16
                    else Membership.Status.ACTIVE,
                    "member_number": ""
                    if index >= 16
                    else f"M{association.pk:02d}-{index + 1:04d}",
                    "joined_on": None
                    if index >= 16
                    else date(2019, 1 + index % 12, 1 + index % 28),
                },
            )
            if created:
                record_status(
                    membership,
                    from_status="",
                    to_status=membership.status,
                    actor=None,
                    reason="demo data",
                )
        enterprises_by_association.append(members)

    # A few enterprises belong to both associations, as real ones often do.
    for index, enterprise in enumerate(enterprises_by_association[0][-5:-2]):
        membership, created = Membership.objects.get_or_create(
            enterprise=enterprise,
            association=associations[1],
            defaults={"status": Membership.Status.ACTIVE, "member_number": f"X-{index + 1:04d}"},
        )
        if created:
            record_status(
                membership,
                from_status="",
                to_status=membership.status,
                actor=None,
                reason="demo data",
            )

    _user("admin", role=Role.ADMIN, first_name="管理员", is_staff=True, is_superuser=True)
    manager = _user("manager", role=Role.STAFF, first_name="陈敏")
    staff = _user("staff", role=Role.STAFF, first_name="刘洋")
    manager2 = _user("manager2", role=Role.STAFF, first_name="林海")
    staff2 = _user("staff2", role=Role.STAFF, first_name="周静")
    partner = _user("partner", role=Role.PARTNER, first_name="物流平台")
    enterprise_user = _user(
        "enterprise",
        role=Role.ENTERPRISE,
        first_name="王伟",
        enterprise=enterprises_by_association[0][0],
    )
    official = _user(
        "official",
        role=Role.OFFICIAL,
        first_name="赵强",
        jurisdiction_id=ASSOCIATIONS[0]["province"],
    )
    for user, association, is_manager in [
        (manager, associations[0], True),
        (staff, associations[0], False),
        (partner, associations[0], False),
        (manager2, associations[1], True),
        (staff2, associations[1], False),
    ]:
        AssociationUser.objects.update_or_create(
            user=user, association=association, defaults={"is_manager": is_manager}
        )
    _demo_batch(associations[0], manager, enterprises_by_association[0])
    _demo_needs(associations[0], staff, enterprise_user, official, enterprises_by_association[0])
    _demo_reports(associations, manager)
    return {
        "associations": len(associations),
        "enterprises": sum(len(members) for members in enterprises_by_association),
        "users": User.objects.filter(username__in=DEMO_USERNAMES).count(),
    }


DEMO_BATCH = "2020年第一批复工复产"
# Members of the first association (by their index in the demo list, all in Guangdong and in
# sections C, F, G or I) and where their application stands; the demo enterprise user's own
# enterprise (index 0) has not applied, so that it can.
DEMO_APPLICATIONS = [
    (1, Application.Status.SUBMITTED, 5),  # submitted five days ago: overdue
    (2, Application.Status.SUBMITTED, 1),
    (3, Application.Status.APPROVED, 4),
    (4, Application.Status.RESUMED, 6),
    (5, Application.Status.RETURNED, 3),
    (7, Application.Status.REJECTED, 3),
]


def _demo_batch(association: Association, staff: User, members: list[Enterprise]) -> None:
    """One open batch for the association's province and sections, with applications in several
    states. Made once: a batch that exists (perhaps changed while trying the demo) is kept."""
    if Batch.objects.filter(association=association, name=DEMO_BATCH).exists():
        return
    now = timezone.now()
    batch = Batch.objects.create(
        association=association,
        name=DEMO_BATCH,
        opens_at=now - timedelta(days=7),
        closes_at=now + timedelta(days=21),
        planned_start=timezone.localdate() + timedelta(days=3),
        capacity=20,
        prevention_requirements=(
            "口罩、消毒液储备不少于7天；配备体温计，上岗前测温；制定消毒方案和应急预案；"
            "设置临时隔离观察区；外省返岗员工先行健康监测14天。"
        ),
        mandatory_items=["disinfection_plan", "emergency_plan", "staff_health_checks"],
        review_days=3,
        status=Batch.Status.OPEN,
        created_by=staff,
    )
    batch.regions.set(["440000"])
    batch.industries.set(["C", "F", "G", "I"])
    for from_status, to_status, at in [
        ("", Batch.Status.DRAFT, now - timedelta(days=8)),
        (Batch.Status.DRAFT, Batch.Status.OPEN, batch.opens_at),
    ]:
        record_status(batch, from_status=from_status, to_status=to_status, actor=staff, at=at)
    S = Application.Status
    for index, status, days_ago in DEMO_APPLICATIONS:
        submitted_at = now - timedelta(days=days_ago)
        decided = status in (S.APPROVED, S.RESUMED, S.RETURNED, S.REJECTED)
        workers = 10 + index * 7
        application = Application.objects.create(
            batch=batch,
            enterprise=members[index],
            status=status,
            planned_date=batch.planned_start,
            returning_workers=workers,
            workers_from_other_provinces=workers // 3,
            masks_days=14,
            disinfectant_days=10,
            thermometers=4,
            disinfection_plan=True,
            isolation_area=index % 2 == 0,
            emergency_plan=True,
            staff_health_checks=True,
            checklist_notes={"isolation_area": "厂区东侧独立平房"} if index % 2 == 0 else {},
            submitted_at=submitted_at,
            review_due_at=submitted_at + timedelta(days=batch.review_days),
            decided_at=submitted_at + timedelta(days=1) if decided else None,
            resumed_on=timezone.localdate() - timedelta(days=2) if status == S.RESUMED else None,
            workers_on_site=workers - 2 if status == S.RESUMED else None,
            created_by=staff,
        )
        steps = [
            ("", S.DRAFT, None, "demo data", submitted_at - timedelta(hours=2)),
            (S.DRAFT, S.SUBMITTED, None, "", submitted_at),
        ]
        if decided:
            reason = {
                S.RETURNED: "请补充隔离观察区的位置和面积。",
                S.REJECTED: "消毒方案未落实，暂不具备复工条件。",
            }.get(status, "")
            to = S.APPROVED if status == S.RESUMED else status
            steps.append((S.SUBMITTED, to, staff, reason, application.decided_at))
        if status == S.RESUMED:
            steps.append((S.APPROVED, S.RESUMED, None, "", now - timedelta(days=2)))
        for from_status, to_status, actor, reason, at in steps:
            record_status(
                application,
                from_status=from_status,
                to_status=to_status,
                actor=actor,
                reason=reason,
                at=at,
            )
    batch.approved_count = batch.applications.filter(status__in=(S.APPROVED, S.RESUMED)).count()
    batch.save(update_fields=["approved_count"])


def _demo_reports(associations: list[Association], manager: User) -> None:
    """Reports a newcomer can open and download at once: daily reports of the last three days
    and last week's, for each demo association and the demo official's province, computed now
    (in-process). The first association submitted yesterday's report (on time) and the one of
    three days ago (late) and has not yet submitted the one of two days ago, so that the
    completeness page shows all three states. Run again, it makes only what is missing."""
    from reports import services as reports
    from reports.models import Report

    province = Region.objects.get(code=ASSOCIATIONS[0]["province"])
    today = timezone.localdate()
    periods = [("day", today - timedelta(days=days)) for days in (1, 2, 3)]
    periods.append(("week", today - timedelta(days=today.weekday() + 7)))
    scopes = [(None, association) for association in associations] + [(province, None)]
    for period_type, start in periods:
        for region, association in scopes:
            report = reports.ensure(
                region=region, association=association, period_type=period_type, start=start
            )
            if report.status not in Report.DONE:
                report = reports.generate(report.pk)
            submit = association == associations[0] and period_type == "day"
            submit = submit and start != today - timedelta(days=2)
            if submit and report.status == Report.Status.READY and report.version == 1:
                reports.report_submit(
                    actor=manager,
                    report_id=report.pk,
                    remarks="会员企业复工进度正常，口罩和消毒液仍有缺口，物流运力不足。",
                    suggestions="建议协调防疫物资定向供应，开通复工复产货运绿色通道。",
                )


def _at(obj, from_status: str, to_status: str, actor, at, reason: str = "") -> None:
    record_status(
        obj, from_status=from_status, to_status=to_status, actor=actor, reason=reason, at=at
    )


def _demo_needs(
    association: Association,
    staff: User,
    enterprise_user: User,
    official: User,
    members: list[Enterprise],
) -> None:
    """Needs in several states, two offers and a match, and a difficulty answered by government,
    so that the needs pages are not empty. Made once: needs that exist (perhaps changed while
    trying the demo) are kept."""
    from supplies.models import Escalation, Match, Need, SupplyItem, SupplyOffer

    if Need.objects.filter(association=association).exists():
        return
    now = timezone.now()
    today = timezone.localdate()
    items = {item.code: item for item in SupplyItem.objects.all()}
    S = Need.Status
    mask_offer = SupplyOffer.objects.create(
        enterprise=members[3],
        association=association,
        item=items["mask-medical"],
        unit=items["mask-medical"].unit,
        quantity=1500,
        remaining_quantity=900,
        delivery_region_id="440000",
        available_until=today + timedelta(days=20),
        note="每箱50只，可送货上门",
        created_by=staff,
    )
    SupplyOffer.objects.create(
        enterprise=members[6],
        association=association,
        item=items["disinfectant"],
        unit=items["disinfectant"].unit,
        quantity=500,
        remaining_quantity=500,
        delivery_region_id=members[6].region_id,
        available_until=today + timedelta(days=14),
        note="84消毒液，5升装",
        created_by=staff,
    )
    for offer in SupplyOffer.objects.filter(association=association):
        _at(offer, "", SupplyOffer.Status.OPEN, staff, now - timedelta(days=3))

    def need(enterprise, kind, filed_days_ago, status, **fields):
        made = Need.objects.create(
            kind=kind,
            enterprise=enterprise,
            association=association,
            status=status,
            created_by=enterprise_user if enterprise == members[0] else staff,
            created_at=now - timedelta(days=filed_days_ago),
            **fields,
        )
        _at(made, "", S.OPEN, made.created_by, made.created_at)
        return made

    masks = need(
        members[0],
        Need.Kind.SUPPLY,
        2,
        S.IN_PROGRESS,
        item=items["mask-medical"],
        unit=items["mask-medical"].unit,
        quantity=1000,
        fulfilled_quantity=600,
        needed_by=today + timedelta(days=5),
        urgency=Need.Urgency.HIGH,
        description="复工后200名员工两周的用量。",
    )
    Match.objects.create(need=masks, offer=mask_offer, quantity=600, matched_by=staff)
    _at(masks, S.OPEN, S.IN_PROGRESS, staff, now - timedelta(days=1))
    need(
        members[0],
        Need.Kind.LABOUR,
        1,
        S.OPEN,
        trade="缝纫工",
        headcount=8,
        work_region_id=members[0].region_id,
        needed_by=today + timedelta(days=10),
        description="两班倒，包住宿。",
    )
    need(
        members[4],
        Need.Kind.SUPPLY,
        6,
        S.OPEN,
        item=items["mask-n95"],
        unit=items["mask-n95"].unit,
        quantity=200,
        needed_by=today - timedelta(days=2),
        urgency=Need.Urgency.CRITICAL,
    )
    waiting = need(
        members[1],
        Need.Kind.DIFFICULTY,
        4,
        S.ESCALATED,
        difficulty_kind=Need.DifficultyKind.ENERGY,
        description="园区限电，每周停产两天，订单无法按期交付。",
        urgency=Need.Urgency.HIGH,
        escalated_at=now - timedelta(days=2),
    )
    summary = "企业所在园区执行有序用电，协会已与供电所沟通未果，请协调保障复工企业用电。"
    Escalation.objects.create(need=waiting, summary=summary, escalated_by=staff)
    _at(waiting, S.OPEN, S.ESCALATED, staff, waiting.escalated_at, summary)
    answered = need(
        members[2],
        Need.Kind.DIFFICULTY,
        7,
        S.ANSWERED,
        difficulty_kind=Need.DifficultyKind.TRANSPORT,
        description="原料运输车辆进城需要通行证，供货中断。",
        urgency=Need.Urgency.NORMAL,
        escalated_at=now - timedelta(days=5),
    )
    summary = "运输车辆缺少通行证，影响原料供应，请交通部门协助办理。"
    Escalation.objects.create(
        need=answered,
        summary=summary,
        escalated_by=staff,
        reply="已协调市交通运输局，为该企业3辆货车办理复工复产通行证，请企业到窗口领取。",
        outcome=Escalation.Outcome.RESOLVED,
        replied_by=official,
        replied_at=now - timedelta(days=3),
    )
    _at(answered, S.OPEN, S.ESCALATED, staff, answered.escalated_at, summary)
    reply = answered.escalations.get().reply
    _at(answered, S.ESCALATED, S.ANSWERED, official, now - timedelta(days=3), f"已解决: {reply}")
    # The rows' own times are set when they are made; put them back when they happened.
    for escalated in (waiting, answered):
        escalated.escalations.update(escalated_at=escalated.escalated_at)
    masks.matches.update(matched_at=now - timedelta(days=1))


DEMO_USERNAMES = [
    "admin",
    "manager",
    "staff",
    "manager2",
    "staff2",
    "partner",
    "enterprise",
    "official",
]
