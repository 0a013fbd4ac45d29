"""The permissions matrix of relief schemes, batches and grants, pages and API (rows in
matrix_schemes.py; the machinery of tests/test_permissions_matrix.py)."""

import pytest

from tests.relief.matrix_schemes import API_ROWS, PAGE_ROWS
from tests.test_permissions_matrix import _cases, check_api, check_page

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("role", "method", "url", "expected"), list(_cases(PAGE_ROWS, False)))
def test_pages(cast, role, method, url, expected):
    check_page(cast, role, method, url, expected)


@pytest.mark.parametrize(
    ("role", "method", "url", "expected", "body"), list(_cases(API_ROWS, True))
)
def test_api(cast, role, method, url, expected, body):
    check_api(cast, role, method, url, expected, body)
