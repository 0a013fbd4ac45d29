"""The permissions matrix of complaints, pages and API: the machinery of
tests/test_permissions_matrix.py; tests/core/test_no_inline_code.py opens every page row as each
role."""

from datetime import date

import pytest
from django.utils import timezone

from market.models import Complaint, Pledge, PledgeSignature, PledgeVersion
from tests.test_permissions_matrix import OBJECTS, _cases, check_api, check_page

pytestmark = pytest.mark.django_db


def _complaint_in(status: str, *, about_other: bool = False):
    """A complaint by the outsider about the cast member (or, `about_other`, the other member),
    filed with its association, in `status`."""

    def make(cast) -> int:
        member = cast.other_member if about_other else cast.member
        return Complaint.objects.create(
            association=cast.other_association if about_other else cast.association,
            complainant=cast.outsider,
            respondent=member,
            respondent_name=member.name,
            respondent_region=member.region,
            category="price_gouging",
            what_happened="口罩加价十倍",
            happened_on=date(2020, 2, 3),
            place="药店",
            status=status,
            verify_by="2099-01-01",
            answer_by="2099-01-01",
            resolve_by="2099-01-01",
        ).pk

    return make


def _pledge_in(status: str, *, other: bool = False):
    def make(cast) -> int:
        pledge = Pledge.objects.create(
            association=cast.other_association if other else cast.association,
            title="稳价承诺",
            status=status,
            created_by=cast.other_staff if other else cast.staff,
        )
        PledgeVersion.objects.create(
            pledge=pledge,
            number=1,
            text="不哄抬价格",
            published_at=None if status == "draft" else timezone.now(),
        )
        return pledge.pk

    return make


def _signature(cast) -> int:
    pledge = Pledge.objects.get(pk=_pledge_in("published")(cast))
    return PledgeSignature.objects.create(
        pledge=pledge,
        version=pledge.versions.get(),
        enterprise=cast.member,
        signed_by=cast.enterprise_user,
        signer_name="王伟",
        signer_title="总经理",
    ).pk


OBJECTS.update(
    {
        "pledge": _pledge_in("published"),
        "draft_pledge": _pledge_in("draft"),
        "other_draft_pledge": _pledge_in("draft", other=True),
        "signature": _signature,
        "complaint": _complaint_in("submitted"),
        "investigated_complaint": _complaint_in("investigating"),
        "other_complaint": _complaint_in("submitted", about_other=True),
    }
)

# The complainant (the outsider), the member complained about, the association's side.
SEES_COMPLAINT_PAGE = {
    "anonymous": 302,
    "outsider": 200,
    "enterprise_user": 200,
    "staff": 200,
    "manager": 200,
    "partner": 200,
    "admin": 200,
    "official": 403,
    "other_official": 403,
}

PAGE_ROWS: list = [
    ("/complaints/", {"anonymous": 302, "official": 403, "other_official": 403}, 200),
    ("/complaints/new/", {"anonymous": 302}, 200),
    ("/complaints/{complaint}/", SEES_COMPLAINT_PAGE, 404),
    (
        "/complaints/{other_complaint}/",
        {"anonymous": 302, "outsider": 200, "other_staff": 200, "admin": 200}
        | {"official": 403, "other_official": 403},
        404,
    ),
    ("/complaints/{complaint}/triage/", {}, 405),
    # a published pledge and its signatories need no login
    ("/pledges/", {}, 200),
    ("/pledges/{pledge}/", {}, 200),
    ("/pledges/{draft_pledge}/", {"staff": 200, "manager": 200, "partner": 200, "admin": 200}, 404),
    ("/pledges/{other_draft_pledge}/", {"other_staff": 200, "admin": 200}, 404),
    (
        "/pledges/new/",
        {"anonymous": 302, "staff": 200, "manager": 200, "partner": 200, "other_staff": 200},
        403,
    ),
    (
        "/pledges/{draft_pledge}/edit/",
        {
            "anonymous": 302,
            "staff": 200,
            "manager": 200,
            "partner": 200,
            "admin": 200,
            "other_staff": 404,
        },
        403,
    ),
    ("/pledges/{pledge}/sign/", {}, 405),
]

HANDLES = {"staff": 200, "manager": 200, "partner": 200, "admin": 200, "other_staff": 404}
SEES = {**HANDLES, "outsider": 200, "enterprise_user": 200}
NOT_HANDLING = {"outsider": 403, "enterprise_user": 403}


