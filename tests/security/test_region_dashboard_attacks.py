"""Attacks on the jurisdiction's picture (/dashboard/ for officials, /dashboard/region/<code>/):
codes outside, withdrawn codes, odd input, ?days=, and names or figures of another
jurisdiction through the ranking, the waiting needs, the heatmap, the map and its links."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import Region, Role
from reports import rollups
from supplies.models import Need
from tests.factories import EnterpriseFactory, MembershipFactory, UserFactory
from tests.reports.sample import queued_report, quiet_tasks
from tests.supplies.conftest import days_from_today, need_in

pytestmark = pytest.mark.django_db

ZJ_SECRET = "杭州机密纺织"  # an enterprise in Zhejiang with an escalated need
GD_SECRET = "广州机密电子"


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    quiet_tasks(monkeypatch)


@pytest.fixture
def world(cast):
    """Each province has an escalated, overdue need of a member, and its association a
    submitted weekly report; the day is rolled up."""
    zj = EnterpriseFactory(name=ZJ_SECRET, region_id="330106", industry_id="18")
    MembershipFactory(enterprise=zj, association=cast.other_association)
    gd = EnterpriseFactory(name=GD_SECRET, region_id="440281", industry_id="39")
    MembershipFactory(enterprise=gd, association=cast.association)
    need_in(
        cast,
        Need.Status.ESCALATED,
        enterprise=zj,
        association=cast.other_association,
        needed_by=days_from_today(-2),
    )
    need_in(cast, Need.Status.ESCALATED, enterprise=gd, needed_by=days_from_today(-2))
    for association in (cast.association, cast.other_association):
        report = queued_report(association=association, weeks_ago=1)
        report.status = "submitted"
        report.data = {}
        report.submitted_at = timezone.now() - timedelta(days=6)
        report.save()
    rollups.compute_day(timezone.localdate())
    return cast


def html(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def region_links(page: str) -> set[str]:
    return set(re.findall(r"/dashboard/region/([^/\"]+)/", page))


def codes_in_links(page: str) -> set[str]:
    return set(re.findall(r"[?&](?:amp;)?(?:region|within)=(\d{6})", page))


# --- held --------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["330000", "330100", "330106", "110000", "440000x"])
def test_an_official_gets_404_outside_the_jurisdiction(world, client, code):
    client.force_login(world.official)
    assert client.get(reverse("dashboard-region", args=[code])).status_code == 404


def test_the_other_official_gets_404_for_guangdong(world, client):
    client.force_login(world.other_official)
    for code in ("440000", "440100", "440106", "440281"):
        assert client.get(reverse("dashboard-region", args=[code])).status_code == 404


def test_an_official_of_a_city_cannot_climb_to_the_province(world, client):
    city = UserFactory(username="sg", role=Role.OFFICIAL, jurisdiction_id="440200")
    client.force_login(city)
    assert client.get(reverse("dashboard-region", args=["440000"])).status_code == 404
    assert client.get(reverse("dashboard-region", args=["440100"])).status_code == 404
    page = html(client, city, reverse("dashboard-region", args=["440281"]))
    # Crumbs start at the city: no link up to the province's picture.
    assert "/dashboard/region/440000/" not in page
    assert GD_SECRET in page and world.member.name not in page  # Lechang yes, Guangzhou no


@pytest.mark.parametrize("user", ["staff", "manager", "partner", "enterprise_user", "outsider"])
def test_other_roles_are_refused(world, client, user):
    client.force_login(getattr(world, user))
    assert client.get(reverse("dashboard-region", args=["440000"])).status_code == 403


def test_withdrawn_codes_follow_their_path(world, client):
    inside = Region.objects.filter(successor__isnull=False, path__startswith="440000/").first()
    outside = Region.objects.filter(successor__isnull=False, path__startswith="330000/").first()
    client.force_login(world.official)
    if inside is not None:
        assert client.get(reverse("dashboard-region", args=[inside.code])).status_code == 200
    if outside is not None:
        assert client.get(reverse("dashboard-region", args=[outside.code])).status_code == 404


@pytest.mark.parametrize("url", ["dashboard", "region"])
def test_nothing_of_zhejiang_leaks_to_the_guangdong_official(world, client, url):
    target = (
        reverse("dashboard") if url == "dashboard" else reverse("dashboard-region", args=["440000"])
    )
    page = html(client, world.official, target)
    assert ZJ_SECRET not in page  # the waiting escalated needs
    assert world.other_member.name not in page
    assert world.other_association.name not in page  # the ranking by reports on time
    assert world.association.name in page and GD_SECRET in page
    assert all(code.startswith("44") for code in region_links(page)), region_links(page)
    assert all(code.startswith("44") for code in codes_in_links(page)), codes_in_links(page)
    assert "杭州" not in page and "浙江" not in page


def test_nothing_of_guangdong_leaks_to_the_zhejiang_official(world, client):
    page = html(client, world.other_official, reverse("dashboard"))
    assert GD_SECRET not in page and world.member.name not in page
    assert world.association.name not in page
    assert all(code.startswith("33") for code in region_links(page))
    assert all(code.startswith("33") for code in codes_in_links(page))


def test_an_official_cannot_exist_without_a_jurisdiction(world):
    """Place(None) (the country) is only ever an admin's: the database refuses an official
    bound to no jurisdiction (constraint official_has_jurisdiction)."""
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="lost", role=Role.OFFICIAL)


@pytest.mark.parametrize(
    "days", ["abc", "-1", "0", "99999999999999999999", "90", "30", "\x00", "1e9"]
)
def test_days_is_read_from_a_short_list(world, client, days):
    client.force_login(world.official)
    response = client.get(reverse("dashboard-region", args=["440000"]), {"days": days})
    assert response.status_code == 200
    assert response.context["days"] in (30, 90)


def test_an_admin_opens_any_region(world, client):
    for code in ("330000", "440281", "110000"):
        html(client, world.admin, reverse("dashboard-region", args=[code]))


# --- odd codes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/region/%00/",
        "/dashboard/region/44%000/",
        "/dashboard/region/..%2F/",
        "/dashboard/region/440000%2F/",
        "/dashboard/region/" + "4" * 5000 + "/",
        "/dashboard/region/%EF%BC%94%EF%BC%94/",
        "/dashboard/region/440000'%20OR%20'1'='1/",
    ],
)
def test_odd_codes_answer_404_never_500(world, client, path):
    """Anything but six digits is no region: a NUL byte never reaches PostgreSQL, whose driver
    would refuse the string (ValueError) with a server error."""
    client.raise_request_exception = False
    for user in (world.official, world.admin):
        client.force_login(user)
        assert client.get(path).status_code == 404, (user, path)
