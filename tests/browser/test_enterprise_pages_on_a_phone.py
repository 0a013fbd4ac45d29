"""Every page an enterprise user can reach, and the pages staff and officials work on most, on a
phone-sized screen (390 × 844): nothing scrolls sideways, lists read as cards, buttons are big
enough to tap, and the navigation folds into a menu. A screenshot of each page is kept in
test-artifacts/ to look at."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core import tasks as core_tasks
from core.notifications import notify
from supplies import services as supplies
from supplies.models import Need, SupplyItem
from tests.browser.conftest import ARTIFACTS, PHONE, fits, log_in
from tests.factories import (
    BatchFactory,
    EnterpriseFactory,
    MembershipFactory,
    UserFactory,
    hand_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_NOTE = (
    "复工后第一个月全厂三条生产线满负荷运转，需要医用外科口罩用于员工每日两班更换，"
    "请优先安排在本周五之前送达番禺区石基镇厂区东门仓库，联系人：王建国，电话 020-84561234，"
    "ReferenceNumber-GZHX-2020-0317-MASKS-0001-URGENT-DELIVERY"
)


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    """The notifications' e-mails are not what these tests look at."""
    monkeypatch.setattr(core_tasks.send_notification_email, "delay", lambda *args: None)


def days_from_today(days: int):
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def busy(cast):
    """The cast's enterprise user with something on every page: a batch open to apply to, an
    application handed in, needs of each kind with long text (one matched with another member's
    offer), an offer of its own and notifications."""
    member = cast.member
    member.name = "广州华兴电子科技股份有限公司番禺生产基地（第一分厂）"
    member.address = "广州市番禺区石基镇金山大道东168号华兴科技园3号楼"
    member.save(update_fields=["name", "address"])
    cast.enterprise_user.first_name = "王建国"
    cast.enterprise_user.save(update_fields=["first_name"])

    requirements = "口罩、消毒液储备不少于7天；配备体温计，上岗前测温；设置临时隔离观察区。"
    open_batch = BatchFactory(
        association=cast.association,
        name="2020年第二批复工复产（电子信息制造业·广州市各区重点企业）",
        prevention_requirements=requirements,
        created_by=cast.staff,
    )
    applied_batch = BatchFactory(
        association=cast.association, name="2020年第一批复工复产", created_by=cast.staff
    )
    application = hand_in(cast.enterprise_user, applied_batch, workers=186)

    mask = SupplyItem.objects.get(code="mask-medical")
    disinfectant = SupplyItem.objects.get(code="disinfectant")
    supply = supplies.need_file(
        actor=cast.enterprise_user,
        kind=Need.Kind.SUPPLY,
        item=mask,
        quantity="20000",
        urgency=Need.Urgency.CRITICAL,
        needed_by=days_from_today(5),
        description=LONG_NOTE,
    )
    labour = supplies.need_file(
        actor=cast.enterprise_user,
        kind=Need.Kind.LABOUR,
        trade="表面贴装（SMT）设备操作员及产线质量检验员（需持证上岗）",
        headcount=35,
        needed_by=days_from_today(14),
        description=LONG_NOTE,
    )
    difficulty = supplies.need_file(
        actor=cast.enterprise_user,
        kind=Need.Kind.DIFFICULTY,
        difficulty_kind=Need.DifficultyKind.choices[0][0],
        description=LONG_NOTE,
    )
    supplier_enterprise = EnterpriseFactory(name="广州市天河区康宁医疗器械有限公司")
    MembershipFactory(enterprise=supplier_enterprise, association=cast.association)
    supplier = UserFactory(enterprise=supplier_enterprise)
    offer = supplies.offer_create(
        actor=supplier, item=mask, quantity="8000", available_until=days_from_today(30)
    )
    supplies.match_create(
        actor=cast.staff, need_id=supply.pk, offer_id=offer.pk, quantity="6000", note=LONG_NOTE
    )
    supplies.offer_create(
        actor=cast.enterprise_user,
        item=disinfectant,
        quantity="500",
        available_until=days_from_today(20),
        note=LONG_NOTE,
    )
    notify(
        user=cast.enterprise_user,
        title="您的物资需求已撮合 6000 个医用口罩（广州市天河区某某医疗器械有限公司供应）",
        body=LONG_NOTE,
        link=f"/needs/{supply.pk}/",
    )
    return {
        "open_batch": open_batch,
        "applied_batch": applied_batch,
        "application": application,
        "supply": supply,
        "labour": labour,
        "difficulty": difficulty,
    }


