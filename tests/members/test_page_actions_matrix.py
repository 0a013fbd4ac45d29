"""Who may press which button: (role, POST url, expected) for the actions of the member,
membership, enterprise, claim and association pages, in the style of
tests/test_permissions_matrix.py.

What a page answers:
- DONE: the action is taken (a redirect) and what it acts on changed;
- REFUSED: the user sees the object but the action is not theirs or its status does not allow
  it: a redirect with an error message, and nothing changed;
- FORM: the form comes back with what is wrong (e.g. an association that is not the user's),
  and nothing changed;
- LOGIN: an anonymous visitor is sent to log in;
- 403: the role may not perform the action at all;
- 404: the object is outside the user's scope.
After anything but DONE, what the row observes is what it was.
"""

import csv
import io
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.contrib.messages import constants, get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from associations.models import Association, Membership
from core.models import User
from enterprises.models import Enterprise, EnterpriseClaim
from tests.factories import EnterpriseFactory, MembershipFactory, valid_uscc
from tests.matrix import ROLES

pytestmark = pytest.mark.django_db

S = Membership.Status
DONE, REFUSED, FORM, LOGIN = "done", "refused", "form", "login"

STAFF_SIDE = ("staff", "manager", "partner", "admin")


def both(roles, outcome) -> dict:
    return dict.fromkeys(roles, outcome)


# --- what the rows act on -------------------------------------------------------------------


def a_membership(status: str):
    """A membership of a new Guangzhou enterprise in the cast association, in `status`."""

    def make(cast) -> Membership:
        enterprise = EnterpriseFactory(region_id="440106")
        return MembershipFactory(enterprise=enterprise, association=cast.association, status=status)

    return make


def the_members_membership(status: str):
    """The cast member's own membership of the cast association, in `status`."""

    def make(cast) -> Membership:
        membership = Membership.objects.get(association=cast.association, enterprise=cast.member)
        Membership.objects.filter(pk=membership.pk).update(status=status)
        return membership

    return make


def a_member_without_users(cast) -> Enterprise:
    """A Guangzhou member of the cast association, registered by it, with no users of its own:
    the association keeps its record (the cast member has a user, who keeps its own)."""
    enterprise = EnterpriseFactory(region_id="440106")
    MembershipFactory(enterprise=enterprise, association=cast.association)
    return enterprise


def a_member_registered_elsewhere(cast) -> Enterprise:
    """A Guangzhou enterprise with no users, registered by the other association and a member
    of both: the other association keeps its record, the cast's only reads it."""
    enterprise = EnterpriseFactory(region_id="440106")
    MembershipFactory(enterprise=enterprise, association=cast.other_association)
    MembershipFactory(enterprise=enterprise, association=cast.association)
    return enterprise


def a_claim(cast) -> EnterpriseClaim:
    """The outsider asks to act for the cast member (which has a user of its own)."""
    return EnterpriseClaim.objects.create(user=cast.outsider, enterprise=cast.member)


def a_claim_on_a_member_without_users(cast) -> EnterpriseClaim:
    """The outsider asks to act for a member of the cast association with no users."""
    return EnterpriseClaim.objects.create(
        user=cast.outsider, enterprise=a_member_without_users(cast)
    )


def an_invitation(cast) -> Membership:
    """The other association invites the cast member (registered by the cast association, with
    a user of its own, who answers for it)."""
    return MembershipFactory(
        enterprise=cast.member, association=cast.other_association, status=S.INVITED
    )


def an_invitation_to_a_member_without_users(cast) -> Membership:
    """The other association invites an enterprise the cast association registered and that has
    no users: the cast association answers for it."""
    return MembershipFactory(
        enterprise=a_member_without_users(cast),
        association=cast.other_association,
        status=S.INVITED,
    )


def a_registered_enterprise(cast) -> Enterprise:
    """Registered by another association (in Hangzhou), not a member of the cast's: adding it
    only invites it."""
    enterprise = EnterpriseFactory(region_id="330106")
    MembershipFactory(enterprise=enterprise, association=cast.other_association)
    return enterprise


def a_new_credit_code(cast) -> SimpleNamespace:
    return SimpleNamespace(uscc=valid_uscc())


def status_of(cast, obj) -> str:
    obj.refresh_from_db()
    return obj.status


def membership_status(cast, enterprise) -> str | None:
    """The enterprise's membership of the cast association: None, or its status."""
    membership = Membership.objects.filter(enterprise=enterprise, association=cast.association)
    return membership.values_list("status", flat=True).first()


