"""The permissions matrix of the notification centre: the machinery of
tests/test_permissions_matrix.py; tests/core/test_no_inline_code.py opens every page row as each
role.

Every signed-in role has a notification centre and preferences of its own. `{notification}` is
the cast enterprise user's: theirs to open, read and mark; to everyone else it does not exist
(404)."""

import pytest
from django.test import Client

from core.models import Notification
from tests.conftest import api_as
from tests.test_permissions_matrix import OBJECTS, _cases, check_api, check_page, url_for

pytestmark = pytest.mark.django_db


def _notification(cast) -> int:
    return Notification.objects.create(
        user=cast.enterprise_user,
        title="第一批复工：您的申请已批准",
        kind=Notification.Kind.DECISION,
        link="/applications/",
    ).pk


OBJECTS["notification"] = _notification

SIGNED_IN = {"anonymous": 302}
OWNER_ONLY = {"anonymous": 302, "enterprise_user": 302}
API_SIGNED_IN = {"anonymous": 403}

PAGE_ROWS: list = [
    ("/notifications/", SIGNED_IN, 200),
    ("/notifications/?kind=decision&status=unread", SIGNED_IN, 200),
    ("/notifications/preferences/", SIGNED_IN, 200),
    # opening marks it read and goes where it points
    ("/notifications/{notification}/open/", OWNER_ONLY, 404),
    ("/notifications/read-all/", SIGNED_IN, 405),
]


def preferences(cast) -> dict:
    return {kind: "daily" for kind in Notification.Kind.values if kind != "answer"}


POST_ROWS: list = [
    ("post", "/notifications/{notification}/read/", OWNER_ONLY, 404, {}),
    ("post", "/notifications/read-all/", SIGNED_IN, 302, {}),
    ("post", "/notifications/preferences/", SIGNED_IN, 302, preferences),
]

API_ROWS: list = [
    ("get", "/api/v1/notifications/", API_SIGNED_IN, 200),
    ("get", "/api/v1/notifications/?kind=decision&unread=true", API_SIGNED_IN, 200),
    (
        "get",
        "/api/v1/notifications/{notification}/",
        {**API_SIGNED_IN, "enterprise_user": 200},
        404,
    ),
    (
        "post",
        "/api/v1/notifications/{notification}/read/",
        {**API_SIGNED_IN, "enterprise_user": 200},
        404,
        {},
    ),
    ("post", "/api/v1/notifications/read-all/", API_SIGNED_IN, 200, {}),
    ("delete", "/api/v1/notifications/{notification}/", API_SIGNED_IN, 405),
    ("post", "/api/v1/notifications/", API_SIGNED_IN, 405, {}),
    ("get", "/api/v1/me/notification-preferences/", API_SIGNED_IN, 200),
    (
        "put",
        "/api/v1/me/notification-preferences/",
        API_SIGNED_IN,
        200,
        [{"kind": "need", "delivery": "daily"}],
    ),
    (
        "patch",
        "/api/v1/me/notification-preferences/",
        API_SIGNED_IN,
        200,
        [{"kind": "notice", "delivery": "none"}],
    ),
    ("post", "/api/v1/me/notification-preferences/", API_SIGNED_IN, 405, {}),
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
    data = body(cast) if callable(body) else (body or {})
    response = client.post(url_for(cast, url), data)
    assert response.status_code == expected, response.content[:300]


@pytest.mark.parametrize(
    ("role", "method", "url", "expected", "body"), list(_cases(API_ROWS, True))
)
def test_api(cast, role, method, url, expected, body):
    if isinstance(body, list):  # the preferences' body: a JSON list, which check_api cannot send
        response = getattr(api_as(cast.by_role(role)), method)(
            url_for(cast, url), body, format="json"
        )
        assert response.status_code == expected, response.content[:300]
        return
    check_api(cast, role, method, url, expected, body)
