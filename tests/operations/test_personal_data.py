"""One's own data (docs/decisions/0028): the JSON download holds the user's own data and nobody
else's; an enterprise user asks for their account's deletion, the right managers (and admins)
confirm it — deactivated and anonymised at once — or decline it with a reason; the user may
withdraw while it waits, one waiting request at a time. With the pages' permissions matrix."""

import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from associations.models import Membership
from core.models import Event, Notification, NotificationPreference, Role, User
from core.tokens import ApiToken, token_create
from core.workflow import record_event
from market.models import Complaint
from operations.deletion import deletion_request_create
from operations.models import DeletionRequest
from supplies import services as needs
from supplies.models import Need
from tests.core.test_no_inline_code import duplicate_ids, inline_code
from tests.factories import AssociationFactory, MembershipFactory, UserFactory, staff_of
from tests.test_permissions_matrix import OBJECTS, _cases, check_page, url_for

pytestmark = pytest.mark.django_db

MY_DATA = "/operations/my-data/"
DOWNLOAD = "/operations/my-data/download/"
REQUESTS = "/operations/deletion-requests/"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _colleague(cast, **fields) -> User:
    """Another enterprise user of cast.member."""
    return UserFactory(role=Role.ENTERPRISE, enterprise=cast.member, **fields)


def _pending_deletion(cast) -> int:
    return deletion_request_create(actor=_colleague(cast), reason="不再使用").pk


OBJECTS["pending_deletion"] = _pending_deletion


def _labour_need(user, trade: str) -> Need:
    return needs.need_file(
        actor=user,
        kind=Need.Kind.LABOUR,
        trade=trade,
        headcount=3,
        needed_by=timezone.localdate() + timezone.timedelta(days=7),
    )


def _download(user) -> dict:
    response = _client(user).get(DOWNLOAD)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    text = b"".join(response.streaming_content).decode("utf-8")
    return text, json.loads(text)


# --- the download --------------------------------------------------------------------------------


def test_the_download_holds_my_data_and_not_a_colleagues_nor_another_enterprises(cast):
    me = cast.enterprise_user
    User.objects.filter(pk=me.pk).update(
        first_name="华", last_name="王", email="wang@example.com", phone="13800138001"
    )
    me.refresh_from_db()
    colleague = _colleague(cast, first_name="丽", last_name="赵", email="zhao@example.com")
    stranger = UserFactory(role=Role.ENTERPRISE, enterprise=cast.other_member, email="x@y.cn")
    mine = _labour_need(me, "装配工")
    theirs = _labour_need(colleague, "焊工赵丽专用")
    _labour_need(stranger, "缝纫工")
    NotificationPreference.objects.create(user=me, kind="need", delivery="daily")
    Notification.objects.create(user=me, title="您的需求已受理")
    Notification.objects.create(user=colleague, title="赵丽的通知")
    # I let the colleague act for the enterprise: the event names them
    record_event(cast.member, "enterprise.user_linked", actor=me, reason="赵丽")

    text, data = _download(me)

    assert data["schema"] == "resumption-portal.personal-data/1"
    assert data["generated_at"]
    assert "\n  " in text and "装配工" in text  # pretty, and UTF-8 rather than \u escapes
    account = data["account"]
    assert (account["id"], account["email"], account["phone"]) == (
        me.pk,
        "wang@example.com",
        "13800138001",
    )
    assert "password" not in account and me.password not in text
    assert data["enterprise"]["id"] == cast.member.pk
    assert data["notification_preferences"] == [{"kind": "need", "delivery": "daily"}]
    assert [n["title"] for n in data["notifications"]] == ["您的需求已受理"]
    assert [need["id"] for need in data["needs"]] == [mine.pk]
    assert {event["object_id"] for event in data["events_as_actor"]} >= {mine.pk}
    assert all(event["object_id"] != theirs.pk for event in data["events_as_actor"])
    linked = [e for e in data["events_as_actor"] if e["action"] == "enterprise.user_linked"]
    assert [(e["object_type"], e["reason"]) for e in linked] == [("enterprises.enterprise", "")]
    # nothing of the colleague nor of the other enterprise
    for foreign in ("赵丽", "zhao@example.com", colleague.username, "焊工", "缝纫工", "x@y.cn"):
        assert foreign not in text, foreign
    assert cast.other_member.name not in text


