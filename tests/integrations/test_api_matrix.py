"""The permissions matrix of the change feed and the webhook endpoints' API (the machinery of
tests/test_permissions_matrix.py).

The feed is everyone's (each reads their own scope). Endpoints are for managers, officials,
partner accounts and admins (others: 403); an endpoint is seen by who registered it, its
account, its association's managers and admins (others with the right role: 404)."""

import pytest

from integrations import services
from tests.test_permissions_matrix import OBJECTS, _cases, check_api

pytestmark = pytest.mark.django_db

# A public address given as such: checked without a DNS lookup, never connected to here.
PUBLIC_URL = "https://93.184.216.34/hooks"


def _endpoint(cast) -> int:
    return services.endpoint_register(
        actor=cast.manager, url=PUBLIC_URL, event_types=["*"], account=cast.partner
    ).pk


OBJECTS.update({"api_endpoint": _endpoint})

API = "/api/v1/webhooks"
NO_ROLE = dict.fromkeys(("enterprise_user", "outsider", "staff", "other_staff"), 403)
THEIRS = {"manager": 200, "partner": 200, "admin": 200}
API_ROWS: list = [
    ("get", "/api/v1/events/", {"anonymous": 403}, 200, None),
    ("get", f"{API}/", {"anonymous": 403, **NO_ROLE}, 200, None),
    ("get", f"{API}/{{api_endpoint}}/", {"anonymous": 403, **NO_ROLE, **THEIRS}, 404, None),
    (
        "get",
        f"{API}/{{api_endpoint}}/deliveries/",
        {"anonymous": 403, **NO_ROLE, **THEIRS},
        404,
        None,
    ),
    (
        "post",
        f"{API}/{{api_endpoint}}/rotate-secret/",
        {"anonymous": 403, **NO_ROLE, **THEIRS},
        404,
        {},
    ),
    (
        "patch",
        f"{API}/{{api_endpoint}}/",
        {"anonymous": 403, **NO_ROLE, **THEIRS},
        404,
        {"description": "物流平台"},
    ),
    (
        "post",
        f"{API}/{{api_endpoint}}/redeliver/",
        {"anonymous": 403, **NO_ROLE, **dict.fromkeys(THEIRS, 400)},
        404,
        {},
    ),
    (
        "post",
        f"{API}/",
        {"anonymous": 403, **NO_ROLE},
        201,
        {"url": PUBLIC_URL, "event_types": ["need.*", "enterprise.left_scope"]},
    ),
    (
        "delete",
        f"{API}/{{api_endpoint}}/",
        {"anonymous": 403, **NO_ROLE, "manager": 204, "partner": 204, "admin": 204},
        404,
        None,
    ),
]


@pytest.mark.parametrize(
    ("role", "method", "url", "expected", "body"), list(_cases(API_ROWS, True))
)
def test_api(cast, role, method, url, expected, body):
    check_api(cast, role, method, url, expected, body)
