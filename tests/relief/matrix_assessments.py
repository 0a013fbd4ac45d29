"""Permissions matrix rows of relief, assessments: pages in PAGE_ROWS, API in API_ROWS (the
tests that run them live in test_matrix_assessments.py).

The cast member (Guangzhou, inside the official's Guangdong) has a requested assessment
(`assessment`, with a piece of evidence `evidence`) and an assessed, severe one
(`assessed_assessment`) in the cast association; the other member (Hangzhou) a requested one
in the other association (`other_assessment`, evidence `other_evidence`)."""

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.attachments import attach, attachments_of
from relief.models import HardshipAssessment
from tests.test_permissions_matrix import OBJECTS

PDF = b"%PDF-1.4\n%%EOF\n"


def _assessment_in(status: str, *, other: bool = False):
    """The cast member's assessment (or, `other`, the other member's) in `status`; the same one
    however often a row's URL names it."""

    def make(cast) -> int:
        assessed = status == HardshipAssessment.Status.ASSESSED
        found, _ = HardshipAssessment.objects.get_or_create(
            enterprise=cast.other_member if other else cast.member,
            association=cast.other_association if other else cast.association,
            period=date(2026, 2, 1) if assessed else date(2026, 3, 1),
            status=status,
            defaults={
                "revenue_drop_percent": 60,
                "months_of_cash": 1,
                "cause": HardshipAssessment.Cause.EPIDEMIC,
                "computed_grade": "severe",
                "grade": "severe" if assessed else "",
                "valid_until": timezone.localdate() + timedelta(days=90) if assessed else None,
                "requested_by": cast.enterprise_user,
            },
        )
        return found.pk

    return make


def _evidence_of(name: str):
    def make(cast) -> int:
        assessment = HardshipAssessment.objects.get(pk=OBJECTS[name](cast))
        stored = attachments_of(assessment).first()
        if stored is None:
            [stored] = attach(
                assessment, [SimpleUploadedFile("账本.pdf", PDF)], actor=cast.enterprise_user
            )
        return stored.pk

    return make


OBJECTS.update(
    {
        "assessment": _assessment_in("requested"),
        "assessed_assessment": _assessment_in("assessed"),
        "other_assessment": _assessment_in("requested", other=True),
        "evidence": _evidence_of("assessment"),
        "other_evidence": _evidence_of("other_assessment"),
    }
)

IN = {"anonymous": 302}
STAFF_SIDE_PAGE = {"staff": 200, "manager": 200, "partner": 200, "admin": 200}
SEES_PAGE = {
    "anonymous": 302,
    "enterprise_user": 200,
    **STAFF_SIDE_PAGE,
}
OTHER_PAGE = {"anonymous": 302, "other_staff": 200, "admin": 200}
HARDEST_HIT_PAGE = {
    "anonymous": 302,
    **STAFF_SIDE_PAGE,
    "other_staff": 200,
    "official": 200,
    "other_official": 200,
}

PAGE_ROWS: list = [
    # officials read no assessment by name: their page is the hardest-hit list
    ("/relief/assessments/", IN | {"official": 302, "other_official": 302}, 200),
    ("/relief/assessments/ask/", IN | {"enterprise_user": 200, "outsider": 200}, 403),
    ("/relief/assessments/record/", IN | STAFF_SIDE_PAGE | {"other_staff": 200}, 403),
    ("/relief/assessments/{assessment}/", SEES_PAGE, 404),
    ("/relief/assessments/{assessed_assessment}/", SEES_PAGE, 404),
    ("/relief/assessments/{other_assessment}/", OTHER_PAGE, 404),
    ("/relief/assessments/{assessment}/attachments/{evidence}/", SEES_PAGE, 404),
    ("/relief/assessments/{other_assessment}/attachments/{other_evidence}/", OTHER_PAGE, 404),
    # another assessment's evidence through this one's address
    ("/relief/assessments/{assessment}/attachments/{other_evidence}/", IN, 404),
    # actions are POSTs only
    ("/relief/assessments/{assessment}/assess/", {}, 405),
    ("/relief/hardest-hit/", HARDEST_HIT_PAGE, 403),
    ("/relief/hardest-hit.csv", HARDEST_HIT_PAGE, 403),
    ("/relief/hardest-hit.xlsx", HARDEST_HIT_PAGE, 403),
    (
        "/relief/hardest-hit/?association={other_association}",
        HARDEST_HIT_PAGE
        | {
            "staff": 404,
            "manager": 404,
            "partner": 404,
            "admin": 404,  # not on the admin's list: the other association has no severe member
            "other_staff": 200,
            "official": 404,
            "other_official": 404,
        },
        403,
    ),
]

