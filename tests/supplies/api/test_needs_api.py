"""Needs, offers and the supply catalogue through the REST API, as a partner system relies on
them: filing each kind of need with clear 400s, the coordination actions and their 409s,
matching offers in part and in full, the loop to government and back to the enterprise, list
filters and the queue order, constant query counts, and who sees what."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from core import tasks as core_tasks
from core.models import Role
from core.workflow import history_for
from supplies.models import Escalation, Need, SupplyItem, SupplyOffer
from tests.factories import EnterpriseFactory, MembershipFactory, UserFactory, api_token
from tests.plans import plan_of
from tests.supplies.conftest import told_of

pytestmark = pytest.mark.django_db

S = Need.Status
SUPPLY = "/api/v1/supply-requests/"
LABOUR = "/api/v1/labour-requests/"
DIFFICULTY = "/api/v1/difficulties/"
OFFERS = "/api/v1/supply-offers/"
ITEMS = "/api/v1/supply-items/"


def client_for(user) -> APIClient:
    """A partner's view: each request authenticated by `user`'s token, asking for English."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}", HTTP_ACCEPT_LANGUAGE="en")
    return client


@pytest.fixture(autouse=True)
def queued(monkeypatch) -> list[int]:
    """The notifications whose e-mail was handed to Celery on commit; no worker runs."""
    calls: list[int] = []
    monkeypatch.setattr(core_tasks.send_notification_email, "delay", calls.append)
    return calls


def days(n: int) -> str:
    return (timezone.localdate() + timedelta(days=n)).isoformat()


def supply_body(**overrides) -> dict:
    body = {
        "item": "mask-medical",
        "quantity": "1000",
        "needed_by": days(5),
        "urgency": "high",
        "description": "复工首周员工用量",
    }
    return body | overrides


def labour_body(**overrides) -> dict:
    return {"trade": "SMT操作工", "headcount": 5, "needed_by": days(10)} | overrides


def difficulty_body(**overrides) -> dict:
    return {"difficulty_kind": "transport", "description": "原材料从外省运不进来"} | overrides


def file(user, path: str, body: dict) -> dict:
    response = client_for(user).post(path, body)
    assert response.status_code == 201, response.json()
    return response.json()


def post(user, path: str, body: dict | None = None):
    return client_for(user).post(path, body or {})


def supplier_user(association):
    """An enterprise user whose enterprise (in Guangzhou) is an active member of `association`."""
    enterprise = EnterpriseFactory(region_id="440103")
    MembershipFactory(enterprise=enterprise, association=association)
    return UserFactory(role=Role.ENTERPRISE, enterprise=enterprise)


def offer(user, quantity: str, item: str = "mask-medical") -> int:
    body = {"item": item, "quantity": quantity, "available_until": days(30)}
    return file(user, OFFERS, body)["id"]


@pytest.fixture
def supplier(cast):
    return supplier_user(cast.association)


def history(path: str, user) -> list[tuple[str, str]]:
    response = client_for(user).get(f"{path}history/")
    assert response.status_code == 200
    return [(row["from_status"], row["to_status"]) for row in response.json()]


# --- filing -------------------------------------------------------------------------------


def test_enterprise_files_a_supply_request_in_the_items_unit(cast):
    need = file(cast.enterprise_user, SUPPLY, supply_body(quantity=12.5))

    assert need["kind"] == "supply"
    assert need["enterprise"] == {"id": cast.member.pk, "name": cast.member.name}
    assert need["association"] == cast.association.pk
    assert need["status"] == "open"
    assert need["urgency"] == "high"
    assert need["item"] == "mask-medical"
    assert need["item_name"] == "Medical masks"
    assert need["unit"] == "piece"
    # Decimals travel as strings, never as floats.
    assert need["quantity"] == "12.500"
    assert need["fulfilled_quantity"] == "0.000"
    assert need["remaining_quantity"] == "12.500"
    assert need["overdue"] is False
    assert need["needed_by"] == days(5)
    assert history(f"{SUPPLY}{need['id']}/", cast.enterprise_user) == [("", "open")]


def test_item_codes_are_read_in_any_case(cast):
    need = file(cast.enterprise_user, SUPPLY, supply_body(item=" Mask-Medical ", unit="piece"))
    assert need["item"] == "mask-medical"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"quantity": "0"}, "quantity", "The quantity must be more than 0."),
        ({"quantity": "-5"}, "quantity", "The quantity must be more than 0."),
        ({"quantity": "many"}, "quantity", "Give the quantity as a number, e.g. 500 or 12.5."),
        ({"quantity": "NaN"}, "quantity", "Give the quantity as a number, e.g. 500 or 12.5."),
        ({"quantity": "1.2345"}, "quantity", "Give the quantity with at most 3 decimal places."),
        ({"quantity": "1" + "0" * 20}, "quantity", "The quantity is too large."),
        ({"quantity": None}, "quantity", "Give the quantity as a number, e.g. 500 or 12.5."),
        (
            {"unit": "litre"},
            "unit",
            "Medical masks is counted in piece; give the quantity in piece.",
        ),
        ({"unit": "furlong"}, "unit", '"furlong" is not a valid choice.'),
        ({"needed_by": days(-1)}, "needed_by", "The needed-by date has passed"),
        ({"needed_by": "2020-13-45"}, "needed_by", "Date has wrong format"),
        ({"needed_by": None}, "needed_by", "Say by when it is needed."),
        ({"item": "ventilator"}, "item", "There is no item “ventilator” in the catalogue"),
        ({"item": None}, "item", "Choose an item of the catalogue."),
        ({"item": 7}, "item", "Give the item as its code, e.g. mask-medical."),
        ({"urgency": "yesterday"}, "urgency", '"yesterday" is not a valid choice.'),
    ],
)
def test_a_supply_request_that_is_not_valid_is_a_400_naming_the_field(
    cast, overrides, field, message
):
    response = post(cast.enterprise_user, SUPPLY, supply_body(**overrides))

    assert response.status_code == 400
    [said] = response.json()["fields"][field]
    assert said.startswith(message)
    assert not Need.objects.exists()


