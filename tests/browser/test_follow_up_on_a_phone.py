"""The follow-up lists on a phone-sized screen (390 × 844): reached from a count on the progress
page, each row a card with the contact a tap away, nothing wider than the screen."""

from datetime import timedelta

import pytest
from django.utils import timezone

from supplies.models import Need, SupplyItem
from tests.browser.conftest import ARTIFACTS, fits
from tests.browser.test_enterprise_pages_on_a_phone import log_in
from tests.factories import ApplicationFactory, BatchFactory, EnterpriseFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_NAME = "韶关市乐昌市北乡镇华兴精密电子元器件制造有限公司（第二生产基地·出口加工区分厂）"


@pytest.fixture
def lists(cast):
    """A batch with a long-named member that has not applied, one approved and not resumed, and
    an overdue need."""
    batch = BatchFactory(
        association=cast.association,
        name="2020年第二批复工复产（电子信息制造业·韶关市各县区重点企业）",
        regions=["440000"],
        industries=["C"],
    )
    waiting = EnterpriseFactory(name=LONG_NAME, region_id="440281", industry_id="39")
    approved = EnterpriseFactory(
        name="乐昌市华兴纺织有限公司", region_id="440281", industry_id="18"
    )
    for enterprise in (waiting, approved):
        MembershipFactory(enterprise=enterprise, association=cast.association)
    ApplicationFactory(
        batch=batch,
        enterprise=approved,
        status="approved",
        decided_at=timezone.now() - timedelta(days=4),
    )
    Need.objects.create(
        kind=Need.Kind.SUPPLY,
        enterprise=waiting,
        association=cast.association,
        item=SupplyItem.objects.get(code="mask-medical"),
        unit="piece",
        quantity=20000,
        needed_by=timezone.localdate() - timedelta(days=3),
        created_by=cast.staff,
    )
    return batch


def test_staff_follow_a_count_to_the_list_and_reach_a_contact_on_a_phone(
    live_server, cast, lists, phone
):
    base = live_server.url
    log_in(phone, base, "staff")
    phone.goto(f"{base}/batches/{lists.pk}/progress/?within=440200")
    link = phone.get_by_test_id("progress-row").first.get_by_test_id("not-applied-link")
    assert link.bounding_box()["height"] >= 44
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "phone-progress-follow-up-390.png"), full_page=True)
    assert fits(phone)
    link.click()
    phone.wait_for_url(f"{base}/batches/follow-up/not-applied/**")

    row = phone.get_by_test_id("follow-up-row").filter(has_text=LONG_NAME)
    assert row.bounding_box()["width"] > 300  # a card across the screen
    assert not phone.locator("table thead").is_visible()
    phone_link = row.locator('a[href^="tel:"]')
    assert phone_link.bounding_box()["height"] >= 44
    phone.screenshot(path=str(ARTIFACTS / "phone-follow-up-not-applied-390.png"), full_page=True)
    assert fits(phone)

    for path, shot in (
        (f"/batches/follow-up/not-resumed/?batch={lists.pk}", "not-resumed"),
        ("/needs/overdue/", "overdue-needs"),
    ):
        phone.goto(f"{base}{path}")
        assert phone.get_by_test_id("follow-up-row").count() == 1
        phone.screenshot(path=str(ARTIFACTS / f"phone-follow-up-{shot}-390.png"), full_page=True)
        assert fits(phone), path


def test_an_official_reads_the_lists_on_a_phone_without_contacts(live_server, cast, lists, phone):
    base = live_server.url
    log_in(phone, base, "official")
    phone.goto(f"{base}/batches/follow-up/not-applied/?batch={lists.pk}")
    assert phone.get_by_test_id("follow-up-row").filter(has_text=LONG_NAME).count() == 1
    assert phone.locator('a[href^="tel:"]').count() == 0
    assert fits(phone)