def short_buttons(page) -> list[str]:
    """The visible buttons and button-like links of the page that are less than 44 px high."""
    return page.evaluate(
        """() => [...document.querySelectorAll(
              'main button, main a.button, main a.primary-link, .menu > summary')]
            .filter(e => e.offsetParent !== null)
            .filter(e => e.getBoundingClientRect().height < 44)
            .map(e => e.textContent.trim() + ' ' + Math.round(e.getBoundingClientRect().height))"""
    )


def check(page, base_url: str, path: str, shot: str) -> None:
    """Open a page and check it as a person with a phone would notice: it answers, nothing on
    it is wider than the screen, its buttons are big enough to tap."""
    response = page.goto(f"{base_url}{path}")
    assert response.status == 200, (path, response.status)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"phone-{shot}-390.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert fits(page), f"{path} is {width} px wide on a {PHONE['width']} px screen"
    assert short_buttons(page) == [], path


def test_every_page_of_an_enterprise_user_fits_a_phone(live_server, cast, busy, phone):
    base = live_server.url
    log_in(phone, base, "enterprise")
    enterprise = cast.member.pk
    membership = cast.member.memberships.get().pk
    pages = {
        "dashboard": "/dashboard/",
        "batches": "/batches/",
        "batch-open": f"/batches/{busy['open_batch'].pk}/",
        "apply": f"/batches/{busy['open_batch'].pk}/apply/",
        "batch-applied": f"/batches/{busy['applied_batch'].pk}/",
        "my-applications": "/applications/",
        "application": f"/applications/{busy['application'].pk}/",
        "needs": "/needs/",
        "need-new-supply": "/needs/new/supply/",
        "need-new-labour": "/needs/new/labour/",
        "need-new-difficulty": "/needs/new/difficulty/",
        "need-supply": f"/needs/{busy['supply'].pk}/",
        "need-labour": f"/needs/{busy['labour'].pk}/",
        "need-difficulty": f"/needs/{busy['difficulty'].pk}/",
        "offers": "/offers/",
        "offer-new": "/offers/new/",
        "notifications": "/notifications/",
        "enterprise": f"/enterprises/{enterprise}/",
        "enterprise-edit": f"/enterprises/{enterprise}/edit/",
        "join": "/enterprises/join/",
        "membership": f"/memberships/{membership}/",
        "two-factor": "/account/two-factor/",
    }
    for shot, path in pages.items():
        check(phone, base, path, shot)

    # Whatever the menu leads to fits as well (a page added to it later is checked too).
    phone.goto(f"{base}/dashboard/")
    for href in phone.eval_on_selector_all(".menu nav a", "links => links.map(a => a.pathname)"):
        if href not in pages.values() and not href.startswith("/api/"):
            check(phone, base, href, "menu" + href.replace("/", "-").rstrip("-"))


