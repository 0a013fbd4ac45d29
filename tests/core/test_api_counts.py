"""API list counts past COUNT_KEPT_FROM rows are kept COUNT_KEPT_SECONDS per query (decision
0032), yet a caller who just wrote sees their own change in the count at once, and the others
with them."""

import pytest

from core import pagination
from tests.factories import EnterpriseFactory, MembershipFactory
from tests.members.api.test_members_api import client_for, enterprise_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept_from_two(monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_KEPT_FROM", 2)


def counted(client) -> int:
    response = client.get("/api/v1/enterprises/")
    assert response.status_code == 200
    return response.json()["count"]


def test_a_kept_count_is_counted_afresh_for_the_caller_who_wrote(cast, kept_from_two):
    for _ in range(3):
        MembershipFactory(enterprise=EnterpriseFactory(), association=cast.association)
    staff, manager = client_for(cast.staff), client_for(cast.manager)
    before = counted(manager)
    assert counted(staff) == before >= 3

    # Changed outside the API (a script): the kept count stands for its seconds.
    MembershipFactory(enterprise=EnterpriseFactory(), association=cast.association)
    assert counted(manager) == before

    # The staff member registers one through the API: their next page counts afresh...
    assert staff.post("/api/v1/enterprises/", enterprise_body()).status_code == 201
    assert counted(staff) == before + 2
    # ...and keeps that count for the colleague too.
    assert counted(manager) == before + 2


def test_a_refused_write_leaves_the_kept_count(cast, kept_from_two):
    for _ in range(3):
        MembershipFactory(enterprise=EnterpriseFactory(), association=cast.association)
    staff = client_for(cast.staff)
    before = counted(staff)
    MembershipFactory(enterprise=EnterpriseFactory(), association=cast.association)
    assert staff.post("/api/v1/enterprises/", enterprise_body(uscc="bad")).status_code == 400
    assert counted(staff) == before
