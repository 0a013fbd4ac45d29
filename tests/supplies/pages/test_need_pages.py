"""Needs, offers and the supply catalogue as people use them in the pages: enterprises file needs
and post offers, staff work through the queue (match, place, ask, escalate), officials answer,
and the answer comes back to the enterprise's page.

The pages are read in English (the language cookie), so that the assertions hold before and
after the Chinese translation of the new strings.
"""

import re
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import Role
from core.workflow import history_for
from supplies import services
from supplies.models import Escalation, Match, Need, SupplyItem, SupplyOffer
from tests.factories import AssociationFactory, EnterpriseFactory, MembershipFactory, UserFactory
from tests.supplies.conftest import told_of

pytestmark = pytest.mark.django_db

S = Need.Status


@pytest.fixture(autouse=True)
def queued(monkeypatch) -> list[int]:
    """The notifications whose e-mail was handed to Celery on commit; no worker runs here."""
    from core.tasks import send_notification_email

    calls: list[int] = []
    monkeypatch.setattr(send_notification_email, "delay", calls.append)
    return calls


@pytest.fixture
def web(client):
    """A browser whose person reads English."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def html_of(response) -> str:
    return unescape(response.content.decode())


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def days(n: int) -> str:
    return (timezone.localdate() + timedelta(days=n)).isoformat()


@pytest.fixture
def mask() -> SupplyItem:
    return SupplyItem.objects.get(code="mask-medical")


def supply_need(cast, mask, *, quantity="1000", urgency="high", enterprise_user=None) -> Need:
    return services.need_file(
        actor=enterprise_user or cast.enterprise_user,
        kind=Need.Kind.SUPPLY,
        item=mask,
        quantity=quantity,
        needed_by=timezone.localdate() + timedelta(days=5),
        urgency=urgency,
    )


def labour_need(cast, headcount=5) -> Need:
    return services.need_file(
        actor=cast.enterprise_user,
        kind=Need.Kind.LABOUR,
        trade="电工",
        headcount=headcount,
        needed_by=timezone.localdate() + timedelta(days=10),
    )


def member_user(association, **enterprise_fields):
    """A new active member of `association` and its enterprise user."""
    enterprise = EnterpriseFactory(**enterprise_fields)
    MembershipFactory(enterprise=enterprise, association=association)
    return UserFactory(role=Role.ENTERPRISE, enterprise=enterprise)


@pytest.fixture
def offer(cast, mask) -> SupplyOffer:
    supplier = member_user(cast.association, name="东莞安康防护用品有限公司", region_id="441900")
    return services.offer_create(
        actor=supplier,
        item=mask,
        quantity=Decimal("600"),
        available_until=timezone.localdate() + timedelta(days=30),
    )


def escalated_need(cast, mask, summary="缺口400只，协会无库存") -> Need:
    need = supply_need(cast, mask)
    return services.need_escalate(actor=cast.staff, need_id=need.pk, summary=summary)


def act(client, need, action, **data):
    return client.post(reverse("need-action", args=[need.pk, action]), data, follow=True)


# --- the enterprise files needs -------------------------------------------------------------


def test_my_needs_lists_own_needs_with_progress(cast, web, mask, offer):
    need = supply_need(cast, mask)
    services.match_create(actor=cast.staff, need_id=need.pk, offer_id=offer.pk, quantity="600")
    member_user(cast.association)  # another member's need does not show
    web.force_login(cast.enterprise_user)

    response = web.get(reverse("need-list"))

    html = html_of(response)
    assert [n.pk for n in response.context["page"]] == [need.pk]
    assert "600/1000 pieces" in html
    assert "In progress" in html
    for kind in ("supply", "labour", "difficulty"):
        assert reverse("need-file", args=[kind]) in html


def test_my_needs_filters_by_status_and_kind(cast, web, mask):
    supply = supply_need(cast, mask)
    labour = labour_need(cast)
    services.need_cancel(actor=cast.enterprise_user, need_id=labour.pk)
    web.force_login(cast.enterprise_user)

    def shown(**params):
        return [n.pk for n in web.get(reverse("need-list"), params).context["page"]]

    assert shown(kind="labour") == [labour.pk]
    assert shown(status="open") == [supply.pk]
    assert shown(status="cancelled", kind="supply") == []


def test_filing_a_supply_request_through_the_form(cast, web, mask):
    web.force_login(cast.enterprise_user)
    page = web.get(reverse("need-file", args=["supply"]))
    assert "Medical masks (piece)" in html_of(page)
    assert "association" not in page.context["form"].fields  # one membership: no question

    response = web.post(
        reverse("need-file", args=["supply"]),
        {
            "item": mask.pk,
            "quantity": "1000",
            "needed_by": days(5),
            "urgency": "critical",
            "description": "200名员工两周用量",
        },
        follow=True,
    )

    need = Need.objects.get()
    assert response.redirect_chain[-1][0] == reverse("need-detail", args=[need.pk])
    assert (need.kind, need.item, need.quantity, need.unit) == ("supply", mask, 1000, "piece")
    assert (need.urgency, need.association, need.status) == ("critical", cast.association, "open")
    assert "Medical masks × 1000 pieces" in html_of(response)
    assert [c.to_status for c in history_for(need)] == ["open"]


def test_filing_a_labour_request_through_the_form(cast, web):
    web.force_login(cast.enterprise_user)
    page = web.get(reverse("need-file", args=["labour"]))
    assert page.context["form"]["work_region"].value() == cast.member.region_id

    web.post(
        reverse("need-file", args=["labour"]),
        {
            "trade": "缝纫工",
            "headcount": "12",
            "needed_by": days(7),
            "work_region": "440104",
            "urgency": "normal",
        },
    )

    need = Need.objects.get()
    assert (need.kind, need.trade, need.headcount, need.work_region_id) == (
        "labour",
        "缝纫工",
        12,
        "440104",
    )


def test_filing_a_difficulty_through_the_form(cast, web):
    web.force_login(cast.enterprise_user)
    web.post(
        reverse("need-file", args=["difficulty"]),
        {"difficulty_kind": "transport", "description": "原料运输车辆无法通行", "urgency": "high"},
    )
    need = Need.objects.get()
    assert (need.kind, need.difficulty_kind, need.needed_by) == ("difficulty", "transport", None)


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("abc", "Give the quantity as a number"),
        ("-5", "The quantity must be more than 0."),
        ("0", "The quantity must be more than 0."),
        ("1.2345", "at most 3 decimal places"),
    ],
)
def test_a_bad_quantity_shows_on_the_field_and_files_nothing(cast, web, mask, quantity, message):
    web.force_login(cast.enterprise_user)
    response = web.post(
        reverse("need-file", args=["supply"]),
        {"item": mask.pk, "quantity": quantity, "needed_by": days(5), "urgency": "normal"},
    )
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors["quantity"])
    assert message in html_of(response)
    assert not Need.objects.exists()


def test_a_quantity_with_thousands_separators_is_understood(cast, web, mask):
    web.force_login(cast.enterprise_user)
    web.post(
        reverse("need-file", args=["supply"]),
        {"item": mask.pk, "quantity": "12,500", "needed_by": days(5), "urgency": "normal"},
    )
    assert Need.objects.get().quantity == Decimal("12500")


def test_a_past_needed_by_date_shows_on_the_field_and_files_nothing(cast, web):
    web.force_login(cast.enterprise_user)
    response = web.post(
        reverse("need-file", args=["labour"]),
        {"trade": "电工", "headcount": "2", "needed_by": days(-1), "urgency": "normal"},
    )
    assert "The needed-by date has passed" in response.context["form"].errors["needed_by"][0]
    assert not Need.objects.exists()


def test_an_enterprise_of_several_associations_chooses_one(cast, web, mask):
    second = AssociationFactory(name="广州市防疫物资商会")
    MembershipFactory(enterprise=cast.member, association=second)
    web.force_login(cast.enterprise_user)
    data = {"item": mask.pk, "quantity": "10", "needed_by": days(3), "urgency": "normal"}

    refused = web.post(reverse("need-file", args=["supply"]), data)
    assert refused.context["form"].errors["association"]
    web.post(reverse("need-file", args=["supply"]), {**data, "association": second.pk})

    assert Need.objects.get().association == second


def test_an_enterprise_user_without_enterprise_is_asked_to_register(cast, web):
    web.force_login(cast.outsider)
    response = web.get(reverse("need-file", args=["supply"]))
    assert 'data-testid="no-enterprise"' in html_of(response)
    assert web.get(reverse("need-file", args=["housing"])).status_code == 404


# --- a need's page: who sees which actions ----------------------------------------------------


def test_need_page_offers_each_person_only_their_own_actions(cast, web, mask):
    need = supply_need(cast, mask)
    take = reverse("need-action", args=[need.pk, "take"])
    add_info = reverse("need-action", args=[need.pk, "add-info"])
    reply = reverse("need-action", args=[need.pk, "reply"])

    web.force_login(cast.enterprise_user)
    html = html_of(web.get(reverse("need-detail", args=[need.pk])))
    assert add_info in html and take not in html and reply not in html

    web.force_login(cast.staff)
    html = html_of(web.get(reverse("need-detail", args=[need.pk])))
    assert take in html and add_info not in html and reply not in html

    services.need_escalate(actor=cast.staff, need_id=need.pk, summary="请协调")
    web.force_login(cast.official)
    html = html_of(web.get(reverse("need-detail", args=[need.pk])))
    assert reply in html and take not in html and add_info not in html


def test_actions_refuse_other_roles_and_hide_other_scopes(cast, web, mask):
    need = supply_need(cast, mask)
    web.force_login(cast.enterprise_user)
    assert web.post(reverse("need-action", args=[need.pk, "take"])).status_code == 403
    web.force_login(cast.other_staff)
    assert web.post(reverse("need-action", args=[need.pk, "take"])).status_code == 404
    web.force_login(cast.staff)
    assert web.post(reverse("need-action", args=[need.pk, "fly"])).status_code == 404
    assert web.get(reverse("need-action", args=[need.pk, "take"])).status_code == 405
    need.refresh_from_db()
    assert need.status == S.OPEN


def test_staff_take_ask_and_enterprise_answers_through_the_pages(
    cast, web, mask, queued, django_capture_on_commit_callbacks
):
    need = supply_need(cast, mask)
    web.force_login(cast.staff)
    response = act(web, need, "take", reason="")
    assert "You are working on this need" in " ".join(messages_of(response))
    with django_capture_on_commit_callbacks(execute=True):
        act(web, need, "ask-info", question="请说明口罩用于多少名员工")

    web.force_login(cast.enterprise_user)
    page = html_of(web.get(reverse("need-detail", args=[need.pk])))
    assert "请说明口罩用于多少名员工" in page and 'data-testid="open-question"' in page
    with django_capture_on_commit_callbacks(execute=True):
        act(web, need, "add-info", body="200名员工，两周")

    need.refresh_from_db()
    assert need.status == S.IN_PROGRESS
    assert [m.body for m in need.messages.all()] == ["请说明口罩用于多少名员工", "200名员工，两周"]
    assert [c.to_status for c in history_for(need)] == [
        "open",
        "in_progress",
        "info_requested",
        "in_progress",
    ]
    # Told: the enterprise of the question, the association of the answer.
    assert told_of(need.pk) == [c.pk for c in history_for(need)][2:]


def test_a_refused_action_shows_why_and_changes_nothing(cast, web, mask):
    need = supply_need(cast, mask)
    web.force_login(cast.staff)
    response = act(web, need, "ask-info", question="   ")
    assert response.context["question_form"].errors["question"] == [
        "Write what the enterprise should add."
    ]
    services.need_cancel(actor=cast.enterprise_user, need_id=need.pk)
    response = act(web, need, "resolve")
    assert "This cannot be done while the status is “Cancelled”." in messages_of(response)
    need.refresh_from_db()
    assert need.status == S.CANCELLED


# --- matching and placing ---------------------------------------------------------------------


def test_staff_match_an_offer_through_the_page(cast, web, mask, offer):
    need = supply_need(cast, mask)
    web.force_login(cast.staff)
    page = web.get(reverse("need-detail", args=[need.pk]))
    assert [o.pk for o in page.context["offers"]] == [offer.pk]
    assert "东莞安康防护用品有限公司" in html_of(page)

    response = act(web, need, "match", offer=offer.pk, quantity="450", note="自提")

    need.refresh_from_db()
    offer.refresh_from_db()
    assert need.fulfilled_quantity == Decimal("450")
    assert offer.remaining_quantity == Decimal("150")
    assert need.status == S.IN_PROGRESS
    html = html_of(response)
    assert "Matched" in " ".join(messages_of(response))
    assert "450/1000 pieces" in html
    assert 'data-testid="match-row"' in html


def test_cancelling_a_need_takes_the_ticked_box_and_keeps_the_reason_without_it(cast, web, mask):
    need = supply_need(cast, mask)
    web.force_login(cast.enterprise_user)
    response = act(web, need, "cancel", reason="已自行采购")
    need.refresh_from_db()
    assert need.status == S.OPEN
    assert response.context["reason_form"].non_field_errors()
    assert "已自行采购</textarea>" in html_of(response)
    act(web, need, "cancel", reason="已自行采购", confirm="yes")
    need.refresh_from_db()
    assert need.status == S.CANCELLED


def test_a_match_tells_both_enterprises_each_others_contact_and_the_delivery(
    cast, web, mask, offer
):
    from core.models import Notification

    offer.enterprise.contact_name = "王芳"
    offer.enterprise.contact_phone = "+8613711112222"
    offer.enterprise.save()
    cast.member.contact_name = "李华"
    cast.member.contact_phone = "+8613800138000"
    cast.member.save()
    need = supply_need(cast, mask)
    web.force_login(cast.staff)
    act(web, need, "match", offer=offer.pk, quantity="450", note="周三自提")

    [told] = Notification.objects.filter(user=cast.enterprise_user, key__startswith="match:")
    assert "东莞安康防护用品有限公司" in told.title and "450" in told.title
    assert "王芳" in told.body and "137 1111 2222" in told.body
    assert "东莞" in told.body and "周三自提" in told.body  # where it delivers, the note
    [supplier_told] = Notification.objects.filter(
        user__enterprise=offer.enterprise, key__startswith="match:"
    )
    assert "李华" in supplier_told.body and "138 0013 8000" in supplier_told.body
    assert not Notification.objects.filter(user=cast.official, key__startswith="match:")

    web.force_login(cast.enterprise_user)
    contact = re.search(
        r'data-testid="match-contact">(.*?)</span>',
        html_of(web.get(reverse("need-detail", args=[need.pk]))),
        re.S,
    ).group(1)
    assert "王芳" in contact and "137 1111 2222" in contact and "Dongguan" in contact


def test_matching_more_than_the_offer_has_left_writes_nothing(cast, web, mask, offer):
    need = supply_need(cast, mask)
    web.force_login(cast.staff)
    response = act(web, need, "match", offer=offer.pk, quantity="700")
    assert "The offer has only" in " ".join(messages_of(response))
    assert not Match.objects.exists()
    offer.refresh_from_db()
    assert offer.remaining_quantity == Decimal("600")


def test_a_full_match_resolves_the_request(cast, web, mask, offer):
    need = supply_need(cast, mask, quantity="600")
    web.force_login(cast.staff)
    act(web, need, "match", offer=offer.pk, quantity="600")
    need.refresh_from_db()
    assert need.status == S.RESOLVED
    web.force_login(cast.enterprise_user)
    assert "600/600 pieces" in html_of(web.get(reverse("need-list")))


def test_staff_record_a_placement_through_the_page(cast, web):
    need = labour_need(cast, headcount=5)
    web.force_login(cast.staff)
    assert 'data-testid="record-placement"' in html_of(
        web.get(reverse("need-detail", args=[need.pk]))
    )
    response = act(web, need, "place", headcount="3", note="人社局推荐")
    need.refresh_from_db()
    assert need.filled_headcount == 3
    assert "3/5 workers" in html_of(response)
    response = act(web, need, "place", headcount="3")
    errors = response.context["placement_form"].errors
    assert "The request needs only 2 more." in str(errors)
    assert 'value="3"' in html_of(response)


# --- the loop to government and back ------------------------------------------------------------


def test_escalate_reply_and_the_enterprise_sees_the_answer(cast, web, mask):
    need = supply_need(cast, mask)

    web.force_login(cast.staff)
    act(web, need, "escalate", summary="缺口1000只，本会会员无库存")

    web.force_login(cast.official)
    listed = web.get(reverse("need-escalated"))
    assert [n.pk for n in listed.context["page"]] == [need.pk]
    assert "缺口1000只，本会会员无库存" in html_of(listed)
    response = act(
        web,
        need,
        "reply",
        reply="已协调市工信局调拨500只",
        outcome="referred",
        referred_to="市工信局",
    )
    assert "Your answer is sent" in " ".join(messages_of(response))
    assert web.get(reverse("need-escalated")).context["page"].count == 0
    assert web.get(reverse("need-escalated"), {"show": "all"}).context["page"][0].pk == need.pk

    for person in (cast.enterprise_user, cast.staff):
        web.force_login(person)
        html = html_of(web.get(reverse("need-detail", args=[need.pk])))
        answer = re.search(r'data-testid="government-answer">(.*?)</section>', html, re.S)
        assert answer, person
        assert "已协调市工信局调拨500只" in answer.group(1)
        assert "Referred to another department" in answer.group(1)
        assert "市工信局" in answer.group(1)
    need.refresh_from_db()
    assert need.status == S.ANSWERED


def test_a_reply_without_outcome_is_refused_and_the_need_stays_escalated(cast, web, mask):
    need = escalated_need(cast, mask)
    web.force_login(cast.official)
    response = act(web, need, "reply", reply="已收到")
    assert response.context["reply_form"].errors["outcome"]
    assert "已收到" in html_of(response)
    assert not Escalation.objects.filter(replied_at__isnull=False).exists()
    need.refresh_from_db()
    assert need.status == S.ESCALATED


def test_a_refused_reply_keeps_what_the_official_typed_and_says_what_to_fix_at_its_field(
    cast, web, mask
):
    need = escalated_need(cast, mask)
    web.force_login(cast.official)
    response = act(web, need, "reply", reply="已转请市工信局协调口罩五百只", outcome="referred")

    assert response.status_code == 200
    form = response.context["reply_form"]
    assert form.errors["referred_to"] == ["Say which department it was referred to."]
    html = html_of(response)
    assert "已转请市工信局协调口罩五百只</textarea>" in html
    assert re.search(r'<option value="referred" selected>', html)
    field = re.search(r'id="id_referred_to".*?</div>', html, re.S).group(0)
    assert "Say which department it was referred to." in field  # at its field, not a banner
    assert not messages_of(response)

    response = act(
        web,
        need,
        "reply",
        reply="已转请市工信局协调口罩五百只",
        outcome="referred",
        referred_to="市工信局",
    )
    need.refresh_from_db()
    assert need.status == S.ANSWERED


def test_an_official_of_another_jurisdiction_finds_nothing(cast, web, mask):
    need = escalated_need(cast, mask)
    web.force_login(cast.other_official)
    assert web.get(reverse("need-escalated")).context["page"].count == 0
    assert web.get(reverse("need-detail", args=[need.pk])).status_code == 404
    response = web.post(
        reverse("need-action", args=[need.pk, "reply"]), {"reply": "x", "outcome": "resolved"}
    )
    assert response.status_code == 404


# --- overdue, the queue and its figures -----------------------------------------------------


def test_a_need_past_its_needed_by_date_shows_overdue(cast, web, mask):
    need = supply_need(cast, mask)
    Need.objects.filter(pk=need.pk).update(needed_by=timezone.localdate() - timedelta(days=1))
    on_time = labour_need(cast)

    web.force_login(cast.enterprise_user)
    assert 'data-testid="overdue"' in html_of(web.get(reverse("need-detail", args=[need.pk])))
    assert 'data-testid="overdue"' not in html_of(
        web.get(reverse("need-detail", args=[on_time.pk]))
    )
    web.force_login(cast.staff)
    queue = html_of(web.get(reverse("need-queue")))
    row = re.search(rf'data-id="{need.pk}"(.*?)</tr>', queue, re.S).group(1)
    assert 'data-testid="overdue"' in row
    overdue_only = web.get(reverse("need-queue"), {"overdue": "on"})
    assert [n.pk for n in overdue_only.context["page"]] == [need.pk]


def test_queue_ranks_by_urgency_and_age_and_drops_closed_needs(cast, web, mask):
    old_normal = supply_need(cast, mask, urgency="normal")
    Need.objects.filter(pk=old_normal.pk).update(
        created_at=timezone.now() - timedelta(days=10),
        rank_at=timezone.now() - timedelta(days=17),
    )
    new_high = supply_need(cast, mask, urgency="high")
    new_low = supply_need(cast, mask, urgency="low")
    closed = supply_need(cast, mask, urgency="critical")
    services.need_cancel(actor=cast.enterprise_user, need_id=closed.pk)
    web.force_login(cast.staff)

    page = web.get(reverse("need-queue")).context["page"]

    assert [n.pk for n in page] == [old_normal.pk, new_high.pk, new_low.pk]
    assert page[0].age_days == 10


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "labour"}, {"labour"}),
        ({"urgency": "high"}, {"mask"}),
        ({"region": "330000"}, {"hangzhou"}),
        ({"region": "440100"}, {"mask", "labour"}),
        ({"industry": "18"}, {"hangzhou"}),
        ({"industry": "C"}, {"mask", "labour", "hangzhou"}),
        ({"status": "open"}, {"mask", "hangzhou"}),
    ],
)
def test_queue_filters(cast, web, mask, params, expected):
    needs = {"mask": supply_need(cast, mask), "labour": labour_need(cast)}
    services.need_take(actor=cast.staff, need_id=needs["labour"].pk)
    hangzhou = member_user(cast.association, region_id="330106", industry_id="18")
    needs["hangzhou"] = supply_need(cast, mask, urgency="low", enterprise_user=hangzhou)
    web.force_login(cast.staff)
    shown = {n.pk for n in web.get(reverse("need-queue"), params).context["page"]}
    assert shown == {needs[name].pk for name in expected}


def test_queue_filter_by_item_and_unknown_region(cast, web, mask):
    need = supply_need(cast, mask)
    gloves = SupplyItem.objects.get(code="gloves")
    web.force_login(cast.staff)
    assert [n.pk for n in web.get(reverse("need-queue"), {"item": mask.pk}).context["page"]] == [
        need.pk
    ]
    assert not list(web.get(reverse("need-queue"), {"item": gloves.pk}).context["page"])
    response = web.get(reverse("need-queue"), {"region": "999999"})
    assert "Unknown region code 999999" in html_of(response)


def _needs_of_many_members(cast, mask, count: int, *, escalate: bool = False) -> None:
    for index in range(count):
        user = member_user(cast.association, region_id=("440106", "440104", "440304")[index % 3])
        need = supply_need(cast, mask, enterprise_user=user, quantity=str(10 + index))
        if escalate:
            services.need_escalate(actor=cast.staff, need_id=need.pk, summary=f"第{index}项")


def _queries_for(client, url) -> int:
    """The queries of the page once the menu's counts are in the cache (core.badges): those
    are counted again after a change, whatever the number of rows."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_queue_runs_the_same_queries_for_3_or_30_needs(cast, web, mask):
    web.force_login(cast.staff)
    _needs_of_many_members(cast, mask, 3)
    few = _queries_for(web, reverse("need-queue"))
    _needs_of_many_members(cast, mask, 27)
    many = _queries_for(web, reverse("need-queue"))
    assert many == few


