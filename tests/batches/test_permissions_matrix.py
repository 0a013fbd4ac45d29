"""The permissions matrix of the follow-up lists behind the progress figures and their downloads:
the same machinery as tests/test_permissions_matrix.py (rows of role → expected status, 404 out
of scope, 403 for a role that may not open them at all). The batch and progress pages' own rows
are in that file."""

import pytest

from tests.test_permissions_matrix import _cases, check_page

pytestmark = pytest.mark.django_db

# Not for enterprises; the cast association's lists are for those who follow its progress, and
# staff or officials of another association or province find nothing.
NOT_ENTERPRISES = {"anonymous": 302, "enterprise_user": 403, "outsider": 403}
FOLLOWS_UP = NOT_ENTERPRISES | {"other_staff": 404, "other_official": 404}
LISTS = ("not-applied", "not-resumed")

PAGE_ROWS: list = [
    *(
        (f"/batches/follow-up/{name}/{params}", FOLLOWS_UP, 200)
        for name in LISTS
        for params in ("?batch={batch}", "?association={association}")
    ),
    *(
        (f"/batches/follow-up/{name}/export.{extension}{params}", FOLLOWS_UP, 200)
        for name in LISTS
        for extension in ("csv", "xlsx")
        for params in ("?batch={batch}", "?association={association}")
    ),
    # Without a batch or association: the user's first association's, each their own.
    *((f"/batches/follow-up/{name}/", NOT_ENTERPRISES, 200) for name in LISTS),
    # The other association's: its staff, the officials of its province and admins.
    *(
        (
            f"/batches/follow-up/{name}/?association={{other_association}}",
            NOT_ENTERPRISES | {"other_staff": 200, "other_official": 200, "admin": 200},
            404,
        )
        for name in LISTS
    ),
    (
        "/batches/follow-up/not-resumed/export.xlsx?batch={other_batch}",
        NOT_ENTERPRISES | {"other_staff": 200, "other_official": 200, "admin": 200},
        404,
    ),
]


@pytest.mark.parametrize(("role", "method", "url", "expected"), list(_cases(PAGE_ROWS, False)))
def test_pages(cast, role, method, url, expected):
    check_page(cast, role, method, url, expected)
