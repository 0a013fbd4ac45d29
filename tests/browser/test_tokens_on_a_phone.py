"""A manager makes an API token for their association's partner account on a phone (390 px),
copies the key shown once, and revokes an old token behind the ticked box: the page fits the
width, the buttons are big enough to tap, and the key works."""

import pytest
from playwright.sync_api import expect
from rest_framework.test import APIClient

from tests.browser.conftest import ARTIFACTS, fits, log_in
from tests.factories import api_token

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_makes_and_revokes_partner_tokens_on_a_phone(live_server, cast, phone):
    old_key = api_token(cast.partner, name="物流平台对接（2026年第一季度，旧密钥，待轮换）")
    base = live_server.url
    log_in(phone, base, "manager")

    phone.goto(f"{base}/account/tokens/")
    assert fits(phone)
    expect(phone.get_by_test_id("token-row")).to_have_count(1)
    phone.fill("#id_name", "人力资源系统")
    phone.select_option("#id_user", str(cast.partner.pk))
    phone.select_option("#id_access", "read")
    phone.get_by_test_id("token-create").click()

    key = phone.get_by_test_id("token-key").inner_text()
    assert key.startswith("rpt_")
    assert fits(phone)
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "tokens-phone.png"), full_page=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/me/").json()["username"] == "partner"

    old = phone.get_by_test_id("token-row").filter(has_text="旧密钥")
    old.locator("summary").click()
    button = old.get_by_test_id("token-revoke")
    assert button.bounding_box()["height"] >= 44
    old.locator("input[name=confirm]").check()
    button.click()
    expect(phone.locator(".messages .success")).to_be_visible()
    assert fits(phone)
    client.credentials(HTTP_AUTHORIZATION=f"Token {old_key}")
    assert client.get("/api/v1/me/").status_code == 401
