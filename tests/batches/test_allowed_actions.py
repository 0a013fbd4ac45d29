"""The page and the API agree on what a user may do: the `allowed_actions` of a batch's or an
application's API payload are exactly the action buttons of its page, for each role and status,
and both are what the rules say."""

import re

import pytest
from django.test import Client

from batches.models import Application, Batch
from tests.conftest import api_as
from tests.factories import ApplicationFactory, BatchFactory

pytestmark = pytest.mark.django_db

A = Application.Status
B = Batch.Status
NOT_FOUND = 404

ROLES = ["enterprise_user", "staff", "manager", "other_staff", "partner", "official", "admin"]
STAFF_SIDE = ("staff", "manager", "partner", "admin")

# Buttons, links and forms that perform an action (not the history rows, which name events).
ACTION_ELEMENT = re.compile(r"<(?:a|button|form)\b[^>]*\bdata-action=\"([a-z_]+)\"")


def page_actions(user, url: str) -> set[str] | int:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    if response.status_code != 200:
        return response.status_code
    return set(ACTION_ELEMENT.findall(response.content.decode()))


def api_actions(user, url: str) -> set[str] | int:
    response = api_as(user).get(url)
    if response.status_code != 200:
        return response.status_code
    actions = response.json()["allowed_actions"]
    assert len(actions) == len(set(actions))
    return set(actions)


# --- batches ------------------------------------------------------------------------------

MANAGES = {
    B.DRAFT: {"edit", "open"},
    B.OPEN: {"edit", "close"},
    B.CLOSED: {"edit", "open", "complete"},
    B.COMPLETED: set(),
}


def expected_for_batch(role: str, status: str) -> set[str] | int:
    if role == "other_staff":
        return NOT_FOUND  # another association's batch does not exist for them
    if role in STAFF_SIDE:
        return MANAGES[status]
    # Members and officials see a batch once it is published, and change nothing.
    return NOT_FOUND if status == B.DRAFT else set()


@pytest.mark.parametrize("status", B.values)
@pytest.mark.parametrize("role", ROLES)
def test_a_batch_page_shows_exactly_the_actions_its_api_payload_allows(cast, role, status):
    batch = BatchFactory(association=cast.association, status=status, created_by=cast.staff)
    user = cast.by_role(role)

    api = api_actions(user, f"/api/v1/batches/{batch.pk}/")
    page = page_actions(user, f"/batches/{batch.pk}/")

    assert api == page == expected_for_batch(role, status)


# --- applications -------------------------------------------------------------------------

APPLICANT = {
    A.DRAFT: {"edit", "submit", "withdraw"},
    A.SUBMITTED: {"withdraw"},
    A.RETURNED: {"edit", "submit", "withdraw"},
    A.APPROVED: {"resume"},
}
DECIDER = {A.SUBMITTED: {"approve", "reject", "return"}}


def expected_for_application(role: str, status: str) -> set[str] | int:
    if role == "enterprise_user":
        return APPLICANT.get(status, set())
    if role == "other_staff":
        return NOT_FOUND
    if status == A.DRAFT and role != "admin":
        return NOT_FOUND  # a draft is the applicant's until it is handed in
    if role in STAFF_SIDE:
        return DECIDER.get(status, set())
    return set()  # the official follows, and decides nothing


@pytest.mark.parametrize("status", A.values)
@pytest.mark.parametrize("role", ROLES)
def test_an_application_page_shows_exactly_the_actions_its_api_payload_allows(cast, role, status):
    batch = BatchFactory(association=cast.association, created_by=cast.staff)
    application = ApplicationFactory(batch=batch, enterprise=cast.member, status=status)
    user = cast.by_role(role)

    api = api_actions(user, f"/api/v1/applications/{application.pk}/")
    page = page_actions(user, f"/applications/{application.pk}/")

    assert api == page == expected_for_application(role, status)


def test_the_answer_of_an_action_carries_the_actions_allowed_after_it(cast):
    batch = BatchFactory(association=cast.association, created_by=cast.staff)
    application = ApplicationFactory(batch=batch, enterprise=cast.member, status=A.SUBMITTED)

    returned = api_as(cast.staff).post(
        f"/api/v1/applications/{application.pk}/return/", {"reason": "请补充"}, format="json"
    )
    assert returned.json()["allowed_actions"] == []
    mine = api_as(cast.enterprise_user).get(f"/api/v1/applications/{application.pk}/")
    assert set(mine.json()["allowed_actions"]) == {"edit", "submit", "withdraw"}

    closed = api_as(cast.manager).post(f"/api/v1/batches/{batch.pk}/close/", {}, format="json")
    assert set(closed.json()["allowed_actions"]) == {"edit", "open", "complete"}


def test_allowed_actions_is_documented_in_the_schema(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    components = response.json()["components"]["schemas"]
    for name in ("Batch", "Application"):
        field = components[name]["properties"]["allowed_actions"]
        assert (field["type"], field["items"]["type"], field["readOnly"]) == (
            "array",
            "string",
            True,
        )
