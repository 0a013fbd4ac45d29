"""An enterprise's contact phone is for those who act for it or for an association it is a
member of (and admins); a reader bound to a jurisdiction never gets it, whatever its role."""

import pytest

from associations.models import AssociationUser
from core.models import Role
from tests.conftest import api_as
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/enterprises/"


@pytest.fixture
def region_partner(cast):
    """A partner system bound to Guangdong (a government's system, say), not to an
    association."""
    return UserFactory(username="gd_partner", role=Role.PARTNER, jurisdiction_id="440000")


@pytest.fixture
def region_and_association_partner(cast):
    """A partner bound to Guangdong that also acts for the cast association."""
    partner = UserFactory(username="gd_assoc_partner", role=Role.PARTNER, jurisdiction_id="440000")
    AssociationUser.objects.create(user=partner, association=cast.association)
    return partner


def listed(user) -> dict[int, dict]:
    response = api_as(user).get(URL)
    assert response.status_code == 200, response.content
    return {row["id"]: row for row in response.json()["results"]}


def test_a_partner_bound_to_a_jurisdiction_lists_enterprises_without_their_phones(
    cast, region_partner
):
    rows = listed(region_partner)

    assert cast.member.pk in rows  # it reads the region's enterprises...
    assert {row["contact_phone"] for row in rows.values()} == {None}  # ...not their phones
    assert "13800138000" not in api_as(region_partner).get(URL).content.decode()


def test_a_partner_bound_to_a_jurisdiction_reads_one_enterprise_without_its_phone(
    cast, region_partner
):
    response = api_as(region_partner).get(f"{URL}{cast.member.pk}/")

    assert response.status_code == 200
    assert response.json()["contact_phone"] is None
    assert response.json()["contact_name"] == "张三"  # as officials read it


def test_a_jurisdiction_bound_partner_acting_for_an_association_still_gets_no_phone(
    cast, region_and_association_partner
):
    rows = listed(region_and_association_partner)

    assert rows[cast.member.pk]["contact_phone"] is None


def test_officials_get_no_phone(cast):
    assert listed(cast.official)[cast.member.pk]["contact_phone"] is None


@pytest.mark.parametrize("role", ["enterprise_user", "staff", "partner", "admin"])
def test_those_who_act_for_the_enterprise_or_its_association_get_its_phone(cast, role):
    rows = listed(cast.by_role(role))

    assert rows[cast.member.pk]["contact_phone"] == "13800138000"
