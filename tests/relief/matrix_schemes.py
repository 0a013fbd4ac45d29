"""Permissions matrix rows of relief, schemes and grants: pages in PAGE_ROWS, API in API_ROWS
(the tests that run them live in test_matrix_schemes.py)."""

from datetime import date
from decimal import Decimal

from relief.models import ReliefGrant, ReliefGrantBatch, ReliefScheme
from tests.test_permissions_matrix import OBJECTS


def _scheme(cast, *, other: bool = False) -> ReliefScheme:
    return ReliefScheme.objects.create(
        association=cast.other_association if other else cast.association,
        name="会费全免",
        kind="dues_full",
        grades=["severe"],
        budget=Decimal("10000.00"),
        amount_per_grant=Decimal("1000.00"),
        active_from=date(2026, 1, 1),
        active_to=date(2099, 12, 31),
    )


def _batch(status: str, *, grant_status: str):
    def make(cast) -> ReliefGrant:
        scheme = _scheme(cast)
        batch = ReliefGrantBatch.objects.create(
            scheme=scheme, status=status, proposed_by=cast.staff
        )
        return ReliefGrant.objects.create(
            batch=batch,
            scheme=scheme,
            enterprise=cast.member,
            amount=scheme.amount_per_grant,
            status=grant_status,
        )

    return make


OBJECTS.update(
    {
        "scheme": lambda cast: _scheme(cast).pk,
        "other_scheme": lambda cast: _scheme(cast, other=True).pk,
        "proposed_batch": lambda cast: _batch("proposed", grant_status="proposed")(cast).batch_id,
        "held_grant": lambda cast: _batch("approved", grant_status="granted")(cast).pk,
    }
)

# The association's side reads and keeps schemes; enterprise users read their own relief.
SIDE = {"anonymous": 302, "staff": 200, "manager": 200, "partner": 200, "admin": 200}

PAGE_ROWS: list = [
    ("/relief/", SIDE | {"other_staff": 200, "enterprise_user": 302, "outsider": 302}, 403),
    ("/relief/mine/", SIDE | {"other_staff": 200, "enterprise_user": 200, "outsider": 200}, 403),
    ("/relief/ledger.csv", SIDE | {"other_staff": 200}, 403),
    ("/relief/schemes/new/", SIDE | {"other_staff": 200, "admin": 403}, 403),
    ("/relief/schemes/{scheme}/", SIDE | {"other_staff": 404}, 403),
    ("/relief/schemes/{scheme}/edit/", SIDE | {"other_staff": 404}, 403),
    (
        "/relief/schemes/{other_scheme}/",
        {"anonymous": 302, "other_staff": 200, "admin": 200}
        | dict.fromkeys(("staff", "manager", "partner"), 404),
        403,
    ),
    ("/relief/schemes/{scheme}/propose/", {}, 405),
    ("/relief/batches/{proposed_batch}/approve/", {}, 405),
]
HANDLES = {"staff": 200, "manager": 200, "partner": 200, "admin": 200, "other_staff": 404}
DECIDES = {"manager": 200, "admin": 200, "other_staff": 403}


def new_scheme(cast) -> dict:
    return {
        "name": "贷款贴息",
        "kind": "loan",
        "grades": ["severe", "moderate"],
        "budget": "50000.00",
        "amount_per_grant": "5000.00",
        "active_from": "2026-01-01",
        "active_to": "2099-12-31",
        "regions": ["440000"],
        "industries": ["C"],
    }


API_ROWS: list = [
    ("get", "/api/v1/relief-schemes/", {**HANDLES, "other_staff": 200}, 403),
    ("get", "/api/v1/relief-schemes/{scheme}/", HANDLES, 403),
    ("get", "/api/v1/relief-schemes/{scheme}/eligible/", HANDLES, 403),
    (
        "post",
        "/api/v1/relief-schemes/",
        {"staff": 201, "manager": 201, "partner": 201, "other_staff": 201, "admin": 400},
        403,
        new_scheme,
    ),
    ("patch", "/api/v1/relief-schemes/{scheme}/", HANDLES, 403, {"budget": "20000.00"}),
    (
        "get",
        "/api/v1/relief-grants/",
        {**HANDLES, "other_staff": 200, "enterprise_user": 200, "outsider": 200},
        403,
    ),
    (
        "get",
        "/api/v1/relief-grants/{held_grant}/",
        {**HANDLES, "enterprise_user": 200, "outsider": 404},
        403,
    ),
    (
        "post",
        "/api/v1/relief-grants/approve-batch/",
        # the cast member is not assessed: the batch is legal to decide, the grant holds
        {**DECIDES, "other_staff": 403},
        403,
        lambda cast: {"batch": OBJECTS["proposed_batch"](cast)},
    ),
    (
        "post",
        "/api/v1/relief-grants/{held_grant}/revoke/",
        {**DECIDES},
        403,
        {"reason": "已恢复经营"},
    ),
    (
        "post",
        "/api/v1/relief-grants/",
        {"staff": 400, "manager": 400, "partner": 400, "admin": 400, "other_staff": 404},
        403,
        lambda cast: {"scheme": OBJECTS["scheme"](cast), "enterprises": [cast.member.pk]},
    ),
]
