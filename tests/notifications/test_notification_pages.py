"""The notification centre (/notifications/) and the e-mail preferences
(/notifications/preferences/): a user's own notifications, filtered by kind and read or not,
opened (which marks them read), marked read all at once, and how the e-mails of each kind come."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from core.models import Delivery, Notification, NotificationPreference
from tests.core.test_no_inline_code import duplicate_ids, inline_code

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
CENTRE = "/notifications/"
PREFERENCES = "/notifications/preferences/"


def note(user, title, kind=Kind.OTHER, minutes_ago=0, **fields) -> Notification:
    return Notification.objects.create(
        user=user,
        title=title,
        kind=kind,
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
        **fields,
    )


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def shown(response) -> list[str]:
    return [n.title for n in response.context["page"]]


def test_the_centre_lists_ones_own_newest_first_and_filters_by_kind_and_read(cast):
    user = cast.enterprise_user
    note(user, "申请已批准", kind=Kind.DECISION, minutes_ago=3)
    read = note(user, "需求已匹配", kind=Kind.NEED, minutes_ago=2)
    note(user, "投诉已受理", kind=Kind.COMPLAINT, minutes_ago=1)
    note(cast.staff, "别人的通知")
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    client = as_user(user)

    assert shown(client.get(CENTRE)) == ["投诉已受理", "需求已匹配", "申请已批准"]
    assert shown(client.get(CENTRE, {"kind": "need"})) == ["需求已匹配"]
    assert shown(client.get(CENTRE, {"status": "unread"})) == ["投诉已受理", "申请已批准"]
    assert shown(client.get(CENTRE, {"status": "read"})) == ["需求已匹配"]
    empty = client.get(CENTRE, {"kind": "relief"})
    assert shown(empty) == [] and 'data-testid="notifications-none-match"' in empty.content.decode()
    # Looking at the list marks nothing read: opening a notification does.
    assert Notification.objects.filter(user=user, read_at__isnull=True).count() == 2


def test_opening_a_notification_marks_it_read_and_goes_to_what_it_is_about(cast):
    user = cast.enterprise_user
    notification = note(user, "申请已批准", link="/applications/")
    client = as_user(user)

    page = client.get(CENTRE).content.decode()
    assert f'href="/notifications/{notification.pk}/open/"' in page
    response = client.get(f"/notifications/{notification.pk}/open/")

    assert response.status_code == 302 and response["Location"] == "/applications/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_a_link_to_another_site_is_not_followed(cast):
    notification = note(cast.enterprise_user, "外部", link="https://evil.example.com/")
    response = as_user(cast.enterprise_user).get(f"/notifications/{notification.pk}/open/")
    assert response["Location"] == CENTRE


def test_nobody_opens_or_marks_another_users_notification(cast):
    others = note(cast.staff, "别人的通知", link="/applications/")
    client = as_user(cast.enterprise_user)
    assert client.get(f"/notifications/{others.pk}/open/").status_code == 404
    assert client.post(f"/notifications/{others.pk}/read/").status_code == 404
    client.post("/notifications/read-all/")
    others.refresh_from_db()
    assert others.read_at is None


def test_one_without_a_link_is_marked_read_with_its_button_and_the_list_stays_filtered(cast):
    notification = note(cast.staff, "系统维护", kind=Kind.OTHER)
    client = as_user(cast.staff)
    back = f"{CENTRE}?kind=other"
    assert 'data-testid="notification-read"' in client.get(back).content.decode()

    response = client.post(f"/notifications/{notification.pk}/read/", {"next": back})

    assert response["Location"] == back
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_mark_all_read_marks_the_kind_shown_or_all(cast):
    user = cast.official
    for kind in (Kind.NEED, Kind.NEED, Kind.ANSWER):
        note(user, "通知", kind=kind)
    client = as_user(user)

    response = client.post("/notifications/read-all/", {"kind": "need"}, follow=True)
    [message] = [str(m) for m in response.context["messages"]]
    assert "2" in message  # how many were marked
    assert Notification.objects.filter(user=user, read_at__isnull=True).count() == 1
    client.post("/notifications/read-all/", {"kind": ""})
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()
    assert client.get("/notifications/read-all/").status_code == 405


def test_the_top_bar_counts_the_unread(cast):
    user = cast.enterprise_user
    for n in range(3):
        note(user, f"通知 {n}")
    client = as_user(user)
    assert client.get("/dashboard/").context["unread_notifications"] == 3
    client.post("/notifications/read-all/")
    assert client.get("/dashboard/").context["unread_notifications"] == 0


def test_pages_keep_the_filter(cast):
    user = cast.enterprise_user
    for n in range(31):
        note(user, f"需求 {n}", kind=Kind.NEED, minutes_ago=n)
    note(user, "申请", kind=Kind.DECISION, minutes_ago=100)
    client = as_user(user)

    first = client.get(CENTRE, {"kind": "need"})
    assert len(shown(first)) == 30
    assert "?kind=need&amp;page=2" in first.content.decode()
    assert shown(client.get(CENTRE, {"kind": "need", "page": 2})) == ["需求 30"]


def test_the_centre_with_notifications_of_every_sort_has_no_inline_code_nor_an_id_twice(cast):
    user = cast.enterprise_user
    note(user, "有链接", kind=Kind.DECISION, link="/applications/", urgent=True)
    note(user, "没有链接一", body="第一行\n第二行")
    note(user, "没有链接二")
    for path in (CENTRE, f"{CENTRE}?kind=other&status=unread", PREFERENCES):
        html = as_user(user).get(path).content.decode()
        assert inline_code(html).found == []
        assert duplicate_ids(html) == []


# --- preferences -------------------------------------------------------------------------


def test_the_preferences_page_has_a_choice_per_kind_and_notes_the_urgent_ones(cast):
    NotificationPreference.objects.create(user=cast.staff, kind=Kind.NEED, delivery=Delivery.DAILY)
    response = as_user(cast.staff).get(PREFERENCES)
    html = response.content.decode()

    kinds = [row["kind"] for row in response.context["form"].rows()]
    assert kinds == Kind.values
    assert response.context["form"]["need"].value() == "daily"
    assert response.context["form"]["service"].value() == "immediate"
    assert 'name="answer"' not in html  # a government's answer: always at once
    assert 'data-testid="always-immediate"' in html


def test_saving_preferences_keeps_each_users_own(cast):
    client = as_user(cast.enterprise_user)
    choices = {kind: "immediate" for kind in Kind.values if kind != Kind.ANSWER}
    choices.update({"need": "daily", "notice": "none"})

    response = client.post(PREFERENCES, choices)

    assert response.status_code == 302 and response["Location"] == PREFERENCES
    saved = dict(
        NotificationPreference.objects.filter(user=cast.enterprise_user).values_list(
            "kind", "delivery"
        )
    )
    assert saved == {"need": "daily", "notice": "none"}
    assert not NotificationPreference.objects.exclude(user=cast.enterprise_user).exists()


def test_an_unknown_choice_is_shown_at_its_field_and_nothing_is_saved(cast):
    client = as_user(cast.enterprise_user)
    choices = {kind: "immediate" for kind in Kind.values if kind != Kind.ANSWER}
    choices["need"] = "weekly"

    response = client.post(PREFERENCES, choices)

    assert response.status_code == 200
    assert response.context["form"].errors["need"]
    assert not NotificationPreference.objects.exists()
