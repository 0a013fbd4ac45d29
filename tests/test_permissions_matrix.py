"""Who may reach what: (role, method, url, expected status), for the pages and the API.

Objects outside a user's scope answer 404, so their existence does not leak; a role that may not
perform the action at all answers 403. Adding an endpoint means adding its rows here.

URLs name the objects they need in braces. `{member}`, `{association}` … are the cast's own;
`{pending}`, `{claim}` … are made for the row when it names them (see OBJECTS). A row that writes
carries a body: a dict, or a function of the cast for values that must be fresh (credit codes).
An expectation the system does not meet yet is written `broken(status, reason)`: the case runs as
a strict xfail, so it turns red the day the system is fixed and the mark must go.
"""

import csv
import io
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from associations.models import Membership
from batches.models import Application, Batch
from core.models import set_links
from enterprises.models import EnterpriseClaim, ImportJob
from tests.conftest import api_as
from tests.factories import EnterpriseFactory, MembershipFactory, staff_of, valid_uscc
from tests.matrix import ROLES

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Broken:
    status: int
    reason: str


def broken(status: int, reason: str) -> Broken:
    """The status a correct system answers, which this one does not (yet)."""
    return Broken(status, reason)


# --- objects the rows refer to --------------------------------------------------------------


def _membership(cast) -> int:
    return Membership.objects.get(association=cast.association, enterprise=cast.member).pk


def _membership_in_status(status: str):
    """A membership of a new Guangzhou enterprise in the cast association, in `status`."""

    def make(cast) -> int:
        enterprise = EnterpriseFactory(region_id="440106")
        return MembershipFactory(
            enterprise=enterprise, association=cast.association, status=status
        ).pk

    return make


def _claim(cast) -> int:
    """The outsider asks to act for the cast member (which has a user of its own)."""
    return EnterpriseClaim.objects.create(user=cast.outsider, enterprise=cast.member).pk


def _without_users(cast) -> int:
    """A Guangzhou member of the cast association, registered by it, with no users of its own:
    the association keeps its record (the cast member's is kept by its own user)."""
    enterprise = EnterpriseFactory(region_id="440106")
    MembershipFactory(enterprise=enterprise, association=cast.association)
    return enterprise.pk


def _claim_without_users(cast) -> int:
    """The outsider asks to act for a member of the cast association that has no users."""
    return EnterpriseClaim.objects.create(user=cast.outsider, enterprise_id=_without_users(cast)).pk


def _invitee(cast) -> int:
    """Staff invited to the cast association who have not set a password yet."""
    return staff_of(
        cast.association, username="invitee", email="invitee@example.org", password=None
    ).pk


def _import_job(cast) -> int:
    return ImportJob.objects.create(
        association=cast.association,
        created_by=cast.staff,
        file_name="members.csv",
        content=b"",
        status=ImportJob.Status.SUCCEEDED,
    ).pk


def _batch_in_status(status: str, *, other: bool = False):
    """A batch taking applications now, for manufacturing (section C) in the province of the
    cast association (or, `other`, of the other association), in `status`."""

    def make(cast) -> int:
        association = cast.other_association if other else cast.association
        now = timezone.now()
        batch = Batch.objects.create(
            association=association,
            name="第一批复工",
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=14),
            planned_start=timezone.localdate() + timedelta(days=20),
            capacity=10,
            status=status,
            created_by=cast.other_staff if other else cast.staff,
        )
        set_links(batch, "regions", ["330000" if other else "440000"])
        set_links(batch, "industries", ["C"])
        return batch.pk

    return make


def _application_in_status(status: str, *, other: bool = False):
    """The cast member's application (or, `other`, the other member's) to an open batch of its
    association, in `status`."""

    def make(cast) -> int:
        now = timezone.now()
        handed_in = status != Application.Status.DRAFT
        return Application.objects.create(
            batch_id=_batch_in_status(Batch.Status.OPEN, other=other)(cast),
            enterprise=cast.other_member if other else cast.member,
            status=status,
            planned_date=timezone.localdate() + timedelta(days=21),
            returning_workers=30,
            submitted_at=now if handed_in else None,
            review_due_at=now + timedelta(days=3) if handed_in else None,
            created_by=cast.other_staff if other else cast.enterprise_user,
        ).pk

    return make


