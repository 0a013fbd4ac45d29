"""The home pages' lists of what to do, on a phone (390 px) and at a desk (1280 px): the
enterprise's next steps come first and lead where each is done; the staff's to-do list fits too.
Screenshots of both pages at both widths are kept in test-artifacts/."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from batches import services as batches
from core import tasks as core_tasks
from supplies import services as supplies
from supplies.models import Escalation, Need, SupplyItem
from tests.browser.conftest import ARTIFACTS, PHONE, fits, log_in
from tests.factories import (
    READY_CHECKLIST,
    ApplicationFactory,
    BatchFactory,
    EnterpriseFactory,
    MembershipFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1280, "height": 900}


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    """The notifications' e-mails are not what these tests look at."""
    monkeypatch.setattr(core_tasks.send_notification_email, "delay", lambda *args: None)


@pytest.fixture
def asked(cast):
    """The cast's enterprise with a returned application, a need on which the association asks
    for information, and a need government answered; and for the staff, a member waiting, an
    application to review and an open batch half full."""
    batch = BatchFactory(
        association=cast.association,
        name="2020年第二批复工复产（电子信息制造业·广州市各区重点企业）",
        created_by=cast.staff,
    )
    application = batches.application_create(
        actor=cast.enterprise_user,
        batch_id=batch.pk,
        planned_date=batch.planned_start,
        returning_workers=186,
        workers_from_other_provinces=0,
        **READY_CHECKLIST,
    )
    batches.application_submit(actor=cast.enterprise_user, application_id=application.pk)
    batches.application_return(
        actor=cast.staff,
        application_id=application.pk,
        reason="请补充隔离观察区的位置和面积，并上传消毒记录表（近七天）。",
    )
    mask = SupplyItem.objects.get(code="mask-medical")
    question = supplies.need_file(
        actor=cast.enterprise_user,
        kind=Need.Kind.SUPPLY,
        item=mask,
        quantity="20000",
        urgency=Need.Urgency.CRITICAL,
        needed_by=timezone.localdate() + timedelta(days=5),
    )
    supplies.need_ask_info(
        actor=cast.staff,
        need_id=question.pk,
        question="请说明收货地址、收货联系人，以及口罩的型号（医用外科口罩或N95）。",
    )
    answered = Need.objects.create(
        kind=Need.Kind.DIFFICULTY,
        enterprise=cast.member,
        association=cast.association,
        status=Need.Status.ANSWERED,
        difficulty_kind="transport",
        description="原材料运输车辆无法进入广州市番禺区，请协调通行证",
        created_by=cast.enterprise_user,
        escalated_at=timezone.now(),
    )
    Escalation.objects.create(
        need=answered,
        summary="企业货车无法通行",
        escalated_by=cast.staff,
        reply="已协调市交通运输局，为企业办理重点物资运输车辆通行证，请于明日到番禺区交通局领取。",
        outcome=Escalation.Outcome.RESOLVED,
        replied_by=cast.official,
        replied_at=timezone.now() - timedelta(hours=3),
    )
    # The staff's side: a request to join, an application to review, a batch half full.
    MembershipFactory(
        enterprise=EnterpriseFactory(name="广州市番禺区新申请入会的电子科技有限公司"),
        association=cast.association,
        status="pending",
    )
    waiting = EnterpriseFactory(name="佛山市顺德区某某电器制造有限公司")
    MembershipFactory(enterprise=waiting, association=cast.association)
    ApplicationFactory(
        batch=batch, enterprise=waiting, review_due_at=timezone.now() - timedelta(days=2)
    )
    type(batch).objects.filter(pk=batch.pk).update(approved_count=45)
    return {"application": application, "question": question, "answered": answered}


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_the_enterprise_sees_its_next_steps_first_on_a_phone(live_server, cast, asked, phone):
    from playwright.sync_api import expect

    base = live_server.url
    log_in(phone, base, "enterprise")
    phone.goto(f"{base}/dashboard/")
    shot(phone, "home-enterprise-390")
    assert fits(phone), phone.evaluate("document.documentElement.scrollWidth")

    steps = phone.locator("ol.steps a.step")
    expect(steps).to_have_count(3)
    kinds = [steps.nth(n).get_attribute("data-testid") for n in range(3)]
    assert kinds == ["step-returned", "step-info", "step-answer"]
    # First on the page: the steps start within the first screen, above the enterprise's card.
    first = steps.first.bounding_box()
    assert first["y"] + first["height"] < PHONE["height"]
    assert first["y"] < phone.get_by_test_id("enterprise-card").bounding_box()["y"]
    for n in range(3):
        box = steps.nth(n).bounding_box()
        assert box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"]

    steps.first.click()  # revise the returned application: its form
    phone.wait_for_url(f"{base}/applications/{asked['application'].pk}/edit/")
    expect(phone.locator("#id_returning_workers")).to_be_visible()
    assert fits(phone)


