"""The notification centre and the e-mail preferences on a phone (390 px): an enterprise user
filters their notifications, opens one (it is read, and the top bar's count goes down), marks
the rest read and chooses the daily digest for needs. Nothing scrolls sideways; the buttons are
big enough to tap."""

import pytest
from playwright.sync_api import expect

from core import tasks as core_tasks
from core.models import Delivery, Notification, NotificationPreference
from core.notifications import notify
from tests.browser.conftest import ARTIFACTS, fits, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Kind = Notification.Kind
LONG_TITLE = "2020年第二批复工复产（电子信息制造业·广州市各区重点企业）：您的申请已批准"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr(core_tasks.send_notification_email, "delay", lambda *args: None)


def test_an_enterprise_user_reads_marks_and_chooses_on_a_phone(live_server, cast, phone):
    user = cast.enterprise_user
    notify(user=user, title=LONG_TITLE, link="/applications/", kind=Kind.DECISION)
    notify(user=user, title="口罩需求：已匹配 20000 只", body="联系人：王建国", kind=Kind.NEED)
    notify(user=user, title="投诉：不予受理", kind=Kind.COMPLAINT, urgent=True)
    base = live_server.url
    log_in(phone, base, "enterprise")

    phone.goto(f"{base}/notifications/")
    assert fits(phone)
    assert phone.get_by_test_id("notification").count() == 3
    assert phone.locator(".notifications-link .count").inner_text() == "3"
    phone.select_option("#id_kind", "decision")
    phone.get_by_test_id("notifications-filter").click()
    expect(phone.get_by_test_id("notification")).to_have_count(1)
    phone.get_by_test_id("notification-open").click()
    phone.wait_for_url(f"{base}/applications/")
    assert phone.locator(".notifications-link .count").inner_text() == "2"

    phone.goto(f"{base}/notifications/")
    button = phone.get_by_test_id("notifications-read-all")
    assert button.bounding_box()["height"] >= 44
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "notifications-phone.png"), full_page=True)
    button.click()
    expect(phone.locator(".notifications-link .count")).to_have_count(0)
    expect(phone.get_by_test_id("notification-new")).to_have_count(0)

    phone.get_by_test_id("notification-preferences").click()
    phone.wait_for_url(f"{base}/notifications/preferences/")
    expect(phone.get_by_test_id("preference").first).to_be_visible()
    assert fits(phone)
    assert phone.get_by_test_id("preference").count() == len(Kind.values)
    phone.select_option("#id_need", "daily")
    assert phone.locator("#id_need").bounding_box()["height"] >= 44
    phone.screenshot(path=str(ARTIFACTS / "notification-preferences-phone.png"), full_page=True)
    phone.get_by_test_id("preferences-save").click()
    phone.wait_for_url(f"{base}/notifications/preferences/")
    assert NotificationPreference.objects.get(user=user, kind=Kind.NEED).delivery == Delivery.DAILY
    assert fits(phone)
