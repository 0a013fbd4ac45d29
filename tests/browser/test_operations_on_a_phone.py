"""The operations pages on a phone (390 px): a manager reads the audit log, filters it by an
action and goes on to the older page; an enterprise user downloads their data (a JSON file with
their account) and asks for their account's deletion; the manager confirms it on the deletion
requests page. Nothing scrolls sideways and the main controls are on the screen."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from associations import services as association_services
from associations.models import Membership
from core import tasks as core_tasks
from core.models import User
from operations.models import DeletionRequest
from tests.browser.conftest import ARTIFACTS, PHONE, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_REASON = (
    "会费未缴：2020年第一季度、第二季度会费均未缴纳，经秘书处电话（020-83338888转分机1024）"
    "多次催缴无果，按章程第十二条暂停会员资格"
)


@pytest.fixture
def farewells(monkeypatch) -> list[dict]:
    """The last message to a deleted account's address, handed to Celery on commit."""
    sent: list[dict] = []
    monkeypatch.setattr(core_tasks.send_signup_message, "delay", lambda **k: sent.append(k))
    return sent


def _fits(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]


def _on_screen(locator) -> None:
    """Visible, and inside the phone's width."""
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_manager_reads_the_audit_log_on_a_phone(live_server, cast, phone):
    membership = Membership.objects.get(association=cast.association, enterprise=cast.member)
    for _ in range(30):  # 60 events of the member: more than a page of suspensions
        association_services.membership_suspend(
            actor=cast.manager, membership_id=membership.pk, reason=LONG_REASON
        )
        association_services.membership_reinstate(
            actor=cast.manager, membership_id=membership.pk, reason="已补缴"
        )
    for _ in range(25):
        association_services.membership_suspend(
            actor=cast.manager, membership_id=membership.pk, reason=LONG_REASON
        )
        association_services.membership_reinstate(actor=cast.manager, membership_id=membership.pk)
    base = live_server.url
    log_in(phone, base, "manager")

    phone.goto(f"{base}/operations/audit/")
    assert _fits(phone)
    _on_screen(phone.locator("#id_action"))
    _on_screen(phone.locator("form.filters button[type=submit]"))
    _on_screen(phone.get_by_test_id("audit-export"))
    _shot(phone, "operations-audit-390")

    phone.fill("#id_action", "membership.suspended")
    phone.locator("form.filters button[type=submit]").click()
    phone.wait_for_url("**/operations/audit/?*action=membership.suspended*")
    rows = phone.get_by_test_id("audit-row")
    expect(rows).to_have_count(50)
    assert {rows.nth(n).get_attribute("data-action") for n in range(50)} == {"membership.suspended"}
    row = rows.first
    assert row.bounding_box()["width"] > 300  # a card across the screen
    _on_screen(row.get_by_test_id("audit-details"))
    what = row.locator("td").nth(2)  # what happened: its name and the action, nothing after
    assert what.evaluate("e => getComputedStyle(e, '::after').content") in ("none", "normal")
    assert _fits(phone)
    _shot(phone, "operations-audit-filtered-390")

    older = phone.get_by_test_id("audit-older")
    older.scroll_into_view_if_needed()
    _on_screen(older)
    assert older.bounding_box()["height"] >= 44
    older.click()
    phone.wait_for_url("**before=*")
    expect(rows).to_have_count(5)
    assert "membership.suspended" in phone.url
    _on_screen(phone.get_by_test_id("audit-newest"))
    assert _fits(phone)
    _shot(phone, "operations-audit-older-390")


def test_a_member_downloads_their_data_and_a_manager_confirms_its_deletion_on_phones(
    live_server, cast, browser, phone, tmp_path, farewells
):
    user = cast.enterprise_user
    User.objects.filter(pk=user.pk).update(
        first_name="李", last_name="雷", email="li.lei.procurement@guangzhou-huaxing.example.cn"
    )
    base = live_server.url
    log_in(phone, base, "enterprise")

    phone.goto(f"{base}/operations/my-data/")
    assert _fits(phone)
    download_link = phone.get_by_test_id("my-data-download")
    _on_screen(download_link)
    with phone.expect_download() as info:
        download_link.click()
    saved = Path(tmp_path / "my-data.json")
    info.value.save_as(saved)
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert data["account"]["username"] == "enterprise"
    assert data["account"]["email"] == "li.lei.procurement@guangzhou-huaxing.example.cn"

    ask = phone.get_by_test_id("deletion-ask")
    ask.scroll_into_view_if_needed()
    _on_screen(ask)
    assert ask.bounding_box()["height"] >= 44
    _on_screen(phone.locator("textarea[name=reason]"))
    _shot(phone, "operations-my-data-390")
    phone.fill("textarea[name=reason]", "企业已注销，不再使用本平台")
    phone.locator("input[name=confirm]").check()
    ask.click()
    phone.wait_for_url(f"{base}/operations/my-data/")
    expect(phone.get_by_test_id("deletion-pending")).to_be_visible()
    withdraw = phone.get_by_test_id("deletion-withdraw")
    _on_screen(withdraw)
    assert withdraw.bounding_box()["height"] >= 44
    assert _fits(phone)
    _shot(phone, "operations-my-data-asked-390")
    waiting = DeletionRequest.objects.get(user=user, status=DeletionRequest.Status.PENDING)

    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    manager = context.new_page()
    try:
        log_in(manager, base, "manager")
        manager.goto(f"{base}/operations/deletion-requests/")
        assert _fits(manager)
        row = manager.locator(f'[data-testid="deletion-request"][data-id="{waiting.pk}"]')
        expect(row).to_contain_text("企业已注销")
        assert row.bounding_box()["width"] > 300
        summary = row.locator("details.confirm summary").first
        _on_screen(summary)
        summary.click()
        tick = row.locator("input[name=confirm]")
        _on_screen(tick)
        confirm = row.get_by_test_id("deletion-confirm")
        _on_screen(confirm)
        assert confirm.bounding_box()["height"] >= 44
        assert _fits(manager)
        _shot(manager, "operations-deletion-requests-390")
        tick.check()
        confirm.click()
        manager.wait_for_url(f"{base}/operations/deletion-requests/")
        expect(manager.locator(".messages")).to_be_visible()
        expect(manager.get_by_test_id("deletion-request")).to_have_count(0)
        expect(manager.get_by_test_id("deletion-decided")).to_have_count(1)
        assert _fits(manager)
        _shot(manager, "operations-deletion-requests-done-390")
    finally:
        context.close()

    waiting.refresh_from_db()
    assert waiting.status == DeletionRequest.Status.CONFIRMED
    gone = User.objects.get(pk=user.pk)
    assert not gone.is_active and gone.email == "" and gone.username == f"former-{user.pk}"
    assert [f["address"] for f in farewells] == ["li.lei.procurement@guangzhou-huaxing.example.cn"]