def test_the_download_has_my_complaints_and_events_about_my_account(cast):
    me = cast.enterprise_user
    complaint = Complaint.objects.create(
        association=cast.association,
        complainant=me,
        respondent_name="某药店",
        respondent_region_id="440106",
        category="price_gouging",
        what_happened="口罩一只卖五十元",
        happened_on=timezone.localdate(),
        place="天河路",
        verify_by=timezone.localdate(),
        answer_by=timezone.localdate(),
        resolve_by=timezone.localdate(),
    )
    Complaint.objects.create(
        association=cast.association,
        complainant=_colleague(cast),
        respondent_name="另一家店",
        respondent_region_id="440106",
        category="price_gouging",
        what_happened="同事的投诉",
        happened_on=timezone.localdate(),
        place="x",
        verify_by=timezone.localdate(),
        answer_by=timezone.localdate(),
        resolve_by=timezone.localdate(),
    )
    text, data = _download(me)
    assert [c["id"] for c in data["complaints"]] == [complaint.pk]
    assert "同事的投诉" not in text


def test_staff_download_their_own_account_data(cast):
    text, data = _download(cast.manager)
    assert data["account"]["role"] == Role.STAFF
    assert data["associations"] == [
        {
            "association_id": cast.association.pk,
            "association__name": cast.association.name,
            "is_manager": True,
        }
    ]
    assert cast.member.name not in text and 'enterprise_id": null' in text


def test_anonymous_visitors_are_sent_to_sign_in(db):
    for path in (MY_DATA, DOWNLOAD, REQUESTS):
        response = Client().get(path)
        assert response.status_code == 302 and "/login/" in response["Location"]


# --- asking, withdrawing -------------------------------------------------------------------------


def test_an_enterprise_user_asks_once_then_withdraws_then_may_ask_again(cast):
    client = _client(cast.enterprise_user)
    page = client.get(MY_DATA).content.decode()
    assert 'data-testid="deletion-ask"' in page

    refused = client.post("/operations/my-data/delete/", {"reason": "不用了"})
    assert refused.status_code == 400
    assert "Tick the box" in refused.content.decode() or "勾选" in refused.content.decode()
    assert not DeletionRequest.objects.exists()

    assert (
        client.post(
            "/operations/my-data/delete/", {"reason": "不用了", "confirm": "on"}
        ).status_code
        == 302
    )
    request = DeletionRequest.objects.get()
    assert (request.user, request.status, request.reason) == (
        cast.enterprise_user,
        "pending",
        "不用了",
    )
    assert 'data-testid="deletion-pending"' in client.get(MY_DATA).content.decode()

    again = client.post("/operations/my-data/delete/", {"confirm": "on"})
    assert again.status_code == 400
    assert DeletionRequest.objects.count() == 1

    other = DeletionRequest.objects.create(user=cast.outsider)  # someone else's: not found
    assert client.post("/operations/my-data/withdraw/", {"request": other.pk}).status_code == 404
    assert client.post("/operations/my-data/withdraw/", {"request": request.pk}).status_code == 302
    request.refresh_from_db()
    assert request.status == "withdrawn"
    assert client.post("/operations/my-data/delete/", {"confirm": "on"}).status_code == 302
    actions = list(
        Event.objects.filter(
            content_type=ContentType.objects.get_for_model(DeletionRequest)
        ).values_list("action", flat=True)
    )
    assert actions == [
        "deletionrequest.created",
        "deletionrequest.withdrawn",
        "deletionrequest.created",
    ]


def test_the_database_holds_one_waiting_request_per_user(cast):
    DeletionRequest.objects.create(user=cast.enterprise_user)
    with pytest.raises(IntegrityError), transaction.atomic():
        DeletionRequest.objects.create(user=cast.enterprise_user)
    DeletionRequest.objects.create(user=cast.enterprise_user, status="declined")


def test_staff_see_no_deletion_form_on_their_page(cast):
    page = _client(cast.staff).get(MY_DATA).content.decode()
    assert 'data-testid="my-data-download"' in page
    assert 'data-testid="deletion-ask"' not in page