OBJECTS = {
    "member": lambda cast: cast.member.pk,
    "other_member": lambda cast: cast.other_member.pk,
    "association": lambda cast: cast.association.pk,
    "other_association": lambda cast: cast.other_association.pk,
    "membership": _membership,  # the cast member's membership of the cast association
    "pending": _membership_in_status(Membership.Status.PENDING),
    "suspended": _membership_in_status(Membership.Status.SUSPENDED),
    "claim": _claim,
    "without_users": _without_users,
    "claim_without_users": _claim_without_users,
    "invitee": _invitee,
    "import_job": _import_job,
    "batch": _batch_in_status(Batch.Status.OPEN),
    "draft_batch": _batch_in_status(Batch.Status.DRAFT),
    "closed_batch": _batch_in_status(Batch.Status.CLOSED),
    "other_batch": _batch_in_status(Batch.Status.OPEN, other=True),
    "application": _application_in_status(Application.Status.SUBMITTED),
    "draft_application": _application_in_status(Application.Status.DRAFT),
    "approved_application": _application_in_status(Application.Status.APPROVED),
    "other_application": _application_in_status(Application.Status.SUBMITTED, other=True),
}


class _Ids(dict):
    """Object ids by name, each made the first time a URL asks for it."""

    def __init__(self, cast):
        super().__init__()
        self.cast = cast

    def __missing__(self, name):
        self[name] = OBJECTS[name](self.cast)
        return self[name]


def url_for(cast, template: str) -> str:
    return template.format_map(_Ids(cast))


# --- bodies -----------------------------------------------------------------------------------


def new_association(cast) -> dict:
    return {
        "name": "广东省家具协会",
        "kind": "industry_association",
        "uscc": valid_uscc("51", "440100"),
        "region": "440100",
        "industries": ["21"],
    }


def new_enterprise(cast) -> dict:
    return {
        "name": "广州新星电子有限公司",
        "uscc": valid_uscc(),
        "region": "440106",
        "industry": "39",
        "size": "small",
        "employees": 12,
        "contact_name": "李四",
        "contact_phone": "13800138000",
        "association": cast.association.pk,
    }


def new_member_of_the_association(cast) -> dict:
    return {
        "association": cast.association.pk,
        "enterprise": EnterpriseFactory(region_id="440106").pk,
    }


SPREADSHEET_COLUMNS = [
    "uscc",
    "name",
    "region_code",
    "industry_code",
    "size",
    "employees",
    "contact_name",
    "contact_phone",
]


def member_spreadsheet(cast) -> dict:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(SPREADSHEET_COLUMNS)
    writer.writerow(
        [valid_uscc(), "广州新星电子有限公司", "440106", "39", "small", "12", "李四", "13800138000"]
    )
    return {
        "file": SimpleUploadedFile("members.csv", out.getvalue().encode(), "text/csv"),
        "association": cast.association.pk,
    }


# --- the pages --------------------------------------------------------------------------------

# Who works on the member list: staff (of any association: each sees their own), managers, admins.
MEMBER_LIST = {"anonymous": 302, "staff": 200, "manager": 200, "other_staff": 200, "admin": 200}
# The staff side of the API, partners included.
STAFF_SIDE = MEMBER_LIST | {"partner": 200}
ASSOCIATION_MANAGERS = {"anonymous": 302, "manager": 200, "admin": 200}

# The audit log's readers (operations.access): plain staff, enterprise users and partners are not.
AUDIT_READERS = {
    "anonymous": 302,
    **dict.fromkeys(("manager", "official", "other_official", "admin"), 200),
}

# (url, {role: status}); roles not listed expect the `default`.
STAFF_ONLY = ("staff", "manager", "other_staff", "partner", "admin")

