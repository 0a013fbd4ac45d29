"""Complaints in every state and a price pledge with two versions and its signatures, so that the
complaints pages, a member's page and the public list of signatories are not empty.

Each step goes through the market services at the moment it happened (`demo.timeline`). Made
once: complaints and pledges that exist (perhaps changed while trying the demo) are kept.
"""

from datetime import timedelta

from django.utils import timezone

from associations.models import Association
from core.models import User
from core.workdays import add_working_days
from demo.accounts import account_of
from demo.timeline import days_ago, happened_at
from enterprises.models import Enterprise
from market import complaints, pledges
from market.models import Complaint, Pledge

PLEDGE_V1 = (
    "疫情防控期间，我单位郑重承诺：\n"
    "一、不哄抬价格，不捏造、散布涨价信息；\n"
    "二、不囤积居奇，不限制、拒绝销售防疫物资；\n"
    "三、不生产、销售假冒伪劣产品。"
)
PLEDGE_V2 = PLEDGE_V1 + "\n四、明码标价，如实标示商品产地、规格、等级。"


def _complaint(
    complainant: User,
    respondent: Enterprise | None,
    *,
    name: str = "",
    region: str = "440106",
    association: Association | None = None,
    category: str = "price_gouging",
    what: str,
    days: int,
    place: str,
) -> Complaint:
    with happened_at(days_ago(days)):
        return complaints.complaint_file(
            actor=complainant,
            respondent_name=respondent.name if respondent else name,
            respondent_credit_code=respondent.uscc if respondent else "",
            respondent_region=respondent.region_id if respondent else region,
            association_id=association.pk if association else None,
            category=category,
            what_happened=what,
            happened_on=days_ago(days + 1).date(),
            place=place,
        )


def _past_its_day_of_triage() -> int:
    """How many days ago a complaint was filed whose day of triage is over today, whatever the
    weekday: filed on a Friday, it may be looked at until Monday, so "three days ago" is not
    late on a Monday."""
    today = timezone.localdate()
    days = 3
    while add_working_days(today - timedelta(days=days), complaints.VERIFY_DAYS) >= today:
        days += 1
    return days


def _steps(complaint: Complaint, staff: User, *steps) -> None:
    """(days ago, what, keyword arguments) for each step."""
    for days, step, values in steps:
        with happened_at(days_ago(days)):
            if step == "triage":
                complaints.complaint_triage(actor=staff, complaint_id=complaint.pk, **values)
            elif step == "decide":
                complaints.complaint_decide(actor=staff, complaint_id=complaint.pk, **values)
            elif step == "hand-off":
                complaints.complaint_hand_off(actor=staff, complaint_id=complaint.pk, **values)
            elif step == "extend":
                complaints.complaint_extend(actor=staff, complaint_id=complaint.pk, **values)
            else:
                complaints.complaint_move(actor=staff, complaint_id=complaint.pk, to=step)


