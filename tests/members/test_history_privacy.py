"""A membership's history as each reader may read it: the association's side everything, as
recorded; the enterprise everything, people by name and role (never a login name); government
the status changes and when, people by role alone, without reasons or changed fields."""

import pytest
from django.urls import reverse

from tests.conftest import api_as

pytestmark = pytest.mark.django_db

SUSPENSION_REASON = "欠缴会费三个月，负责人态度恶劣"
REINSTATEMENT_REASON = "已补缴"


@pytest.fixture
def membership(cast):
    """The cast member's membership, suspended and reinstated by a member of staff with a full
    name, and its member number changed."""
    cast.staff.first_name = "王芳"
    cast.staff.save(update_fields=["first_name"])
    membership = cast.member.memberships.get(association=cast.association)
    staff = api_as(cast.staff)
    url = f"/api/v1/memberships/{membership.pk}"
    assert staff.post(f"{url}/suspend/", {"reason": SUSPENSION_REASON}).status_code == 200
    assert staff.post(f"{url}/reinstate/", {"reason": REINSTATEMENT_REASON}).status_code == 200
    assert staff.patch(f"{url}/", {"member_number": "GD-0099"}).status_code == 200
    return membership


def history(user, membership) -> list[dict]:
    response = api_as(user).get(f"/api/v1/memberships/{membership.pk}/history/")
    assert response.status_code == 200, response.content
    return response.json()


def test_an_official_reads_the_status_changes_and_roles_only(cast, membership):
    events = history(cast.official, membership)

    assert [(e["from_status"], e["to_status"]) for e in events] == [
        ("active", "suspended"),
        ("suspended", "active"),
    ]
    assert all(e["at"] for e in events)
    assert {e["actor"] for e in events} == {"协会工作人员"}
    assert {e["reason"] for e in events} == {""}
    assert {str(e["changes"]) for e in events} == {"{}"}


def test_the_official_api_answer_names_no_staff_and_gives_no_reason(cast, membership):
    body = api_as(cast.official).get(f"/api/v1/memberships/{membership.pk}/history/")

    text = body.content.decode()
    assert cast.staff.username not in {event["actor"] for event in body.json()}
    assert "王芳" not in text
    assert "欠缴会费" not in text and REINSTATEMENT_REASON not in text
    assert "GD-0099" not in text


def test_the_official_page_names_no_staff_and_gives_no_reason(cast, client, membership):
    client.force_login(cast.official)

    response = client.get(reverse("membership-detail", args=[membership.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    history = html[html.index('class="history"') :]
    assert "协会工作人员" in history
    assert f">{cast.staff.username}<" not in history and "王芳" not in history
    assert "欠缴会费" not in history and REINSTATEMENT_REASON not in history
    assert "GD-0099" not in history


def test_the_enterprise_reads_why_and_who_by_name_and_role_not_by_login_name(cast, membership):
    events = history(cast.enterprise_user, membership)

    assert {e["actor"] for e in events} == {"王芳 (协会工作人员)"}
    assert [e["reason"] for e in events if e["to_status"]] == [
        SUSPENSION_REASON,
        REINSTATEMENT_REASON,
    ]
    assert "membership.updated" in {e["action"] for e in events}


def test_a_member_of_staff_without_a_full_name_is_named_by_role(cast, membership):
    cast.staff.first_name = ""
    cast.staff.save(update_fields=["first_name"])

    events = history(cast.enterprise_user, membership)

    assert {e["actor"] for e in events} == {"协会工作人员"}


def test_the_association_reads_its_whole_history_as_recorded(cast, membership):
    events = history(cast.manager, membership)

    assert {e["actor"] for e in events} == {cast.staff.username}
    assert SUSPENSION_REASON in {e["reason"] for e in events}
    assert {"member_number": ["", "GD-0099"]} in [e["changes"] for e in events]