# --- deciding ------------------------------------------------------------------------------------


def _asking(cast, **fields) -> tuple[User, DeletionRequest]:
    user = _colleague(
        cast, first_name="四", last_name="李", email="lisi@example.com", phone="139", **fields
    )
    return user, deletion_request_create(actor=user, reason="离职")


def test_only_the_managers_of_an_association_the_enterprise_belongs_to_see_the_request(cast):
    _user, request = _asking(cast)
    other_manager = staff_of(cast.other_association, manager=True)
    ours = _client(cast.manager).get(REQUESTS)
    assert ours.status_code == 200
    assert f'data-id="{request.pk}"' in ours.content.decode()
    assert f'data-id="{request.pk}"' in _client(cast.admin).get(REQUESTS).content.decode()
    theirs = _client(other_manager).get(REQUESTS)
    assert theirs.status_code == 200 and f'data-id="{request.pk}"' not in theirs.content.decode()
    for path in ("confirm", "decline"):
        url = f"{REQUESTS}{request.pk}/{path}/"
        body = {"confirm": "yes", "reason": "不行"}
        assert _client(other_manager).post(url, body).status_code == 404
        assert _client(cast.staff).post(url, body).status_code == 403
        assert _client(cast.enterprise_user).post(url, body).status_code == 403
    request.refresh_from_db()
    assert request.status == "pending"


def test_a_manager_loses_sight_once_the_enterprise_is_no_longer_an_active_member(cast):
    _user, request = _asking(cast)
    Membership.objects.filter(enterprise=cast.member).update(status="left")
    response = _client(cast.manager).post(f"{REQUESTS}{request.pk}/confirm/", {"confirm": "yes"})
    assert response.status_code == 404


def test_a_manager_of_another_association_of_the_same_member_may_decide(cast):
    third = AssociationFactory()
    MembershipFactory(enterprise=cast.member, association=third)
    _user, request = _asking(cast)
    response = _client(staff_of(third, manager=True)).get(REQUESTS)
    assert f'data-id="{request.pk}"' in response.content.decode()


def test_confirming_deactivates_and_anonymises_the_account_at_once(
    cast, django_capture_on_commit_callbacks, monkeypatch
):
    from core.tasks import send_signup_message

    sent = []
    monkeypatch.setattr(send_signup_message, "delay", lambda **message: sent.append(message))
    user, request = _asking(cast)
    _labour_need(user, "装配工")
    token_create(actor=user, name="对接")
    client = _client(cast.manager)

    unticked = client.post(f"{REQUESTS}{request.pk}/confirm/", {})
    assert unticked.status_code == 302
    user.refresh_from_db()
    assert user.is_active and user.anonymised_at is None

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{REQUESTS}{request.pk}/confirm/", {"confirm": "yes"})
    assert response.status_code == 302

    user.refresh_from_db()
    request.refresh_from_db()
    assert not user.is_active and user.anonymised_at is not None
    assert (user.first_name, user.last_name, user.email, user.phone) == ("", "", "", "")
    assert user.username == f"former-{user.pk}"
    assert (request.status, request.decided_by) == ("confirmed", cast.manager)
    assert request.decided_at is not None
    assert not ApiToken.objects.filter(user=user, revoked_at__isnull=True).exists()
    assert Need.objects.filter(created_by=user).count() == 1  # the figures stay
    user_events = list(
        Event.objects.filter(
            content_type=ContentType.objects.get_for_model(User), object_id=user.pk
        ).values_list("action", "actor_id")
    )
    assert ("user.deactivated", cast.manager.pk) in user_events
    assert ("user.anonymised", cast.manager.pk) in user_events
    assert Event.objects.filter(object_id=request.pk, action="deletionrequest.confirmed").exists()
    assert [m["address"] for m in sent] == ["lisi@example.com"]  # told at the address it had

    again = client.post(f"{REQUESTS}{request.pk}/confirm/", {"confirm": "yes"})
    assert again.status_code == 302  # decided already: a message, nothing done twice
    assert Event.objects.filter(object_id=user.pk, action="user.anonymised").count() == 1