PAGE_ROWS = [
    ("/dashboard/", {"anonymous": 302}, 200),
    # a region's picture: officials inside their jurisdiction, admins anywhere
    (
        "/dashboard/region/440000/",
        {
            "anonymous": 302,
            **dict.fromkeys(
                ["enterprise_user", "outsider", "staff", "manager", "other_staff", "partner"], 403
            ),
            "other_official": 404,
        },
        200,
    ),
    (
        "/dashboard/region/330106/",
        {
            "anonymous": 302,
            **dict.fromkeys(
                ["enterprise_user", "outsider", "staff", "manager", "other_staff", "partner"], 403
            ),
            "official": 404,
        },
        200,
    ),
    ("/enterprises/", {"anonymous": 302}, 200),
    # the region picker's lookups: reference data, for anyone logged in
    ("/regions/?parent=440000", {"anonymous": 302}, 200),
    ("/regions/?q=乐昌", {"anonymous": 302}, 200),
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
    # members
    ("/members/", MEMBER_LIST, 403),
    ("/members/export.csv", MEMBER_LIST, 403),
    ("/members/export.xlsx", MEMBER_LIST, 403),
    ("/members/import/", STAFF_SIDE, 403),
    # managers of an association (docs/decisions/0007)
    ("/members/invite-contacts/", {"anonymous": 302, "manager": 200, "admin": 200}, 403),
    (
        "/members/invite-contacts/?membership={membership}",
        {"anonymous": 302, "manager": 200, "admin": 200},
        403,
    ),
    ("/members/import/template.csv", STAFF_SIDE, 403),
    ("/members/import/{import_job}/", STAFF_SIDE | {"other_staff": 404}, 403),
    (
        "/members/new/",
        STAFF_SIDE,
        403,
    ),
    (
        "/memberships/{membership}/",
        {"anonymous": 302, "outsider": 404, "other_staff": 404, "other_official": 404},
        200,
    ),
    # enterprises: registering, claiming, joining, editing
    (
        "/enterprises/register/",
        # The enterprise user already acts for an enterprise: sent to it.
        {"anonymous": 302, "outsider": 200, "enterprise_user": 302},
        403,
    ),
    ("/enterprises/claim/", {"anonymous": 302, "outsider": 200, "enterprise_user": 200}, 403),
    (
        "/enterprises/join/",
        {"anonymous": 302, "outsider": 200, "enterprise_user": 200},
        403,
    ),
    (
        "/enterprises/claims/",
        {"anonymous": 302, "official": 403, "other_official": 403, "partner": 403},
        200,
    ),
    # The cast member has a user of its own: they (and admins) edit it; its association's side
    # reads it.
    (
        "/enterprises/{member}/edit/",
        {
            "anonymous": 302,
            "outsider": 404,
            "staff": 403,
            "manager": 403,
            "partner": 403,
            "other_staff": 404,
            "official": 403,
            "other_official": 403,
        },
        200,
    ),
    # No users of its own: the association that registered it edits it.
    (
        "/enterprises/{without_users}/edit/",
        {
            "anonymous": 302,
            "enterprise_user": 404,
            "outsider": 404,
            "other_staff": 404,
            "official": 403,
            "other_official": 403,
        },
        200,
    ),
    # associations: a directory everyone reads; its managers edit it and invite staff
    ("/associations/{association}/", {"anonymous": 302}, 200),
    # Staff who are not managers (other_staff included) may not edit any association: 403. The
    # association itself is in everyone's directory, so 404 would hide nothing.
    ("/associations/{association}/edit/", ASSOCIATION_MANAGERS, 403),
    ("/associations/{association}/invite/", ASSOCIATION_MANAGERS, 403),
    (
        "/associations/{other_association}/edit/",
        {
            "anonymous": 302,
            "admin": 200,
            # The directory shows every association, so refusing hides nothing: 403, as the API.
            "manager": 403,
        },
        403,
    ),
    # resumption batches and applications
    ("/batches/", {"anonymous": 302}, 200),
    ("/batches/new/", {"anonymous": 302, **dict.fromkeys(STAFF_ONLY, 200)}, 403),
    (
        "/batches/{batch}/",
        {"anonymous": 302, "outsider": 404, "other_staff": 404, "other_official": 404},
        200,
    ),
    (
        "/batches/{batch}/progress/",
        {
            "anonymous": 302,
            "enterprise_user": 403,
            "outsider": 403,
            "other_staff": 404,
            "other_official": 404,
        },
        200,
    ),
    ("/batches/{batch}/apply/", {"anonymous": 302, "enterprise_user": 200, "outsider": 404}, 403),
    ("/applications/", {"anonymous": 302}, 200),
    (
        "/applications/{application}/",
        {"anonymous": 302, "outsider": 404, "other_staff": 404, "other_official": 404},
        200,
    ),
    ("/notifications/", {"anonymous": 302}, 200),
    # a forgotten password: open to anyone
    ("/password/reset/", {}, 200),
    ("/password/reset/sent/", {}, 200),
    # signing up: anyone not logged in; logged-in users are sent to their dashboard
    ("/signup/", {"anonymous": 200}, 302),
    ("/signup/verify/", {}, 302),
    # the platform's administration: admins only (its POSTs: tests/operations/test_platform.py)
    ("/operations/platform/", {"anonymous": 302, "admin": 200}, 403),
    ("/operations/platform/associations/new/", {"anonymous": 302, "admin": 200}, 403),
    ("/operations/platform/users/", {"anonymous": 302, "admin": 200}, 403),
    (
        "/operations/platform/users/?q=staff&role=staff&active=yes",
        {"anonymous": 302, "admin": 200},
        403,
    ),
    # the audit viewer: managers, officials, admins (what each reads: tests/operations/)
    ("/operations/audit/", AUDIT_READERS, 403),
    (
        "/operations/audit/?action=membership.&kind=membership&object_id={membership}",
        AUDIT_READERS,
        403,
    ),
    ("/operations/audit/export.csv", AUDIT_READERS, 403),
    # operators' endpoints: the same for everyone, signed in or not (core.health); no beat runs
    # in the suite, so /readyz says it is not ready; /metrics needs its token (tests/core/).
    ("/healthz", {}, 200),
    ("/readyz", {}, 503),
    ("/metrics", {}, 404),
]

