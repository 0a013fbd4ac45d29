"""The platform's administration at /operations/platform/ (admins only): its figures, an
association opened with its first manager invited, and deactivating or reactivating a user,
which ends their sessions and revokes their API tokens (core.accounts).

The pages' GET rows are in the central matrix (tests/test_permissions_matrix.py); the POSTs'
rows are here."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone, translation
from rest_framework.test import APIClient

from associations.models import Association, AssociationUser, Membership
from batches.models import Application
from core import accounts
from core.errors import Conflict, DomainError
from core.models import Event, Role, User
from core.tasks import send_password_link
from core.tokens import ApiToken, hash_key
from core.workflow import record_event
from integrations import services as webhooks
from notices.models import Notice
from reports.models import Report
from supplies.models import Need
from tests.conftest import PASSWORD
from tests.factories import (
    ApplicationFactory,
    BatchFactory,
    UserFactory,
    api_token,
    staff_of,
    valid_uscc,
)
from tests.matrix import ROLES
from tests.test_permissions_matrix import OBJECTS, _cases, url_for

pytestmark = pytest.mark.django_db

PLATFORM = "/operations/platform/"
NEW = "/operations/platform/associations/new/"
USERS = "/operations/platform/users/"
API_PAGE = "/api/v1/me/"


def deactivate_url(user) -> str:
    return f"{USERS}{user.pk}/deactivate/"


def reactivate_url(user) -> str:
    return f"{USERS}{user.pk}/reactivate/"


def new_association(**overrides) -> dict:
    """The page's form as sent: the association's fields and its first manager's."""
    return {
        "association-name": "广东省家具协会",
        "association-kind": "industry_association",
        "association-uscc": valid_uscc("51", "440100"),
        "association-region": "440100",
        "association-industries": ["C"],
        "association-contact_name": "陈主任",
        "association-contact_phone": "",
        "association-email": "",
        "manager-username": "chenli",
        "manager-first_name": "陈丽",
        "manager-email": "chenli@example.org",
        "manager-phone": "",
        **overrides,
    }


def as_admin(cast, *, english: bool = False) -> Client:
    client = Client()
    client.force_login(cast.admin)
    if english:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def signed_in(username: str) -> Client:
    """A browser that signed in through the login page: a real session and its cookie."""
    client = Client()
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    assert client.get("/dashboard/").status_code == 200
    return client


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def sessions_of(user) -> list[str]:
    store = import_module(settings.SESSION_ENGINE).SessionStore
    return [
        session.session_key
        for session in store.get_model_class().objects.all()
        if session.get_decoded().get("_auth_user_id") == str(user.pk)
    ]


def events_of(user, action: str) -> list[Event]:
    return list(
        Event.objects.filter(
            content_type=ContentType.objects.get_for_model(User), object_id=user.pk, action=action
        )
    )


# --- who may: the POSTs of every role ------------------------------------------------------


def _target(cast) -> int:
    return UserFactory(username="target", role=Role.ENTERPRISE, enterprise=cast.member).pk


def _inactive_target(cast) -> int:
    return UserFactory(username="gone", role=Role.ENTERPRISE, is_active=False).pk


OBJECTS.update({"platform_target": _target, "platform_inactive": _inactive_target})

NOT_ADMIN = dict.fromkeys([role for role in ROLES if role not in ("anonymous", "admin")], 403)
DEACTIVATION = {"reason": "离职", "confirm": "yes"}

POST_ROWS = [
    ("post", NEW, {"anonymous": 302, **NOT_ADMIN}, 302, new_association()),
    (
        "post",
        USERS + "{platform_target}/deactivate/",
        {"anonymous": 302, **NOT_ADMIN},
        302,
        DEACTIVATION,
    ),
    ("post", USERS + "{platform_inactive}/reactivate/", {"anonymous": 302, **NOT_ADMIN}, 302, {}),
    ("post", PLATFORM, {"anonymous": 302, **NOT_ADMIN}, 405, {}),
    ("post", USERS, {"anonymous": 302, **NOT_ADMIN}, 405, {}),
    ("get", USERS + "{platform_target}/deactivate/", {}, 405, None),
    ("get", USERS + "{platform_inactive}/reactivate/", {}, 405, None),
]