def test_a_unit_that_is_not_the_items_answers_code_unit_mismatch(cast):
    response = post(cast.enterprise_user, SUPPLY, supply_body(item="disinfectant", unit="kg"))
    assert response.status_code == 400
    assert response.json()["code"] == "unit_mismatch"
    assert "litre" in response.json()["fields"]["unit"][0]


def test_a_retired_item_cannot_be_asked_for(cast):
    SupplyItem.objects.filter(code="goggles").update(is_active=False)
    response = post(cast.enterprise_user, SUPPLY, supply_body(item="goggles"))
    assert response.status_code == 400
    assert response.json()["fields"]["item"] == ["This item is no longer in the catalogue."]


def test_enterprise_files_a_labour_request_where_it_is_unless_told(cast):
    here = file(cast.enterprise_user, LABOUR, labour_body())
    there = file(cast.enterprise_user, LABOUR, labour_body(work_region="440300", headcount=2))

    assert (here["kind"], here["trade"], here["headcount"]) == ("labour", "SMT操作工", 5)
    assert (here["filled_headcount"], here["remaining_headcount"]) == (0, 5)
    assert here["work_region"] == "440106"
    assert there["work_region"] == "440300"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"headcount": 0}, "headcount", "The headcount must be 1 or more."),
        ({"headcount": "some"}, "headcount", "A valid integer is required."),
        ({"headcount": 2**40}, "headcount", "Ensure this value is less than or equal to"),
        ({"trade": "  "}, "trade", "Say which trade or position is needed."),
        ({"trade": None}, "trade", "Say which trade or position is needed."),
        ({"work_region": "999999"}, "work_region", "Unknown region code 999999"),
        ({"needed_by": days(-3)}, "needed_by", "The needed-by date has passed"),
    ],
)
def test_a_labour_request_that_is_not_valid_is_a_400_naming_the_field(
    cast, overrides, field, message
):
    response = post(cast.enterprise_user, LABOUR, labour_body(**overrides))

    assert response.status_code == 400
    assert response.json()["fields"][field][0].startswith(message)
    assert not Need.objects.exists()


def test_enterprise_files_a_difficulty_without_a_date(cast):
    need = file(cast.enterprise_user, DIFFICULTY, difficulty_body())
    assert (need["kind"], need["difficulty_kind"]) == ("difficulty", "transport")
    assert need["needed_by"] is None
    assert need["overdue"] is False


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"difficulty_kind": "weather"}, "difficulty_kind", '"weather" is not a valid choice.'),
        ({"difficulty_kind": None}, "difficulty_kind", "Choose a kind: energy, transport"),
        ({"description": " "}, "description", "Describe the difficulty."),
        ({"needed_by": days(-1)}, "needed_by", "The needed-by date has passed"),
    ],
)
def test_a_difficulty_that_is_not_valid_is_a_400_naming_the_field(cast, overrides, field, message):
    response = post(cast.enterprise_user, DIFFICULTY, difficulty_body(**overrides))

    assert response.status_code == 400
    assert response.json()["fields"][field][0].startswith(message)


def test_an_account_without_an_enterprise_is_told_to_register_or_claim_one(cast):
    response = post(cast.outsider, SUPPLY, supply_body())
    assert response.status_code == 400
    assert "register or claim" in response.json()["detail"]


def test_a_member_of_several_associations_says_which_one(cast):
    MembershipFactory(enterprise=cast.member, association=cast.other_association)

    unsaid = post(cast.enterprise_user, SUPPLY, supply_body())
    said = file(cast.enterprise_user, SUPPLY, supply_body(association=cast.other_association.pk))

    assert unsaid.status_code == 400
    assert "several associations" in unsaid.json()["fields"]["association"][0]
    assert said["association"] == cast.other_association.pk


def test_a_need_goes_only_to_an_association_the_enterprise_belongs_to(cast):
    response = post(
        cast.enterprise_user, SUPPLY, supply_body(association=cast.other_association.pk)
    )
    assert response.status_code == 400
    assert response.json()["fields"]["association"] == [
        "Your enterprise is not an active member of this association."
    ]