def is_registered(cast, new) -> bool:
    return Enterprise.objects.filter(uscc=new.uscc).exists()


# --- bodies ---------------------------------------------------------------------------------


def enterprise_form(enterprise: Enterprise, **overrides) -> dict:
    form = {
        "name": enterprise.name,
        "uscc": enterprise.uscc,
        "region": enterprise.region_id,
        "industry": enterprise.industry_id,
        "size": enterprise.size,
        "ownership": enterprise.ownership,
        "employees": enterprise.employees,
        "revenue_band": "",
        "legal_representative": "",
        "contact_name": enterprise.contact_name,
        "contact_phone": enterprise.contact_phone,
        "address": "",
    }
    return form | overrides


def new_member(cast, new) -> dict:
    return {
        "form": "new",
        "association": cast.association.pk,
        "member_number": "GD-0300",
        "name": "广州新民五金制品有限公司",
        "uscc": new.uscc,
        "region": "440106",
        "industry": "33",
        "size": "small",
        "ownership": "private",
        "employees": "28",
        "contact_name": "刘芳",
        "contact_phone": "020-87654321",
    }


def existing_member(cast, enterprise) -> dict:
    return {
        "form": "existing",
        "association": cast.association.pk,
        "uscc": enterprise.uscc,
        "member_number": "GD-0301",
    }


def spreadsheet(cast, new) -> dict:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "uscc",
            "name",
            "region_code",
            "industry_code",
            "size",
            "employees",
            "contact_name",
            "contact_phone",
        ]
    )
    writer.writerow(
        [new.uscc, "广州新星电子有限公司", "440106", "39", "small", "12", "李四", "13800138000"]
    )
    return {
        "file": SimpleUploadedFile("members.csv", out.getvalue().encode(), "text/csv"),
        "association": cast.association.pk,
    }


def association_form(cast, association: Association) -> dict:
    return {
        "name": association.name,
        "kind": association.kind,
        "uscc": association.uscc,
        "region": association.region_id,
        "industries": ["C"],
        "contact_name": "陈敏",
        "contact_phone": "020-87654321",
        "email": "office@example.org",
    }


# --- outcomes by role -----------------------------------------------------------------------

# A membership of another enterprise of the cast association: its association's side decides;
# Guangdong's official sees it and may not; the rest do not see it.
DECIDE = {
    **both(ROLES, 404),
    "anonymous": LOGIN,
    "official": REFUSED,
    **both(STAFF_SIDE, DONE),
}
# The cast member's own membership: its enterprise user sees it too.
DECIDE_OWN = DECIDE | {"enterprise_user": REFUSED}
LEAVE_OWN = DECIDE | {"enterprise_user": DONE}
WRONG_STATUS = DECIDE_OWN | both(STAFF_SIDE, REFUSED)
# Adding members and importing: the staff side; other staff may not name the cast association.
ADD_MEMBERS = {
    **both(ROLES, 403),
    "anonymous": LOGIN,
    "other_staff": FORM,
    **both(STAFF_SIDE, DONE),
}
# Claims on an enterprise with no users of its own: its association's people decide (not
# partners); the claimant sees their claim but may not decide it.
DECIDE_CLAIM = {
    **both(ROLES, 403),
    "anonymous": LOGIN,
    "enterprise_user": 404,
    "outsider": REFUSED,
    "other_staff": 404,
    **both(("staff", "manager", "admin"), DONE),
}
# Claims on the cast member, which has a user of its own: that user decides (and admins); its
# association's staff see the claim and may not.
DECIDE_CLAIM_WITH_USERS = DECIDE_CLAIM | {
    "enterprise_user": DONE,
    **both(("staff", "manager"), REFUSED),
}
MANAGE_ASSOCIATION = {**both(ROLES, 403), "anonymous": LOGIN, "manager": DONE, "admin": DONE}
# An enterprise with no users of its own: the association that registered it keeps its record
# (its side, partners bound to it included) while it is its member; officials read it.
EDIT_ENTERPRISE = {
    **both(ROLES, DONE),
    "anonymous": LOGIN,
    "enterprise_user": 404,
    "outsider": 404,
    "other_staff": 404,
    "official": 403,
    "other_official": 403,
}
# The cast member has a user of its own: only they (and admins) edit it; its association's side
# reads it.
EDIT_ENTERPRISE_WITH_USERS = EDIT_ENTERPRISE | {
    "enterprise_user": DONE,
    **both(("staff", "manager", "partner"), 403),
}
# Registered by the other association, a member of both: the other association keeps it, the
# cast association's side reads it.
EDIT_ENTERPRISE_REGISTERED_ELSEWHERE = EDIT_ENTERPRISE | {
    **both(("staff", "manager", "partner"), 403),
    "other_staff": DONE,
}
# An invitation to the cast member: its own user answers (and admins); the inviter sees it and
# may not answer it; the cast association does not see another association's membership.
ANSWER_INVITATION = {
    **both(ROLES, 404),
    "anonymous": LOGIN,
    "enterprise_user": DONE,
    "other_staff": REFUSED,
    "official": REFUSED,
    "admin": DONE,
}
# An invitation to an enterprise with no users: the association that registered it answers.
ANSWER_INVITATION_FOR_REGISTERED = ANSWER_INVITATION | {
    "enterprise_user": 404,
    **both(("staff", "manager", "partner"), DONE),
}
# The inviter withdraws its invitation; the invited enterprise declines instead.
WITHDRAW_INVITATION = ANSWER_INVITATION | {"enterprise_user": REFUSED, "other_staff": DONE}
# Asking to join: enterprise users only; the outsider acts for no enterprise yet.
JOIN = {**both(ROLES, 403), "anonymous": LOGIN, "enterprise_user": DONE, "outsider": FORM}