def load(association: Association, staff: User, members: list[Enterprise]) -> None:
    if Complaint.objects.filter(association=association).exists():
        return
    _pledge(association, staff, members)
    consumer = account_of(members[1])  # a member complaining about another, as often happens
    shop = members[4]
    # Submitted and past its day of triage: overdue in the queue (the demo login's own).
    _complaint(
        account_of(members[0]),
        shop,
        what="一次性医用口罩每盒标价198元，较节前上涨近十倍。",
        days=_past_its_day_of_triage(),
        place="天河区天河路药店",
    )
    # About the demo login's enterprise, accepted: waiting for its answer.
    about_own = _complaint(
        consumer,
        members[0],
        category="unfair_competition",
        what="以低于成本价倾销电子元器件，排挤同行。",
        days=2,
        place="天河区",
    )
    _steps(about_own, staff, (1, "triage", {"outcome": "accepted"}))
    # Accepted and answered by the member.
    answered = _complaint(
        consumer,
        members[5],
        category="hoarding",
        what="经销商称84消毒液无货，但仓库内有大量存货。",
        days=6,
        place="白云区物流园",
    )
    _steps(answered, staff, (5, "triage", {"outcome": "accepted"}))
    with happened_at(days_ago(4)):
        complaints.complaint_answer(
            actor=account_of(members[5]),
            complaint_id=answered.pk,
            answer="存货为已签约医院订单，正在分批配送，并非囤积。",
        )
    # Investigating, handed to market regulation, extended once.
    handed = _complaint(
        consumer,
        shop,
        category="counterfeit",
        what="购买的N95口罩无生产许可证编号，疑似假冒。",
        days=20,
        place="天河区",
    )
    _steps(
        handed,
        staff,
        (19, "triage", {"outcome": "accepted"}),
        (18, "investigating", {}),
        (
            16,
            "hand-off",
            {
                "department": "天河区市场监督管理局",
                "handed_on": days_ago(16).date(),
                "reference": "穗天市监举〔2020〕0215号",
            },
        ),
        (2, "extend", {"reason": "等待市场监管部门的抽检结果。"}),
    )
    # In mediation.
    mediation = _complaint(
        consumer,
        members[6],
        category="breach_of_contract",
        what="已付定金的防护服订单未按期交货，也不退还定金。",
        days=9,
        place="番禺区",
    )
    _steps(
        mediation,
        staff,
        (8, "triage", {"outcome": "accepted"}),
        (7, "investigating", {}),
        (5, "mediation", {}),
    )
    # Upheld after the shop signed the pledge, and closed: a breach beside its signature.
    upheld = _complaint(
        consumer,
        shop,
        what="酒精消毒液500毫升售价68元，未明码标价。",
        days=10,
        place="天河区天河路药店",
    )
    _steps(
        upheld,
        staff,
        (9, "triage", {"outcome": "accepted"}),
        (8, "investigating", {}),
        (
            6,
            "decide",
            {
                "upheld": True,
                "decision": "经核实，该店进价12元，售价明显过高，且未明码标价。"
                "已责令整改并退还差价。",
            },
        ),
        (4, "closed", {}),
    )
    # Not upheld.
    not_upheld = _complaint(
        consumer,
        members[7],
        category="false_advertising",
        what="宣传“可预防新冠”的空气净化器。",
        days=15,
        place="越秀区",
    )
    _steps(
        not_upheld,
        staff,
        (14, "triage", {"outcome": "accepted"}),
        (13, "investigating", {}),
        (
            9,
            "decide",
            {
                "upheld": False,
                "decision": "宣传材料为经销商自行印制，企业已书面澄清，未发现企业发布该宣传。",
            },
        ),
    )
    # Outside the remit, saying where to go; a duplicate of the first handed-off one.
    remit = _complaint(
        consumer,
        None,
        name="某网店（非会员）",
        category="other",
        association=association,
        what="网购体温计一直未发货。",
        days=4,
        place="网上",
    )
    _steps(
        remit,
        staff,
        (
            3,
            "triage",
            {"outcome": "outside_remit", "referral": "网络购物纠纷请向平台或拨打12315投诉。"},
        ),
    )
    duplicate = _complaint(
        consumer,
        shop,
        category="counterfeit",
        what="同一家店的N95口罩疑似假冒。",
        days=18,
        place="天河区",
    )
    _steps(duplicate, staff, (17, "triage", {"outcome": "duplicate", "duplicate_of": handed.pk}))


def _pledge(association: Association, staff: User, members: list[Enterprise]) -> Pledge:
    with happened_at(days_ago(30)):
        pledge = pledges.pledge_create(
            actor=staff,
            association_id=association.pk,
            title="疫情期间稳定市场价格承诺书",
            text=PLEDGE_V1,
        )
        pledges.pledge_publish(actor=staff, pledge_id=pledge.pk)
    signers = [("王伟", "总经理"), ("李娜", "法定代表人"), ("张强", "总经理"), ("刘洋", "董事长")]
    for index, member in enumerate(members[2:6]):
        name, title = signers[index % len(signers)]
        with happened_at(days_ago(28 - index)):
            pledges.pledge_sign(
                actor=account_of(member),
                pledge_id=pledge.pk,
                signer_name=name,
                signer_title=title,
            )
    with happened_at(days_ago(14)):
        pledges.pledge_revise(
            actor=staff, pledge_id=pledge.pk, text=PLEDGE_V2, reason="增加明码标价的要求。"
        )
    for member in (members[0], members[2], members[4]):
        with happened_at(days_ago(13)):
            pledges.pledge_sign(
                actor=account_of(member),
                pledge_id=pledge.pk,
                signer_name="王伟",
                signer_title="总经理",
            )
    signature = pledge.signatures.filter(enterprise=members[3]).first()
    if signature is not None:
        with happened_at(days_ago(10)):
            pledges.signature_withdraw(
                actor=account_of(members[3]), signature_id=signature.pk, reason="企业已停业。"
            )
    return pledge
