"""The permissions matrix for needs, offers and the supply catalogue: the same machinery as
tests/test_permissions_matrix.py (rows of role → expected status, 404 out of scope, 403 for a
role that may not act at all)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from supplies.models import Escalation, Need, SupplyItem, SupplyOffer
from tests.test_permissions_matrix import OBJECTS, _cases, check_api, check_page

pytestmark = pytest.mark.django_db

# --- objects the rows refer to (added to the shared OBJECTS by name) ----------------------------


def _need_in_status(status: str, *, kind: str = Need.Kind.SUPPLY, other: bool = False):
    """The cast member's need (or, `other`, the other member's) filed with its association, in
    `status`; an escalated one carries its unanswered escalation."""

    def make(cast) -> int:
        values = {
            Need.Kind.SUPPLY: {
                "item": SupplyItem.objects.get(code="mask-medical"),
                "unit": "piece",
                "quantity": Decimal("1000"),
            },
            Need.Kind.LABOUR: {"trade": "SMT操作工", "headcount": 5},
            Need.Kind.DIFFICULTY: {"difficulty_kind": "transport", "description": "物流不通"},
        }[kind]
        escalated = status == Need.Status.ESCALATED
        need = Need.objects.create(
            kind=kind,
            enterprise=cast.other_member if other else cast.member,
            association=cast.other_association if other else cast.association,
            status=status,
            needed_by=timezone.localdate() + timedelta(days=5),
            escalated_at=timezone.now() if escalated else None,
            created_by=cast.enterprise_user,
            **values,
        )
        if escalated:
            Escalation.objects.create(
                need=need,
                summary="本地无货",
                escalated_by=cast.other_staff if other else cast.staff,
            )
        return need.pk

    return make


def _offer(*, other: bool = False):
    """An open offer of masks by the cast member (or, `other`, the other member) to its
    association's members."""

    def make(cast) -> int:
        return SupplyOffer.objects.create(
            enterprise=cast.other_member if other else cast.member,
            association=cast.other_association if other else cast.association,
            item=SupplyItem.objects.get(code="mask-medical"),
            unit="piece",
            quantity=Decimal("500"),
            remaining_quantity=Decimal("500"),
            delivery_region_id="330106" if other else "440106",
            available_until=timezone.localdate() + timedelta(days=30),
            created_by=cast.enterprise_user,
        ).pk

    return make


def _kept_item(cast) -> SupplyItem:
    return SupplyItem.objects.get_or_create(
        code="steel-coil",
        defaults={"name_zh": "钢卷", "unit": "tonne", "association": cast.association},
    )[0]


NEED_OBJECTS: dict = {
    "need": _need_in_status(Need.Status.OPEN),  # the cast member's open supply request
    "taken_need": _need_in_status(Need.Status.IN_PROGRESS),
    "info_need": _need_in_status(Need.Status.INFO_REQUESTED),
    "escalated_need": _need_in_status(Need.Status.ESCALATED),
    "resolved_need": _need_in_status(Need.Status.RESOLVED),
    "labour_need": _need_in_status(Need.Status.OPEN, kind=Need.Kind.LABOUR),
    "difficulty": _need_in_status(Need.Status.OPEN, kind=Need.Kind.DIFFICULTY),
    "other_need": _need_in_status(Need.Status.OPEN, other=True),
    "other_escalated_need": _need_in_status(Need.Status.ESCALATED, other=True),
    "offer": _offer(),  # the cast member's open offer
    "other_offer": _offer(other=True),
    "page_item": lambda cast: SupplyItem.objects.get(code="mask-medical").pk,
    # a production material the cast association keeps (its staff edit it, nobody else's)
    "kept_item": lambda cast: _kept_item(cast).code,
    "page_kept_item": lambda cast: _kept_item(cast).pk,
}
OBJECTS.update(NEED_OBJECTS)

# --- the pages: (url, {role: status}, default) ---------------------------------------------------

# Everyone logged in may open these pages; each sees only what is theirs.
EVERYONE_IN = {"anonymous": 302}
# The filing and offering pages: enterprise users (the outsider is told to register first).
ENTERPRISE_PAGE = {"anonymous": 302, "enterprise_user": 200, "outsider": 200}
# The cast member's open need: the enterprise, its association's side and admins.
SEES_OPEN_NEED_PAGE = {
    "anonymous": 302,
    "outsider": 404,
    "other_staff": 404,
    "official": 404,  # not escalated: nothing for government yet
    "other_official": 404,
}

