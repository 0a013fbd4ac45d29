"""An official's home page in Chromium: the map of the province fits a phone, and tapping a city
on it opens that city's picture with its counties; at a desk the map and its table sit side by
side and nothing hides to the right."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reports import rollups
from tests.browser.conftest import ARTIFACTS, fits, log_in
from tests.factories import EnterpriseFactory, MembershipFactory
from tests.reports.sample import quiet_tasks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    quiet_tasks(monkeypatch)


@pytest.fixture
def counted(cast):
    for name in ("乐昌五金", "乐昌陶瓷"):
        enterprise = EnterpriseFactory(name=name, region_id="440281", industry_id="33")
        MembershipFactory(enterprise=enterprise, association=cast.association)
    rollups.compute_day(timezone.localdate())
    return cast


def test_an_official_taps_a_city_on_the_map_and_sees_its_counties(live_server, counted, phone):
    ARTIFACTS.mkdir(exist_ok=True)
    log_in(phone, live_server.url, counted.official.username)

    region_map = phone.get_by_test_id("region-map")
    expect(region_map).to_be_visible()
    assert fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "official-dashboard-390.png"), full_page=True)

    region_map.locator('a[href="/dashboard/region/440200/"]').first.click()
    phone.wait_for_url(f"{live_server.url}/dashboard/region/440200/")
    expect(phone.get_by_test_id("dashboard-title")).to_have_text("韶关")
    expect(phone.locator('tr[data-region="440281"] th')).to_have_text("乐昌市")
    expect(phone.get_by_test_id("headline-members").locator(".figure")).to_have_text("2")
    assert fits(phone)


def test_at_a_desk_the_map_and_its_table_fit_side_by_side(live_server, counted, page):
    log_in(page, live_server.url, counted.official.username)

    table_box = page.locator(".table-box").first
    expect(table_box).to_be_visible()
    hidden = table_box.evaluate("box => box.scrollWidth - box.clientWidth")
    assert hidden <= 1, f"{hidden} px of the region table hidden to the right"
    map_box = page.get_by_test_id("region-map").bounding_box()
    table = table_box.bounding_box()
    assert map_box["x"] + map_box["width"] <= table["x"] + 1  # beside, not above
    page.screenshot(path=str(ARTIFACTS / "official-dashboard-1280.png"), full_page=True)