HANDLES = {"staff": 200, "manager": 200, "partner": 200, "admin": 200, "other_staff": 404}
ASKS = {"enterprise_user": 200, "outsider": 404}
SEES = {**HANDLES, **ASKS, "official": 404, "other_official": 404}
CONFLICT = {"staff": 409, "manager": 409, "partner": 409, "admin": 409, "other_staff": 404}
FAR = (date.today() + timedelta(days=365)).isoformat()


def new_request(cast) -> dict:
    return {
        "association": cast.association.pk,
        "period": timezone.localdate().replace(day=1).isoformat(),
        "revenue_drop_percent": "35.5",
        "months_of_cash": "3",
        "cause": "flood",
    }


def new_record(cast) -> dict:
    return {
        **new_request(cast),
        "enterprise": cast.member.pk,
        "valid_until": FAR,
        "grade": "severe",
        "reason": "主要客户停产",
    }


def evidence(cast) -> dict:
    return {"attachments": SimpleUploadedFile("照片.pdf", PDF)}


API = "/api/v1/hardship-assessments"
API_ROWS: list = [
    ("get", f"{API}/", {"anonymous": 403}, 200),
    ("get", f"{API}/{{assessment}}/", SEES, 403),
    ("get", f"{API}/{{assessment}}/history/", SEES, 403),
    ("get", f"{API}/{{assessment}}/attachments/", SEES, 403),
    ("get", f"{API}/{{assessment}}/attachments/{{evidence}}/", SEES, 403),
    (
        "get",
        f"{API}/{{other_assessment}}/",
        {"other_staff": 200, "admin": 200, "anonymous": 403},
        404,
    ),
    (
        "get",
        f"{API}/{{assessment}}/attachments/{{other_evidence}}/",
        {"anonymous": 403},
        404,
    ),
    # an enterprise user asks; staff must name the enterprise they record for
    (
        "post",
        f"{API}/",
        {
            "enterprise_user": 201,
            "outsider": 400,
            "staff": 400,
            "manager": 400,
            "partner": 400,
            "admin": 400,
            "other_staff": 400,
        },
        403,
        new_request,
    ),
    (
        "post",
        f"{API}/",
        # the enterprise user names its own enterprise: asked, the grade is not theirs to give
        {
            "enterprise_user": 201,
            "outsider": 400,
            "staff": 201,
            "manager": 201,
            "partner": 201,
            "admin": 201,
        },
        403,
        new_record,
    ),
    ("post", f"{API}/{{assessment}}/assess/", HANDLES, 403, {"valid_until": FAR}),
    ("post", f"{API}/{{assessed_assessment}}/assess/", CONFLICT, 403, {"valid_until": FAR}),
    ("post", f"{API}/{{assessment}}/refuse/", HANDLES, 403, {"reason": "材料不全"}),
    ("post", f"{API}/{{assessed_assessment}}/refuse/", CONFLICT, 403, {"reason": "材料不全"}),
    (
        "post",
        f"{API}/{{assessment}}/attachments/",
        {**SEES, "anonymous": 403},
        403,
        evidence,
    ),
    (
        "post",
        f"{API}/{{assessed_assessment}}/attachments/",
        {**SEES, "enterprise_user": 409, "anonymous": 403},
        403,
        evidence,
    ),
    (
        "get",
        f"{API}/hardest-hit/",
        {**dict.fromkeys(HANDLES, 200), "official": 200, "other_official": 200},
        403,
    ),
    ("delete", f"{API}/{{assessment}}/", {"anonymous": 403}, 405),
]