def test_an_admin_confirms_through_the_accounts_deactivation(cast):
    user, request = _asking(cast)
    response = _client(cast.admin).post(f"{REQUESTS}{request.pk}/confirm/", {"confirm": "yes"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active and user.anonymised_at is not None
    event = Event.objects.get(object_id=user.pk, action="user.deactivated")
    assert event.actor == cast.admin


def test_declining_needs_a_reason_and_tells_the_user(cast):
    user, request = _asking(cast)
    client = _client(cast.manager)

    refused = client.post(f"{REQUESTS}{request.pk}/decline/", {"reason": "  "})
    assert refused.status_code == 400
    request.refresh_from_db()
    assert request.status == "pending"

    response = client.post(f"{REQUESTS}{request.pk}/decline/", {"reason": "尚有未结的投诉"})
    assert response.status_code == 302
    request.refresh_from_db()
    user.refresh_from_db()
    assert (request.status, request.decision_reason) == ("declined", "尚有未结的投诉")
    assert user.is_active and user.email == "lisi@example.com"
    told = Notification.objects.get(user=user)
    assert told.body == "尚有未结的投诉" and told.link == MY_DATA
    assert Event.objects.get(object_id=request.pk, action="deletionrequest.declined").reason == (
        "尚有未结的投诉"
    )
    # the user sees the decision, and may ask again
    page = _client(user).get(MY_DATA).content.decode()
    assert "尚有未结的投诉" in page and 'data-testid="deletion-ask"' in page


def test_a_withdrawn_request_can_no_longer_be_confirmed(cast):
    user, request = _asking(cast)
    _client(user).post("/operations/my-data/withdraw/", {"request": request.pk})
    _client(cast.manager).post(f"{REQUESTS}{request.pk}/confirm/", {"confirm": "yes"})
    user.refresh_from_db()
    assert user.is_active and user.anonymised_at is None


# --- the pages' matrix ---------------------------------------------------------------------------

SIGNED_IN = {"anonymous": 302}
DECIDERS = ("manager", "admin")
NOT_DECIDING = dict.fromkeys(
    (
        "enterprise_user",
        "outsider",
        "staff",
        "other_staff",
        "official",
        "other_official",
        "partner",
    ),
    403,
)
ASKERS = ("enterprise_user", "outsider")

PAGE_ROWS: list = [
    (MY_DATA, SIGNED_IN, 200),
    (DOWNLOAD, SIGNED_IN, 200),
    (REQUESTS, {**SIGNED_IN, **NOT_DECIDING}, 200),
    (f"{REQUESTS}{{pending_deletion}}/confirm/", {}, 405),
]

POST_ROWS: list = [
    (
        "post",
        "/operations/my-data/delete/",
        {**SIGNED_IN, **dict.fromkeys(ASKERS, 302)},
        403,
        {"confirm": "on"},
    ),
    (
        "post",
        f"{REQUESTS}{{pending_deletion}}/confirm/",
        {**SIGNED_IN, **NOT_DECIDING},
        302,
        {"confirm": "yes"},
    ),
    (
        "post",
        f"{REQUESTS}{{pending_deletion}}/decline/",
        {**SIGNED_IN, **NOT_DECIDING},
        302,
        {"reason": "不行"},
    ),
]


@pytest.mark.parametrize(("role", "method", "url", "expected"), list(_cases(PAGE_ROWS, False)))
def test_pages(cast, role, method, url, expected):
    check_page(cast, role, method, url, expected)


@pytest.mark.parametrize(
    ("role", "method", "url", "expected", "body"), list(_cases(POST_ROWS, True))
)
def test_posts(cast, role, method, url, expected, body):
    client = Client()
    user = cast.by_role(role)
    if user is not None:
        client.force_login(user)
    response = client.post(url_for(cast, url), body)
    assert response.status_code == expected, response.content[:300]


@pytest.mark.parametrize("role", ["enterprise_user", "staff", "manager", "admin"])
def test_the_pages_have_no_inline_code_and_no_id_twice(cast, role):
    OBJECTS["pending_deletion"](cast)
    _asking(cast)
    client = _client(cast.by_role(role))
    for path in (MY_DATA, REQUESTS):
        response = client.get(path)
        if response.status_code != 200:
            continue
        html = response.content.decode()
        assert not inline_code(html).found, path
        assert not duplicate_ids(html), path
