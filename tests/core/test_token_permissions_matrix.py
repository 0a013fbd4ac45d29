"""The permissions matrix of API tokens (the machinery of tests/test_permissions_matrix.py);
tests/core/test_no_inline_code.py opens every page row as each role.

Every signed-in role manages its own tokens. `{partner_token}` is the cast partner's: the
partner, the cast association's manager and admins see and revoke it; to everyone else it does
not exist (404). `{staff_token}` is the cast staff member's own: no manager's business."""

import pytest
from django.test import Client

from core.tokens import token_create
from tests.conftest import api_as
from tests.test_permissions_matrix import OBJECTS, _cases, check_api, check_page, url_for

pytestmark = pytest.mark.django_db


def _token_of(role: str):
    def make(cast) -> int:
        user = getattr(cast, role)
        token, _key = token_create(actor=user, name=f"{role} system")
        return token.pk

    return make


OBJECTS["partner_token"] = _token_of("partner")
OBJECTS["staff_token"] = _token_of("staff")

SIGNED_IN = {"anonymous": 302}
API_SIGNED_IN = {"anonymous": 403}
# Who manages the cast partner's tokens: the partner, its association's manager, admins.
PARTNER_TOKEN = {"partner": 200, "manager": 200, "admin": 200}
PAGE_REVOKES = {"anonymous": 302, "partner": 302, "manager": 302, "admin": 302}

PAGE_ROWS: list = [
    # First, so that the page below lists a token when the inline-code checks open it.
    ("/account/tokens/{partner_token}/revoke/", {}, 405),
    ("/account/tokens/", SIGNED_IN, 200),
]

POST_ROWS: list = [
    # the page's own form: a token of one's own, its key on the answer
    ("post", "/account/tokens/", SIGNED_IN, 200, {"name": "ERP", "access": "read", "days": "90"}),
    ("post", "/account/tokens/{partner_token}/revoke/", PAGE_REVOKES, 404, {"confirm": "yes"}),
    (
        "post",
        "/account/tokens/{staff_token}/revoke/",
        PAGE_REVOKES | {"partner": 404, "manager": 404, "staff": 302},
        404,
        {"confirm": "yes"},
    ),
]


def for_the_partner(cast) -> dict:
    return {"name": "made for the partner", "user": cast.partner.pk}


API_ROWS: list = [
    ("get", "/api/v1/tokens/", API_SIGNED_IN, 200),
    ("get", "/api/v1/tokens/?active=false", API_SIGNED_IN, 200),
    ("post", "/api/v1/tokens/", API_SIGNED_IN, 201, {"name": "ERP", "access": "read"}),
    # for a partner account: the partner itself, its association's manager, admins
    (
        "post",
        "/api/v1/tokens/",
        {"anonymous": 403, "partner": 201, "manager": 201, "admin": 201},
        400,
        for_the_partner,
    ),
    ("get", "/api/v1/tokens/{partner_token}/", API_SIGNED_IN | PARTNER_TOKEN, 404),
    (
        "delete",
        "/api/v1/tokens/{partner_token}/",
        {"anonymous": 403, "partner": 204, "manager": 204, "admin": 204},
        404,
    ),
    (
        "delete",
        "/api/v1/tokens/{staff_token}/",
        {"anonymous": 403, "staff": 204, "admin": 204},
        404,
    ),
    ("patch", "/api/v1/tokens/{partner_token}/", API_SIGNED_IN, 405, {"name": "renamed"}),
    ("put", "/api/v1/tokens/{partner_token}/", API_SIGNED_IN, 405, {"name": "renamed"}),
    # signing out revokes the token the request is sent with; a session has none to revoke
    ("delete", "/api/v1/auth/token/", API_SIGNED_IN, 400),
    ("get", "/api/v1/auth/token/", {}, 405),
]


@pytest.mark.parametrize(("role", "method", "url", "expected"), list(_cases(PAGE_ROWS, False)))
def test_pages(cast, role, method, url, expected):
    check_page(cast, role, method, url, expected)


@pytest.mark.parametrize(
    ("role", "method", "url", "expected", "body"), list(_cases(POST_ROWS, True))
)
def test_posts(cast, role, method, url, expected, body):
    client = Client()
    if (user := cast.by_role(role)) is not None:
        client.force_login(user)
    response = client.post(url_for(cast, url), body or {})
    assert response.status_code == expected, response.content[:300]


@pytest.mark.parametrize(
    ("role", "method", "url", "expected", "body"), list(_cases(API_ROWS, True))
)
def test_api(cast, role, method, url, expected, body):
    check_api(cast, role, method, url, expected, body)


def test_a_signed_in_role_reaches_its_own_tokens(cast):
    for role in ("enterprise_user", "official", "outsider"):
        user = cast.by_role(role)
        token, _key = token_create(actor=user, name="own")
        assert api_as(user).delete(f"/api/v1/tokens/{token.pk}/").status_code == 204
