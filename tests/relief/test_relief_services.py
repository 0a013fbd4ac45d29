"""Hardship grading, grant batches decided all or none within the budget, and the ledger."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from core.errors import DomainError, TransitionNotAllowed
from core.models import Event, Role
from relief import assessment_services, selectors, services
from relief.models import HardshipAssessment, ReliefGrant, ReliefScheme
from tests.concurrency import run_together
from tests.factories import AssociationFactory, MembershipFactory, UserFactory, staff_of

pytestmark = pytest.mark.django_db


def _scheme(association, budget="1000.00", amount="400.00") -> ReliefScheme:
    return ReliefScheme.objects.create(
        association=association,
        name="Subsidy",
        kind=ReliefScheme.Kind.SUBSIDY,
        grades=["severe"],
        budget=Decimal(budget),
        amount_per_grant=Decimal(amount),
        active_from=date(2026, 1, 1),
        active_to=date(2026, 12, 31),
    )


def _members(association, count: int) -> list[int]:
    """Active members assessed severe by the association, still valid: eligible for _scheme."""
    ids = []
    for _ in range(count):
        membership = MembershipFactory(association=association, status="active")
        HardshipAssessment.objects.create(
            enterprise_id=membership.enterprise_id,
            association=association,
            period=date(2026, 2, 1),
            revenue_drop_percent=Decimal("60"),
            months_of_cash=Decimal("1.0"),
            cause="epidemic",
            computed_grade="severe",
            grade="severe",
            status="assessed",
            valid_until=date(2099, 12, 31),
            requested_by=UserFactory(),
        )
        ids.append(membership.enterprise_id)
    return ids


def _request(drop="55", cash="5"):
    membership = MembershipFactory()
    owner = UserFactory(role=Role.ENTERPRISE, enterprise=membership.enterprise)
    assessment = assessment_services.assessment_request(
        actor=owner,
        enterprise_id=membership.enterprise_id,
        association_id=membership.association_id,
        period=date(2026, 3, 17),
        revenue_drop_percent=Decimal(drop),
        months_of_cash=Decimal(cash),
        cause=HardshipAssessment.Cause.FLOOD,
    )
    return assessment, membership.association


def test_half_the_revenue_gone_is_graded_severe_for_the_first_of_the_month():
    assessment, association = _request(drop="50", cash="6")
    staff = staff_of(association)
    assessment_services.assessment_assess(
        actor=staff, assessment_id=assessment.pk, valid_until=date(2026, 6, 30)
    )
    assessment.refresh_from_db()
    assert (assessment.grade, assessment.period) == ("severe", date(2026, 3, 1))


def test_staff_grading_otherwise_must_say_why_and_the_event_keeps_both_grades():
    assessment, association = _request(drop="10", cash="8")
    staff = staff_of(association)
    with pytest.raises(DomainError):
        assessment_services.assessment_assess(
            actor=staff, assessment_id=assessment.pk, valid_until=date(2026, 6, 30), grade="severe"
        )
    assessment_services.assessment_assess(
        actor=staff,
        assessment_id=assessment.pk,
        valid_until=date(2026, 6, 30),
        grade="severe",
        reason="Main customer went bankrupt",
    )
    event = Event.objects.get(action="hardshipassessment.assessed")
    assert event.changes["grade"] == ["mild", "severe"]
    assert event.reason == "Main customer went bankrupt"


def test_staff_of_another_association_cannot_grade():
    assessment, _ = _request()
    with pytest.raises(PermissionDenied):
        assessment_services.assessment_assess(
            actor=staff_of(AssociationFactory()),
            assessment_id=assessment.pk,
            valid_until=date(2026, 6, 30),
        )


def test_a_batch_over_the_budget_is_refused_whole_and_a_plain_staff_member_cannot_approve():
    association = AssociationFactory()
    scheme = _scheme(association)
    batch = services.grant_batch_propose(
        actor=staff_of(association), scheme_id=scheme.pk, enterprise_ids=_members(association, 3)
    )
    with pytest.raises(PermissionDenied):
        services.grant_batch_approve(actor=staff_of(association), batch_id=batch.pk)
    with pytest.raises(DomainError):
        services.grant_batch_approve(actor=staff_of(association, manager=True), batch_id=batch.pk)
    assert not ReliefGrant.objects.filter(status=ReliefGrant.Status.GRANTED).exists()


def test_the_ledger_adds_granted_revoked_and_remaining_exactly():
    association = AssociationFactory()
    scheme = _scheme(association, budget="1000.00", amount="333.33")
    manager = staff_of(association, manager=True)
    batch = services.grant_batch_propose(
        actor=manager, scheme_id=scheme.pk, enterprise_ids=_members(association, 3)
    )
    services.grant_batch_approve(actor=manager, batch_id=batch.pk)
    services.grant_revoke(actor=manager, grant_id=batch.grants.first().pk, reason="Closed down")
    with pytest.raises(TransitionNotAllowed):
        services.grant_batch_approve(actor=manager, batch_id=batch.pk)
    [row] = selectors.ledger(selectors.schemes_for(manager))
    assert (row["granted"], row["revoked"], row["remaining"]) == (
        Decimal("666.66"),
        Decimal("333.33"),
        Decimal("333.34"),
    )
    assert selectors.ledger(selectors.schemes_for(staff_of(AssociationFactory()))) == []


@pytest.mark.django_db(transaction=True)
def test_two_managers_approving_two_batches_at_once_cannot_overrun_the_budget():
    association = AssociationFactory()
    scheme = _scheme(association, budget="1000.00", amount="400.00")
    staff = staff_of(association)
    batches = [
        services.grant_batch_propose(
            actor=staff, scheme_id=scheme.pk, enterprise_ids=_members(association, 2)
        )
        for _ in range(2)
    ]
    managers = [staff_of(association, manager=True) for _ in range(2)]
    outcomes = run_together(
        [
            lambda m=m, b=b: services.grant_batch_approve(actor=m, batch_id=b.pk)
            for m, b in zip(managers, batches, strict=True)
        ]
    )
    assert sorted(kind for kind, _ in outcomes) == ["error", "ok"]
    assert services.granted_total(scheme.pk) == Decimal("800.00")


def test_a_dues_scheme_grants_each_members_recorded_dues_or_half_of_them():
    """A chamber waiving dues: each grant is what the member pays (half of it, rounded half up
    to the fen, for a half waiver); a member whose dues are not recorded gets the scheme's
    amount; the ledger adds the grants up exactly."""
    association = AssociationFactory()
    paying, halving, unrecorded = _members(association, 3)
    Membership = MembershipFactory._meta.model
    Membership.objects.filter(enterprise_id=paying).update(annual_dues=Decimal("5000.00"))
    Membership.objects.filter(enterprise_id=halving).update(annual_dues=Decimal("1234.55"))
    manager = staff_of(association, manager=True)
    amounts = {}
    for kind in (ReliefScheme.Kind.DUES_WAIVED_FULL, ReliefScheme.Kind.DUES_WAIVED_HALF):
        scheme = _scheme(association, budget="100000.00", amount="800.00")
        ReliefScheme.objects.filter(pk=scheme.pk).update(kind=kind)
        batch = services.grant_batch_propose(
            actor=staff_of(association),
            scheme_id=scheme.pk,
            enterprise_ids=[paying, halving, unrecorded],
        )
        services.grant_batch_approve(actor=manager, batch_id=batch.pk)
        amounts[kind] = dict(batch.grants.values_list("enterprise_id", "amount"))
        (row,) = selectors.ledger(ReliefScheme.objects.filter(pk=scheme.pk))
        assert row["granted"] == sum(amounts[kind].values())
    assert amounts[ReliefScheme.Kind.DUES_WAIVED_FULL] == {
        paying: Decimal("5000.00"),
        halving: Decimal("1234.55"),
        unrecorded: Decimal("800.00"),
    }
    assert amounts[ReliefScheme.Kind.DUES_WAIVED_HALF] == {
        paying: Decimal("2500.00"),
        halving: Decimal("617.28"),
        unrecorded: Decimal("800.00"),
    }


def test_a_subsidy_ignores_the_dues():
    association = AssociationFactory()
    (member,) = _members(association, 1)
    MembershipFactory._meta.model.objects.filter(enterprise_id=member).update(
        annual_dues=Decimal("5000.00")
    )
    scheme = _scheme(association)
    batch = services.grant_batch_propose(
        actor=staff_of(association), scheme_id=scheme.pk, enterprise_ids=[member]
    )
    assert [g.amount for g in batch.grants.all()] == [Decimal("400.00")]
