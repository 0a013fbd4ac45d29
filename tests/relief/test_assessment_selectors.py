"""Hardship assessments read: who sees which, the staff's queue, and the hardest-hit list
(latest assessed assessment severe and still valid, with the relief granted) for the staff
side per association and for officials per jurisdiction, in a constant number of queries."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import Role
from relief import assessment_selectors
from relief.models import HardshipAssessment, ReliefGrant, ReliefGrantBatch, ReliefScheme
from tests.factories import (
    AssociationFactory,
    EnterpriseFactory,
    MembershipFactory,
    UserFactory,
    staff_of,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 5)


def assessed(enterprise, association, *, period=date(2026, 10, 1), grade="severe", **more):
    values = {
        "revenue_drop_percent": Decimal("60"),
        "months_of_cash": Decimal("1"),
        "cause": "flood",
        "computed_grade": grade,
        "grade": grade,
        "valid_until": TODAY + timedelta(days=30),
        "status": "assessed",
        **more,
    }
    return HardshipAssessment.objects.create(
        enterprise=enterprise,
        association=association,
        period=period,
        requested_by=UserFactory(),
        **values,
    )


def grant(enterprise, association, amount, *, status="granted", name="会费全免"):
    scheme = ReliefScheme.objects.create(
        association=association,
        name=name,
        kind=ReliefScheme.Kind.DUES_WAIVED_FULL,
        grades=["severe"],
        budget=Decimal("100000"),
        amount_per_grant=Decimal(amount),
        active_from=date(2026, 1, 1),
        active_to=date(2026, 12, 31),
    )
    batch = ReliefGrantBatch.objects.create(scheme=scheme, proposed_by=UserFactory())
    return ReliefGrant.objects.create(
        batch=batch, scheme=scheme, enterprise=enterprise, amount=Decimal(amount), status=status
    )


def listed(user, **filters):
    rows = assessment_selectors.hardest_hit(user, today=TODAY, **filters)
    return assessment_selectors.with_scheme_names(user, list(rows))


def test_the_list_holds_the_latest_assessed_severe_and_still_valid_only():
    association = AssociationFactory()
    staff = staff_of(association)
    hit, expired, recovered, waiting = (EnterpriseFactory() for _ in range(4))
    for enterprise in (hit, expired, recovered, waiting):
        MembershipFactory(enterprise=enterprise, association=association)
    assessed(hit, association)
    assessed(expired, association, valid_until=TODAY - timedelta(days=1))
    assessed(recovered, association, period=date(2026, 9, 1))
    assessed(recovered, association, grade="mild")  # the later month says mild
    assessed(waiting, association, status="requested", grade="", valid_until=None)
    # a later month still waiting for its grade does not hide the severe one
    assessed(hit, association, period=date(2026, 11, 1), status="requested", grade="")
    assert [row.enterprise for row in listed(staff)] == [hit]
    # valid until today is still valid
    HardshipAssessment.objects.filter(enterprise=expired).update(valid_until=TODAY)
    assert {row.enterprise for row in listed(staff)} == {hit, expired}


def test_relief_granted_adds_granted_grants_only_with_their_schemes_names():
    association = AssociationFactory()
    staff = staff_of(association)
    enterprise = EnterpriseFactory()
    MembershipFactory(enterprise=enterprise, association=association)
    assessed(enterprise, association)
    grant(enterprise, association, "1200.50", name="会费全免")
    grant(enterprise, association, "333.33", name="房租减免转介")
    grant(enterprise, association, "999.00", status="revoked", name="已撤销")
    grant(enterprise, association, "50.00", status="proposed", name="待批")
    [row] = listed(staff)
    assert row.relief_total == Decimal("1533.83")
    assert row.relief_grants == 2
    assert row.relief_schemes == ["会费全免", "房租减免转介"]


def test_staff_list_their_associations_only_and_each_association_its_own_relief():
    ours, theirs = AssociationFactory(), AssociationFactory()
    both = EnterpriseFactory()
    for association in (ours, theirs):
        MembershipFactory(enterprise=both, association=association)
    assessed(both, ours)
    assessed(both, theirs)
    grant(both, ours, "100.00", name="我们的")
    grant(both, theirs, "700.00", name="他们的")
    [row] = listed(staff_of(ours))
    assert (row.association, row.relief_total, row.relief_schemes) == (
        ours,
        Decimal("100.00"),
        ["我们的"],
    )
    assert listed(staff_of(ours), association_id=theirs.pk) == []


def test_officials_list_their_jurisdiction_across_associations_one_row_per_enterprise():
    guangdong, zhejiang = AssociationFactory(), AssociationFactory(region_id="330100")
    in_guangzhou = EnterpriseFactory(region_id="440106")
    in_hangzhou = EnterpriseFactory(region_id="330106")
    assessed(in_guangzhou, guangdong, period=date(2026, 9, 1))
    assessed(in_guangzhou, zhejiang, period=date(2026, 10, 1))  # the latest, elsewhere
    assessed(in_hangzhou, zhejiang)
    grant(in_guangzhou, guangdong, "100.00", name="粤")
    grant(in_guangzhou, zhejiang, "200.00", name="浙")
    official = UserFactory(role=Role.OFFICIAL, jurisdiction_id="440000")
    [row] = listed(official)
    assert (row.enterprise, row.association) == (in_guangzhou, zhejiang)
    assert (row.relief_total, row.relief_schemes) == (Decimal("300.00"), ["浙", "粤"])
    assert [
        r.enterprise for r in listed(UserFactory(role=Role.OFFICIAL, jurisdiction_id="330000"))
    ] == [in_hangzhou]
    assert listed(UserFactory(role=Role.OFFICIAL, jurisdiction_id="110000")) == []


def test_enterprise_users_and_outsiders_list_nothing():
    association = AssociationFactory()
    enterprise = EnterpriseFactory()
    assessed(enterprise, association)
    assert listed(UserFactory(role=Role.ENTERPRISE, enterprise=enterprise)) == []
    assert listed(UserFactory(role=Role.ENTERPRISE)) == []


def test_the_list_reads_in_a_constant_number_of_queries(django_assert_max_num_queries):
    association = AssociationFactory()
    staff = staff_of(association)

    def add(count):
        for _ in range(count):
            enterprise = EnterpriseFactory()
            assessed(enterprise, association)
            grant(enterprise, association, "10.00")

    add(2)
    staff = type(staff).objects.get(pk=staff.pk)
    with django_assert_max_num_queries(6) as few:
        assert len(listed(staff)) == 2
    add(20)
    staff = type(staff).objects.get(pk=staff.pk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(listed(staff)) == 22


def test_the_queue_puts_waiting_requests_first_the_oldest_first_and_hides_others():
    association = AssociationFactory()
    staff = staff_of(association)
    enterprise = EnterpriseFactory()
    now = timezone.now()
    done = assessed(enterprise, association, period=date(2026, 8, 1))
    newer = assessed(enterprise, association, period=date(2026, 9, 1), status="requested")
    older = assessed(enterprise, association, period=date(2026, 10, 1), status="requested")
    HardshipAssessment.objects.filter(pk=older.pk).update(created_at=now - timedelta(days=3))
    HardshipAssessment.objects.filter(pk=newer.pk).update(created_at=now - timedelta(days=1))
    HardshipAssessment.objects.filter(pk=done.pk).update(created_at=now - timedelta(days=9))
    assessed(EnterpriseFactory(), AssociationFactory())  # another association's
    assert list(assessment_selectors.staff_queue(staff)) == [older, newer, done]
    assert list(assessment_selectors.staff_queue(staff, status="assessed")) == [done]
    assert list(assessment_selectors.staff_queue(staff, period=date(2026, 9, 17))) == [newer]


def test_officials_read_no_assessment_by_name():
    enterprise = EnterpriseFactory(region_id="440106")
    assessed(enterprise, AssociationFactory())
    official = UserFactory(role=Role.OFFICIAL, jurisdiction_id="440000")
    assert not assessment_selectors.visible_assessments(official).exists()
