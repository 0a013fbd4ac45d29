"""Who may press which button: (role, POST url, expected) for the actions of the batch and
application pages, in the style of tests/test_permissions_matrix.py.

What a page answers:
- DONE: the action is taken (a redirect with a success message) and the status changed;
- REFUSED: the status does not allow it (or, for a bulk approval, an id is not the user's to
  see): a redirect with an error message, and nothing changed;
- LOGIN: an anonymous visitor is sent to log in;
- 403: the role may not perform the action at all;
- 404: the object is outside the user's scope.
After anything but DONE the object's status is what it was.
"""

from datetime import timedelta

import pytest
from django.contrib.messages import constants, get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from batches.models import Application, Batch
from core.models import set_links
from tests.matrix import ROLES

pytestmark = pytest.mark.django_db

A = Application.Status
B = Batch.Status

DONE, REFUSED, LOGIN = "done", "refused", "login"


# --- the objects a row acts on --------------------------------------------------------------


def make_batch(cast, status: str) -> Batch:
    """A batch of the cast association taking applications now, for Guangdong's manufacturing
    (the cast member, in Guangzhou with division 39, is eligible)."""
    now = timezone.now()
    batch = Batch.objects.create(
        association=cast.association,
        name="第一批复工",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=14),
        planned_start=timezone.localdate() + timedelta(days=20),
        capacity=10,
        status=status,
        created_by=cast.staff,
    )
    set_links(batch, "regions", ["440000"])
    set_links(batch, "industries", ["C"])
    return batch


def make_application(cast, status: str) -> Application:
    """The cast member's application to an open batch of the cast association."""
    handed_in = status != A.DRAFT
    now = timezone.now()
    return Application.objects.create(
        batch=make_batch(cast, B.OPEN),
        enterprise=cast.member,
        status=status,
        planned_date=timezone.localdate() + timedelta(days=21),
        returning_workers=30,
        submitted_at=now if handed_in else None,
        review_due_at=now + timedelta(days=3) if handed_in else None,
        created_by=cast.enterprise_user,
    )


# --- the rows -------------------------------------------------------------------------------

# Staff of the cast association and those acting for it.
STAFF_SIDE = ("staff", "manager", "partner", "admin")
# Roles that may not manage batches nor decide at all (the role table says no: 403).
NOT_STAFF = ("enterprise_user", "outsider", "official", "other_official")


def both(roles, outcome) -> dict:
    return dict.fromkeys(roles, outcome)


# Managing a batch: the role is checked first (403), then the batch is looked for (404).
MANAGE_BATCH = {
    "anonymous": LOGIN,
    **both(NOT_STAFF, 403),
    "other_staff": 404,
    **both(STAFF_SIDE, DONE),
}
WRONG_BATCH_STATUS = MANAGE_BATCH | both(STAFF_SIDE, REFUSED)

# An application's page actions: the application is looked for first (404 when it is not in
# the user's scope), then the role (403).
# A submitted application: seen by its enterprise, its association's side and the officials
# of Guangdong.
SUBMITTED_SEEN_BY = {"anonymous": LOGIN, "outsider": 404, "other_staff": 404, "other_official": 404}
DECIDE = SUBMITTED_SEEN_BY | {"enterprise_user": 403, "official": 403, **both(STAFF_SIDE, DONE)}
APPLICANT_STEP = SUBMITTED_SEEN_BY | {
    "enterprise_user": DONE,
    "official": 403,
    **both(STAFF_SIDE, 403),
}
# A draft: its enterprise's, and an admin's, who sees everything.
DRAFT_STEP = {
    **both(ROLES, 404),
    "anonymous": LOGIN,
    "enterprise_user": DONE,
    "admin": 403,
}
BULK_APPROVE = {
    "anonymous": LOGIN,
    **both(NOT_STAFF, 403),
    "other_staff": REFUSED,  # names an application they cannot see: as if it did not exist
    **both(STAFF_SIDE, DONE),
}


def resumption(cast, obj) -> dict:
    return {"resumed_on": timezone.localdate().isoformat(), "workers_on_site": "28"}