# (method, url, {role: status}, default[, body]); roles not listed expect the `default`.
API_ROWS = [
    ("get", "/api/v1/me/", {"anonymous": 403}, 200),
    ("get", "/api/v1/dashboard/", {"anonymous": 403}, 200),
    ("post", "/api/v1/dashboard/", {"anonymous": 403}, 405),
    (
        "get",
        "/api/v1/rollups/",
        {"anonymous": 403, "enterprise_user": 403, "outsider": 403},
        200,
    ),
    (
        "get",
        "/api/v1/rollups/?region=330000",
        {"anonymous": 403, "enterprise_user": 403, "outsider": 403, "official": 404},
        200,
    ),
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
    # associations
    ("get", "/api/v1/associations/", {"anonymous": 403}, 200),
    ("post", "/api/v1/associations/", {"admin": 201}, 403, new_association),
    ("get", "/api/v1/associations/{association}/", {"anonymous": 403}, 200),
    (
        "patch",
        "/api/v1/associations/{association}/",
        {"manager": 200, "admin": 200},
        403,
        {"contact_name": "李四"},
    ),
    (
        "patch",
        "/api/v1/associations/{other_association}/",
        {"admin": 200},
        403,
        {"contact_name": "李四"},
    ),
    (
        "post",
        "/api/v1/associations/{association}/invite/",
        {"manager": 201, "admin": 201},
        403,
        {"username": "new_staff", "email": "new.staff@example.com"},
    ),
    (
        "post",
        "/api/v1/associations/{association}/staff/{invitee}/resend-invitation/",
        {"manager": 200, "admin": 200},
        403,
        {},
    ),
    # The cast association's invitee under another association's address: refused to all.
    (
        "post",
        "/api/v1/associations/{other_association}/staff/{invitee}/resend-invitation/",
        {},
        403,
        {},
    ),
    # memberships
    ("get", "/api/v1/memberships/", {"anonymous": 403}, 200),
    (
        "get",
        "/api/v1/memberships/{membership}/",
        {"anonymous": 403, "outsider": 404, "other_staff": 404, "other_official": 404},
        200,
    ),
    (
        "get",
        "/api/v1/memberships/{membership}/history/",
        {"anonymous": 403, "outsider": 404, "other_staff": 404, "other_official": 404},
        200,
    ),
    (
        "post",
        "/api/v1/memberships/",
        {
            "staff": 201,
            "manager": 201,
            "partner": 201,
            "admin": 201,
            # The enterprise user asks for their own enterprise, already a member here.
            "enterprise_user": 409,
            # No enterprise yet: register or claim one first.
            "outsider": 400,
        },
        403,
        new_member_of_the_association,
    ),
    (
        "patch",
        "/api/v1/memberships/{membership}/",
        {"staff": 200, "manager": 200, "partner": 200, "admin": 200, "other_staff": 404},
        403,
        {"member_number": "GD-0099"},
    ),
    (
        "post",
        "/api/v1/memberships/{pending}/approve/",
        {"staff": 200, "manager": 200, "partner": 200, "admin": 200, "other_staff": 404},
        403,
        {"member_number": "GD-0100"},
    ),
    (
        "post",
        "/api/v1/memberships/{pending}/reject/",
        {"staff": 200, "manager": 200, "partner": 200, "admin": 200, "other_staff": 404},
        403,
        {"reason": "不在本会业务范围"},
    ),
    (
        "post",
        "/api/v1/memberships/{membership}/suspend/",
        {"staff": 200, "manager": 200, "partner": 200, "admin": 200, "other_staff": 404},
        403,
        {"reason": "欠缴会费"},
    ),
    (
        "post",
        "/api/v1/memberships/{suspended}/reinstate/",
        {"staff": 200, "manager": 200, "partner": 200, "admin": 200, "other_staff": 404},
        403,
        {},
    ),
    (
        "post",
        "/api/v1/memberships/{membership}/leave/",
        {
            "anonymous": 403,
            "official": 403,
            "other_official": 403,
            "outsider": 404,
            "other_staff": 404,
        },
        200,
        {},
    ),
    # enterprises
    (
        "post",
        "/api/v1/enterprises/",
        {
            "staff": 201,
            "manager": 201,
            "partner": 201,
            "admin": 201,
            "outsider": 201,  # registers their enterprise and asks to join
            "enterprise_user": 409,  # already acts for an enterprise
        },
        403,  # other_staff: not their association; officials: not their role
        new_enterprise,
    ),
    # The cast member has a user of its own: they (and admins) edit it; its association's side
    # reads it.
    (
        "patch",
        "/api/v1/enterprises/{member}/",
        {
            "anonymous": 403,
            "official": 403,
            "other_official": 403,
            "outsider": 404,
            "staff": 403,
            "manager": 403,
            "partner": 403,
            "other_staff": 404,
        },
        200,
        {"employees": 41},
    ),
    # No users of its own: the association that registered it edits it.
    (
        "patch",
        "/api/v1/enterprises/{without_users}/",
        {
            "anonymous": 403,
            "official": 403,
            "other_official": 403,
            "enterprise_user": 404,
            "outsider": 404,
            "other_staff": 404,
        },
        200,
        {"employees": 41},
    ),
    (
        "post",
        "/api/v1/enterprises/claim/",
        {"outsider": 201, "enterprise_user": 409},  # already acts for an enterprise
        403,
        lambda cast: {"uscc": cast.member.uscc},
    ),
    ("get", "/api/v1/enterprises/import/", STAFF_SIDE | {"anonymous": 403}, 403),
    (
        "get",
        "/api/v1/enterprises/import/{import_job}/",
        STAFF_SIDE | {"anonymous": 403, "other_staff": 404},
        403,
    ),
    (
        "post",
        "/api/v1/enterprises/import/",
        {"staff": 200, "manager": 200, "partner": 200, "admin": 200},
        403,
        member_spreadsheet,
    ),
    # claims to act for an enterprise
    (
        "get",
        "/api/v1/enterprise-claims/",
        {"anonymous": 403, "official": 403, "other_official": 403, "partner": 403},
        200,
    ),
    # On the cast member, which has a user of its own: that user decides (and admins); its
    # association's staff see the claim and may not decide it.
    (
        "get",
        "/api/v1/enterprise-claims/{claim}/",
        {
            "outsider": 200,  # their own claim
            "enterprise_user": 200,  # a claim on their enterprise
            "staff": 200,
            "manager": 200,
            "admin": 200,
            "other_staff": 404,
        },
        403,
    ),
    (
        "post",
        "/api/v1/enterprise-claims/{claim}/approve/",
        {"enterprise_user": 200, "admin": 200, "other_staff": 404},
        403,
        {},
    ),
    (
        "post",
        "/api/v1/enterprise-claims/{claim}/reject/",
        {"enterprise_user": 200, "admin": 200, "other_staff": 404},
        403,
        {"reason": "营业执照信息不符"},
    ),
    # On a member with no users: its association's staff decide.
    (
        "get",
        "/api/v1/enterprise-claims/{claim_without_users}/",
        {
            "outsider": 200,  # their own claim
            "staff": 200,
            "manager": 200,
            "admin": 200,
            "enterprise_user": 404,
            "other_staff": 404,
        },
        403,
    ),
    (
        "post",
        "/api/v1/enterprise-claims/{claim_without_users}/approve/",
        {"staff": 200, "manager": 200, "admin": 200, "enterprise_user": 404, "other_staff": 404},
        403,
        {},
    ),
    (
        "post",
        "/api/v1/enterprise-claims/{claim_without_users}/reject/",
        {"staff": 200, "manager": 200, "admin": 200, "enterprise_user": 404, "other_staff": 404},
        403,
        {"reason": "营业执照信息不符"},
    ),
]


