"""Picking a region by typing its Chinese name, on a phone-sized screen (390 px) and at a desk:
the suggestions come as one types, the lists follow the choice, and the form saves the region."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from associations.models import Membership
from supplies.models import Need
from tests.browser.conftest import ARTIFACTS, fits, log_in
from tests.factories import EnterpriseFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from core.tasks import send_notification_email

    monkeypatch.setattr(send_notification_email, "delay", lambda *args, **kwargs: None)


def test_an_enterprise_picks_the_work_region_by_typing_its_name_on_a_phone(
    live_server, cast, phone
):
    ARTIFACTS.mkdir(exist_ok=True)
    log_in(phone, live_server.url, cast.enterprise_user.username)
    phone.goto(f"{live_server.url}/needs/new/labour/")
    phone.fill("#id_trade", "电工")
    phone.fill("#id_headcount", "3")
    phone.fill("#id_needed_by", (timezone.localdate() + timedelta(days=7)).isoformat())

    region = phone.locator("#id_work_region")
    region.fill("")
    region.press_sequentially("乐昌")
    suggestion = phone.get_by_role("option").filter(has_text="广东省韶关市乐昌市")
    suggestion.wait_for()
    assert fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "region-picker-suggestions-390.png"), full_page=True)

    suggestion.click()
    assert region.input_value() == "广东省韶关市乐昌市"
    county = phone.locator('select[name="work_region__3"]')
    # A web-first assertion polls without eval, which the portal's CSP forbids.
    expect(county).to_have_value("440281")
    assert county.is_visible()
    assert phone.locator("[data-region-chosen]").inner_text() == "已选： 广东省韶关市乐昌市"
    assert not phone.locator("[data-region-next]").is_visible()  # the lists fill themselves
    assert fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "region-picker-chosen-390.png"), full_page=True)

    phone.locator("form button[type=submit].primary").click()
    phone.wait_for_url(lambda url: "/needs/new/" not in url)
    assert Need.objects.get().work_region_id == "440281"


def test_the_lists_go_province_city_county_without_sending_the_form(live_server, cast, page):
    enterprise = EnterpriseFactory(name="乐昌五金", region_id="440281")
    MembershipFactory(
        association=cast.association, enterprise=enterprise, status=Membership.Status.ACTIVE
    )
    log_in(page, live_server.url, cast.staff.username)
    page.goto(f"{live_server.url}/members/")
    page.select_option('select[name="region__1"]', "440000")
    page.locator('select[name="region__2"] option[value="440200"]').wait_for(state="attached")
    page.select_option('select[name="region__2"]', "440200")
    page.locator('select[name="region__3"] option[value="440281"]').wait_for(state="attached")
    page.select_option('select[name="region__3"]', "440281")
    assert page.locator("[data-region-chosen]").inner_text() == "已选： 广东省韶关市乐昌市"
    page.screenshot(path=str(ARTIFACTS / "region-picker-member-filter-1280.png"), full_page=True)

    page.locator("form.filters button[type=submit].primary").click()
    page.wait_for_url(lambda url: "region__3=440281" in url)
    assert page.get_by_test_id("member-count").inner_text().startswith("1")
