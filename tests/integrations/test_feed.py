"""The change feed: commit order, scope, left-scope messages, filters and refusals."""

import threading

import pytest
from django.db import connection, transaction

from associations import services as membership_services
from associations.models import Membership
from core.models import Event, Region, Role
from enterprises import services as enterprise_services
from integrations import feed
from tests.conftest import api_as
from tests.factories import EnterpriseFactory, MembershipFactory, UserFactory
from tests.integrations.conftest import committed

pytestmark = pytest.mark.django_db


def _feed(user, **params):
    response = api_as(user).get("/api/v1/events/", params)
    assert response.status_code == 200, response.content
    return response.json()


def _types(page):
    return [(m["type"], m["data"]["object_id"]) for m in page["results"]]


def test_staff_read_their_members_changes_with_the_object_as_the_api_lists_it(cast):
    start = feed.end()
    enterprise_services.enterprise_update(
        actor=cast.admin, enterprise_id=cast.member.pk, employees=321
    )
    enterprise_services.enterprise_update(
        actor=cast.admin, enterprise_id=cast.other_member.pk, employees=55
    )
    committed()
    page = _feed(cast.staff, after=str(start))
    assert _types(page) == [("enterprise.updated", cast.member.pk)]
    message = page["results"][0]
    listed = api_as(cast.staff).get(f"/api/v1/enterprises/?id={cast.member.pk}").json()
    assert message["data"]["object"] == listed["results"][0]
    assert message["data"]["object"]["employees"] == 321
    assert message["id"].startswith("evt_")

    other = _feed(cast.other_staff, after=str(start))
    assert _types(other) == [("enterprise.updated", cast.other_member.pk)]
    # The official of Guangdong sees the Guangzhou member, not the Hangzhou one.
    assert _types(_feed(cast.official, after=str(start))) == [
        ("enterprise.updated", cast.member.pk)
    ]
    # An enterprise user sees its own enterprise only.
    assert _types(_feed(cast.enterprise_user, after=str(start))) == [
        ("enterprise.updated", cast.member.pk)
    ]
    assert _types(_feed(cast.outsider, after=str(start))) == []


def test_the_cursor_goes_on_where_the_last_page_ended_and_types_filter(cast):
    start = feed.end()
    for employees in (10, 11, 12):
        enterprise_services.enterprise_update(
            actor=cast.admin, enterprise_id=cast.member.pk, employees=employees
        )
    membership = Membership.objects.get(enterprise=cast.member, association=cast.association)
    membership_services.membership_suspend(
        actor=cast.manager, membership_id=membership.pk, reason="会费未缴"
    )
    committed()
    first = _feed(cast.staff, after=str(start), limit=2)
    assert len(first["results"]) == 2 and first["has_more"]
    rest = _feed(cast.staff, after=first["next_cursor"])
    assert [m["type"] for m in first["results"] + rest["results"]] == [
        "enterprise.updated",
        "enterprise.updated",
        "enterprise.updated",
        "membership.suspended",
    ]
    assert not rest["has_more"]
    assert _feed(cast.staff, after=rest["next_cursor"])["results"] == []

    only = _feed(cast.staff, after=str(start), types="membership.*")
    assert [m["type"] for m in only["results"]] == ["membership.suspended"]
    assert only["results"][0]["data"]["to_status"] == "suspended"


def test_a_membership_ending_tells_the_association_the_enterprise_left_its_scope(cast):
    start = feed.end()
    membership = Membership.objects.get(enterprise=cast.member, association=cast.association)
    membership_services.membership_leave(
        actor=cast.manager, membership_id=membership.pk, reason="迁出本省"
    )
    enterprise_services.enterprise_update(
        actor=cast.admin, enterprise_id=cast.member.pk, employees=99
    )
    committed()
    page = _feed(cast.partner, after=str(start))
    assert _types(page) == [
        ("membership.left", membership.pk),
        ("enterprise.left_scope", cast.member.pk),
    ]
    left = page["results"][1]
    assert left["data"]["object"] is None
    assert left["id"].endswith("_left_scope")
    # The enterprise's later change is no longer theirs to read.
    assert "enterprise.updated" not in [m["type"] for m in page["results"]]
    # Another association that still has it as a member is told nothing of a departure.
    MembershipFactory(enterprise=cast.member, association=cast.other_association)
    assert "enterprise.left_scope" not in [
        m["type"] for m in _feed(cast.other_staff, after=str(start))["results"]
    ]