def new_complaint(cast) -> dict:
    return {
        "respondent_name": cast.member.name,
        "respondent_credit_code": cast.member.uscc,
        "respondent_region": "440106",
        "category": "hoarding",
        "what_happened": "囤积消毒液",
        "happened_on": "2020-02-05",
        "place": "天河区",
    }


API_ROWS: list = [
    (
        "get",
        "/api/v1/complaints/",
        {"anonymous": 403, "official": 403, "other_official": 403},
        200,
    ),
    ("post", "/api/v1/complaints/", {"anonymous": 403}, 201, new_complaint),
    ("get", "/api/v1/complaints/{complaint}/", SEES, 403),
    ("get", "/api/v1/complaints/{complaint}/history/", SEES, 403),
    (
        "post",
        "/api/v1/complaints/{complaint}/triage/",
        {**HANDLES, **NOT_HANDLING},
        403,
        {"outcome": "accepted"},
    ),
    (
        "post",
        "/api/v1/complaints/{complaint}/triage/",
        {**dict.fromkeys(("staff", "manager", "partner", "admin"), 400), "other_staff": 404}
        | NOT_HANDLING,
        403,
        {"outcome": "outside_remit"},
    ),
    (
        "post",
        "/api/v1/complaints/{complaint}/start/",
        {**dict.fromkeys(("staff", "manager", "partner", "admin"), 409), "other_staff": 404}
        | NOT_HANDLING,
        403,
        {},
    ),
    (
        "post",
        "/api/v1/complaints/{investigated_complaint}/mediate/",
        {**HANDLES, **NOT_HANDLING},
        403,
        {},
    ),
    (
        "post",
        "/api/v1/complaints/{investigated_complaint}/decide/",
        {**HANDLES, **NOT_HANDLING},
        403,
        {"upheld": True, "decision": "属实"},
    ),
    (
        "post",
        "/api/v1/complaints/{investigated_complaint}/hand-off/",
        {**dict.fromkeys(("staff", "manager", "partner", "admin"), 201), "other_staff": 404}
        | NOT_HANDLING,
        403,
        {"department": "天河区市场监督管理局", "handed_on": "2020-02-06", "reference": "A-1"},
    ),
    (
        "post",
        "/api/v1/complaints/{complaint}/answer/",
        {"enterprise_user": 200, "outsider": 403, "other_staff": 404},
        403,
        {"answer": "进货价上涨"},
    ),
    (
        "post",
        "/api/v1/complaints/{complaint}/reopen/",
        dict.fromkeys(("outsider", "staff", "manager", "partner", "admin"), 409)
        | {"other_staff": 404},
        403,
        {"reason": "x"},
    ),
    ("delete", "/api/v1/complaints/{complaint}/", {"anonymous": 403}, 405),
    ("get", "/api/v1/pledges/", {"anonymous": 403}, 200),
    ("get", "/api/v1/pledges/{draft_pledge}/", {**HANDLES, "anonymous": 403}, 404),
    (
        "post",
        "/api/v1/pledges/",
        {"staff": 201, "manager": 201, "partner": 201, "other_staff": 201, "admin": 400},
        403,
        {"title": "明码标价承诺", "text": "明码标价"},
    ),
    ("post", "/api/v1/pledges/{draft_pledge}/publish/", HANDLES, 403, {}),
    (
        "post",
        "/api/v1/pledges/{pledge}/publish/",
        {**dict.fromkeys(("staff", "manager", "partner", "admin"), 409), "other_staff": 403},
        403,
        {},
    ),
    (
        "post",
        "/api/v1/pledges/{pledge}/revise/",
        {**HANDLES, "other_staff": 403},
        403,
        {"text": "新版本"},
    ),
    # members of the association sign; the outsider acts for no enterprise
    (
        "post",
        "/api/v1/pledges/{pledge}/sign/",
        {"enterprise_user": 201},
        403,
        {"signer_name": "王伟", "signer_title": "总经理"},
    ),
    (
        "post",
        "/api/v1/pledges/{draft_pledge}/sign/",
        {"enterprise_user": 404, "outsider": 404},
        403,
        {"signer_name": "王伟", "signer_title": "总经理"},
    ),
    ("get", "/api/v1/pledge-signatures/{signature}/", {"anonymous": 403}, 200),
    (
        "post",
        "/api/v1/pledge-signatures/{signature}/withdraw/",
        {"enterprise_user": 200},
        403,
        {"reason": "停业"},
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
