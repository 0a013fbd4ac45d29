"""Filters only narrow what the user may already see: filtering by another association, or by a
membership status, never tells staff what another association decided about an enterprise.
An association out of scope finds nothing, as one that does not exist."""

import pytest

from associations.models import Membership
from tests.conftest import api_as
from tests.factories import EnterpriseFactory, MembershipFactory

pytestmark = pytest.mark.django_db

S = Membership.Status


@pytest.fixture
def shared(cast):
    """A Guangdong member that Zhejiang's association turned down."""
    enterprise = EnterpriseFactory(name="广州双会员电子有限公司", region_id="440106")
    MembershipFactory(enterprise=enterprise, association=cast.association, status=S.ACTIVE)
    MembershipFactory(enterprise=enterprise, association=cast.other_association, status=S.REJECTED)
    return enterprise


def listed_ids(user, url="/api/v1/enterprises/", **params) -> set[int]:
    response = api_as(user).get(url, params)
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_staff_cannot_learn_that_another_association_rejected_their_member(cast, shared):
    zhejiang = cast.other_association.pk

    assert shared.pk in listed_ids(cast.staff)  # their own member...
    assert listed_ids(cast.staff, association=zhejiang, status=S.REJECTED) == set()
    assert listed_ids(cast.staff, status=S.REJECTED) == set()
    assert listed_ids(cast.staff, association=zhejiang) == set()


def test_another_association_looks_like_one_that_does_not_exist(cast, shared):
    zhejiang = api_as(cast.staff).get(
        "/api/v1/enterprises/", {"association": cast.other_association.pk}
    )
    missing = api_as(cast.staff).get("/api/v1/enterprises/", {"association": 987654321})

    assert (zhejiang.status_code, zhejiang.json()) == (missing.status_code, missing.json())


def test_staff_filter_their_own_associations_memberships(cast, shared):
    mine = cast.association.pk

    assert shared.pk in listed_ids(cast.staff, association=mine, status=S.ACTIVE)
    assert listed_ids(cast.staff, association=mine, status=S.REJECTED) == set()
    assert shared.pk in listed_ids(cast.staff, status=S.ACTIVE)


def test_a_partner_bound_to_the_association_filters_within_it_too(cast, shared):
    zhejiang = cast.other_association.pk

    assert listed_ids(cast.partner, association=zhejiang, status=S.REJECTED) == set()


def test_an_admin_filters_every_association(cast, shared):
    zhejiang = cast.other_association.pk

    assert shared.pk in listed_ids(cast.admin, association=zhejiang, status=S.REJECTED)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/memberships/",
        "/api/v1/supply-requests/",
        "/api/v1/supply-offers/",
        "/api/v1/batches/",
        "/api/v1/applications/",
        "/api/v1/reports/",
    ],
)
def test_other_lists_filtered_by_another_association_find_nothing(cast, shared, url):
    assert listed_ids(cast.staff, url, association=cast.other_association.pk) == set()