def test_escalated_list_runs_the_same_queries_for_3_or_30_needs(cast, web, mask):
    web.force_login(cast.official)
    _needs_of_many_members(cast, mask, 3, escalate=True)
    few = _queries_for(web, reverse("need-escalated") + "?show=all")
    _needs_of_many_members(cast, mask, 27, escalate=True)
    many = _queries_for(web, reverse("need-escalated") + "?show=all")
    assert many == few


def test_my_needs_runs_the_same_queries_for_3_or_30_needs(cast, web, mask):
    web.force_login(cast.enterprise_user)
    for _ in range(3):
        supply_need(cast, mask)
    few = _queries_for(web, reverse("need-list"))
    for _ in range(27):
        labour_need(cast)
    many = _queries_for(web, reverse("need-list"))
    assert many == few


def test_dashboards_and_navigation_count_needs(cast, web, mask):
    overdue = supply_need(cast, mask)
    Need.objects.filter(pk=overdue.pk).update(needed_by=timezone.localdate() - timedelta(days=2))
    escalated_need(cast, mask)

    web.force_login(cast.staff)
    html = html_of(web.get(reverse("dashboard")))
    assert re.search(r'data-testid="needs-open"><span class="figure">1<', html)
    assert re.search(r'data-testid="needs-overdue"><span class="figure">1<', html)
    assert re.search(r'data-testid="needs-escalated"><span class="figure">1<', html)
    queue_link = re.search(r'<a href="/needs/queue/"[^>]*>(.*?)</a>', html).group(1)
    assert "Needs queue" in queue_link and ">1<" in queue_link

    web.force_login(cast.official)
    html = html_of(web.get(reverse("dashboard")))
    assert re.search(r'data-testid="needs-awaiting"><span class="figure">1<', html)
    assert "Escalated needs" in html and "Needs queue" not in html

    web.force_login(cast.enterprise_user)
    html = html_of(web.get(reverse("dashboard")))
    assert re.search(r'data-testid="needs-active"><span class="figure">2<', html)
    assert "My needs" in html and "Needs queue" not in html


