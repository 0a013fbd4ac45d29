"""Asking for a support service and filing a complaint on a phone (390 × 844), as the people of
the story would: the enterprise asks with a document, staff accept and resolve, the enterprise
rates; a complaint is filed, triaged and answered by the member. Nothing scrolls sideways on any
of the pages, and a screenshot of each is kept in test-artifacts/."""

from pathlib import Path

import pytest

from core import tasks as core_tasks
from market.models import Complaint
from services.models import Service, ServiceProvider, ServiceRequest
from tests.browser.conftest import ARTIFACTS, fits, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr(core_tasks.send_notification_email, "delay", lambda *args: None)


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    assert fits(page), name


def _new_phone(browser):
    return browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()


def test_a_service_is_asked_for_accepted_resolved_and_rated_on_a_phone(
    live_server, cast, browser, tmp_path: Path
):
    provider = ServiceProvider.objects.create(
        association=cast.association, name="广州汇信律师事务所", contact="李律师 020-88880000"
    )
    service = Service.objects.create(
        association=cast.association,
        provider=provider,
        category="legal",
        title="复工复产劳动用工法律咨询（疫情期间劳动合同、工资支付、停工停产）",
        description="免费咨询，1个工作日内答复。",
    )
    base = live_server.url
    enterprise = _new_phone(browser)
    log_in(enterprise, base, "enterprise")
    enterprise.goto(f"{base}/services/")
    _shot(enterprise, "services-catalogue-phone")
    enterprise.get_by_text(service.title).click()
    document = tmp_path / "劳动合同.pdf"
    document.write_bytes(PDF)
    enterprise.fill("#id_description", "有3名外地员工无法返岗，是否可以解除劳动合同？")
    enterprise.set_input_files("#id_attachments", str(document))
    enterprise.locator("[data-testid=request-service] button[type=submit]").click()
    enterprise.wait_for_url(f"{base}/services/requests/*/")
    request = ServiceRequest.objects.get()
    assert "劳动合同.pdf" in enterprise.get_by_test_id("attachment").inner_text()
    _shot(enterprise, "service-request-enterprise-phone")

    staff = _new_phone(browser)
    log_in(staff, base, "staff")
    staff.goto(f"{base}/services/requests/")
    _shot(staff, "service-requests-queue-phone")
    staff.goto(f"{base}/services/requests/{request.pk}/")
    staff.locator("[data-action=accept] button[type=submit]").click()
    staff.locator("button[data-action=start]").click()
    staff.locator("#id_reason").fill("已电话解答，并发送解除合同的注意事项。")
    staff.locator("button[data-action=resolve]").click()
    _shot(staff, "service-request-staff-phone")
    request.refresh_from_db()
    assert request.status == "resolved"

    enterprise.goto(f"{base}/services/requests/{request.pk}/")
    enterprise.locator("[data-action=rate] input[value='5']").check()
    enterprise.locator("[data-action=rate] button[type=submit]").click()
    enterprise.wait_for_load_state()
    request.refresh_from_db()
    assert request.rating == 5
    _shot(enterprise, "service-request-rated-phone")


def test_a_complaint_is_filed_triaged_and_answered_on_a_phone(live_server, cast, browser):
    base = live_server.url
    outsider = _new_phone(browser)
    log_in(outsider, base, "outsider")
    outsider.goto(f"{base}/complaints/new/")
    outsider.fill("#id_respondent_name", cast.member.name)
    outsider.fill("#id_respondent_credit_code", cast.member.uscc)
    outsider.fill("#id_respondent_region", "440106")
    outsider.select_option("#id_category", "price_gouging")
    outsider.fill("#id_what_happened", "一次性医用口罩每盒标价198元，较节前上涨近十倍。")
    outsider.fill("#id_happened_on", "2020-02-03")
    outsider.fill("#id_place", "天河区天河路药店")
    _shot(outsider, "complaint-form-phone")
    outsider.locator("main form button[type=submit].primary").click()
    outsider.wait_for_url(f"{base}/complaints/*/")
    complaint = Complaint.objects.get()
    _shot(outsider, "complaint-complainant-phone")

    staff = _new_phone(browser)
    log_in(staff, base, "staff")
    staff.goto(f"{base}/complaints/{complaint.pk}/")
    staff.select_option("[data-action=triage] select", "accepted")
    staff.locator("[data-action=triage] button[type=submit]").click()
    staff.wait_for_load_state()
    _shot(staff, "complaint-staff-phone")

    member = _new_phone(browser)
    log_in(member, base, "enterprise")
    member.goto(f"{base}/complaints/{complaint.pk}/")
    assert "outsider" not in member.get_by_test_id("complainant").inner_text()
    member.fill("#id_answer", "进货价上涨三倍，已按物价部门要求明码标价。")
    member.locator("[data-action=answer] button[type=submit]").click()
    member.wait_for_load_state()
    assert "进货价上涨三倍" in member.get_by_test_id("respondent-answer").inner_text()
    _shot(member, "complaint-member-phone")
    complaint.refresh_from_db()
    assert complaint.status == "accepted" and complaint.respondent_answer
