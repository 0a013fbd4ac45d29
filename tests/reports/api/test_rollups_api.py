"""GET /api/v1/rollups/: each caller reads the rollups of its own scope, by day, region,
industry and association; a region or association outside the scope is not found."""

from datetime import timedelta

import pytest
from django.utils import timezone

from reports import rollups
from tests.conftest import api_as
from tests.factories import EnterpriseFactory, MembershipFactory
from tests.reports.sample import quiet_tasks

pytestmark = pytest.mark.django_db
URL = "/api/v1/rollups/"


@pytest.fixture
def rolled(cast, monkeypatch):
    """Guangdong: the cast member (天河, division 39 of section C) and a builder in 乐昌 (48,
    section E), who is also a member of the Zhejiang association; two days rolled up."""
    quiet_tasks(monkeypatch)
    builder = EnterpriseFactory(name="乐昌建筑", region_id="440281", industry_id="48")
    MembershipFactory(enterprise=builder, association=cast.association)
    MembershipFactory(enterprise=builder, association=cast.other_association)
    today = timezone.localdate()
    rollups.compute_days(today - timedelta(days=1), today)
    return cast


def get(user, **params):
    return api_as(user).get(URL, params)


def test_an_official_reads_the_jurisdiction_across_associations_by_day(rolled):
    response = get(rolled.official)

    assert response.status_code == 200
    body = response.json()
    assert body["region"] == "440000" and body["industry"] is None
    assert len(body["days"]) == 2 and [r["members"] for r in body["results"]] == [2, 2]
    assert {r["association"] for r in body["results"]} == {None}
    assert body["results"][-1]["rate"] == 0.0


def test_a_region_or_an_industry_narrows_the_rows(rolled):
    county = get(rolled.official, region="440281").json()["results"]
    assert [r["members"] for r in county] == [1, 1]
    manufacturing = get(rolled.official, industry="C").json()["results"]
    assert [r["members"] for r in manufacturing] == [1, 1]
    building = get(rolled.admin, industry="48").json()["results"]
    assert [r["members"] for r in building] == [1, 1]  # one enterprise, two associations


def test_staff_read_their_own_association_only(rolled):
    body = get(rolled.staff).json()
    assert {r["association"] for r in body["results"]} == {rolled.association.pk}
    assert [r["members"] for r in body["results"]] == [2, 2]

    other = get(rolled.staff, association=rolled.other_association.pk)
    assert other.status_code == 404


def test_a_region_outside_the_jurisdiction_is_not_found(rolled):
    assert get(rolled.official, region="330000").status_code == 404
    assert get(rolled.other_official, region="440281").status_code == 404
    assert get(rolled.other_official).json()["results"][0]["members"] == 1


def test_enterprise_users_may_not_read_rollups(rolled):
    assert get(rolled.enterprise_user).status_code == 403
    assert api_as(None).get(URL).status_code in (401, 403)


@pytest.mark.parametrize(
    "params,field",
    [
        ({"day_from": "2026-03-02", "day_to": "2026-03-01"}, "day_from"),
        ({"day_from": "2024-01-01", "day_to": "2026-01-01"}, "day_from"),
        ({"region": "999999"}, "region"),
        ({"industry": "ZZ"}, "industry"),
        ({"day_to": "not a day"}, "day_to"),
    ],
)
def test_bad_parameters_say_which_and_what_to_fix(rolled, params, field):
    response = get(rolled.official, **params)
    assert response.status_code == 400
    assert field in str(response.json())
