"""A user's scope: computed once, the same four branches for every list."""

import pytest

from associations.models import Membership
from core.access import is_admin, scope_of
from core.models import Role

pytestmark = pytest.mark.django_db


def _members(user):
    return set(
        scope_of(user)
        .filter(
            Membership.objects.all(),
            enterprise="enterprise_id",
            association="association_id",
            region="enterprise__region__path",
        )
        .values_list("enterprise_id", flat=True)
    )


def test_each_role_sees_its_own_branch(cast):
    assert _members(cast.admin) == {cast.member.pk, cast.other_member.pk}
    assert _members(cast.enterprise_user) == {cast.member.pk}
    assert _members(cast.staff) == {cast.member.pk}
    assert _members(cast.other_staff) == {cast.other_member.pk}
    assert _members(cast.official) == {cast.member.pk}
    assert _members(cast.other_official) == {cast.other_member.pk}
    assert _members(cast.partner) == {cast.member.pk}
    assert _members(cast.outsider) == set()


def test_a_branch_without_a_lookup_sees_nothing(cast):
    only_associations = scope_of(cast.official).filter(
        Membership.objects.all(), association="association_id"
    )
    assert not only_associations.exists()


def test_staff_work_for_and_managers_manage_their_association_only(cast):
    assert scope_of(cast.staff).works_for(cast.association.pk)
    assert not scope_of(cast.staff).works_for(cast.other_association.pk)
    assert not scope_of(cast.staff).manages(cast.association.pk)
    assert scope_of(cast.manager).manages(cast.association.pk)
    assert scope_of(cast.admin).manages(cast.other_association.pk)


def test_the_scope_follows_a_changed_role(cast):
    user = cast.outsider
    assert scope_of(user).kind == "enterprise"
    user.role = Role.OFFICIAL
    user.jurisdiction_id = "440000"
    assert scope_of(user).kind == "jurisdiction"
    assert not is_admin(user)
    user.is_superuser = True
    assert is_admin(user) and scope_of(user).is_admin


def test_a_partner_bound_to_a_jurisdiction_still_acts_for_its_association(cast):
    partner = cast.partner
    partner.jurisdiction_id = "440000"
    scope = scope_of(partner)
    assert scope.kind == "jurisdiction"
    assert scope.works_for(cast.association.pk)
    assert not scope.works_for(cast.other_association.pk)