def test_staff_do_not_file_needs(cast):
    assert post(cast.staff, SUPPLY, supply_body()).status_code == 403


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
@pytest.mark.parametrize("path", [SUPPLY, LABOUR, DIFFICULTY])
def test_a_need_changes_only_through_its_actions(cast, method, path):
    body = {SUPPLY: supply_body, LABOUR: labour_body, DIFFICULTY: difficulty_body}[path]()
    need = file(cast.enterprise_user, path, body)
    for user in (cast.enterprise_user, cast.staff):
        response = getattr(client_for(user), method)(f"{path}{need['id']}/", {"urgency": "low"})
        assert response.status_code == 405


# --- lists --------------------------------------------------------------------------------


def test_each_kind_has_its_own_list_and_address(cast):
    supply = file(cast.enterprise_user, SUPPLY, supply_body())
    labour = file(cast.enterprise_user, LABOUR, labour_body())
    client = client_for(cast.staff)

    assert [row["id"] for row in client.get(SUPPLY).json()["results"]] == [supply["id"]]
    assert [row["id"] for row in client.get(LABOUR).json()["results"]] == [labour["id"]]
    assert client.get(DIFFICULTY).json()["count"] == 0
    assert client.get(f"{LABOUR}{supply['id']}/").status_code == 404
    read = client.get(f"{SUPPLY}{supply['id']}/").json()
    # The same need, with what each reader may do to it: the enterprise its side, staff theirs.
    assert supply.pop("allowed_actions") == ["add-info", "cancel"]
    assert read.pop("allowed_actions") == ["take", "ask-info", "resolve", "escalate", "match"]
    assert read == supply


def make_need(cast, *, kind=Need.Kind.SUPPLY, enterprise=None, association=None, **fields):
    """A need put straight into the database (to set dates the services refuse)."""
    values = {
        "kind": kind,
        "enterprise": enterprise or cast.member,
        "association": association or cast.association,
        "created_by": cast.enterprise_user,
        "needed_by": timezone.localdate() + timedelta(days=5),
    }
    if kind == Need.Kind.SUPPLY:
        values |= {"item": SupplyItem.objects.get(code="mask-medical"), "unit": "piece"}
        values["quantity"] = Decimal("100")
    elif kind == Need.Kind.LABOUR:
        values |= {"trade": "焊工", "headcount": 3}
    else:
        values |= {"difficulty_kind": "energy", "description": "限电"}
    return Need.objects.create(**(values | fields))


def ids(user, path: str = SUPPLY, **params) -> list[int]:
    response = client_for(user).get(path, params)
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_lists_filter_by_status_urgency_item_and_enterprise(cast):
    open_ = make_need(cast, urgency="high")
    taken = make_need(cast, status=S.IN_PROGRESS)
    resolved = make_need(cast, status=S.RESOLVED, item=SupplyItem.objects.get(code="gloves"))
    staff = cast.staff

    assert set(ids(staff, status=["open", "in_progress"])) == {open_.pk, taken.pk}
    assert ids(staff, urgency="high") == [open_.pk]
    assert ids(staff, item="gloves") == [resolved.pk]
    assert ids(staff, active="false") == [resolved.pk]
    assert len(ids(staff, enterprise=cast.member.pk)) == 3
    assert ids(staff, enterprise=cast.other_member.pk) == []
    assert len(ids(staff, association=cast.association.pk)) == 3
    assert client_for(staff).get(SUPPLY, {"status": "lost"}).status_code == 400


def test_lists_filter_by_the_enterprises_region_and_industry(cast):
    guangzhou = make_need(cast)
    shenzhen = EnterpriseFactory(region_id="440305", industry_id="18")
    MembershipFactory(enterprise=shenzhen, association=cast.association)
    in_shenzhen = make_need(cast, enterprise=shenzhen)

    assert set(ids(cast.staff, region="440000")) == {guangzhou.pk, in_shenzhen.pk}
    assert ids(cast.staff, region="440300") == [in_shenzhen.pk]
    assert ids(cast.staff, industry="C") == [in_shenzhen.pk, guangzhou.pk]
    assert ids(cast.staff, industry="39") == [guangzhou.pk]
    response = client_for(cast.staff).get(SUPPLY, {"region": "999999"})
    assert response.status_code == 400
    assert "region" in response.json()["fields"]


def test_overdue_is_shown_and_filtered_while_the_need_waits(cast):
    late = make_need(cast, needed_by=timezone.localdate() - timedelta(days=1))
    late_but_met = make_need(
        cast, needed_by=timezone.localdate() - timedelta(days=1), status=S.RESOLVED
    )
    in_time = make_need(cast)

    assert ids(cast.staff, overdue="true") == [late.pk]
    assert set(ids(cast.staff, overdue="false")) == {late_but_met.pk, in_time.pk}
    rows = {
        row["id"]: row["overdue"] for row in client_for(cast.staff).get(SUPPLY).json()["results"]
    }
    assert rows == {late.pk: True, late_but_met.pk: False, in_time.pk: False}