# (what the row acts on, its status, the page's POST url, the body, the status once DONE,
#  outcome per role)
ROWS = [
    ("batch", B.DRAFT, "batch-transition", "open", {}, B.OPEN, MANAGE_BATCH),
    ("batch", B.OPEN, "batch-transition", "close", {"reason": "名额已满"}, B.CLOSED, MANAGE_BATCH),
    ("batch", B.CLOSED, "batch-transition", "open", {}, B.OPEN, MANAGE_BATCH),
    ("batch", B.CLOSED, "batch-transition", "complete", {}, B.COMPLETED, MANAGE_BATCH),
    ("batch", B.OPEN, "batch-transition", "complete", {}, None, WRONG_BATCH_STATUS),
    ("batch", B.COMPLETED, "batch-transition", "open", {}, None, WRONG_BATCH_STATUS),
    ("application", A.DRAFT, "application-action", "submit", {}, A.SUBMITTED, DRAFT_STEP),
    (
        "application",
        A.DRAFT,
        "application-action",
        "withdraw",
        {"confirm": "yes"},
        A.WITHDRAWN,
        DRAFT_STEP,
    ),
    (
        "application",
        A.SUBMITTED,
        "application-action",
        "withdraw",
        {"confirm": "yes"},
        A.WITHDRAWN,
        APPLICANT_STEP,
    ),
    (
        "application",
        A.SUBMITTED,
        "application-action",
        "submit",
        {},
        None,
        APPLICANT_STEP | {"enterprise_user": REFUSED},
    ),
    (
        "application",
        A.APPROVED,
        "application-action",
        "resume",
        resumption,
        A.RESUMED,
        APPLICANT_STEP,
    ),
    (
        "application",
        A.APPROVED,
        "application-action",
        "withdraw",
        {"confirm": "yes"},
        None,
        APPLICANT_STEP | {"enterprise_user": REFUSED},
    ),
    ("application", A.SUBMITTED, "application-action", "approve", {}, A.APPROVED, DECIDE),
    (
        "application",
        A.SUBMITTED,
        "application-action",
        "reject",
        {"reason": "无隔离区", "confirm": "yes"},
        A.REJECTED,
        DECIDE,
    ),
    (
        "application",
        A.SUBMITTED,
        "application-action",
        "return",
        {"reason": "请补充"},
        A.RETURNED,
        DECIDE,
    ),
    # A decision the status does not allow: a message, nothing changes.
    (
        "application",
        A.APPROVED,
        "application-action",
        "approve",
        {},
        None,
        DECIDE | both(STAFF_SIDE, REFUSED),
    ),
    (
        "application",
        A.REJECTED,
        "application-action",
        "return",
        {"reason": "请补充"},
        None,
        DECIDE | both(STAFF_SIDE, REFUSED),
    ),
    ("application", A.SUBMITTED, "application-bulk-approve", None, "ids", A.APPROVED, BULK_APPROVE),
]


def _cases():
    for kind, status, url_name, action, body, after, outcomes in ROWS:
        for role in ROLES:
            yield pytest.param(
                role,
                kind,
                status,
                url_name,
                action,
                body,
                after,
                outcomes[role],
                id=f"{role}-{kind}-{status}-{action or url_name}",
            )


def _url(url_name: str, obj, action: str | None) -> str:
    return reverse(url_name, args=[obj.pk, action]) if action else reverse(url_name)


def _body(cast, obj, body) -> dict:
    if body == "ids":
        return {"ids": [obj.pk], "confirm": "yes"}
    return body(cast, obj) if callable(body) else body


@pytest.mark.parametrize(
    ("role", "kind", "status", "url_name", "action", "body", "after", "expected"), list(_cases())
)
def test_page_actions(cast, role, kind, status, url_name, action, body, after, expected):
    obj = make_batch(cast, status) if kind == "batch" else make_application(cast, status)
    client = Client()
    user = cast.by_role(role)
    if user is not None:
        client.force_login(user)

    response = client.post(_url(url_name, obj, action), _body(cast, obj, body))

    obj.refresh_from_db()
    levels = {message.level for message in get_messages(response.wsgi_request)}
    if expected == DONE:
        assert response.status_code == 302
        assert levels == {constants.SUCCESS}
        assert obj.status == after
        return
    assert obj.status == status, "a refused action changes nothing"
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif expected == REFUSED:
        assert response.status_code == 302
        assert levels == {constants.ERROR}
    else:
        assert response.status_code == expected
