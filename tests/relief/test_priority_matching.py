"""Priority matching: while a granted priority scheme holds, the enterprise's needs with the
association rank above an equal need filed earlier (the queue's order); a need filed meanwhile
too; revoked, or past the scheme's last day, they rank as others again."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from relief import services
from relief.models import ReliefScheme
from supplies import services as supplies
from supplies.models import Need, SupplyItem
from supplies.selectors import need_queue
from supplies.services.priority import end_passed
from tests.factories import UserFactory
from tests.relief.test_eligibility import _assess, _member

pytestmark = pytest.mark.django_db


def _need(user, association) -> Need:
    return supplies.need_file(
        actor=user,
        kind=Need.Kind.SUPPLY,
        association_id=association.pk,
        item=SupplyItem.objects.get(code="mask-medical"),
        quantity=Decimal("100"),
        needed_by=timezone.localdate() + timedelta(days=10),
    )


def _queue(cast) -> list[int]:
    return list(need_queue(user=cast.staff).values_list("pk", flat=True))


def test_a_priority_grant_raises_the_members_needs_while_it_holds(cast):
    association = cast.association
    other = _member(association)
    other_user = UserFactory(role="enterprise", enterprise=other)
    earlier = _need(other_user, association)
    hard_hit = _member(association)
    _assess(hard_hit, association, "severe", valid=date(2099, 1, 1))
    hit_user = UserFactory(role="enterprise", enterprise=hard_hit)
    later = _need(hit_user, association)
    assert _queue(cast) == [earlier.pk, later.pk]

    scheme = ReliefScheme.objects.create(
        association=association,
        name="优先对接",
        kind=ReliefScheme.Kind.PRIORITY_MATCHING,
        grades=["severe"],
        budget=Decimal("1.00"),
        amount_per_grant=Decimal("0.01"),
        active_from=date(2026, 1, 1),
        active_to=timezone.localdate() + timedelta(days=30),
    )
    batch = services.grant_batch_propose(
        actor=cast.staff, scheme_id=scheme.pk, enterprise_ids=[hard_hit.pk]
    )
    services.grant_batch_approve(actor=cast.manager, batch_id=batch.pk)
    assert _queue(cast) == [later.pk, earlier.pk]
    filed_meanwhile = _need(hit_user, association)
    assert _queue(cast)[:2] == [later.pk, filed_meanwhile.pk]

    grant = scheme.grants.get()
    services.grant_revoke(actor=cast.manager, grant_id=grant.pk, reason="已恢复经营")
    assert _queue(cast) == [earlier.pk, later.pk, filed_meanwhile.pk]


def test_priority_ends_on_the_schemes_last_day(cast):
    association = cast.association
    hard_hit = _member(association)
    _assess(hard_hit, association, "severe", valid=date(2099, 1, 1))
    user = UserFactory(role="enterprise", enterprise=hard_hit)
    need = _need(user, association)
    scheme = ReliefScheme.objects.create(
        association=association,
        name="优先对接",
        kind=ReliefScheme.Kind.PRIORITY_MATCHING,
        grades=["severe"],
        budget=Decimal("1.00"),
        amount_per_grant=Decimal("0.01"),
        active_from=date(2026, 1, 1),
        active_to=timezone.localdate() + timedelta(days=3),
    )
    batch = services.grant_batch_propose(
        actor=cast.staff, scheme_id=scheme.pk, enterprise_ids=[hard_hit.pk]
    )
    services.grant_batch_approve(actor=cast.manager, batch_id=batch.pk)
    boosted = Need.objects.get(pk=need.pk).rank_at
    assert end_passed(timezone.localdate() + timedelta(days=3)) == 0  # its last day: holds
    end_passed(timezone.localdate() + timedelta(days=4))
    need.refresh_from_db()
    assert need.priority_until is None and need.rank_at == boosted + Need.PRIORITY_BOOST
