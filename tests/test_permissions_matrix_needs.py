"""The permissions matrix for needs, offers and the supply catalogue: the same machinery as
tests/test_permissions_matrix.py (rows of role → expected status, 404 out of scope, 403 for a
role that may not act at all)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.conftest import api_as
from tests.test_permissions_matrix import OBJECTS, _cases, url_for

pytestmark = pytest.mark.django_db

# --- objects the rows refer to (added to the shared OBJECTS by name) ----------------------------

NEED_OBJECTS: dict = {}
OBJECTS.update(NEED_OBJECTS)

# --- the pages: (url, {role: status}, default) ---------------------------------------------------

PAGE_ROWS: list = []

# --- the API: (method, url, {role: status}, default[, body]) -------------------------------------

API_ROWS: list = []


@pytest.mark.parametrize(("role", "method", "url", "expected"), list(_cases(PAGE_ROWS, False)))
def test_pages(cast, role, method, url, expected):
    client = Client()
    user = cast.by_role(role)
    if user is not None:
        client.force_login(user)
    response = getattr(client, method)(url_for(cast, url))
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("role", "method", "url", "expected", "body"), list(_cases(API_ROWS, True))
)
def test_api(cast, role, method, url, expected, body):
    client = api_as(cast.by_role(role))
    path = url_for(cast, url)
    if body is None:
        response = getattr(client, method)(path)
    else:
        data = body(cast) if callable(body) else body
        uploads = any(isinstance(value, SimpleUploadedFile) for value in data.values())
        response = getattr(client, method)(path, data, format="multipart" if uploads else "json")
    assert response.status_code == expected, response.content[:300]
