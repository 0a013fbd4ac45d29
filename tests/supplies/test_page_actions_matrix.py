"""Who may POST what on the pages of needs, offers and the catalogue: (role, url, expected) for
each role of the cast, and whether the object changed.

A page's action answers with a redirect whether it was done or refused with a message (a status
the action does not allow, a wrong kind of need), so each row says what must have happened:
`DONE` (redirected, and the object changed), `REFUSED` (redirected with the reason, nothing
changed), 403 (the role may not do this at all), 404 (the object is out of the user's scope) or
`LOGIN` (anonymous: sent to log in). Nothing changes unless the row says DONE.
"""

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client

from supplies.models import Need, SupplyItem, SupplyOffer
from tests.supplies.conftest import days_from_today, need_in
from tests.test_permissions_matrix import ROLES

pytestmark = pytest.mark.django_db

S = Need.Status
DONE = "done"
REFUSED = "refused"
LOGIN = "login"


# --- the objects the rows act on ---------------------------------------------------------------


def _need(status: str, kind: str = Need.Kind.SUPPLY, *, other: bool = False):
    def make(cast) -> Need:
        if other:
            return need_in(
                cast,
                status,
                kind=kind,
                enterprise=cast.other_member,
                association=cast.other_association,
            )
        return need_in(cast, status, kind=kind)

    return make


def _offer(*, other: bool = False, status: str = SupplyOffer.Status.OPEN):
    def make(cast) -> SupplyOffer:
        return SupplyOffer.objects.create(
            enterprise=cast.other_member if other else cast.member,
            association=cast.other_association if other else cast.association,
            item=SupplyItem.objects.get(code="mask-medical"),
            unit="piece",
            quantity=Decimal("500"),
            remaining_quantity=Decimal("500"),
            delivery_region_id="330106" if other else "440106",
            available_until=days_from_today(30),
            status=status,
            created_by=cast.enterprise_user,
        )

    return make


def _kept_item(cast) -> SupplyItem:
    """A production material the cast association keeps."""
    return SupplyItem.objects.create(
        code="steel-coil", name_zh="钢卷", unit="tonne", association=cast.association
    )


def _platform_item(cast) -> SupplyItem:
    return SupplyItem.objects.get(code="gloves")


def need_state(need: Need) -> tuple:
    need.refresh_from_db()
    return (
        need.status,
        need.fulfilled_quantity,
        need.filled_headcount,
        need.messages.count(),
        need.escalations.filter(replied_at__isnull=False).count(),
    )


def offer_state(offer: SupplyOffer) -> tuple:
    offer.refresh_from_db()
    return (offer.status, offer.remaining_quantity)


def item_state(item: SupplyItem) -> tuple:
    item.refresh_from_db()
    return (item.name_zh, item.is_active)


@dataclass(frozen=True)
class Row:
    """POST `body` to `path` (of the object `make` returns) as each role."""

    name: str
    make: object
    path: str  # formatted with the object's pk
    body: object  # a dict, or a function of (cast, object) for values made fresh
    state: object
    expected: dict  # role → outcome; unnamed roles get `default`
    default: object = 403


def _match(cast, need) -> dict:
    offer = SupplyOffer.objects.create(
        enterprise=cast.member,
        association=need.association,
        item=need.item,
        unit=need.unit,
        quantity=Decimal("300"),
        remaining_quantity=Decimal("300"),
        delivery_region_id="440106",
        available_until=days_from_today(30),
        created_by=cast.enterprise_user,
    )
    return {"offer": offer.pk, "quantity": "100", "note": "自提"}


# Roles that see the cast member's need: its enterprise, the association's side, admins.
SEES_NEED = {"anonymous": LOGIN, "outsider": 404, "other_staff": 404, "official": 404}
SEES_NEED |= {"other_official": 404}
ASSOCIATION_SIDE = ("staff", "manager", "partner", "admin")
COORDINATES = SEES_NEED | dict.fromkeys(ASSOCIATION_SIDE, DONE)
COORDINATES_REFUSED = SEES_NEED | dict.fromkeys(ASSOCIATION_SIDE, REFUSED)
# An escalated need: the official of the enterprise's province sees it too.
SEES_ESCALATED = SEES_NEED | {"official": 403}
OWNS = SEES_NEED | {"enterprise_user": DONE}
WITHDRAWS = {
    "anonymous": LOGIN,
    "outsider": 404,
    "other_staff": 404,
    "enterprise_user": DONE,
    **dict.fromkeys(ASSOCIATION_SIDE, DONE),
}