def test_escalated_and_updated_since_filters(cast):
    escalated = make_need(cast, status=S.ESCALATED, escalated_at=timezone.now())
    plain = make_need(cast)
    Need.objects.filter(pk=plain.pk).update(updated_at=timezone.now() - timedelta(days=2))
    since = (timezone.now() - timedelta(days=1)).isoformat()

    assert ids(cast.staff, escalated="true") == [escalated.pk]
    assert ids(cast.staff, escalated="false") == [plain.pk]
    assert ids(cast.staff, updated_since=since) == [escalated.pk]


def test_the_queue_order_lets_a_long_unmet_need_overtake_a_newer_urgent_one(cast):
    now = timezone.now()
    waited_three_weeks = make_need(cast, urgency="normal", created_at=now - timedelta(days=21))
    critical_today = make_need(cast, urgency="critical", created_at=now)
    high_yesterday = make_need(cast, urgency="high", created_at=now - timedelta(days=1))

    # Newest first unless told.
    assert ids(cast.staff) == [critical_today.pk, high_yesterday.pk, waited_three_weeks.pk]
    # Normal, 21 days: ranked 28 days back; critical today: 21; high, 1 day: 15.
    assert ids(cast.staff, ordering="rank") == [
        waited_three_weeks.pk,
        critical_today.pk,
        high_yesterday.pk,
    ]
    # By urgency's weight, not alphabetically.
    assert ids(cast.staff, ordering="-urgency") == [
        critical_today.pk,
        high_yesterday.pk,
        waited_three_weeks.pk,
    ]
    assert ids(cast.staff, ordering="needed_by,-created_at")[0] == critical_today.pk


# --- the coordination actions -------------------------------------------------------------


@pytest.fixture
def need(cast) -> str:
    """The address of the cast member's open supply request for 1000 masks."""
    return f"{SUPPLY}{file(cast.enterprise_user, SUPPLY, supply_body())['id']}/"


def test_staff_take_a_need_and_taking_it_twice_is_a_409(cast, need):
    taken = post(cast.staff, f"{need}take/", {"reason": "已联系供应商"})
    again = post(cast.manager, f"{need}take/")

    assert taken.status_code == 200
    assert taken.json()["status"] == "in_progress"
    assert again.status_code == 409
    assert again.json()["code"] == "transition_not_allowed"
    assert again.json()["current_status"] == "in_progress"


def test_asking_for_information_and_the_enterprise_answering(cast, need, queued):
    asked = post(cast.staff, f"{need}ask-info/", {"question": "请说明口罩型号"})
    answered = post(cast.enterprise_user, f"{need}add-info/", {"body": "一次性医用口罩"})

    assert asked.json()["status"] == "info_requested"
    assert answered.json()["status"] == "in_progress"
    messages = client_for(cast.enterprise_user).get(f"{need}messages/").json()
    assert [(m["author"], m["body"]) for m in messages] == [
        ("staff", "请说明口罩型号"),
        ("enterprise", "一次性医用口罩"),
    ]
    assert history(need, cast.staff) == [
        ("", "open"),
        ("open", "info_requested"),
        ("info_requested", "in_progress"),
    ]


def test_actions_without_their_text_are_a_400_naming_the_field(cast, need):
    cases = [
        (cast.staff, "ask-info", "question", "Write what the enterprise should add."),
        (cast.enterprise_user, "add-info", "body", "Write the information to add."),
        (cast.staff, "escalate", "summary", "Write a summary for government"),
    ]
    for user, action, field, message in cases:
        response = post(user, f"{need}{action}/", {field: "   "})
        assert response.status_code == 400, action
        assert response.json()["fields"][field][0].startswith(message)
    assert client_for(cast.staff).get(need).json()["status"] == "open"


def test_resolving_closes_the_need_and_nothing_more_can_happen(cast, need):
    resolved = post(cast.staff, f"{need}resolve/", {"reason": "会员企业已自行采购"})

    assert resolved.status_code == 200
    assert resolved.json()["status"] == "resolved"
    assert resolved.json()["closed_at"] is not None
    for user, action in [
        (cast.enterprise_user, "cancel"),
        (cast.staff, "take"),
        (cast.staff, "resolve"),
        (cast.staff, "escalate"),
    ]:
        response = post(user, f"{need}{action}/", {"summary": "x"})
        assert response.status_code == 409, action
        assert response.json()["current_status"] == "resolved"
    assert post(cast.enterprise_user, f"{need}add-info/", {"body": "x"}).status_code == 409


def test_the_enterprise_cancels_its_own_need_and_staff_may_not(cast, need):
    assert post(cast.staff, f"{need}cancel/").status_code == 403
    cancelled = post(cast.enterprise_user, f"{need}cancel/", {"reason": "已自行解决"})
    assert cancelled.json()["status"] == "cancelled"
    assert history(need, cast.enterprise_user)[-1] == ("open", "cancelled")


def test_the_enterprise_does_not_coordinate_its_own_need(cast, need):
    for action in ("take", "resolve", "escalate", "ask-info"):
        assert post(cast.enterprise_user, f"{need}{action}/").status_code == 403


# --- matching and placing -----------------------------------------------------------------


