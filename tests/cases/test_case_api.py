"""The case library's API: search with snippets, filters, the workflow, "helped", suggestions,
and the scoping (out of scope answers 404)."""

import pytest

from cases.models import Case
from tests.cases.test_case_services import SHARED, make
from tests.conftest import api_as
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/cases/"


def test_search_returns_the_case_with_an_escaped_highlighted_snippet(cast):
    case = make(cast, {**SHARED, "summary": "<b>餐饮</b>员工到超市共享用工"})
    answer = api_as(cast.enterprise_user).get(URL, {"search": "用工"})
    assert answer.status_code == 200
    rows = answer.json()["results"]
    assert [r["id"] for r in rows] == [case.pk]
    assert "<mark>" in rows[0]["snippet"]
    assert "<b>" not in rows[0]["snippet"]


def test_filters_and_bad_ids(cast):
    make(cast)
    client = api_as(cast.official)
    assert client.get(URL, {"tag": "online_sales"}).json()["count"] == 0
    assert client.get(URL, {"tag": "shared_staffing", "industry": "H"}).json()["count"] == 1
    assert client.get(URL, {"region": "330000"}).json()["count"] == 0
    assert client.get(URL, {"association": "x"}).status_code == 400


def test_staff_write_review_publish_and_members_mark_helped_once(cast):
    staff = api_as(cast.staff)
    created = staff.post(URL, {**SHARED, "tags": ["shared_staffing", "remote_work"]}, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["status"] == "draft"
    member = api_as(cast.enterprise_user)
    assert member.get(f"{URL}{pk}/").status_code == 404
    assert api_as(cast.other_staff).post(f"{URL}{pk}/review/").status_code == 404
    assert staff.post(f"{URL}{pk}/publish/").status_code == 409
    assert staff.post(f"{URL}{pk}/review/").status_code == 200
    assert staff.post(f"{URL}{pk}/publish/").json()["status"] == "published"
    assert member.post(f"{URL}{pk}/helped/").json()["helped_count"] == 1
    assert member.post(f"{URL}{pk}/helped/").json()["helped_count"] == 1
    assert staff.post(f"{URL}{pk}/helped/").status_code == 403
    # published: other associations read it, and may not change it
    assert api_as(cast.other_staff).patch(f"{URL}{pk}/", {"title": "x"}).status_code == 403
    history = staff.get(f"{URL}{pk}/history/").json()
    assert [e["to_status"] for e in history if e["to_status"]] == ["draft", "reviewed", "published"]
    assert staff.post(f"{URL}{pk}/archive/").json()["status"] == "archived"
    assert member.get(f"{URL}{pk}/").status_code == 404


def test_a_member_suggests_a_case_that_others_do_not_see(cast):
    answer = api_as(cast.enterprise_user).post(
        URL,
        {"title": "远程办公两周", "summary": "全员居家办公", "tags": ["remote_work"]},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    pk = answer.json()["id"]
    other = UserFactory(role="enterprise", enterprise=cast.other_member)
    assert api_as(other).get(f"{URL}{pk}/").status_code == 404
    assert api_as(cast.other_staff).get(f"{URL}{pk}/").status_code == 404
    assert api_as(cast.official).get(f"{URL}{pk}/").status_code == 404
    assert api_as(cast.staff).get(f"{URL}{pk}/").status_code == 200
    assert api_as(cast.enterprise_user).post(f"{URL}{pk}/review/").status_code == 403
    assert Case.objects.get(pk=pk).suggested_by == cast.enterprise_user
    assert api_as(cast.official).post(URL, {"title": "x", "summary": "y"}).status_code == 403
    assert api_as(None).get(URL).status_code in (401, 403)