# --- offers and the catalogue -----------------------------------------------------------------


def test_an_enterprise_posts_and_withdraws_an_offer(cast, web, mask):
    web.force_login(cast.enterprise_user)
    assert web.get(reverse("offer-new")).status_code == 200
    response = web.post(
        reverse("offer-new"),
        {
            "item": mask.pk,
            "quantity": "5000",
            "delivery_region": "440000",
            "available_until": days(20),
            "note": "每箱50只",
        },
        follow=True,
    )
    offer = SupplyOffer.objects.get()
    assert (offer.quantity, offer.remaining_quantity, offer.delivery_region_id) == (
        5000,
        5000,
        "440000",
    )
    assert "5000 / 5000 pieces" in html_of(response)

    # One click is not enough: the box that says a withdrawn offer cannot be reopened is ticked.
    response = web.post(reverse("offer-withdraw", args=[offer.pk]), follow=True)
    offer.refresh_from_db()
    assert offer.status == SupplyOffer.Status.OPEN
    assert "tick the box" in html_of(response)
    assert 'name="confirm" value="yes" required' in html_of(response)
    web.post(reverse("offer-withdraw", args=[offer.pk]), {"confirm": "yes"})
    offer.refresh_from_db()
    assert offer.status == SupplyOffer.Status.WITHDRAWN