def test_staff_match_a_request_in_parts_until_it_is_met(cast, need, supplier):
    first = offer(supplier, "600")
    second = offer(supplier, "800")

    part = post(cast.staff, f"{need}match/", {"offer": first, "quantity": "600", "note": "自提"})
    assert part.status_code == 201, part.json()
    assert part.json()["quantity"] == "600.000"
    assert part.json()["supplier"]["id"] == supplier.enterprise_id
    assert (part.json()["item"], part.json()["unit"]) == ("mask-medical", "piece")
    after_part = client_for(cast.staff).get(need).json()
    assert after_part["status"] == "in_progress"
    assert (after_part["fulfilled_quantity"], after_part["remaining_quantity"]) == (
        "600.000",
        "400.000",
    )
    used_up = client_for(cast.staff).get(f"{OFFERS}{first}/").json()
    assert (used_up["remaining_quantity"], used_up["available"]) == ("0.000", False)

    rest = post(cast.staff, f"{need}match/", {"offer": second, "quantity": "400"})
    assert rest.status_code == 201
    met = client_for(cast.enterprise_user).get(need).json()
    assert met["status"] == "resolved"
    assert met["remaining_quantity"] == "0.000"
    assert client_for(cast.staff).get(f"{OFFERS}{second}/").json()["remaining_quantity"] == (
        "400.000"
    )
    matches = client_for(cast.enterprise_user).get(f"{need}matches/").json()
    assert [(m["offer"], m["quantity"]) for m in matches] == [
        (first, "600.000"),
        (second, "400.000"),
    ]


def test_matching_more_than_the_offer_has_or_the_request_needs_is_a_400(cast, need, supplier):
    small = offer(supplier, "300")
    big = offer(supplier, "5000")

    beyond_offer = post(cast.staff, f"{need}match/", {"offer": small, "quantity": "301"})
    beyond_need = post(cast.staff, f"{need}match/", {"offer": big, "quantity": "1000.001"})

    assert beyond_offer.status_code == 400
    assert beyond_offer.json()["code"] == "over_allocation"
    assert beyond_offer.json()["available"] == "300.000"
    assert "quantity" in beyond_offer.json()["fields"]
    assert beyond_need.status_code == 400
    assert beyond_need.json()["code"] == "over_allocation"
    assert beyond_need.json()["needed"] == "1000.000"
    assert client_for(cast.staff).get(f"{need}matches/").json() == []
    assert SupplyOffer.objects.get(pk=big).remaining_quantity == Decimal("5000")


def test_matching_names_the_offer_field_when_the_offer_does_not_fit(cast, need, supplier):
    gloves = offer(supplier, "100", item="gloves")
    zhejiang_offer = offer(supplier_user(cast.other_association), "100")

    for body in (
        {"offer": gloves, "quantity": "10"},
        {"offer": zhejiang_offer, "quantity": "10"},
        {"offer": 2_000_000_000, "quantity": "10"},
        {"offer": "first", "quantity": "10"},
    ):
        response = post(cast.staff, f"{need}match/", body)
        assert response.status_code == 400, body
        assert "offer" in response.json()["fields"]


def test_a_withdrawn_offer_cannot_be_matched(cast, need, supplier):
    withdrawn = offer(supplier, "100")
    assert post(supplier, f"{OFFERS}{withdrawn}/withdraw/").status_code == 200

    response = post(cast.staff, f"{need}match/", {"offer": withdrawn, "quantity": "10"})

    assert response.status_code == 409
    assert response.json()["code"] == "offer_unavailable"


def test_staff_place_workers_until_a_labour_request_is_staffed(cast):
    need = f"{LABOUR}{file(cast.enterprise_user, LABOUR, labour_body())['id']}/"

    first = post(cast.staff, f"{need}place/", {"headcount": 3, "note": "人社局推荐"})
    too_many = post(cast.staff, f"{need}place/", {"headcount": 3})
    rest = post(cast.staff, f"{need}place/", {"headcount": 2})

    assert first.status_code == 201
    assert first.json()["headcount"] == 3
    assert too_many.status_code == 400
    assert too_many.json()["code"] == "over_allocation"
    assert rest.status_code == 201
    staffed = client_for(cast.enterprise_user).get(need).json()
    assert (staffed["status"], staffed["filled_headcount"]) == ("resolved", 5)
    placements = client_for(cast.enterprise_user).get(f"{need}placements/").json()
    assert [p["headcount"] for p in placements] == [3, 2]


def test_matching_is_for_supply_requests_only(cast):
    labour = file(cast.enterprise_user, LABOUR, labour_body())
    assert post(cast.staff, f"{LABOUR}{labour['id']}/match/").status_code == 404
    assert post(cast.staff, f"{DIFFICULTY}{labour['id']}/take/").status_code == 404


# --- to government and back ---------------------------------------------------------------


