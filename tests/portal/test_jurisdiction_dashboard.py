"""The jurisdiction's picture (officials' home page, the country for administrators, and the
drill-down of a region): its figures are the rollups' and match a hand count, the map and the
table link each region to its own picture, and nobody sees a region outside their scope."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from associations.models import Membership
from reports import rollups
from supplies import services as needs
from supplies.models import Need, SupplyItem
from tests.factories import EnterpriseFactory, MembershipFactory
from tests.reports.sample import quiet_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    quiet_tasks(monkeypatch)


@pytest.fixture
def counted(cast):
    """Guangdong: the cast member (广州 天河) and two members in 韶关 乐昌 (one of them also a
    member of the Zhejiang association); Zhejiang: the cast's member in 杭州. The cast member
    asks for masks, overdue since yesterday. Then the day is rolled up."""
    for name in ("乐昌五金", "乐昌陶瓷"):
        enterprise = EnterpriseFactory(name=name, region_id="440281", industry_id="33")
        MembershipFactory(enterprise=enterprise, association=cast.association)
    MembershipFactory(
        enterprise=Membership.objects.get(enterprise__name="乐昌陶瓷").enterprise,
        association=cast.other_association,
    )
    need = needs.need_file(
        actor=cast.enterprise_user,
        kind=Need.Kind.SUPPLY,
        item=SupplyItem.objects.get(code="mask-n95"),
        quantity="100",
        needed_by=timezone.localdate() + timedelta(days=3),
    )
    Need.objects.filter(pk=need.pk).update(needed_by=timezone.localdate() - timedelta(days=1))
    rollups.compute_day(timezone.localdate())
    return cast


def page(client, user, url=None) -> str:
    client.force_login(user)
    response = client.get(url or reverse("dashboard"))
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def figure_of(html: str, name: str) -> str:
    found = re.search(rf'data-testid="{name}"[^>]*>(.*?)</a>', html, re.S)
    assert found, name
    return re.sub(r"<[^>]+>", " ", found.group(1)).split()[0]


def region_row(html: str, code: str) -> list[str]:
    row = re.search(rf'<tr data-region="{code}">(.*?)</tr>', html, re.S)
    assert row, code
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row.group(1), re.S)
    ]


def test_the_official_sees_the_province_across_its_associations(counted, client):
    html = page(client, counted.official)

    assert (
        figure_of(html, "headline-members") == "3"
    )  # 乐昌陶瓷 is one enterprise in two associations
    assert figure_of(html, "headline-needs-open") == "1"
    assert figure_of(html, "headline-needs-overdue") == "1"
    assert figure_of(html, "headline-rate") == "0.00%"
    guangzhou, shaoguan = region_row(html, "440100"), region_row(html, "440200")
    assert guangzhou[:2] == ["广州", "1"] and guangzhou[-2:] == ["1", "1"]
    assert shaoguan[:2] == ["韶关", "2"]
    assert 'data-region="330100"' not in html and "杭州" not in html


def test_each_region_of_the_map_and_the_table_leads_to_its_own_picture(counted, client):
    html = page(client, counted.official)
    shaoguan = reverse("dashboard-region", args=["440200"])
    assert html.count(f'href="{shaoguan}"') >= 2  # the map's area and the table's row

    drilled = page(client, counted.official, shaoguan)
    assert figure_of(drilled, "headline-members") == "2"
    assert region_row(drilled, "440281")[:2] == ["乐昌市", "2"]
    county = page(client, counted.official, reverse("dashboard-region", args=["440281"]))
    assert figure_of(county, "headline-members") == "2"


def test_a_region_outside_the_jurisdiction_is_not_found(counted, client):
    client.force_login(counted.official)
    for code in ("330000", "330106", "999999"):
        assert client.get(reverse("dashboard-region", args=[code])).status_code == 404


@pytest.mark.parametrize("role", ["staff", "manager", "enterprise_user", "partner"])
def test_only_officials_and_administrators_read_a_regions_picture(counted, client, role):
    client.force_login(counted.by_role(role))
    assert client.get(reverse("dashboard-region", args=["440000"])).status_code == 403


def test_the_administrator_sees_the_country_by_province(counted, client):
    html = page(client, counted.admin)

    assert figure_of(html, "headline-members") == "4"
    assert region_row(html, "440000")[:2] == ["广东", "3"]
    assert region_row(html, "330000")[:2] == ["浙江", "1"]


def test_the_figures_are_the_rollups_not_the_tables_underneath(counted, client):
    EnterpriseFactory.create_batch(2, region_id="440106")
    for enterprise in EnterpriseFactory._meta.model.objects.filter(memberships__isnull=True):
        MembershipFactory(enterprise=enterprise, association=counted.association)
    assert figure_of(page(client, counted.official), "headline-members") == "3"

    rollups.compute_day(timezone.localdate())
    assert figure_of(page(client, counted.official), "headline-members") == "5"


def test_the_need_heatmap_links_each_cell_to_the_needs_behind_it(counted, client):
    html = page(client, counted.official)
    escalated = reverse("need-escalated")
    assert f'href="{escalated}?show=all&amp;region=440100&amp;kind=supply"' in html


def test_the_trend_has_a_point_a_day_and_a_table(counted, client):
    rollups.compute_day(timezone.localdate() - timedelta(days=1))
    html = page(client, counted.official, reverse("dashboard") + "?days=90")
    assert "最近 90 天" in html or "last 90 days" in html
    trend = html[html.index('data-testid="rate-trend"') :]
    days = re.findall(r"<td>(\d{4}-\d\d-\d\d)</td>|<th[^>]*>(\d{4}-\d\d-\d\d)</th>", trend)
    assert len(days) == 90


def test_the_picture_takes_the_same_number_of_queries_for_many_regions(
    counted, client, django_assert_max_num_queries
):
    client.force_login(counted.admin)
    client.get(reverse("dashboard"))
    for code in ("110101", "310101", "500101", "420102", "510104"):
        MembershipFactory(
            enterprise=EnterpriseFactory(region_id=code), association=counted.association
        )
    rollups.compute_day(timezone.localdate())
    with django_assert_max_num_queries(40):
        assert client.get(reverse("dashboard")).status_code == 200


def test_with_maps_turned_off_the_regions_are_ranked_bars_instead(counted, client, settings):
    settings.REGION_MAP = "off"
    html = page(client, counted.official)
    assert 'data-testid="region-bars"' in html and 'data-testid="region-map"' not in html
    bars = html[html.index('data-testid="region-bars"') : html.index('data-testid="region-table"')]
    assert bars.index("韶关") < bars.index("珠海")  # ranked by rate, regions without one last

    settings.REGION_MAP = "builtin"
    html = page(client, counted.official)
    assert 'data-testid="region-map"' in html and 'data-testid="region-bars"' not in html
