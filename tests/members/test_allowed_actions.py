"""Who may decide on a membership, answered in one place (associations.access): the API's
`allowed_actions`, the buttons of the membership page and what the services accept all agree.
The same for an enterprise's page ("edit") and an association's ("edit", "invite")."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from associations import access
from associations.models import Membership
from tests.conftest import api_as
from tests.factories import EnterpriseFactory, MembershipFactory

pytestmark = pytest.mark.django_db

S = Membership.Status

# The roles of the cast, each in their relation to the cast member's membership of the cast
# association: its enterprise's user, its association's side, another association's staff, the
# officials of its province and of another.
ROLES = [
    "enterprise_user",
    "outsider",
    "staff",
    "manager",
    "other_staff",
    "partner",
    "official",
    "other_official",
    "admin",
]
STATUSES = [S.PENDING, S.INVITED, S.ACTIVE, S.SUSPENDED, S.LEFT, S.REJECTED, S.DECLINED]
ASSOCIATION_SIDE = ("staff", "manager", "partner", "admin")
NOT_SEEN_BY = ("outsider", "other_staff", "other_official")

# What each role may do, by status; roles not listed may do nothing (or do not see it at all).
EXPECTED = {
    (S.PENDING, ASSOCIATION_SIDE): ["approve", "reject", "leave"],
    (S.ACTIVE, ASSOCIATION_SIDE): ["suspend", "leave"],
    (S.SUSPENDED, ASSOCIATION_SIDE): ["reinstate", "leave"],
    # An invitation: the enterprise (it has a user of its own, who answers for it) accepts or
    # declines; the inviting association withdraws it; an admin may do either.
    (S.INVITED, ("admin",)): ["accept", "decline", "leave"],
    (S.INVITED, ("enterprise_user",)): ["accept", "decline"],
    (S.INVITED, ASSOCIATION_SIDE): ["leave"],
    # The enterprise withdraws its request, or leaves.
    (S.PENDING, ("enterprise_user",)): ["leave"],
    (S.ACTIVE, ("enterprise_user",)): ["leave"],
    (S.SUSPENDED, ("enterprise_user",)): ["leave"],
}


def expected_actions(role: str, status: str) -> list[str]:
    for (where, roles), actions in EXPECTED.items():
        if where == status and role in roles:
            return actions
    return []


def the_membership(cast, status: str) -> Membership:
    membership = Membership.objects.get(association=cast.association, enterprise=cast.member)
    Membership.objects.filter(pk=membership.pk).update(status=status)
    membership.refresh_from_db()
    return membership


# The page's buttons: each one names its action (history rows name events, not buttons).
BUTTON = re.compile(r'<(?:button|a)\b[^>]*\bdata-action="([^"]+)"')


def buttons_on(user, url: str) -> list[str] | None:
    """The actions of the buttons on the page, or None if the user does not see it."""
    client = Client()
    client.force_login(user)
    response = client.get(url)
    if response.status_code == 404:
        return None
    assert response.status_code == 200
    return sorted(BUTTON.findall(response.content.decode()))


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("role", ROLES)
def test_allowed_actions_follow_the_side_and_the_status(cast, role, status):
    membership = the_membership(cast, status)
    assert access.allowed_actions(cast.by_role(role), membership) == expected_actions(role, status)


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("role", ROLES)
def test_the_membership_page_shows_exactly_the_buttons_of_the_api_s_allowed_actions(
    cast, role, status
):
    membership = the_membership(cast, status)
    user = cast.by_role(role)

    response = api_as(user).get(f"/api/v1/memberships/{membership.pk}/")
    page = buttons_on(user, reverse("membership-detail", args=[membership.pk]))

    if role in NOT_SEEN_BY:
        assert (response.status_code, page) == (404, None)
        return
    assert response.status_code == 200
    assert response.json()["allowed_actions"] == expected_actions(role, status)
    assert page == sorted(expected_actions(role, status))


BODIES = {"reject": {"reason": "不在本会业务范围"}, "suspend": {"reason": "欠缴会费"}}


@pytest.mark.parametrize(
    "action", ["approve", "reject", "suspend", "reinstate", "leave", "accept", "decline"]
)
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("role", ["enterprise_user", "staff", "partner", "official", "admin"])
def test_the_api_takes_exactly_the_allowed_actions(cast, role, status, action):
    membership = the_membership(cast, status)

    response = api_as(cast.by_role(role)).post(
        f"/api/v1/memberships/{membership.pk}/{action}/", BODIES.get(action, {}), format="json"
    )

    if action in expected_actions(role, status):
        assert response.status_code == 200, response.json()
        assert response.json()["status"] != status
    else:
        assert response.status_code in (403, 409), response.json()
        membership.refresh_from_db()
        assert membership.status == status


# --- the enterprise's and the association's pages ----------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_enterprise_page_offers_editing_exactly_when_the_api_does(cast, role):
    user = cast.by_role(role)

    response = api_as(user).get(f"/api/v1/enterprises/{cast.member.pk}/")
    page = buttons_on(user, reverse("enterprise-detail", args=[cast.member.pk]))

    if role in NOT_SEEN_BY:
        assert (response.status_code, page) == (404, None)
        return
    # It has a user of its own: they and admins edit it; its association's side and officials
    # read it.
    editors = ("enterprise_user", "admin")
    assert response.json()["allowed_actions"] == (["edit"] if role in editors else [])
    assert page == response.json()["allowed_actions"]


@pytest.mark.parametrize("role", ROLES)
def test_the_page_of_a_member_without_users_offers_editing_to_the_association_that_keeps_it(
    cast, role
):
    # Registered by the cast association, no users of its own, and a member of the other
    # association too: the registering association's side keeps its record, the other reads it.
    enterprise = EnterpriseFactory()
    MembershipFactory(enterprise=enterprise, association=cast.association)
    MembershipFactory(enterprise=enterprise, association=cast.other_association)
    user = cast.by_role(role)

    response = api_as(user).get(f"/api/v1/enterprises/{enterprise.pk}/")
    page = buttons_on(user, reverse("enterprise-detail", args=[enterprise.pk]))

    if role in ("enterprise_user", "outsider", "other_official"):
        assert (response.status_code, page) == (404, None)
        return
    assert response.json()["allowed_actions"] == (["edit"] if role in ASSOCIATION_SIDE else [])
    assert page == response.json()["allowed_actions"]


@pytest.mark.parametrize("role", ROLES)
def test_the_association_page_offers_what_the_api_says_its_managers_may_do(cast, role):
    user = cast.by_role(role)

    response = api_as(user).get(f"/api/v1/associations/{cast.association.pk}/")
    page = buttons_on(user, reverse("association-detail", args=[cast.association.pk]))

    expected = ["edit", "invite"] if role in ("manager", "admin") else []
    assert response.json()["allowed_actions"] == expected
    assert page == expected