def test_escalation_reply_reaches_the_enterprise(
    cast, need, queued, django_capture_on_commit_callbacks
):
    need_id = int(need.rstrip("/").rsplit("/", 1)[1])
    assert client_for(cast.official).get(need).status_code == 404  # not before government yet

    with django_capture_on_commit_callbacks(execute=True):
        escalated = post(cast.staff, f"{need}escalate/", {"summary": "本地无货，缺口1000只"})
    assert escalated.json()["status"] == "escalated"
    assert escalated.json()["escalated_at"] is not None
    assert client_for(cast.other_official).get(need).status_code == 404
    assert client_for(cast.official).get(need).json()["status"] == "escalated"
    assert post(cast.staff, f"{need}reply/", {"reply": "x", "outcome": "resolved"}).status_code == (
        403
    )

    with django_capture_on_commit_callbacks(execute=True):
        replied = post(
            cast.official,
            f"{need}reply/",
            {"reply": "已协调省工信厅调拨", "outcome": "partly_resolved"},
        )
    assert replied.status_code == 200, replied.json()
    assert replied.json()["status"] == "answered"

    seen = client_for(cast.enterprise_user)
    assert seen.get(need).json()["status"] == "answered"
    [escalation] = seen.get(f"{need}escalations/").json()
    assert escalation["summary"] == "本地无货，缺口1000只"
    assert escalation["reply"] == "已协调省工信厅调拨"
    assert escalation["outcome"] == "partly_resolved"
    assert escalation["replied_by"] == "official"
    assert escalation["replied_at"] is not None
    # Told: of the escalation (the enterprise and the officials), then of the answer.
    changes = history_for(Need.objects.get(pk=need_id))
    assert told_of(need_id) == [c.pk for c in changes if c.to_status in ("escalated", "answered")]

    again = post(cast.official, f"{need}reply/", {"reply": "再次答复", "outcome": "resolved"})
    assert again.status_code == 409
    assert again.json()["current_status"] == "answered"
    # Staff take it back up after the answer.
    assert post(cast.staff, f"{need}take/").json()["status"] == "in_progress"


def test_a_reply_needs_an_outcome_and_a_department_when_referred(cast, need):
    post(cast.staff, f"{need}escalate/", {"summary": "缺口"})

    no_outcome = post(cast.official, f"{need}reply/", {"reply": "收到"})
    referred = post(cast.official, f"{need}reply/", {"reply": "收到", "outcome": "referred"})

    assert no_outcome.status_code == 400
    assert "outcome" in no_outcome.json()["fields"]
    assert referred.status_code == 400
    assert referred.json()["fields"]["referred_to"] == ["Say which department it was referred to."]
    assert not Escalation.objects.filter(replied_at__isnull=False).exists()


# --- who sees what ------------------------------------------------------------------------


def test_each_role_sees_only_its_needs(cast):
    own = make_need(cast)
    escalated = make_need(cast, status=S.ESCALATED, escalated_at=timezone.now())
    zhejiang = make_need(cast, enterprise=cast.other_member, association=cast.other_association)
    zhejiang_escalated = make_need(
        cast,
        enterprise=cast.other_member,
        association=cast.other_association,
        status=S.ESCALATED,
        escalated_at=timezone.now(),
    )

    assert set(ids(cast.enterprise_user)) == {own.pk, escalated.pk}
    assert set(ids(cast.staff)) == {own.pk, escalated.pk}
    assert set(ids(cast.partner)) == {own.pk, escalated.pk}
    assert set(ids(cast.other_staff)) == {zhejiang.pk, zhejiang_escalated.pk}
    assert ids(cast.official) == [escalated.pk]
    assert ids(cast.other_official) == [zhejiang_escalated.pk]
    assert ids(cast.outsider) == []
    assert len(ids(cast.admin)) == 4

    def status_of(user, need):
        return client_for(user).get(f"{SUPPLY}{need.pk}/").status_code

    assert status_of(cast.enterprise_user, own) == 200
    assert status_of(cast.enterprise_user, zhejiang) == 404
    assert status_of(cast.other_staff, own) == 404
    assert status_of(cast.official, own) == 404
    assert status_of(cast.official, escalated) == 200
    assert status_of(cast.other_official, escalated) == 404
    assert post(cast.other_staff, f"{SUPPLY}{own.pk}/take/").status_code == 404


# --- offers -------------------------------------------------------------------------------


