"""A new enterprise user, on a phone (390 px) and in Chinese, gets in alone: signs up with a mobile
number, enters the code, registers the enterprise asking to join an association; staff approve;
the new user applies to a batch and files a need. Every page fits the phone's width."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from associations.models import Membership
from batches.models import Application
from core import sms
from core.models import User
from core.tasks import send_signup_message
from enterprises.models import Enterprise
from supplies.models import Need, SupplyItem
from tests.browser.conftest import ARTIFACTS, fits
from tests.conftest import PASSWORD
from tests.factories import BatchFactory, valid_uscc

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Fu-Gong-2020-Hua"


@pytest.fixture(autouse=True)
def _messages_leave_at_once(monkeypatch):
    """What a worker does with the queued message, done in the server's thread."""
    sms.outbox.clear()
    monkeypatch.setattr(send_signup_message, "delay", lambda **m: send_signup_message.run(**m))
    yield
    sms.outbox.clear()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"walk-{name}-390.png"), full_page=True)
    assert fits(page), f"{name}: wider than the phone"


def submit(page) -> None:
    page.locator("main form button[type=submit].primary").last.click()
    page.wait_for_load_state()


def test_a_new_enterprise_user_gets_in_alone_and_files_a_need_on_a_phone(
    live_server, cast, phone, browser
):
    batch = BatchFactory(association=cast.association, name="第一批复工复产", regions=["440000"])
    item = SupplyItem.objects.filter(is_active=True).first()
    url = live_server.url

    # Sign up with a mobile number.
    phone.goto(f"{url}/login/")
    shot(phone, "login")
    phone.get_by_test_id("signup-link").get_by_role("link").click()
    phone.wait_for_url(f"{url}/signup/")
    shot(phone, "signup")
    phone.fill("#id_contact", "139 1234 5678")
    submit(phone)
    phone.wait_for_url(f"{url}/signup/verify/")
    assert "139 1234 5678" in phone.get_by_test_id("code-sent").inner_text()
    shot(phone, "signup-verify")

    [text] = sms.outbox
    code = re.search(r"\b(\d{6})\b", text.text).group(1)
    phone.fill("#id_code", code)
    phone.fill("#id_username", "shunda_chen")
    phone.fill("#id_first_name", "陈静")
    phone.fill("#id_password1", NEW_PASSWORD)
    phone.fill("#id_password2", NEW_PASSWORD)
    submit(phone)

    # Register the enterprise, asking to join the association.
    phone.wait_for_url(f"{url}/enterprises/register/")
    shot(phone, "register-enterprise")
    uscc = valid_uscc(region="440106")
    phone.fill("#id_name", "广州顺达五金有限公司")
    phone.fill("#id_uscc", uscc)
    phone.fill("#id_region", "广州市天河区")  # a name, as people know it
    phone.select_option("#id_industry", "33")
    phone.select_option("#id_size", "small")
    phone.fill("#id_employees", "38")
    phone.select_option("#id_association", str(cast.association.pk))
    submit(phone)
    enterprise = Enterprise.objects.get(uscc=uscc)
    phone.wait_for_url(f"{url}/enterprises/{enterprise.pk}/")
    shot(phone, "enterprise")
    user = User.objects.get(username="shunda_chen")
    assert user.enterprise_id == enterprise.pk and user.phone == "+8613912345678"
    assert (enterprise.region_id, enterprise.contact_name) == ("440106", "陈静")
    membership = Membership.objects.get(enterprise=enterprise, association=cast.association)
    assert membership.status == Membership.Status.PENDING

    # Staff approve the request, at a desk.
    desk = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    staff = desk.new_page()
    staff.goto(f"{url}/login/")
    staff.fill("#id_username", "staff")
    staff.fill("#id_password", PASSWORD)
    staff.locator("form button[type=submit].primary").click()
    staff.wait_for_url(f"{url}/dashboard/")
    staff.goto(f"{url}/memberships/{membership.pk}/")
    staff.locator('[data-action="approve"]').click()
    staff.wait_for_load_state()
    desk.close()
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE

    # The new user applies to the batch.
    phone.goto(f"{url}/dashboard/")
    shot(phone, "dashboard")
    phone.goto(f"{url}/batches/{batch.pk}/apply/")
    shot(phone, "apply")
    phone.fill("#id_returning_workers", "30")
    phone.fill("#id_workers_from_other_provinces", "4")
    phone.fill("#id_masks_days", "14")
    phone.fill("#id_disinfectant_days", "14")
    phone.fill("#id_thermometers", "2")
    for item_name in (
        "disinfection_plan",
        "isolation_area",
        "emergency_plan",
        "staff_health_checks",
    ):
        phone.check(f"#id_{item_name}")
    phone.locator('button[name="submit"]').click()
    phone.wait_for_url(re.compile(r".*/applications/\d+/$"))
    application = Application.objects.get(enterprise=enterprise, batch=batch)
    assert application.status == "submitted"
    shot(phone, "application")

    # And files a need for supplies.
    phone.goto(f"{url}/needs/new/supply/")
    shot(phone, "need-form")
    phone.select_option("#id_item", str(item.pk))
    phone.fill("#id_quantity", "500")
    phone.fill("#id_needed_by", (timezone.localdate() + timedelta(days=7)).isoformat())
    phone.fill("#id_description", "三十名工人两周的用量")
    submit(phone)
    phone.wait_for_url(re.compile(r".*/needs/\d+/$"))
    need = Need.objects.get(enterprise=enterprise)
    assert phone.url.endswith(f"/needs/{need.pk}/")
    shot(phone, "need")
    phone.goto(f"{url}/needs/")
    shot(phone, "needs")
    assert phone.locator("html").get_attribute("lang") == "zh-hans"