def test_the_next_step_on_a_need_leads_to_where_the_information_is_added(
    live_server, cast, asked, phone
):
    from playwright.sync_api import expect

    base = live_server.url
    log_in(phone, base, "enterprise")
    phone.goto(f"{base}/dashboard/")
    phone.get_by_test_id("step-info").click()
    phone.wait_for_url(f"{base}/needs/{asked['question'].pk}/")
    expect(phone.locator("textarea[name=body]")).to_be_visible()


def test_both_home_pages_fit_a_phone_and_a_desk(live_server, cast, asked, browser):
    base = live_server.url
    for width, viewport in ((390, PHONE), (1280, DESK)):
        context = browser.new_context(locale="zh-CN", viewport=viewport)
        page = context.new_page()
        for username, name in (("enterprise", "enterprise"), ("staff", "staff")):
            log_in(page, base, username)
            page.goto(f"{base}/dashboard/")
            shot(page, f"home-{name}-{width}")
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= viewport["width"], (name, width, scroll_width)
            links = page.locator("a.todo-item, a.step")
            assert links.count() > 0
            for n in range(links.count()):
                assert links.nth(n).bounding_box()["height"] >= 44, (name, width, n)
            page.context.clear_cookies()
        context.close()


def test_the_staff_see_what_waits_for_them_on_a_phone(live_server, cast, asked, phone):
    from playwright.sync_api import expect

    base = live_server.url
    log_in(phone, base, "staff")
    phone.goto(f"{base}/dashboard/")
    todo = phone.get_by_test_id("todo")
    expect(todo.get_by_test_id("todo-applications")).to_contain_text("逾期 2 天")
    expect(todo.get_by_test_id("todo-needs")).to_contain_text("政府已答复")
    expect(todo.get_by_test_id("todo-batches")).to_contain_text("名额已占 45 / 100")
    assert fits(phone)
    todo.get_by_test_id("todo-applications").locator("a.todo-item").first.click()
    phone.wait_for_url(re.compile(r".*/applications/\d+/$"))
    expect(phone.locator("h1")).to_contain_text("佛山市顺德区某某电器制造有限公司")


def test_with_nothing_to_do_the_enterprise_gets_the_useful_actions_on_a_phone(
    live_server, cast, phone
):
    from playwright.sync_api import expect

    base = live_server.url
    log_in(phone, base, "enterprise")
    phone.goto(f"{base}/dashboard/")
    shot(phone, "home-enterprise-nothing-390")
    expect(phone.get_by_test_id("nothing-next")).to_be_visible()
    actions = phone.get_by_test_id("next-steps").locator("a.button")
    expect(actions).to_have_count(3)
    for n in range(3):
        box = actions.nth(n).bounding_box()
        assert box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"]
    assert fits(phone)
    actions.first.click()
    phone.wait_for_url(f"{base}/needs/new/supply/")