# Who follows needs up: not the enterprises.
NOT_ENTERPRISES = {"anonymous": 302, "enterprise_user": 403, "outsider": 403}
OVERDUE_URLS = ("/needs/overdue/", "/needs/overdue/export.csv", "/needs/overdue/export.xlsx")

PAGE_ROWS: list = [
    ("/needs/", EVERYONE_IN, 200),
    ("/needs/new/supply/", ENTERPRISE_PAGE, 403),
    ("/needs/new/labour/", ENTERPRISE_PAGE, 403),
    ("/needs/new/difficulty/", ENTERPRISE_PAGE, 403),
    ("/needs/new/housing/", {"anonymous": 302, "enterprise_user": 404, "outsider": 404}, 403),
    ("/needs/{need}/", SEES_OPEN_NEED_PAGE, 200),
    ("/needs/{labour_need}/", SEES_OPEN_NEED_PAGE, 200),
    ("/needs/{escalated_need}/", SEES_OPEN_NEED_PAGE | {"official": 200}, 200),
    ("/needs/{other_need}/", {"anonymous": 302, "other_staff": 200, "admin": 200}, 404),
    (
        "/needs/{other_escalated_need}/",
        {"anonymous": 302, "other_staff": 200, "other_official": 200, "admin": 200},
        404,
    ),
    # Actions are POSTs only: a GET (a crawler, a prefetch) changes nothing.
    ("/needs/{need}/take/", {}, 405),
    ("/needs/{escalated_need}/reply/", {}, 405),
    (
        "/needs/queue/",
        {"anonymous": 302, "staff": 200, "manager": 200, "other_staff": 200, "admin": 200},
        403,
    ),
    (
        "/needs/escalated/",
        {"anonymous": 302, "official": 200, "other_official": 200, "admin": 200},
        403,
    ),
    # the overdue needs to follow up (supplies.follow_up), each reader its own, and downloads
    *((url, NOT_ENTERPRISES, 200) for url in OVERDUE_URLS),
    (
        "/needs/overdue/?association={other_association}",
        NOT_ENTERPRISES | {"other_staff": 200, "other_official": 200, "admin": 200},
        404,
    ),
    ("/offers/", {"anonymous": 302, "official": 403, "other_official": 403}, 200),
    ("/offers/new/", ENTERPRISE_PAGE, 403),
    ("/offers/{offer}/withdraw/", {}, 405),
    ("/supply-items/", EVERYONE_IN, 200),
    (
        "/supply-items/new/",
        {
            "anonymous": 302,
            "staff": 200,
            "manager": 200,
            "other_staff": 200,
            "partner": 200,
            "admin": 200,
        },
        403,
    ),
    # The platform's own items: administrators only.
    ("/supply-items/{page_item}/edit/", {"anonymous": 302, "admin": 200}, 403),
    (
        "/supply-items/{page_kept_item}/edit/",
        {"anonymous": 302, "staff": 200, "manager": 200, "partner": 200, "admin": 200},
        403,
    ),
]

# --- the API: (method, url, {role: status}, default[, body]) -------------------------------------


def _in_days(n: int) -> str:
    return (timezone.localdate() + timedelta(days=n)).isoformat()


def new_supply_request(cast) -> dict:
    return {"item": "mask-medical", "quantity": "1000", "needed_by": _in_days(5)}


def new_labour_request(cast) -> dict:
    return {"trade": "SMT操作工", "headcount": 5, "needed_by": _in_days(10)}


def new_offer(cast) -> dict:
    return {"item": "mask-medical", "quantity": "500", "available_until": _in_days(30)}


def a_match(cast) -> dict:
    return {"offer": _offer()(cast), "quantity": "100"}


NEW_DIFFICULTY = {"difficulty_kind": "energy", "description": "限电，每周停产两天"}
NEW_ITEM = {"code": "pcb", "name_zh": "印制电路板", "unit": "piece"}