@pytest.mark.parametrize(
    ("role", "method", "url", "expected", "body"), list(_cases(POST_ROWS, True))
)
def test_posts(cast, role, method, url, expected, body):
    client = Client()
    user = cast.by_role(role)
    if user is not None:
        client.force_login(user)
    associations_before = Association.objects.count()
    path = url_for(cast, url)
    response = getattr(client, method)(path, body or {})
    assert response.status_code == expected, response.content[:300]
    if role == "anonymous" and expected == 302:
        assert response["Location"].startswith("/login/")
    if role != "admin":
        # Refused: nothing was written.
        assert Association.objects.count() == associations_before
        assert not User.objects.filter(username="chenli").exists()
        assert User.objects.filter(username="target", is_active=False).count() == 0
        assert User.objects.filter(username="gone", is_active=True).count() == 0


# --- the figures -----------------------------------------------------------------------------


def figure(response, name: str) -> int:
    """The number a figure of the page shows (its element carries data-figure="name")."""
    html = response.content.decode()
    start = html.index(f'data-figure="{name}"')
    value_start = html.index('class="figure">', start) + len('class="figure">')
    return int(html[value_start : html.index("<", value_start)])


def role_row(response, role: str) -> dict:
    """The numbers of one row of the users' table (the totals' are in <strong>)."""
    html = response.content.decode()
    start = html.index(f'<tr data-role="{role}">')
    row = html[start : html.index("</tr>", start)].replace("<strong>", "").replace("</strong>", "")
    values = {}
    for name in ("active", "inactive", "signed_in"):
        at = row.index(f'data-figure="{name}">') + len(f'data-figure="{name}">')
        values[name] = int(row[at : row.index("<", at)])
    return values


def test_the_figures_of_a_small_platform(cast):
    now = timezone.now()
    # Users: the cast (2 enterprise users, 3 staff, 2 officials, 1 partner, 1 admin), one more
    # enterprise user deactivated, and sign-ins: two lately, one long ago.
    UserFactory(username="left", role=Role.ENTERPRISE, is_active=False)
    User.objects.filter(pk__in=[cast.staff.pk, cast.official.pk]).update(last_login=now)
    User.objects.filter(pk=cast.manager.pk).update(last_login=now - timedelta(days=30))
    # A third association, without members; one membership of the cast ended.
    third = Association.objects.create(
        name="广东省纺织协会",
        kind="industry_association",
        uscc=valid_uscc("51"),
        region_id="440100",
    )
    Membership.objects.filter(enterprise=cast.other_member).update(status=Membership.Status.LEFT)
    # Applications: one submitted, one approved.
    batch = BatchFactory(association=cast.association, created_by=cast.staff)
    ApplicationFactory(batch=batch, enterprise=cast.member, created_by=cast.enterprise_user)
    ApplicationFactory(
        batch=batch,
        enterprise=cast.other_member,
        created_by=cast.enterprise_user,
        status=Application.Status.APPROVED,
    )
    # Needs: two open (one escalated), one resolved.
    for status, closed in (("open", None), ("escalated", None), ("resolved", now)):
        Need.objects.create(
            kind=Need.Kind.DIFFICULTY,
            difficulty_kind="transport",
            description="货车无法通行",
            enterprise=cast.member,
            association=cast.association,
            status=status,
            created_by=cast.enterprise_user,
            closed_at=closed,
        )
    # Reports: one generated now, one generated two weeks ago, one not generated.
    for generated in (now, now - timedelta(days=14), None):
        Report.objects.create(
            association=cast.association,
            period_type="week",
            period_start=now.date() - timedelta(days=7),
            period_end=now.date(),
            generated_at=generated,
            version=Report.objects.count() + 1,
        )
    # Notices: one published now, one two months ago, one draft.
    for published in (now, now - timedelta(days=62), None):
        Notice.objects.create(
            association=cast.association,
            title="复工指引",
            body="正文",
            category="resumption",
            status="published" if published else "draft",
            published_at=published,
            created_by=cast.staff,
        )
    # Webhook endpoints: two, one turned off.
    for _ in range(2):
        endpoint = webhooks.endpoint_register(
            actor=cast.manager,
            url="https://93.184.216.34/hooks",
            event_types=["*"],
            account=cast.partner,
        )
    webhooks.endpoint_switch(actor=cast.manager, endpoint_id=endpoint.pk, active=False)
    # Events: whatever the services wrote just now, and one of three days ago.
    record_event(third, "association.created", actor=None, at=now - timedelta(days=3))
    recent_events = Event.objects.filter(at__gte=timezone.now() - timedelta(hours=24)).count()

    response = as_admin(cast).get(PLATFORM)

    assert response.status_code == 200
    assert figure(response, "associations") == 3
    assert figure(response, "associations_with_members") == 1
    assert figure(response, "enterprises") == 2
    assert figure(response, "memberships_active") == 1
    assert figure(response, "applications_submitted") == 1
    assert figure(response, "applications_approved") == 1
    assert figure(response, "applications_draft") == 0
    assert figure(response, "needs_open") == 2
    assert figure(response, "needs_escalated") == 1
    assert figure(response, "reports_this_week") == 1
    assert figure(response, "notices_this_month") == 1
    assert figure(response, "webhooks_active") == 1
    assert figure(response, "webhooks_disabled") == 1
    assert figure(response, "events_24h") == recent_events
    assert recent_events == Event.objects.count() - 1
    assert role_row(response, Role.ENTERPRISE) == {"active": 2, "inactive": 1, "signed_in": 0}
    assert role_row(response, Role.STAFF) == {"active": 3, "inactive": 0, "signed_in": 1}
    assert role_row(response, Role.OFFICIAL) == {"active": 2, "inactive": 0, "signed_in": 1}
    assert role_row(response, Role.PARTNER) == {"active": 1, "inactive": 0, "signed_in": 0}
    # The administrator signed in to read the page.
    assert role_row(response, Role.ADMIN) == {"active": 1, "inactive": 0, "signed_in": 1}
    assert role_row(response, "all") == {"active": 9, "inactive": 1, "signed_in": 3}