def test_an_offer_with_a_past_date_shows_on_the_field(cast, web, mask):
    web.force_login(cast.enterprise_user)
    response = web.post(
        reverse("offer-new"),
        {"item": mask.pk, "quantity": "10", "available_until": days(-1)},
    )
    assert response.context["form"].errors["available_until"]
    assert not SupplyOffer.objects.exists()


def test_staff_see_their_associations_offers_only(cast, web, mask, offer):
    elsewhere = member_user(cast.other_association, region_id="330106")
    services.offer_create(
        actor=elsewhere, item=mask, quantity="10", available_until=timezone.localdate()
    )
    web.force_login(cast.staff)
    response = web.get(reverse("offer-list"))
    assert [o.pk for o in response.context["page"]] == [offer.pk]
    assert "600 / 600 pieces" in html_of(response)
    assert reverse("offer-withdraw", args=[offer.pk]) in html_of(response)
    web.force_login(cast.other_staff)
    assert web.post(reverse("offer-withdraw", args=[offer.pk])).status_code == 404


def test_staff_add_and_edit_catalogue_items(cast, web):
    web.force_login(cast.staff)
    web.post(
        reverse("supply-item-new"),
        {
            "code": "PP-Resin",
            "name_zh": "聚丙烯树脂",
            "name_en": "Polypropylene resin",
            "category": "material",
            "unit": "tonne",
            "is_active": "on",
        },
    )
    item = SupplyItem.objects.get(code="pp-resin")
    assert item.unit == "tonne"
    taken = web.post(
        reverse("supply-item-new"),
        {"code": "pp-resin", "name_zh": "重复", "category": "material", "unit": "kg"},
    )
    assert "is taken" in taken.context["form"].errors["code"][0]

    web.post(
        reverse("supply-item-edit", args=[item.pk]),
        {"code": "pp-resin", "name_zh": "聚丙烯", "category": "material", "unit": "tonne"},
    )
    item.refresh_from_db()
    assert (item.name_zh, item.is_active) == ("聚丙烯", False)
    web.force_login(cast.enterprise_user)
    listed = html_of(web.get(reverse("supply-item-list")))
    assert "聚丙烯" not in listed and "Medical masks" in listed  # out of use: not offered


