"""A notice from staff to a member's phone and back: staff write a notice for the members in
Guangzhou that asks for a signature and publish it; the enterprise user, on a phone (390 × 844),
sees it unread, opens it and signs with a reply; staff see the receipt. Nothing scrolls
sideways; a screenshot of each page is kept in test-artifacts/."""

import pytest

from notices import tasks as notice_tasks
from notices.models import Notice
from tests.browser.conftest import ARTIFACTS, fits, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _tasks_inline(monkeypatch):
    """The recipients are written as the worker would write them, when publishing commits."""
    monkeypatch.setattr(notice_tasks.write_recipients, "delay", notice_tasks.write_recipients)


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    assert fits(page), name


def _new_phone(browser):
    return browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()


def test_staff_publish_a_targeted_notice_a_member_signs_it_on_a_phone(live_server, cast, browser):
    base = live_server.url
    staff = _new_phone(browser)
    log_in(staff, base, "staff")
    staff.goto(f"{base}/notices/new/")
    staff.fill("#id_title", "关于报送复工复产情况的通知")
    staff.fill("#id_document_number", "粤电协〔2020〕5号")
    staff.select_option("#id_category", "resumption")
    staff.fill("#id_body", "各会员单位：\n\n请于**3月10日**前报送复工人数。")
    staff.check("#id_needs_sign_off")
    staff.fill("#id_sign_by", "2099-01-01")
    staff.fill("#id_regions", "广州市")
    _shot(staff, "notice-form-phone")
    staff.locator("[data-testid=notice-form] button[type=submit].primary").click()
    staff.wait_for_url(f"{base}/notices/*/")
    notice = Notice.objects.get()
    staff.locator("button[data-action=publish]").click()
    staff.wait_for_load_state()
    notice.refresh_from_db()
    assert notice.status == "published" and notice.recipients_total == 1
    _shot(staff, "notice-staff-phone")

    member = _new_phone(browser)
    log_in(member, base, "enterprise")
    member.goto(f"{base}/notices/")
    assert member.get_by_test_id("unread").count() == 1
    _shot(member, "notice-list-member-phone")
    member.get_by_role("link", name="关于报送复工复产情况的通知").click()
    member.wait_for_url(f"{base}/notices/{notice.pk}/")
    assert "3月10日" in member.get_by_test_id("notice-body").inner_text()
    member.fill("#id_reply", "已收到，按时报送")
    member.locator("[data-action=sign] button[type=submit]").click()
    member.wait_for_load_state()
    _shot(member, "notice-signed-member-phone")
    assert "已收到，按时报送" in member.get_by_test_id("sign-off").inner_text()

    staff.goto(f"{base}/notices/{notice.pk}/receipts/?who=signed")
    assert "已收到，按时报送" in staff.locator("[data-testid=receipt-row]").inner_text()
    _shot(staff, "notice-receipts-staff-phone")