def new_batch(cast) -> dict:
    now = timezone.now()
    return {
        "name": "珠三角电子制造第一批复工",
        "association": cast.association.pk,
        "regions": ["440000"],
        "industries": ["C"],
        "opens_at": now.isoformat(),
        "closes_at": (now + timedelta(days=14)).isoformat(),
        "planned_start": (timezone.localdate() + timedelta(days=20)).isoformat(),
        "capacity": 10,
    }


def new_application(cast) -> dict:
    return {
        "batch": _batch_in_status(Batch.Status.OPEN)(cast),
        "planned_date": (timezone.localdate() + timedelta(days=21)).isoformat(),
        "returning_workers": 30,
    }


def resumption(cast) -> dict:
    return {"resumed_on": timezone.localdate().isoformat(), "workers_on_site": 28}


def bulk_approval(cast) -> dict:
    return {"ids": [_application_in_status(Application.Status.SUBMITTED)(cast)]}


# Whoever may see the cast association's open batch and the cast member's submitted application.
SEES_THE_BATCH = {"anonymous": 403, "outsider": 404, "other_staff": 404, "other_official": 404}
# Who decides on the cast association's applications and manages its batches; other staff may
# perform the action, but find nothing of another association's.
DECIDES = {"staff": 200, "manager": 200, "partner": 200, "admin": 200, "other_staff": 404}
# The applicant's side: the cast member's enterprise user; the outsider finds nothing.
APPLIES = {"enterprise_user": 200, "outsider": 404}

