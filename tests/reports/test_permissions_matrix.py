"""The permissions matrix for demand reports: the same machinery as
tests/test_permissions_matrix.py (rows of role → expected status, 404 out of scope, 403 for a
role that may not act at all)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.reports.sample import queued_report, quiet_tasks, ready_report, submitted_report
from tests.test_permissions_matrix import OBJECTS, _cases, check_api, check_page

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_tasks(monkeypatch):
    quiet_tasks(monkeypatch)


# --- objects the rows refer to (added to the shared OBJECTS by name) ----------------------------

REPORT_OBJECTS: dict = {
    # the cast association's report of this week, ready for its staff to review
    "report_association": lambda cast: ready_report(association=cast.association).pk,
    # its report of last week, submitted: government sees it
    "report_submitted": lambda cast: submitted_report(cast, weeks_ago=1).pk,
    # its report of two weeks ago, not generated yet
    "report_queued": lambda cast: queued_report(association=cast.association, weeks_ago=2).pk,
    "report_other_association": lambda cast: ready_report(association=cast.other_association).pk,
    "report_guangdong": lambda cast: ready_report(region_id="440000").pk,
    "report_zhejiang": lambda cast: ready_report(region_id="330000").pk,
}
OBJECTS.update(REPORT_OBJECTS)

# --- the pages: (url, {role: status}, default) ---------------------------------------------------

# Roles without reports: sent to log in, or refused.
PAGE_NO_REPORTS = {"anonymous": 302, "enterprise_user": 403, "outsider": 403}
# The cast association's side: its staff, manager, bound partner, and admins.
PAGE_ASSOCIATION_SIDE = {"staff": 200, "manager": 200, "partner": 200, "admin": 200}

PAGE_ROWS: list = [
    ("/reports/", PAGE_NO_REPORTS, 200),
    (
        "/reports/completeness/",
        {"anonymous": 302, "official": 200, "other_official": 200, "admin": 200},
        403,
    ),
    # Asking, reviewing and correcting are forms posted from the pages: nothing to GET.
    ("/reports/request/", {}, 405),
    ("/reports/{report_association}/submit/", {}, 405),
    # A draft: the association's side only (officials see association reports once submitted).
    ("/reports/{report_association}/", PAGE_NO_REPORTS | PAGE_ASSOCIATION_SIDE, 404),
    ("/reports/{report_association}/progress/", PAGE_NO_REPORTS | PAGE_ASSOCIATION_SIDE, 404),
    ("/reports/{report_association}/download.csv", PAGE_NO_REPORTS | PAGE_ASSOCIATION_SIDE, 404),
    ("/reports/{report_association}/download.docx", PAGE_NO_REPORTS, 404),
    (
        "/reports/{report_submitted}/",
        PAGE_NO_REPORTS | PAGE_ASSOCIATION_SIDE | {"official": 200},
        404,
    ),
    (
        "/reports/{report_submitted}/download.pdf",
        PAGE_NO_REPORTS | PAGE_ASSOCIATION_SIDE | {"official": 200},
        404,
    ),
    (
        "/reports/{report_other_association}/",
        PAGE_NO_REPORTS | {"other_staff": 200, "admin": 200},
        404,
    ),
    (
        "/reports/{report_guangdong}/download.xlsx",
        PAGE_NO_REPORTS | {"official": 200, "admin": 200},
        404,
    ),
    ("/reports/{report_zhejiang}/", PAGE_NO_REPORTS | {"other_official": 200, "admin": 200}, 404),
    # What a figure counts: for those who may read the report.
    (
        "/reports/{report_association}/figures/members/",
        PAGE_NO_REPORTS | PAGE_ASSOCIATION_SIDE,
        404,
    ),
    (
        "/reports/{report_submitted}/figures/open/",
        PAGE_NO_REPORTS | PAGE_ASSOCIATION_SIDE | {"official": 200},
        404,
    ),
    (
        "/reports/{report_guangdong}/figures/new/",
        PAGE_NO_REPORTS | {"official": 200, "admin": 200},
        404,
    ),
    ("/reports/{report_association}/figures/rate/", PAGE_NO_REPORTS, 404),  # no list behind it
    ("/reports/{report_queued}/figures/members/", PAGE_NO_REPORTS, 404),  # no figures yet
    # Not generated yet: its page shows the progress; a download sends back to it.
    ("/reports/{report_queued}/", PAGE_NO_REPORTS | PAGE_ASSOCIATION_SIDE, 404),
    (
        "/reports/{report_queued}/download.csv",
        PAGE_NO_REPORTS | {"staff": 302, "manager": 302, "partner": 302, "admin": 302},
        404,
    ),
]

# --- the API: (method, url, {role: status}, default[, body]) -------------------------------------

# Roles that may not touch reports at all.
NO_REPORTS = {"anonymous": 403, "enterprise_user": 403, "outsider": 403}
# The cast association's side: its staff, manager, bound partner, and admins.
ASSOCIATION_SIDE = {"staff": 200, "manager": 200, "partner": 200, "admin": 200}
# Reviewing is for the association's side; officials may not, other staff do not see it.
REVIEWS = NO_REPORTS | {"official": 403, "other_official": 403}


def _yesterday() -> str:
    return (timezone.localdate() - timedelta(days=1)).isoformat()


def ask_for_the_association(cast) -> dict:
    return {"period_type": "day", "day": _yesterday(), "association": cast.association.pk}


def ask_for_guangdong(cast) -> dict:
    return {"period_type": "day", "day": _yesterday(), "region": "440000"}


API_ROWS: list = [
    ("get", "/api/v1/reports/", NO_REPORTS, 200),
    ("get", "/api/v1/reports/{report_association}/", NO_REPORTS | ASSOCIATION_SIDE, 404),
    ("get", "/api/v1/reports/{report_association}/history/", NO_REPORTS | ASSOCIATION_SIDE, 404),
    (
        "get",
        "/api/v1/reports/{report_association}/download/?format=csv",
        NO_REPORTS | ASSOCIATION_SIDE,
        404,
    ),
    # Submitted: the officials of its province see it too.
    (
        "get",
        "/api/v1/reports/{report_submitted}/download/?format=pdf",
        NO_REPORTS | ASSOCIATION_SIDE | {"official": 200},
        404,
    ),
    (
        "get",
        "/api/v1/reports/{report_other_association}/",
        NO_REPORTS | {"other_staff": 200, "admin": 200},
        404,
    ),
    (
        "get",
        "/api/v1/reports/{report_guangdong}/download/?format=xlsx",
        NO_REPORTS | {"official": 200, "admin": 200},
        404,
    ),
    (
        "get",
        "/api/v1/reports/{report_zhejiang}/",
        NO_REPORTS | {"other_official": 200, "admin": 200},
        404,
    ),
    # Not generated yet: nothing to download.
    (
        "get",
        "/api/v1/reports/{report_queued}/download/?format=csv",
        NO_REPORTS | {"staff": 409, "manager": 409, "partner": 409, "admin": 409},
        404,
    ),
    (
        "get",
        "/api/v1/reports/{report_association}/download/?format=docx",
        NO_REPORTS | {"staff": 400, "manager": 400, "partner": 400, "admin": 400},
        404,
    ),
    # Asking for a report: staff on their association, officials on their jurisdiction.
    (
        "post",
        "/api/v1/reports/",
        NO_REPORTS
        | {"staff": 202, "manager": 202, "partner": 202, "admin": 202, "other_staff": 403},
        400,  # officials ask on regions, not associations
        ask_for_the_association,
    ),
    (
        "post",
        "/api/v1/reports/",
        NO_REPORTS | {"official": 202, "admin": 202},
        400,  # staff: which association? other official: outside the jurisdiction
        ask_for_guangdong,
    ),
    # The association's review.
    (
        "post",
        "/api/v1/reports/{report_association}/remarks/",
        REVIEWS | ASSOCIATION_SIDE,
        404,
        {"remarks": "本周进展顺利"},
    ),
    (
        "post",
        "/api/v1/reports/{report_association}/submit/",
        REVIEWS | ASSOCIATION_SIDE,
        404,
        {},
    ),
    (
        "post",
        "/api/v1/reports/{report_submitted}/submit/",
        REVIEWS | {"staff": 409, "manager": 409, "partner": 409, "admin": 409},
        404,
        {},
    ),
    (
        "post",
        "/api/v1/reports/{report_submitted}/revise/",
        REVIEWS | {"staff": 201, "manager": 201, "partner": 201, "admin": 201},
        404,
        {"reason": "漏报一家企业"},
    ),
    (
        "post",
        "/api/v1/reports/{report_guangdong}/remarks/",
        REVIEWS | {"admin": 403},  # a report on a region has no association to review it
        404,
        {"remarks": "—"},
    ),
    ("delete", "/api/v1/reports/{report_association}/", {"anonymous": 403}, 405),
    # Completeness: for government.
    (
        "get",
        "/api/v1/reports/completeness/?period_type=week&day=2020-02-10",
        {"official": 200, "other_official": 200, "admin": 200},
        403,
    ),
]


@pytest.mark.parametrize(("role", "method", "url", "expected"), list(_cases(PAGE_ROWS, False)))
def test_pages(cast, role, method, url, expected):
    check_page(cast, role, method, url, expected)


@pytest.mark.parametrize(
    ("role", "method", "url", "expected", "body"), list(_cases(API_ROWS, True))
)
def test_api(cast, role, method, url, expected, body):
    check_api(cast, role, method, url, expected, body)