NEED_PAGE = "/needs/{pk}/"
ROWS = [
    Row(
        "take", _need(S.OPEN), NEED_PAGE + "take/", {"reason": "开始对接"}, need_state, COORDINATES
    ),
    Row(
        "take an escalated need",
        _need(S.ESCALATED),
        NEED_PAGE + "take/",
        {},
        need_state,
        COORDINATES_REFUSED | {"official": 403},
    ),
    Row(
        "take another association's need",
        _need(S.OPEN, other=True),
        NEED_PAGE + "take/",
        {},
        need_state,
        {
            "anonymous": LOGIN,
            "other_staff": DONE,
            "admin": DONE,
            "enterprise_user": 404,
            "outsider": 404,
            "staff": 404,
            "manager": 404,
            "partner": 404,
            "official": 404,
            "other_official": 404,
        },
    ),
    Row(
        "ask-info",
        _need(S.OPEN),
        NEED_PAGE + "ask-info/",
        {"question": "请说明型号"},
        need_state,
        COORDINATES,
    ),
    Row(
        "ask-info without a question",
        _need(S.OPEN),
        NEED_PAGE + "ask-info/",
        {"question": ""},
        need_state,
        COORDINATES_REFUSED,
    ),
    Row(
        "resolve",
        _need(S.IN_PROGRESS),
        NEED_PAGE + "resolve/",
        {"reason": "已解决"},
        need_state,
        COORDINATES,
    ),
    Row(
        "resolve a cancelled need",
        _need(S.CANCELLED),
        NEED_PAGE + "resolve/",
        {},
        need_state,
        COORDINATES_REFUSED,
    ),
    Row(
        "escalate",
        _need(S.OPEN, Need.Kind.DIFFICULTY),
        NEED_PAGE + "escalate/",
        {"summary": "需协调物流通行证"},
        need_state,
        COORDINATES,
    ),
    Row("match", _need(S.OPEN), NEED_PAGE + "match/", _match, need_state, COORDINATES),
    Row(
        "place",
        _need(S.OPEN, Need.Kind.LABOUR),
        NEED_PAGE + "place/",
        {"headcount": "2", "note": ""},
        need_state,
        COORDINATES,
    ),
    Row(
        "place on a supply request",
        _need(S.OPEN),
        NEED_PAGE + "place/",
        {"headcount": "2", "note": ""},
        need_state,
        COORDINATES_REFUSED,
    ),
    Row(
        "add-info",
        _need(S.INFO_REQUESTED),
        NEED_PAGE + "add-info/",
        {"body": "一次性医用口罩"},
        need_state,
        OWNS,
    ),
    Row(
        "cancel",
        _need(S.OPEN),
        NEED_PAGE + "cancel/",
        {"reason": "已自行采购", "confirm": "yes"},
        need_state,
        OWNS,
    ),
    Row(
        "cancel a resolved need",
        _need(S.RESOLVED),
        NEED_PAGE + "cancel/",
        {},
        need_state,
        OWNS | {"enterprise_user": REFUSED},
    ),
    Row(
        "reply",
        _need(S.ESCALATED),
        NEED_PAGE + "reply/",
        {"reply": "已协调调拨", "outcome": "partly_resolved", "referred_to": ""},
        need_state,
        SEES_ESCALATED | {"official": DONE},
    ),
    Row(
        "reply to an answered need",
        _need(S.ANSWERED),
        NEED_PAGE + "reply/",
        {"reply": "再次答复", "outcome": "resolved", "referred_to": ""},
        need_state,
        SEES_ESCALATED | {"official": REFUSED},
    ),
    Row(
        "withdraw an offer",
        _offer(),
        "/offers/{pk}/withdraw/",
        {"reason": "已售完", "confirm": "yes"},
        offer_state,
        WITHDRAWS,
    ),
    Row(
        "withdraw a withdrawn offer",
        _offer(status=SupplyOffer.Status.WITHDRAWN),
        "/offers/{pk}/withdraw/",
        {"confirm": "yes"},
        offer_state,
        {role: REFUSED if outcome == DONE else outcome for role, outcome in WITHDRAWS.items()},
    ),
    Row(
        "withdraw another association's offer",
        _offer(other=True),
        "/offers/{pk}/withdraw/",
        {"confirm": "yes"},
        offer_state,
        {
            "anonymous": LOGIN,
            "other_staff": DONE,
            "admin": DONE,
            "enterprise_user": 404,
            "outsider": 404,
            "staff": 404,
            "manager": 404,
            "partner": 404,
        },
    ),
    Row(
        "edit an item the association keeps",
        _kept_item,
        "/supply-items/{pk}/edit/",
        {"code": "steel-coil", "name_zh": "冷轧钢卷", "category": "material", "unit": "tonne"},
        item_state,
        {"anonymous": LOGIN, **dict.fromkeys(ASSOCIATION_SIDE, DONE)},
    ),
    Row(
        "edit a platform item",
        _platform_item,
        "/supply-items/{pk}/edit/",
        {"code": "gloves", "name_zh": "丁腈手套", "category": "prevention", "unit": "pair"},
        item_state,
        {"anonymous": LOGIN, "admin": DONE},
    ),
]


def _cases():
    for row in ROWS:
        for role in ROLES:
            yield pytest.param(
                row, role, row.expected.get(role, row.default), id=f"{role}-{row.name}"
            )


@pytest.mark.parametrize(("row", "role", "expected"), list(_cases()))
def test_page_posts(cast, row, role, expected):
    obj = row.make(cast)
    body = row.body(cast, obj) if callable(row.body) else row.body
    before = row.state(obj)
    client = Client()
    user = cast.by_role(role)
    if user is not None:
        client.force_login(user)

    response = client.post(row.path.format(pk=obj.pk), body)

    after = row.state(obj)
    if expected == DONE:
        assert response.status_code == 302, response.content[:300]
        assert "/login/" not in response["Location"]
        assert after != before
        return
    assert after == before
    if expected == REFUSED:
        assert response.status_code in (200, 302)  # the form again, or back with the reason
        assert "/login/" not in response.get("Location", "")
    elif expected == LOGIN:
        assert response.status_code == 302 and "/login/" in response["Location"]
    else:
        assert response.status_code == expected
