"""An administrator runs the platform on a phone (390 px): the figures, the users' list with a
deactivation opened, and the new association's form fit the width, and a deactivation goes
through with its reason and its ticked box."""

import pytest

from core.models import Role, User
from tests.browser.conftest import ARTIFACTS, fits, log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_deactivates_a_user_on_a_phone(live_server, cast, phone):
    ARTIFACTS.mkdir(exist_ok=True)
    target = UserFactory(
        username="zhang_wei_guangzhou_huaxing_2020",
        first_name="张伟",
        email="zhang.wei.procurement@guangzhou-huaxing-electronics.example.com.cn",
        phone="+8613812345678",
        role=Role.ENTERPRISE,
        enterprise=cast.member,
    )
    log_in(phone, live_server.url, "admin")

    phone.goto(f"{live_server.url}/operations/platform/")
    assert fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "platform-390.png"), full_page=True)

    phone.goto(f"{live_server.url}/operations/platform/users/?q=zhang")
    row = phone.locator(f'[data-testid="user-row"][data-id="{target.pk}"]')
    row.locator("summary").click()
    row.locator("textarea[name=reason]").fill("已离职，账号停用")
    row.locator("input[name=confirm]").check()
    assert fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "platform-users-390.png"), full_page=True)
    row.locator("button[type=submit].danger").click()
    phone.wait_for_url(f"{live_server.url}/operations/platform/users/?q=zhang")
    assert "zhang_wei_guangzhou_huaxing_2020" in phone.locator(".messages").inner_text()
    assert not User.objects.get(pk=target.pk).is_active
    assert fits(phone)

    phone.goto(f"{live_server.url}/operations/platform/associations/new/")
    assert fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "platform-association-new-390.png"), full_page=True)