def test_an_enterprise_posts_an_offer_and_staff_of_its_association_see_it(cast, supplier):
    body = {
        "item": "disinfectant",
        "quantity": "250.5",
        "unit": "litre",
        "delivery_region": "440100",
        "available_until": days(14),
        "note": "每日可发货",
    }
    posted = file(supplier, OFFERS, body)

    assert posted["enterprise"]["id"] == supplier.enterprise_id
    assert posted["association"] == cast.association.pk
    assert (posted["quantity"], posted["remaining_quantity"]) == ("250.500", "250.500")
    assert (posted["delivery_region"], posted["status"], posted["available"]) == (
        "440100",
        "open",
        True,
    )
    assert ids(cast.staff, OFFERS) == [posted["id"]]
    assert ids(supplier, OFFERS) == [posted["id"]]
    assert ids(cast.enterprise_user, OFFERS) == []
    assert ids(cast.other_staff, OFFERS) == []
    assert client_for(cast.other_staff).get(f"{OFFERS}{posted['id']}/").status_code == 404
    assert client_for(cast.official).get(OFFERS).status_code == 403


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"unit": "kg"}, "unit", "Medical masks is counted in piece"),
        ({"item": "ventilator"}, "item", "There is no item “ventilator” in the catalogue"),
        ({"quantity": "0"}, "quantity", "The quantity must be more than 0."),
        ({"quantity": "9" * 30}, "quantity", "The quantity is too large."),
        ({"available_until": days(-1)}, "available_until", "The date has passed"),
        ({"available_until": None}, "available_until", "Say until when the offer stands."),
        ({"delivery_region": "12"}, "delivery_region", "Unknown region code 12"),
        ({"association": "guangdong"}, "association", "A valid integer is required."),
    ],
)
def test_an_offer_that_is_not_valid_is_a_400_naming_the_field(
    cast, supplier, overrides, field, message
):
    body = {"item": "mask-medical", "quantity": "10", "available_until": days(3)} | overrides
    response = post(supplier, OFFERS, body)
    assert response.status_code == 400
    assert response.json()["fields"][field][0].startswith(message)


def test_offers_filter_by_item_and_availability(cast, supplier):
    masks = offer(supplier, "100")
    gloves = offer(supplier, "100", item="gloves")
    post(supplier, f"{OFFERS}{gloves}/withdraw/", {"reason": "已售出"})

    assert ids(cast.staff, OFFERS, item="mask-medical") == [masks]
    assert ids(cast.staff, OFFERS, available="true") == [masks]
    assert ids(cast.staff, OFFERS, status="withdrawn") == [gloves]


def test_withdrawing_an_offer_twice_is_a_409(cast, supplier):
    posted = offer(supplier, "100")
    withdrawn = post(cast.staff, f"{OFFERS}{posted}/withdraw/", {"reason": "供应商停产"})
    again = post(supplier, f"{OFFERS}{posted}/withdraw/")

    assert withdrawn.json()["status"] == "withdrawn"
    assert again.status_code == 409
    assert again.json()["current_status"] == "withdrawn"
    assert history(f"{OFFERS}{posted}/", supplier) == [("", "open"), ("open", "withdrawn")]


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_an_offer_is_not_edited_or_deleted(cast, supplier, method):
    posted = offer(supplier, "100")
    response = getattr(client_for(supplier), method)(f"{OFFERS}{posted}/", {"note": "x"})
    assert response.status_code == 405


# --- the catalogue ------------------------------------------------------------------------


def test_everyone_reads_the_catalogue_and_filters_it(cast):
    client = client_for(cast.enterprise_user)
    prevention = client.get(ITEMS, {"category": "prevention", "page_size": 100}).json()
    assert prevention["count"] == 8
    mask = client.get(f"{ITEMS}mask-medical/").json()
    assert (mask["name"], mask["unit"], mask["is_active"]) == ("Medical masks", "piece", True)
    assert [row["code"] for row in client.get(ITEMS, {"code": "gloves"}).json()["results"]] == [
        "gloves"
    ]
    assert client.get(f"{ITEMS}no-such-thing/").status_code == 404


def test_staff_add_and_edit_items_and_an_enterprise_may_not(cast):
    body = {"code": "PCB-Board", "name_zh": "印制电路板", "name_en": "PCBs", "unit": "piece"}

    assert post(cast.enterprise_user, ITEMS, body).status_code == 403
    added = post(cast.staff, ITEMS, body)
    taken = post(cast.manager, ITEMS, body)
    renamed = client_for(cast.partner).patch(f"{ITEMS}pcb-board/", {"name_en": "Circuit boards"})

    assert added.status_code == 201, added.json()
    assert (added.json()["code"], added.json()["category"]) == ("pcb-board", "material")
    assert taken.status_code == 400
    assert "is taken" in taken.json()["fields"]["code"][0]
    assert renamed.json()["name_en"] == "Circuit boards"
    assert client_for(cast.staff).delete(f"{ITEMS}pcb-board/").status_code == 405
    assert client_for(cast.staff).put(f"{ITEMS}pcb-board/", body).status_code == 405


def test_an_items_unit_cannot_change_once_needs_use_it(cast):
    file(cast.enterprise_user, SUPPLY, supply_body())
    response = client_for(cast.admin).patch(f"{ITEMS}mask-medical/", {"unit": "box"})
    assert response.status_code == 400
    assert "unit cannot change" in response.json()["fields"]["unit"][0]
    assert client_for(cast.admin).patch(f"{ITEMS}gloves/", {"unit": "box"}).status_code == 200


def test_staff_edit_only_the_items_their_association_keeps(cast):
    body = {"code": "steel-coil", "name_zh": "钢卷", "unit": "tonne"}
    added = post(cast.staff, ITEMS, body)
    assert added.json()["association"] == cast.association.pk

    # The shared catalogue: another association's staff read it and may not change it.
    other = client_for(cast.other_staff)
    assert other.get(f"{ITEMS}steel-coil/").status_code == 200
    assert other.patch(f"{ITEMS}steel-coil/", {"is_active": False}).status_code == 403
    # The platform's own prevention supplies: administrators only.
    staff = client_for(cast.staff)
    assert staff.patch(f"{ITEMS}mask-medical/", {"is_active": False}).status_code == 403
    assert staff.patch(f"{ITEMS}steel-coil/", {"name_en": "Steel coil"}).status_code == 200
    assert SupplyItem.objects.get(code="mask-medical").is_active


