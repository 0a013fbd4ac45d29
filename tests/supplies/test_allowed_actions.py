"""What a user may do to a need or an offer is answered once (supplies.access) and read by the page
and the API alike: the buttons a page shows (`data-action`) are exactly the `allowed_actions` of
the API's detail payload, for each role and in each status."""

import re
from decimal import Decimal

import pytest
from django.test import Client

from supplies.models import Need, SupplyItem, SupplyOffer
from tests.conftest import api_as
from tests.supplies.conftest import days_from_today, need_in

pytestmark = pytest.mark.django_db

S = Need.Status
API = {
    Need.Kind.SUPPLY: "/api/v1/supply-requests/",
    Need.Kind.LABOUR: "/api/v1/labour-requests/",
    Need.Kind.DIFFICULTY: "/api/v1/difficulties/",
}
ROLES = [
    "enterprise_user",
    "staff",
    "manager",
    "other_staff",
    "partner",
    "official",
    "other_official",
    "admin",
    "outsider",
]
ASSOCIATION_SIDE = ("staff", "manager", "partner", "admin")
HIDDEN = None  # the user does not see the need at all (404 on the page and in the API)

# (kind, status) → what the association's side, the enterprise and the official of the
# enterprise's province may do. Everyone else sees nothing or may do nothing.
CASES = {
    (Need.Kind.SUPPLY, S.OPEN): (
        {"take", "ask-info", "resolve", "escalate", "match"},
        {"add-info", "cancel"},
        HIDDEN,  # not before government yet
    ),
    (Need.Kind.SUPPLY, S.IN_PROGRESS): (
        {"ask-info", "resolve", "escalate", "match"},
        {"add-info", "cancel"},
        HIDDEN,
    ),
    (Need.Kind.SUPPLY, S.INFO_REQUESTED): (
        {"take", "resolve", "escalate", "match"},
        {"add-info", "cancel"},
        HIDDEN,
    ),
    (Need.Kind.SUPPLY, S.ESCALATED): ({"resolve", "match"}, {"add-info", "cancel"}, {"reply"}),
    (Need.Kind.SUPPLY, S.ANSWERED): (
        {"take", "resolve", "escalate", "match"},
        {"add-info", "cancel"},
        set(),
    ),
    (Need.Kind.SUPPLY, S.RESOLVED): (set(), set(), HIDDEN),
    (Need.Kind.SUPPLY, S.CANCELLED): (set(), set(), HIDDEN),
    (Need.Kind.LABOUR, S.OPEN): (
        {"take", "ask-info", "resolve", "escalate", "place"},
        {"add-info", "cancel"},
        HIDDEN,
    ),
    (Need.Kind.LABOUR, S.ESCALATED): ({"resolve", "place"}, {"add-info", "cancel"}, {"reply"}),
    (Need.Kind.DIFFICULTY, S.OPEN): (
        {"take", "ask-info", "resolve", "escalate"},
        {"add-info", "cancel"},
        HIDDEN,
    ),
    (Need.Kind.DIFFICULTY, S.ANSWERED): (
        {"take", "resolve", "escalate"},
        {"add-info", "cancel"},
        set(),
    ),
}


def expected_for(role: str, kind: str, status: str) -> set[str] | None:
    association_side, enterprise, official = CASES[(kind, status)]
    if role in ASSOCIATION_SIDE:
        return association_side
    if role == "enterprise_user":
        return enterprise
    if role == "official":
        return official
    return HIDDEN  # other staff, the other province's official, an outsider


ACTION = re.compile(r'<(?:form|button|section)\b[^>]*\bdata-action="([^"]+)"')


def page_actions(html: str) -> set[str]:
    """The actions a page offers: its forms, buttons and sections marked `data-action`."""
    return set(ACTION.findall(html))


def page_for(user, url: str):
    client = Client()
    client.force_login(user)
    return client.get(url)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("kind", "status"), list(CASES))
def test_a_needs_page_shows_exactly_the_actions_the_api_allows(cast, role, kind, status):
    need = need_in(cast, status, kind=kind)
    user = cast.by_role(role)

    api = api_as(user).get(f"{API[kind]}{need.pk}/")
    page = page_for(user, f"/needs/{need.pk}/")

    expected = expected_for(role, kind, status)
    if expected is HIDDEN:
        assert (api.status_code, page.status_code) == (404, 404)
        return
    assert (api.status_code, page.status_code) == (200, 200)
    allowed_actions = api.json()["allowed_actions"]
    assert len(allowed_actions) == len(set(allowed_actions))
    assert set(allowed_actions) == expected
    assert page_actions(page.content.decode()) == expected


def test_the_match_and_place_buttons_go_once_the_need_is_met(cast):
    supply = need_in(cast, S.IN_PROGRESS, fulfilled_quantity=Decimal("1000"))
    labour = need_in(cast, S.IN_PROGRESS, kind=Need.Kind.LABOUR, filled_headcount=10)
    for need, kind in ((supply, Need.Kind.SUPPLY), (labour, Need.Kind.LABOUR)):
        allowed_actions = api_as(cast.staff).get(f"{API[kind]}{need.pk}/").json()["allowed_actions"]
        assert set(allowed_actions) == {"ask-info", "resolve", "escalate"}
        assert page_actions(page_for(cast.staff, f"/needs/{need.pk}/").content.decode()) == set(
            allowed_actions
        )


def _offer(cast, *, other: bool = False, status: str = SupplyOffer.Status.OPEN) -> SupplyOffer:
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


def row_actions(html: str, offer: SupplyOffer) -> set[str] | None:
    """The actions on the offer's row of the offer list, or None if it is not listed."""
    row = re.search(rf'data-testid="offer-row" data-id="{offer.pk}"(.*?)</tr>', html, re.S)
    return page_actions(row.group(1)) if row else None


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status", [SupplyOffer.Status.OPEN, SupplyOffer.Status.WITHDRAWN])
def test_an_offers_row_shows_exactly_the_actions_the_api_allows(cast, role, status):
    offer = _offer(cast, status=status)
    user = cast.by_role(role)

    api = api_as(user).get(f"/api/v1/supply-offers/{offer.pk}/")
    page = page_for(user, "/offers/")

    sees = role in ("enterprise_user", *ASSOCIATION_SIDE)
    if role in ("official", "other_official"):
        assert (api.status_code, page.status_code) == (403, 403)
        return
    assert page.status_code == 200
    if not sees:
        assert api.status_code == 404
        assert row_actions(page.content.decode(), offer) is None
        return
    expected = {"withdraw"} if status == SupplyOffer.Status.OPEN else set()
    assert set(api.json()["allowed_actions"]) == expected
    assert row_actions(page.content.decode(), offer) == expected
