"""Hardship assessments of the first association's members and a dues-waiver scheme with granted,
revoked and proposed grants, so that the assessments, the hardest-hit list, the ledger and the
demo enterprise's relief are not empty.

Each step goes through relief's writes at the moment it happened (`demo.timeline`). Made once.
"""

from datetime import timedelta
from decimal import Decimal

from associations import services as membership_services
from associations.models import Association, Membership
from core.models import User
from demo.accounts import account_of
from demo.timeline import days_ago, happened_at
from enterprises.models import Enterprise
from relief import assessment_services, services
from relief.models import HardshipAssessment, ReliefScheme

# (member index, revenue drop %, months of cash, rent burden %, cause, what staff do)
ASSESSMENTS = [
    (0, "62", "1.5", "35", "epidemic", "assess"),
    (2, "55", "2.5", "20", "epidemic", "assess"),
    (3, "70", "0.8", "40", "supply_chain", "assess"),
    (4, "48", "1.8", "25", "epidemic", "assess"),
    (5, "30", "3.5", "32", "flood", "assess"),
    (6, "25", "5.0", "10", "epidemic", "override"),
    (7, "12", "8.0", "8", "epidemic", "assess"),
    (8, "5", "12.0", "5", "other", "refuse"),
    (9, "58", "1.0", "30", "epidemic", "wait"),
]
# The annual dues the association records for some members (理事单位 3,000, 会员单位 1,500…):
# a dues waiver grants each member its own dues; the others get the scheme's amount.
DUES = {0: "3000.00", 2: "1500.00", 3: "1500.00", 5: "1500.00", 6: "1000.00"}


def load(association: Association, staff: User, manager: User, members: list[Enterprise]) -> None:
    if HardshipAssessment.objects.filter(association=association).exists():
        return
    month = days_ago(35).date().replace(day=1)
    valid_until = days_ago(0).date() + timedelta(days=150)
    for index, drop, cash, rent, cause, what in ASSESSMENTS:
        member = members[index]
        with happened_at(days_ago(30 - index)):
            assessment = assessment_services.assessment_request(
                actor=account_of(member),
                enterprise_id=member.pk,
                association_id=association.pk,
                period=month,
                revenue_drop_percent=Decimal(drop),
                months_of_cash=Decimal(cash),
                rent_burden_percent=Decimal(rent),
                cause=cause,
                orders_lost=int(Decimal(drop)),
                workers_not_back=int(Decimal(drop)) // 5,
            )
        with happened_at(days_ago(27 - index)):
            if what == "assess":
                assessment_services.assessment_assess(
                    actor=staff, assessment_id=assessment.pk, valid_until=valid_until
                )
            elif what == "override":
                assessment_services.assessment_assess(
                    actor=staff,
                    assessment_id=assessment.pk,
                    valid_until=valid_until,
                    grade="severe",
                    reason="主要客户破产，应收账款无法收回，实际困难比数字更重。",
                )
            elif what == "refuse":
                assessment_services.assessment_refuse(
                    actor=staff,
                    assessment_id=assessment.pk,
                    reason="营业收入基本未受影响，不属于困难企业。",
                )
    with happened_at(days_ago(21)):
        for index, amount in DUES.items():
            membership = Membership.objects.get(
                association=association, enterprise_id=members[index].pk
            )
            membership_services.membership_update(
                actor=staff, membership_id=membership.pk, annual_dues=Decimal(amount)
            )
    with happened_at(days_ago(20)):
        scheme = services.scheme_create(
            actor=staff,
            association_id=association.pk,
            name="减免2020年会费（困难会员）",
            kind=ReliefScheme.Kind.DUES_WAIVED_FULL,
            grades=["severe"],
            budget=Decimal("8000.00"),
            amount_per_grant=Decimal("1500.00"),
            active_from=days_ago(20).date(),
            active_to=days_ago(0).date().replace(month=12, day=31),
        )
        half = services.scheme_create(
            actor=staff,
            association_id=association.pk,
            name="2020年会费减半（受影响会员）",
            kind=ReliefScheme.Kind.DUES_WAIVED_HALF,
            grades=["moderate"],
            budget=Decimal("3000.00"),
            amount_per_grant=Decimal("750.00"),
            active_from=days_ago(20).date(),
            active_to=days_ago(0).date().replace(month=12, day=31),
        )
    severe = [members[i].pk for i in (0, 2, 3, 6)]
    with happened_at(days_ago(18)):
        batch = services.grant_batch_propose(
            actor=staff, scheme_id=scheme.pk, enterprise_ids=severe
        )
    with happened_at(days_ago(16)):
        services.grant_batch_approve(actor=manager, batch_id=batch.pk)
    revoked = batch.grants.get(enterprise_id=members[6].pk)
    with happened_at(days_ago(5)):
        services.grant_revoke(
            actor=manager, grant_id=revoked.pk, reason="经复核，该企业已获得其他专项补助。"
        )
    with happened_at(days_ago(2)):
        services.grant_batch_propose(actor=staff, scheme_id=half.pk, enterprise_ids=[members[5].pk])