# Who sees the cast member's needs: the enterprise, its association's side, admins; officials
# only once escalated (see SEES_ESCALATED).
SEES_NEED = {
    "anonymous": 403,
    "outsider": 404,
    "other_staff": 404,
    "official": 404,
    "other_official": 404,
}
SEES_ESCALATED = SEES_NEED | {"official": 200}
# The other member's needs: its association's staff and admins; officials of Zhejiang once
# escalated.
SEES_OTHER = {"anonymous": 403, "other_staff": 200, "admin": 200}
# The association's side coordinates; other staff may, but find nothing of another association.
COORDINATES = {"staff": 200, "manager": 200, "partner": 200, "admin": 200, "other_staff": 404}
CREATES = {"staff": 201, "manager": 201, "partner": 201, "admin": 201, "other_staff": 404}
# The enterprise's side: the cast member's enterprise user; the outsider finds nothing.
FILES = {"enterprise_user": 200, "outsider": 404}
# Filing: enterprise users only; the outsider acts for no enterprise yet (register or claim).
FILES_NEW = {"enterprise_user": 201, "outsider": 400}
# Offers are the enterprises' and their associations' business, not government's.
NOT_OFFICIALS = {"anonymous": 403, "official": 403, "other_official": 403}
SEES_OFFER = NOT_OFFICIALS | {"outsider": 404, "other_staff": 404}
STAFF_SIDE = ("staff", "manager", "other_staff", "partner", "admin")

