"""`/api/v1/notifications/` and `/api/v1/me/notification-preferences/`: every role reads and
marks its own notifications and sets its own preferences; nobody sees or marks another's."""

import pytest

from core.models import Delivery, Notification, NotificationPreference
from tests.conftest import api_as
from tests.matrix import ROLES

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
LIST = "/api/v1/notifications/"
PREFERENCES = "/api/v1/me/notification-preferences/"
SIGNED_IN = [role for role in ROLES if role != "anonymous"]


def note(user, title="通知", kind=Kind.OTHER, **fields) -> Notification:
    return Notification.objects.create(user=user, title=title, kind=kind, **fields)


@pytest.mark.parametrize("role", SIGNED_IN)
def test_every_role_reads_and_marks_its_own_notifications_and_nobody_elses(cast, role):
    user = cast.by_role(role)
    own = note(user, "自己的", kind=Kind.DECISION)
    someone_elses = note(cast.other_official if role != "other_official" else cast.admin)
    client = api_as(user)

    listed = client.get(LIST).json()
    assert [n["id"] for n in listed["results"]] == [own.pk]
    assert client.get(f"{LIST}{someone_elses.pk}/").status_code == 404
    assert client.post(f"{LIST}{someone_elses.pk}/read/").status_code == 404
    assert Notification.objects.get(pk=someone_elses.pk).read_at is None

    answer = client.post(f"{LIST}{own.pk}/read/")
    assert answer.status_code == 200 and answer.json()["read_at"]
    assert client.post(f"{LIST}read-all/").json() == {"count": 0}

    assert client.get(PREFERENCES).status_code == 200
    changed = client.patch(PREFERENCES, [{"kind": "need", "delivery": "daily"}], format="json")
    assert changed.status_code == 200


def test_anonymous_is_refused(cast):
    assert api_as(None).get(LIST).status_code == 403
    assert api_as(None).get(PREFERENCES).status_code == 403


def test_filters_by_kind_and_read_or_not(cast):
    user = cast.staff
    need = note(user, "需求", kind=Kind.NEED)
    read = note(user, "已读投诉", kind=Kind.COMPLAINT)
    read.read_at = read.created_at
    read.save()
    client = api_as(user)

    def ids(query: str) -> list[int]:
        response = client.get(f"{LIST}?{query}")
        assert response.status_code == 200, response.content
        return sorted(n["id"] for n in response.json()["results"])

    assert ids("kind=need") == [need.pk]
    assert ids("unread=true") == [need.pk]
    assert ids("unread=false") == [read.pk]
    assert ids("kind=complaint&unread=true") == []
    bad = client.get(f"{LIST}?unread=yes")
    assert bad.status_code == 400 and "unread" in bad.json()["fields"]
    assert client.get(f"{LIST}?kind=weather").status_code == 400


def test_read_all_marks_every_unread_one_and_says_how_many(cast):
    user = cast.enterprise_user
    for kind in (Kind.NEED, Kind.NEED, Kind.DECISION):
        note(user, kind=kind)
    note(cast.staff)  # someone else's stays unread
    client = api_as(user)

    assert client.post(f"{LIST}read-all/", {"kind": "need"}, format="json").json() == {"count": 2}
    assert client.post(f"{LIST}read-all/").json() == {"count": 1}
    assert client.post(f"{LIST}read-all/").json() == {"count": 0}
    assert Notification.objects.filter(user=cast.staff, read_at__isnull=True).count() == 1


def test_reading_twice_keeps_the_first_reading(cast):
    own = note(cast.enterprise_user)
    client = api_as(cast.enterprise_user)
    first = client.post(f"{LIST}{own.pk}/read/").json()["read_at"]
    assert client.post(f"{LIST}{own.pk}/read/").json()["read_at"] == first


def test_an_id_that_is_not_a_number_or_too_large_is_not_found(cast):
    client = api_as(cast.enterprise_user)
    assert client.get(f"{LIST}abc/").status_code == 404
    assert client.post(f"{LIST}99999999999999999999/read/").status_code == 404


# --- preferences -------------------------------------------------------------------------


def test_preferences_list_every_kind_immediate_until_chosen(cast):
    answer = api_as(cast.enterprise_user).get(PREFERENCES).json()
    assert [entry["kind"] for entry in answer] == Kind.values
    assert {entry["delivery"] for entry in answer} == {"immediate"}


def test_patch_changes_the_kinds_sent_and_put_sets_them_all(cast):
    user = cast.enterprise_user
    client = api_as(user)

    patched = client.patch(
        PREFERENCES,
        [{"kind": "need", "delivery": "daily"}, {"kind": "notice", "delivery": "none"}],
        format="json",
    )
    assert patched.status_code == 200
    assert {e["kind"]: e["delivery"] for e in patched.json()}["need"] == "daily"
    client.patch(PREFERENCES, [{"kind": "decision", "delivery": "daily"}], format="json")
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    assert chosen == {"need": "daily", "notice": "none", "decision": "daily"}

    put = client.put(PREFERENCES, [{"kind": "complaint", "delivery": "none"}], format="json")
    assert put.status_code == 200
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    assert chosen == {"complaint": "none"}  # the others back to at once: no rows
    assert {e["kind"]: e["delivery"] for e in put.json()}["need"] == Delivery.IMMEDIATE


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([{"kind": "weather", "delivery": "daily"}], "kind"),
        ([{"kind": "need", "delivery": "weekly"}], "delivery"),
        ([{"kind": "need"}], "delivery"),
        ([{"kind": "need", "delivery": "daily"}, {"kind": "need", "delivery": "none"}], "kind"),
        # a government's answer is always e-mailed at once
        ([{"kind": "answer", "delivery": "daily"}], "delivery"),
    ],
)
@pytest.mark.parametrize("method", ["put", "patch"])
def test_an_unknown_kind_or_delivery_is_refused_naming_the_field(cast, body, field, method):
    client = api_as(cast.enterprise_user)
    answer = getattr(client, method)(PREFERENCES, body, format="json")
    assert answer.status_code == 400, answer.content
    assert field in answer.json()["fields"]
    assert not NotificationPreference.objects.exists()  # nothing half-saved


def test_a_body_that_is_not_a_list_is_refused(cast):
    answer = api_as(cast.enterprise_user).patch(PREFERENCES, {"kind": "need"}, format="json")
    assert answer.status_code == 400