def test_a_unit_in_use_cannot_change(cast, web, mask):
    supply_need(cast, mask)
    web.force_login(cast.admin)  # the platform's own items are the administrators'
    response = web.post(
        reverse("supply-item-edit", args=[mask.pk]),
        {"code": mask.code, "name_zh": mask.name_zh, "category": "prevention", "unit": "box"},
    )
    assert "its unit cannot change" in response.context["form"].errors["unit"][0]
    mask.refresh_from_db()
    assert mask.unit == "piece"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_need_pages_render_in_both_languages(cast, client, mask, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    need = escalated_need(cast, mask)
    kept = SupplyItem.objects.create(
        code="steel-coil", name_zh="钢卷", unit="tonne", association=cast.association
    )
    pages = {
        cast.enterprise_user: [
            "need-list",
            "offer-list",
            "offer-new",
            "supply-item-list",
            ("need-file", "supply"),
            ("need-file", "labour"),
            ("need-file", "difficulty"),
            ("need-detail", need.pk),
        ],
        cast.staff: [
            "need-queue",
            "need-list",
            "offer-list",
            "supply-item-list",
            "supply-item-new",
            ("supply-item-edit", kept.pk),
            ("need-detail", need.pk),
            "dashboard",
        ],
        cast.official: ["need-escalated", ("need-detail", need.pk), "dashboard"],
    }
    for user, names in pages.items():
        client.force_login(user)
        for name in names:
            url = reverse(name) if isinstance(name, str) else reverse(name[0], args=[name[1]])
            response = client.get(url)
            assert response.status_code == 200, (user.username, url)
            html = response.content.decode()
            assert "http://" not in html and "https://" not in html, url
