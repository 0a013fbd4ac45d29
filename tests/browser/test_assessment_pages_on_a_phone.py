"""The assessment pages on a phone-sized screen (390 × 844): an enterprise asks for an
assessment and reads it; staff open the queue, a request and the hardest-hit list; nothing is
wider than the screen and the list's rows are cards."""

from datetime import timedelta

import pytest
from django.utils import timezone

from relief.models import HardshipAssessment
from tests.browser.conftest import ARTIFACTS, fits, log_in
from tests.relief.test_assessment_selectors import assessed, grant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_NAME = "韶关市乐昌市北乡镇华兴精密电子元器件制造有限公司（第二生产基地·出口加工区分厂）"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"phone-{name}-390.png"), full_page=True)


def test_an_enterprise_asks_for_an_assessment_on_a_phone(live_server, cast, phone):
    base = live_server.url
    log_in(phone, base, "enterprise")
    phone.goto(f"{base}/relief/assessments/")
    assert fits(phone)
    phone.get_by_test_id("ask").click()
    phone.wait_for_url(f"{base}/relief/assessments/ask/")
    assert fits(phone)
    phone.fill("#id_revenue_drop_percent", "62")
    phone.fill("#id_months_of_cash", "1.5")
    phone.select_option("#id_cause", "flood")
    shot(phone, "assessment-ask")
    phone.locator("main form button[type=submit].primary").click()
    assessment = HardshipAssessment.objects.get()
    phone.wait_for_url(f"{base}/relief/assessments/{assessment.pk}/")
    shot(phone, "assessment-detail-enterprise")
    assert fits(phone)


def test_staff_work_the_queue_and_the_hardest_hit_list_on_a_phone(live_server, cast, phone):
    cast.member.name = LONG_NAME
    cast.member.save(update_fields=["name"])
    waiting = assessed(cast.member, cast.association, status="requested", grade="")
    assessed(
        cast.member,
        cast.association,
        period=timezone.localdate().replace(day=1) - timedelta(days=40),
        valid_until=timezone.localdate() + timedelta(days=30),
    )
    grant(cast.member, cast.association, "1250.50", name="2020年会费全免（受灾严重会员）")
    base = live_server.url
    log_in(phone, base, "staff")
    for path, name in (
        ("/relief/assessments/", "assessment-queue"),
        (f"/relief/assessments/{waiting.pk}/", "assessment-detail-staff"),
        ("/relief/assessments/record/", "assessment-record"),
        ("/relief/hardest-hit/", "hardest-hit"),
    ):
        phone.goto(f"{base}{path}")
        shot(phone, name)
        assert fits(phone), path
    row = phone.get_by_test_id("hardest-hit-row").first
    assert row.bounding_box()["width"] > 300  # a card across the screen
    assert not phone.locator("table thead").is_visible()
    assert row.locator('a[href^="tel:"]').bounding_box()["height"] >= 44