def test_the_figures_take_a_fixed_number_of_queries_whatever_the_data(
    cast, django_assert_max_num_queries
):
    client = as_admin(cast)
    client.get(PLATFORM)  # sessions, content types and the like, read once
    for n in range(30):
        UserFactory(username=f"more{n}", role=Role.ENTERPRISE)
    with django_assert_max_num_queries(30):
        assert client.get(PLATFORM).status_code == 200


def test_the_navigation_leads_administrators_to_the_platform(cast):
    assert f'href="{PLATFORM}"' in as_admin(cast).get("/dashboard/").content.decode()
    client = Client()
    client.force_login(cast.manager)
    assert f'href="{PLATFORM}"' not in client.get("/dashboard/").content.decode()


# --- a new association with its first manager ------------------------------------------------


def test_an_association_is_created_with_its_first_manager_invited(
    cast, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_admin(cast).post(NEW, new_association())

    association = Association.objects.get(name="广东省家具协会")
    assert response.status_code == 302
    assert response["Location"] == f"/associations/{association.pk}/"
    assert association.region_id == "440100"
    assert list(association.industries.values_list("code", flat=True)) == ["C"]
    manager = User.objects.get(username="chenli")
    assert manager.role == Role.STAFF and manager.first_name == "陈丽"
    assert not manager.has_usable_password()
    assert AssociationUser.objects.get(user=manager).is_manager
    assert AssociationUser.objects.get(user=manager).association == association
    history = list(
        Event.objects.filter(
            content_type=ContentType.objects.get_for_model(Association), object_id=association.pk
        ).values_list("action", "actor")
    )
    assert history == [
        ("association.created", cast.admin.pk),
        ("association.staff_invited", cast.admin.pk),
    ]
    # The invitation is queued once the transaction committed; a worker sends it.
    [email] = queued
    assert email["user_id"] == manager.pk and not email.get("by_text")
    send_password_link(**email)
    [message] = mail.outbox
    assert message.to == ["chenli@example.org"]
    assert "chenli" in message.body and "广东省家具协会" in message.body

    # The new manager manages it: the association's page offers them its invitations.
    page = Client()
    page.force_login(manager)
    assert page.get(f"/associations/{association.pk}/invite/").status_code == 200


def test_a_manager_with_only_a_mobile_number_is_invited_by_text(
    cast, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_admin(cast).post(
            NEW, new_association(**{"manager-email": "", "manager-phone": "138 1234 5678"})
        )

    assert response.status_code == 302
    manager = User.objects.get(username="chenli")
    assert manager.phone == "+8613812345678" and manager.email == ""
    [email] = queued
    assert email["user_id"] == manager.pk and email["by_text"] is True


@pytest.mark.parametrize(
    ("overrides", "form_field", "message"),
    [
        # refused by the manager's form
        (
            {"manager-email": "", "manager-phone": ""},
            "manager-email",
            "Give an e-mail address or a mobile number to send the invitation to.",
        ),
        # refused by the association's service
        ({"association-uscc": "123"}, "association-uscc", None),
        # refused by the invitation's service, after the association was written
        ({"manager-username": "staff"}, "manager-username", "This username is taken"),
        ({"manager-phone": "12345", "manager-email": ""}, "manager-phone", None),
        ({"manager-phone": "chen@example.org"}, "manager-phone", "the e-mail address has its"),
    ],
)
def test_a_refused_form_writes_nothing_and_keeps_what_was_typed(
    cast, queued, django_capture_on_commit_callbacks, overrides, form_field, message
):
    associations = Association.objects.count()
    users = User.objects.count()
    events = Event.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        response = as_admin(cast, english=True).post(NEW, new_association(**overrides))

    assert response.status_code == 400
    html = response.content.decode()
    assert "广东省家具协会" in html and "陈丽" in html  # as typed
    # The error is shown at its field (the field's block carries has-error).
    field_at = html.index(f'name="{form_field}"')
    block = html[html.rindex('<div class="field', 0, field_at) : html.index("</div>", field_at)]
    assert "has-error" in block
    if message:
        assert message in block
    assert Association.objects.count() == associations
    assert User.objects.count() == users
    assert Event.objects.count() == events
    assert queued == []


def test_an_association_the_same_credit_code_as_another_is_refused(cast):
    response = as_admin(cast).post(
        NEW, new_association(**{"association-uscc": cast.association.uscc})
    )
    assert response.status_code == 400
    assert not User.objects.filter(username="chenli").exists()


# --- deactivating and reactivating -----------------------------------------------------------


def test_deactivating_ends_the_sessions_and_revokes_the_tokens(cast):
    target = cast.enterprise_user
    browser = signed_in(target.username)
    other_browser = signed_in(cast.outsider.username)  # someone else's session stays
    key = api_token(target, name="ERP")
    assert with_token(key).get(API_PAGE).status_code == 200
    assert sessions_of(target)

    response = as_admin(cast).post(
        deactivate_url(target), {"reason": "离开了企业", "confirm": "yes", "back": "q=enter"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{USERS}?q=enter"
    target.refresh_from_db()
    assert not target.is_active
    # The session cookie leads to the login page; the token answers 401.
    assert browser.get("/dashboard/")["Location"].startswith("/login/")
    assert sessions_of(target) == []
    assert with_token(key).get(API_PAGE).status_code == 401
    token = ApiToken.objects.get(key_hash=hash_key(key))
    assert token.revoke_reason == ApiToken.RevokeReason.DEACTIVATED
    assert token.revoked_by == cast.admin
    # One event, with the reason and who did it.
    [event] = events_of(target, "user.deactivated")
    assert event.actor == cast.admin and event.reason == "离开了企业"
    assert event.changes == {"is_active": [True, False]}
    # Nobody else was signed out, and the password does not let them in again.
    assert other_browser.get("/dashboard/").status_code == 200
    assert not Client().login(username=target.username, password=PASSWORD)


def test_reactivating_lets_the_account_sign_in_again_but_not_with_its_old_session_or_token(cast):
    target = cast.enterprise_user
    browser = signed_in(target.username)
    key = api_token(target)
    admin = as_admin(cast)
    admin.post(deactivate_url(target), {"reason": "核实身份", "confirm": "yes"})

    response = admin.post(reactivate_url(target), {"reason": "身份已核实"})

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.is_active
    [event] = events_of(target, "user.reactivated")
    assert event.actor == cast.admin and event.reason == "身份已核实"
    # The old session was deleted, not just refused: it does not come back.
    assert browser.get("/dashboard/")["Location"].startswith("/login/")
    assert with_token(key).get(API_PAGE).status_code == 401
    assert signed_in(target.username).get(API_PAGE).status_code == 200


def test_an_anonymised_account_is_not_reactivated(cast):
    from operations.personal_data import anonymise

    target = cast.enterprise_user
    accounts.deactivate(target, actor=cast.admin, reason="申请删除账号")
    anonymise(target.pk, actor=cast.admin)

    with pytest.raises(Conflict, match="anonymised"), translation.override("en"):
        accounts.reactivate(User.objects.get(pk=target.pk), actor=cast.admin)

    assert not User.objects.get(pk=target.pk).is_active
    assert events_of(target, "user.reactivated") == []


def test_a_deactivation_without_a_reason_or_the_ticked_box_does_nothing(cast):
    target = cast.enterprise_user
    key = api_token(target)
    admin = as_admin(cast, english=True)

    no_reason = admin.post(deactivate_url(target), {"reason": "  ", "confirm": "yes"})
    no_box = admin.post(deactivate_url(target), {"reason": "离职"})

    assert no_reason.status_code == 400
    assert "Say why the account is deactivated" in no_reason.content.decode()
    assert no_box.status_code == 400
    html = no_box.content.decode()
    assert "tick the box" in html
    assert "离职</textarea>" in html  # what was typed comes back
    target.refresh_from_db()
    assert target.is_active
    assert with_token(key).get(API_PAGE).status_code == 200
    assert events_of(target, "user.deactivated") == []
    with pytest.raises(DomainError) as refused:
        accounts.deactivate(target, actor=cast.admin, reason="")
    assert "reason" in refused.value.fields


def test_an_administrator_cannot_deactivate_themselves(cast):
    admin = as_admin(cast, english=True)

    response = admin.post(
        deactivate_url(cast.admin), {"reason": "试试", "confirm": "yes"}, follow=True
    )

    assert "You cannot deactivate your own account" in response.content.decode()
    cast.admin.refresh_from_db()
    assert cast.admin.is_active
    assert admin.get(PLATFORM).status_code == 200


def test_the_last_active_administrator_is_not_deactivated(cast):
    """Two administrators deactivating each other at once: the second, whose request began
    before the first one's ended, would leave nobody."""
    second = UserFactory(username="admin2", role=Role.ADMIN)
    accounts.deactivate(User.objects.get(pk=second.pk), actor=cast.admin, reason="轮岗")

    with translation.override("en"), pytest.raises(Conflict, match="last active administrator"):
        accounts.deactivate(cast.admin, actor=second, reason="轮岗")

    cast.admin.refresh_from_db()
    assert cast.admin.is_active
    # A deactivated administrator may do nothing more.
    with pytest.raises(PermissionDenied):
        accounts.deactivate(cast.manager, actor=second, reason="轮岗")
    cast.manager.refresh_from_db()
    assert cast.manager.is_active


def test_deactivating_an_inactive_account_is_refused_with_a_banner(cast):
    target = cast.outsider
    admin = as_admin(cast, english=True)
    admin.post(deactivate_url(target), {"reason": "离职", "confirm": "yes"})

    again = admin.post(deactivate_url(target), {"reason": "离职", "confirm": "yes"}, follow=True)

    assert "outsider is deactivated already." in again.content.decode()
    assert len(events_of(target, "user.deactivated")) == 1
    with pytest.raises(Conflict):
        accounts.reactivate(cast.enterprise_user, actor=cast.admin)


def test_only_administrators_use_the_services(cast):
    with pytest.raises(PermissionDenied):
        accounts.deactivate(cast.outsider, actor=cast.manager, reason="离职")
    with pytest.raises(PermissionDenied):
        accounts.reactivate(cast.outsider, actor=cast.official)
    cast.outsider.refresh_from_db()
    assert cast.outsider.is_active


# --- finding a user --------------------------------------------------------------------------


def test_users_are_found_by_name_contact_role_and_status(cast):
    staff_of(cast.association, username="wangfang", first_name="王芳", phone="+8613900001111")
    UserFactory(username="zhaolei", email="zhao@example.org", is_active=False)
    admin = as_admin(cast)

    def found(query: str) -> list[str]:
        html = admin.get(f"{USERS}?{query}").content.decode()
        return [
            user.username
            for user in User.objects.order_by("username")
            if f'data-id="{user.pk}"' in html
        ]

    assert found("q=王芳") == ["wangfang"]
    assert found("q=1390000") == ["wangfang"]
    assert found("q=zhao%40example") == ["zhaolei"]
    assert found("active=no") == ["zhaolei"]
    assert found("role=official") == ["official", "other_official"]
    assert found("role=staff&q=wang") == ["wangfang"]
    assert "wangfang" in found("active=yes") and "zhaolei" not in found("active=yes")


def test_the_users_list_is_paginated(cast):
    for n in range(60):
        UserFactory(username=f"bulk{n:02d}")
    admin = as_admin(cast)

    first = admin.get(f"{USERS}?q=bulk").content.decode()
    second = admin.get(f"{USERS}?q=bulk&page=2").content.decode()

    assert first.count('data-testid="user-row"') == 50
    assert second.count('data-testid="user-row"') == 10
    assert "page=2" in first
