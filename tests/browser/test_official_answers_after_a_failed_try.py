"""An official answers an escalated need: the first try forgets the department of a referral;
the page comes back with the error beside that field and the reply and outcome as typed, so
that adding the department is all it takes."""

import pytest

from supplies.models import Need
from tests.browser.conftest import ARTIFACTS
from tests.conftest import PASSWORD
from tests.supplies.conftest import need_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPLY = "已转请市工信局协调医用口罩一千只，预计三日内送达。"


def test_an_official_answers_after_a_failed_first_try_without_retyping(live_server, cast, page):
    need = need_in(cast, Need.Status.ESCALATED)
    url = live_server.url
    page.goto(f"{url}/login/")
    page.fill("#id_username", "official")
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url(f"{url}/dashboard/")

    page.goto(f"{url}/needs/{need.pk}/")
    form = page.locator('form[data-action="reply"]')
    form.locator("#id_reply").fill(REPLY)
    form.locator("#id_outcome").select_option("referred")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()

    form = page.locator('form[data-action="reply"]')
    assert form.locator("#id_reply").input_value() == REPLY
    assert form.locator("#id_outcome").input_value() == "referred"
    error = form.locator(".field.has-error .field-error")
    assert error.count() == 1 and "部门" in error.inner_text()
    assert form.locator(".field.has-error #id_referred_to").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "official-reply-error.png"), full_page=True)

    form.locator("#id_referred_to").fill("韶关市工业和信息化局")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    need.refresh_from_db()
    assert need.status == Need.Status.ANSWERED
    escalation = need.escalations.get()
    assert (escalation.reply, escalation.referred_to) == (REPLY, "韶关市工业和信息化局")