@pytest.mark.parametrize("code", ["has space", "中文", ""])
def test_an_item_code_is_a_slug(cast, code):
    body = {"code": code, "name_zh": "钢材", "unit": "tonne"}
    response = post(cast.staff, ITEMS, body)
    assert response.status_code == 400
    assert "code" in response.json()["fields"]


# --- constant queries ---------------------------------------------------------------------


@pytest.fixture
def sixty_of_each(cast, supplier):
    """Sixty escalated needs of each kind for the cast member, sixty offers and sixty more
    catalogue items."""
    now = timezone.now()
    mask = SupplyItem.objects.get(code="mask-medical")
    common = {
        "enterprise": cast.member,
        "association": cast.association,
        "created_by": cast.enterprise_user,
        "status": S.ESCALATED,
        "escalated_at": now,
        "needed_by": timezone.localdate() + timedelta(days=3),
    }
    kinds = {
        Need.Kind.SUPPLY: {"item": mask, "unit": "piece", "quantity": Decimal("10")},
        Need.Kind.LABOUR: {"trade": "焊工", "headcount": 2, "work_region_id": "440106"},
        Need.Kind.DIFFICULTY: {"difficulty_kind": "energy", "description": "限电"},
    }
    needs = []
    for kind, fields in kinds.items():
        for n in range(60):
            need = Need(kind=kind, created_at=now - timedelta(minutes=n), **common, **fields)
            need.rank_at = need.compute_rank_at()
            needs.append(need)
    Need.objects.bulk_create(needs)
    SupplyOffer.objects.bulk_create(
        SupplyOffer(
            enterprise=supplier.enterprise,
            association=cast.association,
            item=mask,
            unit="piece",
            quantity=Decimal("100"),
            remaining_quantity=Decimal("100"),
            delivery_region_id="440103",
            available_until=timezone.localdate() + timedelta(days=n),
            created_by=supplier,
        )
        for n in range(60)
    )
    SupplyItem.objects.bulk_create(
        SupplyItem(code=f"steel-{n:02}", name_zh=f"钢材{n}", unit="tonne") for n in range(60)
    )


def queries_for(user, path: str, page_size: int) -> int:
    client = client_for(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, {"page_size": page_size})
    assert response.status_code == 200
    assert len(response.json()["results"]) == page_size
    return len(queries)


@pytest.mark.parametrize(
    ("path", "roles"),
    [
        (SUPPLY, ["enterprise_user", "staff", "official", "partner", "admin"]),
        (LABOUR, ["enterprise_user", "staff", "official", "admin"]),
        (DIFFICULTY, ["staff", "official"]),
        (OFFERS, ["staff", "partner", "admin"]),
        (ITEMS, ["enterprise_user", "official"]),
    ],
)
def test_a_list_runs_the_same_queries_for_5_or_50_rows(cast, sixty_of_each, path, roles):
    for role in roles:
        user = cast.by_role(role)
        assert queries_for(user, path, 5) == queries_for(user, path, 50), role


def newest_first_plan(user, path: str):
    """`user`'s first page of `path` (10 needs) and the plan of the query that lists them
    newest first, with sorting and table scans priced out (tests.plans)."""
    with CaptureQueriesContext(connection) as queries:
        response = client_for(user).get(path, {"page_size": 10})
    newest_first = 'FROM "supplies_need"', 'ORDER BY "supplies_need"."created_at" DESC'
    [listed] = [q["sql"] for q in queries if all(part in q["sql"] for part in newest_first)]
    return response, plan_of(listed)


@pytest.mark.parametrize("path", [SUPPLY, LABOUR, DIFFICULTY])
def test_an_associations_newest_needs_are_read_from_its_index(cast, sixty_of_each, path):
    """The lists' default order is newest first. Read from the index of every need's creation,
    an association's newest needs came after every other association's newer ones (national
    set: 36,000 rows for a page of 100, 145 ms); need_newest holds them by association and kind
    (the plan with sorting priced out)."""
    response, plan = newest_first_plan(cast.staff, path)
    assert response.status_code == 200
    assert "need_newest" in plan, plan


@pytest.mark.parametrize("path", [SUPPLY, LABOUR, DIFFICULTY])
def test_an_officials_newest_escalated_needs_are_read_from_their_index(cast, sixty_of_each, path):
    """An official's lists hold the escalated needs of their jurisdiction, newest first: read
    from the needs table, a province's escalated difficulties scanned the national set's ten
    million needs (1.5 s); need_escalated_newest holds them by kind, newest last, with their
    enterprise (the plan with sorting and table scans priced out)."""
    Need.objects.update(escalated_at=timezone.now())
    response, plan = newest_first_plan(cast.official, path)
    assert response.status_code == 200 and response.json()["count"] == 60
    assert "need_escalated_newest" in plan, plan