API_ROWS: list = [
    # the catalogue: everyone reads it, the staff side keeps it
    ("get", "/api/v1/supply-items/", {"anonymous": 403}, 200),
    ("get", "/api/v1/supply-items/mask-medical/", {"anonymous": 403}, 200),
    ("post", "/api/v1/supply-items/", dict.fromkeys(STAFF_SIDE, 201), 403, NEW_ITEM),
    ("patch", "/api/v1/supply-items/gloves/", {"admin": 200}, 403, {"name_en": "Nitrile gloves"}),
    (
        "patch",
        "/api/v1/supply-items/{kept_item}/",
        {"staff": 200, "manager": 200, "partner": 200, "admin": 200},
        403,
        {"name_en": "Steel coil"},
    ),
    ("put", "/api/v1/supply-items/gloves/", {"anonymous": 403}, 405, NEW_ITEM),
    ("delete", "/api/v1/supply-items/gloves/", {"anonymous": 403}, 405),
    # needs: lists, filing, reading
    ("get", "/api/v1/supply-requests/", {"anonymous": 403}, 200),
    ("get", "/api/v1/labour-requests/", {"anonymous": 403}, 200),
    ("get", "/api/v1/difficulties/", {"anonymous": 403}, 200),
    ("post", "/api/v1/supply-requests/", FILES_NEW, 403, new_supply_request),
    ("post", "/api/v1/labour-requests/", FILES_NEW, 403, new_labour_request),
    ("post", "/api/v1/difficulties/", FILES_NEW, 403, NEW_DIFFICULTY),
    ("get", "/api/v1/supply-requests/{need}/", SEES_NEED, 200),
    ("get", "/api/v1/supply-requests/{need}/history/", SEES_NEED, 200),
    ("get", "/api/v1/supply-requests/{need}/messages/", SEES_NEED, 200),
    ("get", "/api/v1/supply-requests/{need}/escalations/", SEES_NEED, 200),
    ("get", "/api/v1/supply-requests/{need}/matches/", SEES_NEED, 200),
    ("get", "/api/v1/labour-requests/{labour_need}/", SEES_NEED, 200),
    ("get", "/api/v1/labour-requests/{labour_need}/placements/", SEES_NEED, 200),
    ("get", "/api/v1/difficulties/{difficulty}/", SEES_NEED, 200),
    # A supply request is not found among labour requests.
    ("get", "/api/v1/labour-requests/{need}/", {"anonymous": 403}, 404),
    ("get", "/api/v1/supply-requests/{escalated_need}/", SEES_ESCALATED, 200),
    ("get", "/api/v1/supply-requests/{escalated_need}/escalations/", SEES_ESCALATED, 200),
    ("get", "/api/v1/supply-requests/{other_need}/", SEES_OTHER, 404),
    (
        "get",
        "/api/v1/supply-requests/{other_escalated_need}/",
        SEES_OTHER | {"other_official": 200},
        404,
    ),
    ("put", "/api/v1/supply-requests/{need}/", {"anonymous": 403}, 405, {"urgency": "low"}),
    ("patch", "/api/v1/supply-requests/{need}/", {"anonymous": 403}, 405, {"urgency": "low"}),
    ("delete", "/api/v1/supply-requests/{need}/", {"anonymous": 403}, 405),
    ("patch", "/api/v1/labour-requests/{labour_need}/", {"anonymous": 403}, 405, {}),
    ("delete", "/api/v1/difficulties/{difficulty}/", {"anonymous": 403}, 405),
    # needs: the association's actions
    ("post", "/api/v1/supply-requests/{need}/take/", COORDINATES, 403, {}),
    (
        "post",
        "/api/v1/supply-requests/{need}/ask-info/",
        COORDINATES,
        403,
        {"question": "请说明型号"},
    ),
    (
        "post",
        "/api/v1/supply-requests/{taken_need}/resolve/",
        COORDINATES,
        403,
        {"reason": "已解决"},
    ),
    ("post", "/api/v1/labour-requests/{labour_need}/resolve/", COORDINATES, 403, {}),
    (
        "post",
        "/api/v1/supply-requests/{need}/escalate/",
        COORDINATES,
        403,
        {"summary": "本地无货，缺口1000只"},
    ),
    (
        "post",
        "/api/v1/difficulties/{difficulty}/escalate/",
        COORDINATES,
        403,
        {"summary": "需协调物流通行证"},
    ),
    ("post", "/api/v1/supply-requests/{need}/match/", CREATES, 403, a_match),
    ("post", "/api/v1/labour-requests/{labour_need}/place/", CREATES, 403, {"headcount": 2}),
    # Not allowed from its status: 409 for those who may act, still 404 for other staff.
    (
        "post",
        "/api/v1/supply-requests/{escalated_need}/take/",
        {**COORDINATES, "staff": 409, "manager": 409, "partner": 409, "admin": 409},
        403,
        {},
    ),
    (
        "post",
        "/api/v1/supply-requests/{resolved_need}/resolve/",
        {**COORDINATES, "staff": 409, "manager": 409, "partner": 409, "admin": 409},
        403,
        {},
    ),
    (
        "post",
        "/api/v1/supply-requests/{other_need}/take/",
        {"other_staff": 200, "admin": 200, "staff": 404, "manager": 404, "partner": 404},
        403,
        {},
    ),
    # needs: the enterprise's actions
    ("post", "/api/v1/supply-requests/{info_need}/add-info/", FILES, 403, {"body": "一次性口罩"}),
    ("post", "/api/v1/supply-requests/{need}/cancel/", FILES, 403, {"reason": "已自行采购"}),
    ("post", "/api/v1/difficulties/{difficulty}/cancel/", FILES, 403, {}),
    (
        "post",
        "/api/v1/supply-requests/{resolved_need}/cancel/",
        FILES | {"enterprise_user": 409},
        403,
        {},
    ),
    # needs: government's answer
    (
        "post",
        "/api/v1/supply-requests/{escalated_need}/reply/",
        {"official": 200, "other_official": 404},
        403,
        {"reply": "已协调调拨", "outcome": "partly_resolved"},
    ),
    (
        "post",
        "/api/v1/supply-requests/{need}/reply/",
        {"official": 404, "other_official": 404},
        403,
        {"reply": "已协调调拨", "outcome": "resolved"},
    ),
    # offers: the enterprise posts and withdraws its own; its association's side sees them
    ("get", "/api/v1/supply-offers/", NOT_OFFICIALS, 200),
    ("post", "/api/v1/supply-offers/", FILES_NEW, 403, new_offer),
    ("get", "/api/v1/supply-offers/{offer}/", SEES_OFFER, 200),
    ("get", "/api/v1/supply-offers/{offer}/history/", SEES_OFFER, 200),
    (
        "get",
        "/api/v1/supply-offers/{other_offer}/",
        NOT_OFFICIALS | {"other_staff": 200, "admin": 200},
        404,
    ),
    ("post", "/api/v1/supply-offers/{offer}/withdraw/", SEES_OFFER, 200, {"reason": "已售完"}),
    (
        "post",
        "/api/v1/supply-offers/{other_offer}/withdraw/",
        NOT_OFFICIALS | {"other_staff": 200, "admin": 200},
        404,
        {},
    ),
    ("put", "/api/v1/supply-offers/{offer}/", {"anonymous": 403}, 405, new_offer),
    ("patch", "/api/v1/supply-offers/{offer}/", {"anonymous": 403}, 405, {"note": "x"}),
    ("delete", "/api/v1/supply-offers/{offer}/", {"anonymous": 403}, 405),
]


@pytest.mark.parametrize(("role", "method", "url", "expected"), list(_cases(PAGE_ROWS, False)))
def test_pages(cast, role, method, url, expected):
    check_page(cast, role, method, url, expected)


@pytest.mark.parametrize(
    ("role", "method", "url", "expected", "body"), list(_cases(API_ROWS, True))
)
def test_api(cast, role, method, url, expected, body):
    check_api(cast, role, method, url, expected, body)