@dataclass(frozen=True)
class Row:
    name: str
    make: object  # cast -> the object acted on
    url: object  # (cast, obj) -> the POST url
    body: object  # (cast, obj) -> the form
    observe: object  # (cast, obj) -> what DONE changes
    outcomes: dict


def decide(decision: str):
    return lambda cast, obj: reverse("membership-decide", args=[obj.pk, decision])


def reason(text: str):
    return lambda cast, obj: {"reason": text}


def no_body(cast, obj) -> dict:
    return {}


ROWS = [
    Row(
        "approve",
        a_membership(S.PENDING),
        decide("approve"),
        lambda cast, obj: {"member_number": "GD-0100"},
        status_of,
        DECIDE,
    ),
    Row(
        "reject",
        a_membership(S.PENDING),
        decide("reject"),
        reason("不在本会业务范围"),
        status_of,
        DECIDE,
    ),
    Row(
        "suspend",
        the_members_membership(S.ACTIVE),
        decide("suspend"),
        reason("欠缴会费"),
        status_of,
        DECIDE_OWN,
    ),
    Row("reinstate", a_membership(S.SUSPENDED), decide("reinstate"), no_body, status_of, DECIDE),
    Row("leave", the_members_membership(S.ACTIVE), decide("leave"), no_body, status_of, LEAVE_OWN),
    Row(
        "withdraw",
        the_members_membership(S.PENDING),
        decide("leave"),
        no_body,
        status_of,
        LEAVE_OWN,
    ),
    Row(
        "approve-active",
        the_members_membership(S.ACTIVE),
        decide("approve"),
        no_body,
        status_of,
        WRONG_STATUS,
    ),
    Row(
        "reinstate-left",
        the_members_membership(S.LEFT),
        decide("reinstate"),
        no_body,
        status_of,
        WRONG_STATUS,
    ),
    Row(
        "add-registered",
        a_registered_enterprise,
        lambda cast, obj: reverse("member-new"),
        existing_member,
        membership_status,  # None -> "invited"
        ADD_MEMBERS,
    ),
    Row(
        "add-new",
        a_new_credit_code,
        lambda cast, obj: reverse("member-new"),
        new_member,
        is_registered,
        ADD_MEMBERS,
    ),
    Row(
        "import",
        a_new_credit_code,
        lambda cast, obj: reverse("member-import"),
        spreadsheet,
        is_registered,
        ADD_MEMBERS,
    ),
    Row(
        "approve-claim",
        a_claim,
        lambda cast, obj: reverse("claim-decide", args=[obj.pk, "approve"]),
        no_body,
        status_of,
        DECIDE_CLAIM_WITH_USERS,
    ),
    Row(
        "reject-claim",
        a_claim,
        lambda cast, obj: reverse("claim-decide", args=[obj.pk, "reject"]),
        reason("营业执照信息不符"),
        status_of,
        DECIDE_CLAIM_WITH_USERS,
    ),
    Row(
        "approve-claim-without-users",
        a_claim_on_a_member_without_users,
        lambda cast, obj: reverse("claim-decide", args=[obj.pk, "approve"]),
        no_body,
        status_of,
        DECIDE_CLAIM,
    ),
    Row(
        "reject-claim-without-users",
        a_claim_on_a_member_without_users,
        lambda cast, obj: reverse("claim-decide", args=[obj.pk, "reject"]),
        reason("营业执照信息不符"),
        status_of,
        DECIDE_CLAIM,
    ),
    Row(
        "accept-invitation",
        an_invitation,
        decide("accept"),
        no_body,
        status_of,
        ANSWER_INVITATION,
    ),
    Row(
        "decline-invitation",
        an_invitation,
        decide("decline"),
        no_body,
        status_of,
        ANSWER_INVITATION,
    ),
    Row(
        "accept-invitation-for-registered",
        an_invitation_to_a_member_without_users,
        decide("accept"),
        no_body,
        status_of,
        ANSWER_INVITATION_FOR_REGISTERED,
    ),
    Row(
        "withdraw-invitation",
        an_invitation,
        decide("leave"),
        no_body,
        status_of,
        WITHDRAW_INVITATION,
    ),
    Row(
        "edit-association",
        lambda cast: cast.association,
        lambda cast, obj: reverse("association-edit", args=[obj.pk]),
        association_form,
        lambda cast, obj: Association.objects.get(pk=obj.pk).contact_name,
        MANAGE_ASSOCIATION,
    ),
    Row(
        "edit-other-association",
        lambda cast: cast.other_association,
        lambda cast, obj: reverse("association-edit", args=[obj.pk]),
        association_form,
        lambda cast, obj: Association.objects.get(pk=obj.pk).contact_name,
        MANAGE_ASSOCIATION | {"manager": 403},
    ),
    Row(
        "invite",
        lambda cast: cast.association,
        lambda cast, obj: reverse("association-invite", args=[obj.pk]),
        lambda cast, obj: {"username": "new_staff", "email": "new.staff@example.org"},
        lambda cast, obj: User.objects.filter(username="new_staff").exists(),
        MANAGE_ASSOCIATION,
    ),
    Row(
        "edit-enterprise",
        lambda cast: cast.member,
        lambda cast, obj: reverse("enterprise-edit", args=[obj.pk]),
        lambda cast, obj: enterprise_form(obj, employees=41),
        lambda cast, obj: Enterprise.objects.get(pk=obj.pk).employees,
        EDIT_ENTERPRISE_WITH_USERS,
    ),
    Row(
        "edit-enterprise-without-users",
        a_member_without_users,
        lambda cast, obj: reverse("enterprise-edit", args=[obj.pk]),
        lambda cast, obj: enterprise_form(obj, employees=41),
        lambda cast, obj: Enterprise.objects.get(pk=obj.pk).employees,
        EDIT_ENTERPRISE,
    ),
    Row(
        "edit-enterprise-registered-elsewhere",
        a_member_registered_elsewhere,
        lambda cast, obj: reverse("enterprise-edit", args=[obj.pk]),
        lambda cast, obj: enterprise_form(obj, employees=41),
        lambda cast, obj: Enterprise.objects.get(pk=obj.pk).employees,
        EDIT_ENTERPRISE_REGISTERED_ELSEWHERE,
    ),
    Row(
        "join",
        lambda cast: cast.other_association,
        lambda cast, obj: reverse("enterprise-join"),
        lambda cast, obj: {"association": obj.pk, "note": "希望加入"},
        lambda cast, obj: obj.memberships.count(),
        JOIN,
    ),
]


def _cases():
    for row in ROWS:
        for role in ROLES:
            yield pytest.param(role, row, row.outcomes[role], id=f"{role}-{row.name}")


@pytest.mark.parametrize(("role", "row", "expected"), list(_cases()))
def test_page_actions(cast, role, row, expected):
    obj = row.make(cast)
    before = row.observe(cast, obj)
    client = Client()
    user = cast.by_role(role)
    if user is not None:
        client.force_login(user)

    response = client.post(row.url(cast, obj), row.body(cast, obj))

    after = row.observe(cast, obj)
    if expected == DONE:
        assert response.status_code == 302
        assert after != before, "the action was taken"
        return
    assert after == before, "a refused action changes nothing"
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif expected == REFUSED:
        assert response.status_code == 302
        levels = {message.level for message in get_messages(response.wsgi_request)}
        assert levels == {constants.ERROR}
    elif expected == FORM:
        assert response.status_code == 200
        form_errors = [
            form.errors
            for name in ("form", "existing_form", "new_form")
            if (form := response.context.get(name)) is not None and form.is_bound
        ]
        assert any(form_errors), "the form says what is wrong"
    else:
        assert response.status_code == expected
