"""The permissions matrix of the webhook pages (the machinery of tests/test_permissions_matrix.py;
tests/core/test_no_inline_code.py opens every page row as each role). The API's rows are in
tests/integrations/test_api_matrix.py.

Webhooks are for managers, officials, partner accounts and admins (others: 403). An endpoint of
the cast association's partner account is seen and changed by who registered it (the manager),
its account (the partner) and admins; the officials, whose jurisdictions hold no such partner,
do not find it (404)."""

import pytest
from django.test import Client

from integrations import services
from integrations.models import Endpoint
from tests.test_permissions_matrix import OBJECTS, _cases, check_page, url_for

pytestmark = pytest.mark.django_db

# A public address given as such: checked without a DNS lookup, never connected to here.
PUBLIC_URL = "https://93.184.216.34/hooks"


def _endpoint(cast) -> int:
    return services.endpoint_register(
        actor=cast.manager, url=PUBLIC_URL, event_types=["*"], account=cast.partner
    ).pk


def _pinged_endpoint(cast) -> int:
    """An endpoint a test message may be sent to here: its address (put in the table, past the
    service's check) is loopback, which the outgoing guard refuses when connecting, at once."""
    pk = _endpoint(cast)
    Endpoint.objects.filter(pk=pk).update(url="http://127.0.0.1:9/hooks")
    return pk


OBJECTS.update({"page_endpoint": _endpoint, "pinged_endpoint": _pinged_endpoint})

SIGNED_IN = {"anonymous": 302}
NO_ROLE = dict.fromkeys(("enterprise_user", "outsider", "staff", "other_staff"), 403)
THEIRS = dict.fromkeys(("manager", "partner", "admin"), 200)
DONE = dict.fromkeys(THEIRS, 302)

PAGE_ROWS: list = [
    ("/webhooks/", {**SIGNED_IN, **NO_ROLE}, 200),
    ("/webhooks/new/", {**SIGNED_IN, **NO_ROLE}, 200),
    ("/webhooks/{page_endpoint}/", {**SIGNED_IN, **NO_ROLE, **THEIRS}, 404),
    ("/webhooks/{page_endpoint}/?status=failed", {**SIGNED_IN, **NO_ROLE, **THEIRS}, 404),
    ("/webhooks/{page_endpoint}/edit/", {}, 405),
    ("/webhooks/{page_endpoint}/ping/", {}, 405),
    ("/webhooks/{page_endpoint}/delete/", {}, 405),
]

EDIT = {"url": "https://93.184.216.35/hooks", "event_types": ["need.*"]}
RANGE = {"since": "2026-01-01T00:00", "until": "2026-02-01T00:00"}
ON_THE_ENDPOINT = {**SIGNED_IN, **NO_ROLE, **DONE}

POST_ROWS: list = [
    (
        "post",
        "/webhooks/new/",
        {**SIGNED_IN, **NO_ROLE},
        302,
        lambda user: {"url": PUBLIC_URL, "event_types": ["*"], "account": user.pk},
    ),
    ("post", "/webhooks/{page_endpoint}/edit/", ON_THE_ENDPOINT, 404, EDIT),
    ("post", "/webhooks/{page_endpoint}/switch/", ON_THE_ENDPOINT, 404, {"active": "off"}),
    ("post", "/webhooks/{page_endpoint}/rotate-secret/", ON_THE_ENDPOINT, 404, {"confirm": "yes"}),
    ("post", "/webhooks/{pinged_endpoint}/ping/", ON_THE_ENDPOINT, 404, {}),
    ("post", "/webhooks/{page_endpoint}/redeliver/", ON_THE_ENDPOINT, 404, RANGE),
    ("post", "/webhooks/{page_endpoint}/delete/", ON_THE_ENDPOINT, 404, {"confirm": "yes"}),
]


@pytest.mark.parametrize(("role", "method", "url", "expected"), list(_cases(PAGE_ROWS, False)))
def test_pages(cast, role, method, url, expected):
    check_page(cast, role, method, url, expected)


@pytest.mark.parametrize(
    ("role", "method", "url", "expected", "body"), list(_cases(POST_ROWS, True))
)
def test_posts(cast, role, method, url, expected, body):
    client = Client()
    user = cast.by_role(role)
    if user is not None:
        client.force_login(user)
    data = body(user) if callable(body) and user is not None else body
    response = client.post(url_for(cast, url), data if isinstance(data, dict) else {})
    assert response.status_code == expected, response.content[:300]
