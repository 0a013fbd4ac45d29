"""Attacks on GET /api/v1/rollups/ and GET /api/v1/dashboard/, and on the staff to-do list and
the enterprise's next steps: rows across associations for staff, another association's rows,
another jurisdiction through region/industry/association, malformed input, huge ranges, and
anything in a role's payload that is not theirs."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from associations.models import AssociationUser, Membership
from batches.models import Application
from core.models import Role
from reports import rollups
from supplies.models import Need, NeedMessage
from tests.conftest import api_as
from tests.factories import (
    ApplicationFactory,
    BatchFactory,
    EnterpriseFactory,
    MembershipFactory,
    UserFactory,
)
from tests.reports.sample import queued_report, quiet_tasks
from tests.supplies.conftest import days_from_today, need_in

pytestmark = pytest.mark.django_db
URL = "/api/v1/rollups/"
DASH = "/api/v1/dashboard/"

OTHER_SIDE = "浙江机密服装"  # only the other association's business
OTHER_GD = "广东双会员五金"  # in Guangdong, a member of the Zhejiang association only
QUESTION = "请补充另一家企业的机密材料"


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    quiet_tasks(monkeypatch)


@pytest.fixture
def world(cast):
    """The other association has: a Zhejiang member with a pending request, a submitted
    application, open and escalated needs; a Guangdong enterprise that is its member only;
    a ready report. Another Guangdong enterprise (not the cast's user's) has a returned
    application and a question on a need. Today and yesterday are rolled up."""
    zj = EnterpriseFactory(name=OTHER_SIDE, region_id="330106", industry_id="18")
    MembershipFactory(
        enterprise=zj, association=cast.other_association, status=Membership.Status.PENDING
    )
    gd_other = EnterpriseFactory(name=OTHER_GD, region_id="440281", industry_id="33")
    MembershipFactory(enterprise=gd_other, association=cast.other_association)
    other_batch = BatchFactory(
        association=cast.other_association, regions=["330000"], name="浙江批次"
    )
    ApplicationFactory(batch=other_batch, enterprise=cast.other_member, status="submitted")
    need_in(
        cast,
        Need.Status.OPEN,
        enterprise=cast.other_member,
        association=cast.other_association,
        needed_by=days_from_today(-1),
    )
    need_in(
        cast,
        Need.Status.ESCALATED,
        enterprise=gd_other,
        association=cast.other_association,
        needed_by=days_from_today(-1),
    )
    report = queued_report(association=cast.other_association)
    report.status, report.data = "ready", {}
    report.save()

    # Another enterprise of cast.association: its returned application and its question.
    neighbour = EnterpriseFactory(name="邻居电子", region_id="440106", industry_id="39")
    MembershipFactory(enterprise=neighbour, association=cast.association)
    batch = BatchFactory(association=cast.association, regions=["440000"], name="广东批次")
    ApplicationFactory(batch=batch, enterprise=neighbour, status=Application.Status.RETURNED)
    asked = need_in(cast, Need.Status.INFO_REQUESTED, enterprise=neighbour)
    NeedMessage.objects.create(need=asked, author=cast.staff, body=QUESTION)

    today = timezone.localdate()
    rollups.compute_days(today - timedelta(days=1), today)
    return cast


def get(user, **params):
    return api_as(user).get(URL, params)


# --- rollups: staff and bound partners --------------------------------------------------------


@pytest.mark.parametrize("who", ["staff", "manager", "partner"])
def test_the_association_side_never_reads_rows_across_associations(world, who):
    user = getattr(world, who)
    for params in (
        {},
        {"region": "440000"},
        {"region": "440281"},
        {"industry": "C"},
        {"industry": "33"},
        {"region": "330000"},
    ):
        body = get(user, **params).json()
        assert {r["association"] for r in body["results"]} <= {world.association.pk}, params


@pytest.mark.parametrize("who", ["staff", "manager", "partner"])
def test_the_association_side_cannot_ask_for_another_association(world, who):
    user = getattr(world, who)
    for association in (world.other_association.pk, 99999999):
        assert get(user, association=association).status_code == 404
        assert get(user, association=association, industry="C").status_code == 404


def test_staff_figures_count_only_their_own_members(world):
    rows = get(world.staff, region="440281").json()["results"]
    # 乐昌: only the other association's member lives there.
    assert all(r["members"] == 0 for r in rows)
    rows = get(world.staff, industry="33").json()["results"]
    assert all(r["members"] == 0 for r in rows)


def test_staff_of_several_get_each_of_theirs_and_still_no_totals(world):
    AssociationUser.objects.create(user=world.staff, association=world.other_association)
    body = get(world.staff).json()
    assert {r["association"] for r in body["results"]} == {
        world.association.pk,
        world.other_association.pk,
    }


# --- rollups: officials --------------------------------------------------------------------------


@pytest.mark.parametrize("region", ["330000", "330106", "110000"])
def test_an_official_gets_404_outside(world, region):
    assert get(world.official, region=region).status_code == 404
    assert get(world.official, region=region, industry="18").status_code == 404
    assert (
        get(world.official, region=region, association=world.other_association.pk).status_code
        == 404
    )


def test_an_official_reads_other_associations_only_inside_the_jurisdiction(world):
    # cast.other_member (杭州, 18) must never be counted for Guangdong.
    for params in (
        {"association": world.other_association.pk},
        {"industry": "18"},
        {"industry": "C"},
        {},
    ):
        for row in get(world.official, **params).json()["results"]:
            assert row["members"] <= 3, (params, row)
    rows = get(world.official, association=world.other_association.pk).json()["results"]
    assert [r["members"] for r in rows] == [1, 1]  # only OTHER_GD, in 乐昌
    rows = get(world.official, industry="18").json()["results"]
    assert all(r["members"] == 0 for r in rows)


def test_a_partner_bound_to_a_jurisdiction_is_held_like_an_official(world):
    gov = UserFactory(username="gov", role=Role.PARTNER, jurisdiction_id="330000")
    assert get(gov, region="440000").status_code == 404
    assert get(gov).json()["region"] == "330000"


# --- rollups: malformed input and huge ranges ---------------------------------------------------

BAD = [
    {"day_from": "abc"},
    {"day_to": "2020-02-30"},
    {"day_from": "0001-01-01"},
    {"day_from": "2000-01-01", "day_to": "2100-12-31"},
    {"day_from": "2026-01-02", "day_to": "2026-01-01"},
    {"region": "\x00"},
    {"region": "4" * 2000},
    {"region": "440000/"},
    {"industry": "\x00"},
    {"industry": "ZZ"},
    {"association": "abc"},
    {"association": "0"},
    {"association": "-1"},
    {"association": "1e3"},
    {"association": "9" * 2000},
]


@pytest.mark.parametrize("params", BAD)
@pytest.mark.parametrize("who", ["official", "staff", "admin"])
def test_malformed_values_are_400_with_a_field_error(world, params, who):
    response = get(getattr(world, who), **params)
    assert response.status_code == 400, (params, response.status_code, response.content[:200])
    assert set(response.json()["fields"]) & set(params)


@pytest.mark.parametrize("who", ["official", "admin"])
def test_an_unknown_or_overflowing_association_is_an_empty_answer_not_500(world, who):
    for value in ("99999999999999999999", "9223372036854775808"):
        assert get(getattr(world, who), association=value).status_code in (200, 404)


def test_the_widest_range_allowed_is_a_year(world):
    ok = get(world.admin, day_from="2025-01-01", day_to="2026-01-01")  # 366 days
    assert ok.status_code == 200
    too_long = get(world.admin, day_from="2025-01-01", day_to="2026-01-02")
    assert too_long.status_code == 400


def test_an_empty_region_is_the_default_scope(world):
    assert get(world.official, region="").json()["region"] == "440000"
    assert get(world.staff, region="").json()["region"] is None
    rows = get(world.staff, region="").json()["results"]
    assert {r["association"] for r in rows} == {world.association.pk}


# --- dashboard API ------------------------------------------------------------------------------


def test_the_official_s_payload_is_the_jurisdiction_s(world):
    body = api_as(world.official).get(DASH, {"days": "9999"}).json()
    assert body["kind"] == "jurisdiction" and body["region"] == "440000"
    assert body["regions"] and all(r["code"].startswith("44") for r in body["regions"])
    assert len(body["trend"]) == 30
    text = str(body)
    assert OTHER_SIDE not in text and "330" not in "".join(r["code"] for r in body["regions"])
    # 广州 member, 邻居, and OTHER_GD (a member of another association, but in Guangdong).
    assert body["headline"]["members"] == 3


@pytest.mark.parametrize("who", ["staff", "manager", "partner"])
def test_the_association_side_s_payload_holds_nothing_of_the_other_association(world, who):
    body = api_as(getattr(world, who)).get(DASH).json()
    assert body["kind"] == "associations"
    text = str(body)
    for secret in (
        OTHER_SIDE,
        OTHER_GD,
        world.other_member.name,
        "浙江批次",
        world.other_association.name,
    ):
        assert secret not in text, secret
    members = next(k for k in body["kpis"] if k["name"] == "members")
    assert members["value"] == 2  # cast.member and 邻居


def test_the_staff_home_page_holds_nothing_of_the_other_association(world, client):
    client.force_login(world.staff)
    page = client.get(reverse("dashboard")).content.decode()
    for secret in (
        OTHER_SIDE,
        OTHER_GD,
        world.other_member.name,
        "浙江批次",
        world.other_association.name,
    ):
        assert secret not in page, secret


def test_the_enterprise_s_next_steps_are_its_own(world, client):
    from enterprises.models import Enterprise

    # The neighbour's own user does get the question and the returned application ...
    neighbour = UserFactory(
        role=Role.ENTERPRISE, enterprise=Enterprise.objects.get(name="邻居电子")
    )
    theirs = str(api_as(neighbour).get(DASH).json())
    assert QUESTION in theirs and "/applications/" in theirs
    # ... the cast's enterprise user does not, in the API or on the page.
    body = api_as(world.enterprise_user).get(DASH).json()
    assert body["kind"] == "enterprise"
    mine = str(body)
    assert QUESTION not in mine and "邻居" not in mine
    assert "/applications/" not in mine
    client.force_login(world.enterprise_user)
    page = client.get(reverse("dashboard")).content.decode()
    assert QUESTION not in page and "邻居电子" not in page


def test_an_enterprise_user_without_an_enterprise_gets_no_steps(world):
    body = api_as(world.outsider).get(DASH).json()
    assert body["kind"] == "enterprise" and body["next_steps"] == []


def test_the_other_official_payload_is_zhejiang_s(world):
    body = api_as(world.other_official).get(DASH).json()
    assert body["region"] == "330000"
    assert all(r["code"].startswith("33") for r in body["regions"])
    assert world.member.name not in str(body)
