"""A member of staff sets up two-factor sign-in on a phone-sized screen (390 px), then logs in
with a code: every page fits the width, and the QR code is drawn in the page."""

from base64 import b32decode

import pytest
from django_otp.oath import totp

from tests.browser.conftest import ARTIFACTS, PHONE, fits
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def password_step(page, base_url: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit].primary").click()


def test_staff_sets_up_two_factor_sign_in_and_logs_in_with_a_code(
    live_server, cast, phone, settings
):
    settings.OTP_REQUIRED_ROLES = ["staff"]
    ARTIFACTS.mkdir(exist_ok=True)

    password_step(phone, live_server.url)
    phone.wait_for_url(f"{live_server.url}/account/two-factor/")
    qr = phone.get_by_test_id("qr-code").locator("svg")
    assert qr.bounding_box()["width"] <= PHONE["width"]
    assert fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "two-factor-setup-390.png"), full_page=True)

    key = b32decode(phone.get_by_test_id("setup-key").inner_text().replace(" ", ""))
    phone.fill("#id_code", f"{totp(key):06d}")
    phone.locator("form button[type=submit].primary").click()
    phone.wait_for_url(f"{live_server.url}/account/two-factor/recovery-codes/")
    assert phone.get_by_test_id("recovery-codes").locator("li").count() == 10
    assert fits(phone)
    phone.locator("a.button.primary").click()  # "I have kept them: continue"
    phone.wait_for_url(f"{live_server.url}/dashboard/")

    phone.get_by_role("button", name="退出").click()
    phone.wait_for_url(f"{live_server.url}/login/")
    password_step(phone, live_server.url)
    phone.wait_for_url(f"{live_server.url}/login/code/")
    assert fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "two-factor-code-390.png"), full_page=True)
    phone.fill("#id_code", f"{totp(key, drift=1):06d}")
    phone.locator("form button[type=submit].primary").click()
    phone.wait_for_url(f"{live_server.url}/dashboard/")
    assert phone.get_by_test_id("who").inner_text() == "staff"
