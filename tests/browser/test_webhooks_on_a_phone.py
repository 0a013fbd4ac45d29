"""A manager registers a webhook endpoint for their association's partner account on a phone
(390 px): the form, the secret shown once, the endpoint's page and its delivery log with an
attempt opened fit the width, and what is tapped is big enough."""

import json

import pytest
from playwright.sync_api import expect

from integrations.models import Attempt, Delivery, Endpoint
from tests.browser.conftest import ARTIFACTS, fits, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_URL = (
    "https://93.184.216.34/integrations/resumption-portal/webhooks/v2/receive?tenant=gd-electronics"
)


def _a_failed_delivery(endpoint: Endpoint) -> None:
    body = json.dumps(
        {
            "id": "ping_1",
            "type": "webhook.ping",
            "data": {"note": "一条很长的测试消息，" * 20, "url": LONG_URL},
        },
        ensure_ascii=False,
    )
    delivery = Delivery.objects.create(
        endpoint=endpoint,
        variant=Delivery.Variant.PING,
        event_type="webhook.ping",
        status=Delivery.Status.FAILED,
        attempts=1,
        last_status_code=502,
    )
    Attempt.objects.create(
        delivery=delivery,
        number=1,
        request_body=body,
        status_code=502,
        response_start="<html><body>Bad gateway: the upstream server did not answer</body></html>",
        duration_ms=1234,
        error="",
    )


def test_a_manager_registers_a_webhook_on_a_phone(live_server, cast, phone):
    base = live_server.url
    log_in(phone, base, "manager")

    phone.goto(f"{base}/webhooks/")
    assert fits(phone)
    phone.get_by_test_id("webhook-new").click()
    expect(phone.locator("#id_url")).to_be_visible()
    assert fits(phone)
    phone.fill("#id_url", LONG_URL)
    phone.fill("#id_description", "省工业互联网数据平台（复工复产数据交换）")
    phone.check("input[name=event_types][value='need.*']")
    phone.check("input[name=event_types][value='membership.*']")
    box = phone.locator("input[name=event_types][value='need.*']").locator("xpath=..")
    assert box.bounding_box()["height"] >= 44
    phone.fill("#id_exact_types", "report.submitted")
    phone.select_option("#id_account", str(cast.partner.pk))
    assert fits(phone)
    phone.get_by_test_id("webhook-register").click()

    secret = phone.get_by_test_id("secret-value").inner_text()
    endpoint = Endpoint.objects.get()
    assert secret == endpoint.secret and secret.startswith("whsec_")
    assert fits(phone)
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "webhook-registered-phone.png"), full_page=True)

    _a_failed_delivery(endpoint)
    phone.reload()
    expect(phone.get_by_test_id("webhook-secret")).to_have_count(0)
    row = phone.get_by_test_id("delivery-row")
    expect(row).to_have_count(1)
    row.locator("details.attempts > summary").click()
    expect(row.get_by_test_id("attempt")).to_be_visible()
    assert row.get_by_test_id("redeliver").bounding_box()["height"] >= 44
    assert fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "webhook-log-phone.png"), full_page=True)

    row.get_by_test_id("redeliver").click()
    expect(phone.locator(".messages .success")).to_be_visible()
    assert Delivery.objects.get().status == Delivery.Status.PENDING
    assert fits(phone)
