"""Who may reach what: (role, method, url, expected status), for the pages and the API.

Objects outside a user's scope answer 404, so their existence does not leak. Adding an endpoint
means adding its rows here.
"""

import pytest
from django.test import Client

from tests.conftest import api_as

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "enterprise_user",
    "outsider",
    "staff",
    "manager",
    "other_staff",
    "official",
    "other_official",
    "partner",
    "admin",
]


def url_for(cast, template: str) -> str:
    return template.format(member=cast.member.pk, other_member=cast.other_member.pk)


# (url, {role: status}); roles not listed expect the `default`.
PAGE_ROWS = [
    ("/dashboard/", {"anonymous": 302}, 200),
    ("/enterprises/", {"anonymous": 302}, 200),
    (
        "/enterprises/{member}/",
        {"anonymous": 302, "outsider": 404, "other_staff": 404, "other_official": 404},
        200,
    ),
    (
        "/enterprises/{other_member}/",
        {
            "anonymous": 302,
            "enterprise_user": 404,
            "outsider": 404,
            "staff": 404,
            "manager": 404,
            "official": 404,
            "partner": 404,
        },
        200,
    ),
    ("/admin/", {"anonymous": 302, "admin": 200}, 302),
]

API_ROWS = [
    ("get", "/api/v1/me/", {"anonymous": 403}, 200),
    ("get", "/api/v1/regions/", {"anonymous": 403}, 200),
    ("get", "/api/v1/regions/440106/", {"anonymous": 403}, 200),
    ("post", "/api/v1/regions/", {"anonymous": 403}, 405),
    ("delete", "/api/v1/regions/440106/", {"anonymous": 403}, 405),
    ("get", "/api/v1/industries/C/", {"anonymous": 403}, 200),
    ("get", "/api/v1/enterprises/", {"anonymous": 403}, 200),
    (
        "get",
        "/api/v1/enterprises/{member}/",
        {"anonymous": 403, "outsider": 404, "other_staff": 404, "other_official": 404},
        200,
    ),
    (
        "get",
        "/api/v1/enterprises/{other_member}/",
        {
            "anonymous": 403,
            "enterprise_user": 404,
            "outsider": 404,
            "staff": 404,
            "manager": 404,
            "official": 404,
            "partner": 404,
        },
        200,
    ),
    ("get", "/api/v1/schema/", {}, 200),
]


def _cases(rows, with_method):
    for row in rows:
        if with_method:
            method, url, overrides, default = row
        else:
            method, (url, overrides, default) = "get", row
        for role in ROLES:
            yield pytest.param(
                role, method, url, overrides.get(role, default), id=f"{role}-{method}-{url}"
            )


@pytest.mark.parametrize(("role", "method", "url", "expected"), list(_cases(PAGE_ROWS, False)))
def test_pages(cast, role, method, url, expected):
    client = Client()
    user = cast.by_role(role)
    if user is not None:
        client.force_login(user)
    response = getattr(client, method)(url_for(cast, url))
    assert response.status_code == expected


@pytest.mark.parametrize(("role", "method", "url", "expected"), list(_cases(API_ROWS, True)))
def test_api(cast, role, method, url, expected):
    response = getattr(api_as(cast.by_role(role)), method)(url_for(cast, url))
    assert response.status_code == expected


def test_official_sees_enterprises_without_phone_numbers(cast):
    body = api_as(cast.official).get(f"/api/v1/enterprises/{cast.member.pk}/").json()
    assert body["contact_phone"] is None
    staff_view = api_as(cast.staff).get(f"/api/v1/enterprises/{cast.member.pk}/").json()
    assert staff_view["contact_phone"] == cast.member.contact_phone


def test_enterprise_lists_are_scoped(cast):
    def names(user):
        return {row["name"] for row in api_as(user).get("/api/v1/enterprises/").json()["results"]}

    assert names(cast.enterprise_user) == {cast.member.name}
    assert names(cast.staff) == {cast.member.name}
    assert names(cast.other_staff) == {cast.other_member.name}
    assert names(cast.official) == {cast.member.name}
    assert names(cast.outsider) == set()
    assert names(cast.admin) == {cast.member.name, cast.other_member.name}
