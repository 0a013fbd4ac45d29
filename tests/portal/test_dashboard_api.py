"""GET /api/v1/dashboard/: the caller's home page figures, the same numbers as the page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reports import rollups
from tests.conftest import api_as
from tests.factories import EnterpriseFactory, MembershipFactory
from tests.reports.sample import quiet_tasks

pytestmark = pytest.mark.django_db
URL = "/api/v1/dashboard/"


@pytest.fixture
def counted(cast, monkeypatch):
    quiet_tasks(monkeypatch)
    shaoguan = EnterpriseFactory(name="乐昌五金", region_id="440281", industry_id="33")
    MembershipFactory(enterprise=shaoguan, association=cast.association)
    today = timezone.localdate()
    rollups.compute_days(today - timedelta(days=1), today)
    return cast


def test_an_official_gets_the_figures_of_the_jurisdiction_page(counted, client):
    body = api_as(counted.official).get(URL).json()

    assert body["kind"] == "jurisdiction" and body["region"] == "440000"
    assert body["headline"]["members"] == 2 and body["headline"]["rate"] == 0.0
    assert len(body["trend"]) == 30
    assert body["trend"][-1]["value"] == 0.0 and body["trend"][0]["value"] is None
    regions = {row["code"]: row for row in body["regions"]}
    assert regions["440200"]["members"] == 1 and regions["440100"]["members"] == 1
    assert "330000" not in regions
    client.force_login(counted.official)
    page = client.get(reverse("dashboard")).content.decode()
    assert 'data-region="440200"' in page


def test_longer_trends_are_asked_for_by_days(counted):
    body = api_as(counted.official).get(URL, {"days": "90"}).json()
    assert len(body["trend"]) == 90


def test_an_administrator_gets_the_country(counted):
    body = api_as(counted.admin).get(URL).json()
    assert body["region"] is None and body["headline"]["members"] == 3
    assert {"440000", "330000"} <= {row["code"] for row in body["regions"]}


def test_staff_get_their_key_figures_and_things_to_do(counted):
    body = api_as(counted.staff).get(URL).json()

    assert body["kind"] == "associations"
    figures = {kpi["name"]: kpi for kpi in body["kpis"]}
    assert figures["members"]["value"] == 2  # the association's, not the other's
    assert len(figures["members"]["series"]) == 30
    assert isinstance(body["todo"], list)
    assert "regions" not in body or not body.get("regions")


def test_an_enterprise_user_gets_its_next_steps(counted):
    body = api_as(counted.enterprise_user).get(URL).json()
    assert body["kind"] == "enterprise" and isinstance(body["next_steps"], list)
    assert "headline" not in body or body["headline"] is None
