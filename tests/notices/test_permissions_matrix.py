"""The permissions matrix of notices, pages and API: the machinery of
tests/test_permissions_matrix.py; tests/core/test_no_inline_code.py opens every page row as each
role.

A published notice is read by its association's side, by the users of its recipient enterprises
and by officials whose jurisdiction holds a recipient (others: 404); a draft by its
association's side only. Writing, publishing, reminding and the receipts are the association
side's (other roles: 403; another association: 404); signing is a recipient's."""

from datetime import date

import pytest
from django.test import Client

from notices import services
from tests.test_permissions_matrix import OBJECTS, _cases, check_api, check_page, url_for

pytestmark = pytest.mark.django_db


def _notice(*, other: bool = False, publish: bool = True, sign: bool = False):
    """A notice of the cast association (or, `other`, the other one) to all its members."""

    def make(cast) -> int:
        association = cast.other_association if other else cast.association
        staff = cast.other_staff if other else cast.staff
        data = {
            "title": "关于报送复工情况的通知",
            "body": "请于本周内报送。",
            "category": "resumption",
        }
        if sign:
            data |= {"needs_sign_off": True, "sign_by": date(2099, 1, 1)}
        notice = services.notice_create(actor=staff, association_id=association.pk, data=data)
        if publish:
            services.notice_publish(actor=staff, notice_id=notice.pk)
            services.write_recipients(notice.pk)
        return notice.pk

    return make


OBJECTS.update(
    {
        "notice": _notice(),
        "signing_notice": _notice(sign=True),
        "draft_notice": _notice(publish=False),
        "other_notice": _notice(other=True),
    }
)

SIGNED_IN = {"anonymous": 302}
WRITERS = {"staff": 200, "manager": 200, "partner": 200, "admin": 200}
# Who reads the published notice: its side, the member's user, the official of Guangdong.
READERS = {**SIGNED_IN, **WRITERS, "enterprise_user": 200, "official": 200}
NOT_WRITERS = dict.fromkeys(("enterprise_user", "outsider", "official", "other_official"), 403)

PAGE_ROWS: list = [
    ("/notices/", SIGNED_IN, 200),
    # an admin sends notices as no association of its own
    ("/notices/new/", {**SIGNED_IN, **WRITERS, "other_staff": 200, "admin": 403}, 403),
    ("/notices/{notice}/", READERS, 404),
    ("/notices/{signing_notice}/", READERS, 404),
    ("/notices/{draft_notice}/", {**SIGNED_IN, **WRITERS}, 404),
    (
        "/notices/{other_notice}/",
        {**SIGNED_IN, "other_staff": 200, "admin": 200, "other_official": 200},
        404,
    ),
    ("/notices/{draft_notice}/edit/", {**SIGNED_IN, **WRITERS, **NOT_WRITERS}, 404),
    ("/notices/{notice}/receipts/", {**SIGNED_IN, **WRITERS, **NOT_WRITERS}, 404),
    ("/notices/{notice}/publish/", {}, 405),
]

ACTS = dict.fromkeys(("staff", "manager", "partner", "admin"), 302)

POST_ROWS: list = [
    ("post", "/notices/{draft_notice}/publish/", {**SIGNED_IN, **ACTS}, 404, {}),
    (
        "post",
        "/notices/{notice}/remind/",
        {**SIGNED_IN, **ACTS, "enterprise_user": 403, "official": 403},
        404,
        {},
    ),
    # signing: only the recipient's user; the others who see the notice are refused
    (
        "post",
        "/notices/{signing_notice}/sign/",
        {**SIGNED_IN, **dict.fromkeys(WRITERS, 403), "official": 403, "enterprise_user": 302},
        404,
        {"reply": "已收到"},
    ),
    ("post", "/notices/{notice}/unknown/", SIGNED_IN, 404, {}),
]

API = "/api/v1/notices"
# Roles that never read or sign for an enterprise: refused before the notice is looked up.
NOT_SIGNERS = dict.fromkeys(
    ("staff", "manager", "partner", "admin", "other_staff", "official", "other_official"), 403
)
API_READERS = {**dict.fromkeys(WRITERS, 200), "enterprise_user": 200, "official": 200}
API_ROWS: list = [
    ("get", f"{API}/", {"anonymous": 403}, 200, None),
    ("get", f"{API}/{{notice}}/", {"anonymous": 403, **API_READERS}, 404, None),
    (
        "get",
        f"{API}/{{draft_notice}}/",
        {"anonymous": 403, **dict.fromkeys(WRITERS, 200)},
        404,
        None,
    ),
    (
        "get",
        f"{API}/{{notice}}/receipts/",
        {"anonymous": 403, **dict.fromkeys(WRITERS, 200), **NOT_WRITERS},
        404,
        None,
    ),
    (
        "post",
        f"{API}/{{notice}}/read/",
        {"anonymous": 403, "enterprise_user": 200, **NOT_SIGNERS},
        404,
        {},
    ),
    (
        "post",
        f"{API}/{{signing_notice}}/sign/",
        {"anonymous": 403, "enterprise_user": 200, **NOT_SIGNERS},
        404,
        {"reply": "已收到"},
    ),
    (
        "post",
        f"{API}/{{draft_notice}}/publish/",
        {"anonymous": 403, **dict.fromkeys(WRITERS, 200), **NOT_WRITERS},
        404,
        {},
    ),
    (
        "post",
        f"{API}/",
        # an admin works for no association in particular: it must say which (400)
        {"anonymous": 403, "admin": 400, **NOT_WRITERS},
        201,
        {"title": "防疫指引", "body": "请做好防疫。", "category": "prevention"},
    ),
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
