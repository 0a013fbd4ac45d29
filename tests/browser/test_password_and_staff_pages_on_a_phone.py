"""A forgotten password and a resent invitation on a phone-sized screen (390 px): every page fits
the width, and each step leads to the next."""

import pytest

from tests.browser.conftest import ARTIFACTS, fits
from tests.conftest import PASSWORD
from tests.factories import staff_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    """The e-mails' tasks are not what these tests look at."""
    from core.tasks import send_password_link

    monkeypatch.setattr(send_password_link, "delay", lambda **email: None)


def test_asking_for_a_new_password_on_a_phone(live_server, cast, phone):
    ARTIFACTS.mkdir(exist_ok=True)
    phone.goto(f"{live_server.url}/password/reset/")
    assert fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "password-reset-390.png"), full_page=True)

    phone.fill("#id_email", "someone-with-a-rather-long-address@example-enterprise.com.cn")
    phone.locator("form button[type=submit].primary").click()
    phone.wait_for_url(f"{live_server.url}/password/reset/sent/")
    assert phone.get_by_test_id("reset-sent").is_visible()
    assert fits(phone)

    phone.goto(f"{live_server.url}/password/reset/MQ/not-a-token/")
    assert phone.get_by_role("alert").is_visible()
    assert fits(phone)


def test_a_manager_sends_an_invitation_again_on_a_phone(live_server, cast, phone):
    staff_of(
        cast.association,
        username="liwei_invited_2020",
        first_name="李伟",
        email="liwei.new.colleague@guangdong-electronics.example.org",
        password=None,
    )
    phone.goto(f"{live_server.url}/login/")
    phone.fill("#id_username", "manager")
    phone.fill("#id_password", PASSWORD)
    phone.locator("form button[type=submit].primary").click()
    phone.wait_for_url(f"{live_server.url}/dashboard/")

    phone.goto(f"{live_server.url}/associations/{cast.association.pk}/")
    button = phone.locator('[data-action="resend-invitation"]')
    assert button.count() == 1
    assert fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "association-staff-390.png"), full_page=True)

    button.click()
    phone.wait_for_url(f"{live_server.url}/associations/{cast.association.pk}/#staff")
    assert (
        "liwei.new.colleague@guangdong-electronics.example.org"
        in phone.locator(".messages").inner_text()
    )
    assert fits(phone)