API_ROWS += [
    # resumption batches
    ("get", "/api/v1/batches/", {"anonymous": 403}, 200),
    (
        "post",
        "/api/v1/batches/",
        # other_staff: batch.manage, but not for the cast association
        {"staff": 201, "manager": 201, "partner": 201, "admin": 201},
        403,
        new_batch,
    ),
    ("get", "/api/v1/batches/{batch}/", SEES_THE_BATCH, 200),
    ("get", "/api/v1/batches/{batch}/history/", SEES_THE_BATCH, 200),
    (
        "get",
        "/api/v1/batches/{batch}/progress/",
        SEES_THE_BATCH | {"enterprise_user": 403, "outsider": 403},
        200,
    ),
    # A draft batch: only its association's side sees it.
    (
        "get",
        "/api/v1/batches/{draft_batch}/",
        {"anonymous": 403, "staff": 200, "manager": 200, "partner": 200, "admin": 200},
        404,
    ),
    (
        "get",
        "/api/v1/batches/{other_batch}/",
        {"anonymous": 403, "other_staff": 200, "other_official": 200, "admin": 200},
        404,
    ),
    ("patch", "/api/v1/batches/{batch}/", DECIDES, 403, {"capacity": 20}),
    ("put", "/api/v1/batches/{batch}/", {"anonymous": 403}, 405, {"capacity": 20}),
    ("delete", "/api/v1/batches/{batch}/", {"anonymous": 403}, 405),
    ("post", "/api/v1/batches/{draft_batch}/open/", DECIDES, 403, {}),
    ("post", "/api/v1/batches/{batch}/close/", DECIDES, 403, {"reason": "名额已满"}),
    ("post", "/api/v1/batches/{closed_batch}/complete/", DECIDES, 403, {}),
    # applications
    ("get", "/api/v1/applications/", {"anonymous": 403}, 200),
    (
        "post",
        "/api/v1/applications/",
        # The outsider acts for no enterprise yet: register or claim one first.
        {"enterprise_user": 201, "outsider": 400},
        403,
        new_application,
    ),
    ("get", "/api/v1/applications/{application}/", SEES_THE_BATCH, 200),
    ("get", "/api/v1/applications/{application}/history/", SEES_THE_BATCH, 200),
    # A draft is the applicant's until it is handed in.
    (
        "get",
        "/api/v1/applications/{draft_application}/",
        {"anonymous": 403, "enterprise_user": 200, "admin": 200},
        404,
    ),
    (
        "get",
        "/api/v1/applications/{other_application}/",
        {"anonymous": 403, "other_staff": 200, "other_official": 200, "admin": 200},
        404,
    ),
    (
        "patch",
        "/api/v1/applications/{draft_application}/",
        APPLIES,
        403,
        {"returning_workers": 35},
    ),
    ("put", "/api/v1/applications/{draft_application}/", {"anonymous": 403}, 405, {}),
    ("delete", "/api/v1/applications/{application}/", {"anonymous": 403}, 405),
    ("post", "/api/v1/applications/{draft_application}/submit/", APPLIES, 403, {}),
    ("post", "/api/v1/applications/{application}/withdraw/", APPLIES, 403, {}),
    ("post", "/api/v1/applications/{approved_application}/resume/", APPLIES, 403, resumption),
    ("post", "/api/v1/applications/{application}/approve/", DECIDES, 403, {}),
    ("post", "/api/v1/applications/{application}/reject/", DECIDES, 403, {"reason": "无隔离区"}),
    ("post", "/api/v1/applications/{application}/return/", DECIDES, 403, {"reason": "请补充"}),
    (
        "post",
        "/api/v1/applications/{other_application}/approve/",
        {"other_staff": 200, "admin": 200, "staff": 404, "manager": 404, "partner": 404},
        403,
        {},
    ),
    (
        "post",
        "/api/v1/applications/bulk-approve/",
        # Other staff name an application they cannot see: as if it did not exist.
        DECIDES | {"other_staff": 400},
        403,
        bulk_approval,
    ),
]


