"""Who a relief scheme may grant to: active members of its association whose latest valid
assessment has a grade the scheme names, of its sizes, inside its regions and of its industries,
holding no grant of it yet; computed in one query whatever the number of members."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import DomainError
from relief import selectors, services
from relief.models import HardshipAssessment, ReliefScheme
from tests.factories import EnterpriseFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 1)


def _member(association, *, region="440106", industry="39", size="small", status="active"):
    enterprise = EnterpriseFactory(region_id=region, industry_id=industry, size=size)
    MembershipFactory(enterprise=enterprise, association=association, status=status)
    return enterprise


def _assess(enterprise, association, grade, *, period=date(2026, 3, 1), valid=date(2026, 12, 31)):
    return HardshipAssessment.objects.create(
        enterprise=enterprise,
        association=association,
        period=period,
        revenue_drop_percent=Decimal("60"),
        months_of_cash=Decimal("1.0"),
        cause="epidemic",
        computed_grade=grade,
        grade=grade,
        status="assessed",
        valid_until=valid,
        requested_by=UserFactory(),
    )


def _scheme(association, **values) -> ReliefScheme:
    regions = values.pop("regions", [])
    industries = values.pop("industries", [])
    scheme = ReliefScheme.objects.create(
        association=association,
        name="会费全免",
        kind="dues_full",
        grades=values.pop("grades", ["severe"]),
        budget=Decimal("10000.00"),
        amount_per_grant=Decimal("1000.00"),
        active_from=date(2026, 1, 1),
        active_to=values.pop("active_to", date(2026, 12, 31)),
        **values,
    )
    scheme.regions.set(regions)
    scheme.industries.set(industries)
    return scheme


def test_each_rule_of_a_scheme_narrows_who_is_eligible(cast):
    association = cast.association
    severe = _member(association)
    _assess(severe, association, "severe")
    mild = _member(association)
    _assess(mild, association, "mild")
    later_mild = _member(association)  # severe before, mild in its latest assessment
    _assess(later_mild, association, "severe", period=date(2026, 2, 1))
    _assess(later_mild, association, "mild", period=date(2026, 4, 1))
    expired = _member(association)
    _assess(expired, association, "severe", valid=date(2026, 5, 31))
    left = _member(association, status="left")
    _assess(left, association, "severe")
    elsewhere = _member(cast.other_association)
    _assess(elsewhere, cast.other_association, "severe")
    medium_hangzhou = _member(association, region="330106", industry="18", size="medium")
    _assess(medium_hangzhou, association, "severe")

    def eligible(scheme):
        return set(selectors.eligible_enterprises(scheme, today=TODAY).values_list("pk", flat=True))

    assert eligible(_scheme(association)) == {severe.pk, medium_hangzhou.pk}
    assert eligible(_scheme(association, grades=["severe", "mild"])) == {
        severe.pk,
        mild.pk,
        later_mild.pk,
        medium_hangzhou.pk,
    }
    assert eligible(_scheme(association, sizes=["small"])) == {severe.pk}
    assert eligible(_scheme(association, regions=["330000"])) == {medium_hangzhou.pk}
    assert eligible(_scheme(association, industries=["C"])) == {severe.pk, medium_hangzhou.pk}
    assert eligible(_scheme(association, industries=["39"])) == {severe.pk}
    row = selectors.eligible_enterprises(_scheme(association), today=TODAY).get(pk=severe.pk)
    assert row.grade == "severe"


def test_eligibility_is_one_query_whatever_the_number_of_members(cast):
    association = cast.association
    scheme = _scheme(association, regions=["440000"], industries=["C"], sizes=["small"])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            list(selectors.eligible_enterprises(scheme, today=TODAY))
        return len(captured.captured_queries)

    for _ in range(2):
        _assess(_member(association), association, "severe")
    few = queries()
    for _ in range(20):
        _assess(_member(association), association, "severe")
    assert queries() == few
    assert len(selectors.eligible_enterprises(scheme, today=TODAY)) == 22


def test_a_grant_is_proposed_only_to_enterprises_eligible_now_and_once(cast):
    association = cast.association
    ok = _member(association)
    _assess(ok, association, "severe", valid=date(2099, 1, 1))
    not_assessed = _member(association)
    scheme = _scheme(association, active_to=date(2099, 1, 1))
    with pytest.raises(DomainError) as refused:
        services.grant_batch_propose(
            actor=cast.staff, scheme_id=scheme.pk, enterprise_ids=[ok.pk, not_assessed.pk]
        )
    assert not_assessed.name in refused.value.message
    services.grant_batch_propose(actor=cast.staff, scheme_id=scheme.pk, enterprise_ids=[ok.pk])
    with pytest.raises(DomainError):  # proposed already: not twice
        services.grant_batch_propose(actor=cast.staff, scheme_id=scheme.pk, enterprise_ids=[ok.pk])


def test_schemes_are_kept_by_their_association_with_clear_errors(cast):
    from django.core.exceptions import PermissionDenied

    values = {
        "name": "会费减半",
        "kind": "dues_half",
        "grades": ["moderate"],
        "budget": "5000.00",
        "amount_per_grant": "500.00",
        "active_from": date(2026, 1, 1),
        "active_to": date(2026, 12, 31),
    }
    with pytest.raises(PermissionDenied):
        services.scheme_create(actor=cast.other_staff, association_id=cast.association.pk, **values)
    with pytest.raises(DomainError) as refused:
        services.scheme_create(
            actor=cast.staff,
            association_id=cast.association.pk,
            **{**values, "grades": [], "budget": "12.345", "active_to": date(2025, 1, 1)},
        )
    assert set(refused.value.fields) == {"grades", "budget", "active_to"}
    scheme = services.scheme_create(
        actor=cast.staff, association_id=cast.association.pk, regions=["440100"], **values
    )
    assert scheme.budget == Decimal("5000.00")
    manager = cast.manager
    member = _member(cast.association)
    _assess(member, cast.association, "moderate", valid=date(2099, 1, 1))
    batch = services.grant_batch_propose(
        actor=cast.staff, scheme_id=scheme.pk, enterprise_ids=[member.pk]
    )
    services.grant_batch_approve(actor=manager, batch_id=batch.pk)
    with pytest.raises(DomainError) as refused:
        services.scheme_update(actor=cast.staff, scheme_id=scheme.pk, budget="100.00")
    assert "budget" in refused.value.fields