def test_an_enterprise_moving_out_of_a_jurisdiction_is_a_left_scope_for_its_officials(cast):
    start = feed.end()
    enterprise_services.enterprise_update(
        actor=cast.admin, enterprise_id=cast.member.pk, region=Region.objects.get(pk="330106")
    )
    committed()
    assert _types(_feed(cast.official, after=str(start))) == [
        ("enterprise.left_scope", cast.member.pk)
    ]
    assert _types(_feed(cast.other_official, after=str(start))) == [
        ("enterprise.updated", cast.member.pk)
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"after": "abc"}, "after"),
        ({"after": "12"}, "after"),
        ({"types": "need.*,nothing.*"}, "types"),
        ({"types": "need.%"}, "types"),
        ({"types": ",".join(["need.*"] * 51)}, "types"),
        ({"limit": "0"}, "limit"),
        ({"limit": "5000"}, "limit"),
    ],
)
def test_bad_parameters_say_what_to_fix(cast, params, field):
    response = api_as(cast.partner).get("/api/v1/events/", params)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_anonymous_may_not_read_the_feed(cast):
    assert api_as(None).get("/api/v1/events/").status_code in (401, 403)


def test_now_starts_at_the_end(cast):
    enterprise_services.enterprise_update(
        actor=cast.admin, enterprise_id=cast.member.pk, employees=7
    )
    committed()
    assert _feed(cast.staff, after="now")["results"] == []


@pytest.mark.django_db(transaction=True)
def test_an_event_committed_late_is_never_behind_a_cursor_already_read():
    """Transaction A writes its event first but commits last; a reader between the two
    commits must not skip A's event (with event ids as the order, it would)."""
    user = UserFactory(role=Role.ADMIN, is_superuser=True, is_staff=True)
    first, second = EnterpriseFactory(), EnterpriseFactory()
    start = feed.end()
    a_wrote, a_may_commit = threading.Event(), threading.Event()

    def slow():
        try:
            with transaction.atomic():
                enterprise_services.enterprise_update(
                    actor=user, enterprise_id=first.pk, employees=1
                )
                a_wrote.set()
                a_may_commit.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=slow)
    thread.start()
    try:
        assert a_wrote.wait(10)
        enterprise_services.enterprise_update(actor=user, enterprise_id=second.pk, employees=2)
        page = feed.page(user, after=start, patterns=None)
        assert [m["data"]["object_id"] for m in page["results"]] == [second.pk]
    finally:
        a_may_commit.set()
        thread.join(10)
    slow_event = Event.objects.get(action="enterprise.updated", object_id=first.pk)
    fast_event = Event.objects.get(action="enterprise.updated", object_id=second.pk)
    assert slow_event.pk < fast_event.pk  # ids alone would put the late one behind the cursor
    later = feed.page(user, after=feed.Cursor.parse(page["next_cursor"]), patterns=None)
    assert [m["data"]["object_id"] for m in later["results"]] == [first.pk]


def test_pages_read_the_events_in_growing_windows_and_miss_none(cast, monkeypatch):
    """A page reads a few events first and more as it needs them (feed.page), across the
    events of one transaction and those an account may not see: every message once, in
    order, whatever the windows."""
    monkeypatch.setattr(feed, "FIRST_WINDOW", 2)
    start = feed.end()
    for employees in range(10, 17):
        enterprise_services.enterprise_update(
            actor=cast.admin, enterprise_id=cast.other_member.pk, employees=employees
        )
        enterprise_services.enterprise_update(
            actor=cast.admin, enterprise_id=cast.member.pk, employees=employees
        )
    committed()
    whole = feed.page(cast.staff, after=start, patterns=None, limit=100)["results"]
    assert [m["data"]["object_id"] for m in whole] == [cast.member.pk] * 7
    seen, cursor = [], str(start)
    for _ in range(10):
        page = feed.page(cast.staff, after=feed.Cursor.parse(cursor), patterns=None, limit=3)
        seen += [m["id"] for m in page["results"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert seen == [m["id"] for m in whole]
    assert feed.page(cast.staff, after=feed.Cursor.parse(cursor), patterns=None)["results"] == []