def _cases(rows, with_method):
    for row in rows:
        if with_method:
            method, url, overrides, default, *body = row
        else:
            (url, overrides, default), method, body = row, "get", []
        for role in ROLES:
            expected = overrides.get(role, default)
            marks = ()
            if isinstance(expected, Broken):
                marks = pytest.mark.xfail(strict=True, reason=expected.reason)
                expected = expected.status
            params = [role, method, url, expected]
            if with_method:
                params.append(body[0] if body else None)
            yield pytest.param(*params, id=f"{role}-{method}-{url}", marks=marks)


def check_page(cast, role, method, url, expected):
    """One row of a page matrix (shared with the matrices of the other capabilities)."""
    client = Client()
    user = cast.by_role(role)
    if user is not None:
        client.force_login(user)
    response = getattr(client, method)(url_for(cast, url))
    assert response.status_code == expected


def check_api(cast, role, method, url, expected, body):
    """One row of an API matrix (shared with the matrices of the other capabilities)."""
    client = api_as(cast.by_role(role))
    path = url_for(cast, url)
    if body is None:
        response = getattr(client, method)(path)
    else:
        data = body(cast) if callable(body) else body
        uploads = any(isinstance(value, SimpleUploadedFile) for value in data.values())
        response = getattr(client, method)(path, data, format="multipart" if uploads else "json")
    assert response.status_code == expected, response.content[:300]


@pytest.mark.parametrize(("role", "method", "url", "expected"), list(_cases(PAGE_ROWS, False)))
def test_pages(cast, role, method, url, expected):
    check_page(cast, role, method, url, expected)


@pytest.mark.parametrize(
    ("role", "method", "url", "expected", "body"), list(_cases(API_ROWS, True))
)
def test_api(cast, role, method, url, expected, body):
    check_api(cast, role, method, url, expected, body)


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
