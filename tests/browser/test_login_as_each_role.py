"""A person logs in as each demo role in a real Chromium and sees that role's landing page, once
in Chinese (the default) and once in English (switched with the language button)."""

import pytest

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANDING = {
    "enterprise_user": ("我的企业", "My enterprise"),
    "staff": ("协会工作台", "Association workspace"),
    "manager": ("协会工作台", "Association workspace"),
    "official": ("辖区概览", "Jurisdiction overview"),
    "partner": ("合作系统", "Partner system"),
    "admin": ("平台管理", "Platform administration"),
}


def log_in(page, base_url: str, username: str, *, english: bool) -> None:
    page.goto(f"{base_url}/login/")
    if english:
        page.get_by_role("button", name="English").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en"
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url(f"{base_url}/dashboard/")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("role", sorted(LANDING))
def test_role_lands_on_its_page(live_server, cast, page, screenshot, role, language):
    user = cast.by_role(role)
    log_in(page, live_server.url, user.username, english=language == "en")

    title = page.get_by_test_id("dashboard-title")
    expected = LANDING[role][0 if language == "zh-hans" else 1]
    assert title.inner_text() == expected
    assert page.locator("html").get_attribute("lang") == language
    assert page.get_by_test_id("who").inner_text() == user.username
    screenshot(f"landing-{role}-{language}")


def test_wrong_password_keeps_the_person_on_the_login_page(live_server, cast, page):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", "not-the-password")
    page.locator("form button[type=submit].primary").click()
    assert page.get_by_role("alert").inner_text().startswith("用户名或密码不正确")
    assert page.url.endswith("/login/")


def test_logging_out_returns_to_the_login_page(live_server, cast, page):
    log_in(page, live_server.url, "staff", english=False)
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(f"{live_server.url}/login/")
    page.goto(f"{live_server.url}/dashboard/")
    assert "/login/" in page.url
