"""The practice-case library on a phone (390 × 844): staff write a case, review and publish it;
a member searches for it in Chinese, opens it, says it helped and suggests a case of its own.
Nothing scrolls sideways on any of the pages; a screenshot of each is kept in test-artifacts/."""

import pytest

from cases.models import Case
from tests.browser.conftest import ARTIFACTS, fits, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    assert fits(page), name


def _new_phone(browser):
    return browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()


def test_a_case_is_written_published_found_and_helps_a_member_on_a_phone(
    live_server, cast, browser
):
    base = live_server.url
    staff = _new_phone(browser)
    log_in(staff, base, "staff")
    staff.goto(f"{base}/cases/new/")
    staff.fill("#id_title", "餐饮门店与超市共享用工")
    staff.fill("#id_summary", "堂食暂停后，服务员借调到超市理货和配送，稳岗又保供。")
    staff.fill("#id_results", "两个月安置员工120人，人均收入保持八成以上。")
    staff.locator("[data-testid=case-tags] input[value=shared_staffing]").check()
    _shot(staff, "case-form-phone")
    staff.locator("[data-testid=case-form] button[type=submit].primary").click()
    staff.wait_for_url(f"{base}/cases/*/")
    case = Case.objects.get()
    staff.locator("button[data-action=review]").click()
    staff.wait_for_load_state()
    staff.locator("button[data-action=publish]").click()
    staff.wait_for_load_state()
    _shot(staff, "case-staff-phone")
    case.refresh_from_db()
    assert case.status == Case.Status.PUBLISHED

    member = _new_phone(browser)
    log_in(member, base, "enterprise")
    member.goto(f"{base}/cases/")
    member.fill("#id_q", "用工")
    member.locator("main form button[type=submit]").first.click()
    member.wait_for_load_state()
    assert member.locator("mark").first.inner_text() == "用工"
    _shot(member, "case-library-searched-phone")
    member.get_by_role("link", name="餐饮门店与超市共享用工").click()
    member.wait_for_url(f"{base}/cases/{case.pk}/")
    member.locator("[data-action=helped] button[type=submit]").click()
    member.wait_for_load_state()
    _shot(member, "case-member-phone")
    case.refresh_from_db()
    assert case.helped_count == 1

    member.goto(f"{base}/cases/suggest/")
    member.fill("#id_title", "服装厂直播带货")
    member.fill("#id_summary", "门店关闭期间开直播，三个月线上销售额占四成。")
    _shot(member, "case-suggest-phone")
    member.locator("[data-testid=case-form] button[type=submit].primary").click()
    member.wait_for_load_state()
    suggested = Case.objects.exclude(pk=case.pk).get()
    assert (suggested.status, suggested.suggested_by_id) == ("draft", cast.enterprise_user.pk)