def test_lists_become_cards_whose_text_reads_across_the_screen(live_server, cast, busy, phone):
    """The defects seen at 390 px: status pills broken into one character a line, text columns
    one or two characters wide, the credit code outside its card."""
    base = live_server.url
    log_in(phone, base, "enterprise")

    phone.goto(f"{base}/needs/")
    row = phone.get_by_test_id("need-row").first
    assert row.bounding_box()["width"] > 300  # the row is a card across the screen
    assert not phone.locator("table thead").is_visible()
    needed_by = row.locator('td[data-label="需求期限"]')  # each value says which column it is
    assert needed_by.evaluate("td => getComputedStyle(td, '::before').content") == '"需求期限"'
    pill = row.locator(".status")
    assert pill.bounding_box()["height"] < 30  # one line, not 待/处/理 stacked

    phone.goto(f"{base}/batches/")
    apply = phone.get_by_test_id("apply")
    row = phone.get_by_test_id("batch-row").filter(has=apply)
    assert row.locator("td").first.bounding_box()["width"] > 300
    assert apply.bounding_box()["height"] >= 44

    phone.goto(f"{base}/dashboard/")
    card = phone.get_by_test_id("enterprise-card")  # below the next steps
    code = card.locator("dd", has_text=cast.member.uscc)
    card_box, code_box = card.bounding_box(), code.bounding_box()
    assert code_box["x"] + code_box["width"] <= card_box["x"] + card_box["width"]

    phone.goto(f"{base}/batches/{busy['open_batch'].pk}/apply/")
    note = phone.locator("table.checklist-form tbody input[type=text]").first
    assert note.bounding_box()["width"] > 250  # was about 25 px


def test_the_apply_form_with_errors_fits_a_phone(live_server, cast, busy, phone):
    base = live_server.url
    log_in(phone, base, "enterprise")
    phone.goto(f"{base}/batches/{busy['open_batch'].pk}/apply/")
    phone.fill("#id_returning_workers", "10")
    phone.fill("#id_workers_from_other_provinces", "25")  # more than return: refused at its field
    phone.locator("button[name=submit]").click()
    phone.wait_for_load_state()
    assert phone.locator(".field-error").count() > 0
    phone.screenshot(path=str(ARTIFACTS / "phone-apply-errors-390.png"), full_page=True)
    assert fits(phone)


def test_the_menu_is_folded_on_a_phone_and_a_row_at_a_desk(live_server, cast, busy, phone, page):
    base = live_server.url
    log_in(phone, base, "enterprise")
    phone.goto(f"{base}/needs/")
    header = phone.locator("header.topbar").bounding_box()
    assert header["height"] <= 120  # it took about 340 px
    needs_link = phone.locator(".menu nav a", has_text="我的需求")
    assert not needs_link.is_visible()

    phone.locator(".menu > summary").click()  # "菜单": a <details>, no script needed
    assert needs_link.is_visible()
    assert needs_link.bounding_box()["height"] >= 44
    assert fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "phone-menu-open-390.png"))
    needs_link.click()
    phone.wait_for_url(f"{base}/needs/")

    log_in(page, base, "enterprise")
    assert page.locator(".menu nav a", has_text="我的需求").is_visible()
    assert not page.locator(".menu > summary").is_visible()


def test_an_enterprise_user_without_an_enterprise_finds_the_way_on_a_phone(
    live_server, cast, phone
):
    base = live_server.url
    log_in(phone, base, "outsider")
    for shot, path in {
        "no-enterprise-dashboard": "/dashboard/",
        "register": "/enterprises/register/",
        "claim": "/enterprises/claim/",
        "no-enterprise-needs": "/needs/",
    }.items():
        check(phone, base, path, shot)


def test_staff_and_official_pages_fit_a_phone(live_server, cast, busy, phone):
    base = live_server.url
    log_in(phone, base, "manager")
    for shot, path in {
        "staff-dashboard": "/dashboard/",
        "staff-members": "/members/",
        "staff-review-queue": "/applications/",
        "staff-application": f"/applications/{busy['application'].pk}/",
        "staff-need-queue": "/needs/queue/",
        "staff-need": f"/needs/{busy['supply'].pk}/",
        "staff-offers": "/offers/",
        "staff-batches": "/batches/",
        "staff-progress": "/batches/progress/",
        "staff-reports": "/reports/",
    }.items():
        check(phone, base, path, shot)

    phone.context.clear_cookies()
    log_in(phone, base, "official")
    for shot, path in {
        "official-dashboard": "/dashboard/",
        "official-escalated": "/needs/escalated/",
        "official-reports": "/reports/",
        "official-completeness": "/reports/completeness/",
    }.items():
        check(phone, base, path, shot)
