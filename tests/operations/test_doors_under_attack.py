"""The operations pages against someone who sends what the forms never would: days at the ends
of the calendar in the audit log's filters, POSTs from another site (no CSRF token), and a
download of one's data that must not carry the names or numbers of the people one invited."""

import json

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver

from associations import services as association_services
from core.models import Role, User
from operations.deletion import deletion_request_create
from operations.models import DeletionRequest
from tests.factories import EnterpriseFactory, MembershipFactory, UserFactory, staff_of

pytestmark = pytest.mark.django_db

AUDIT = "/operations/audit/"
EXPORT = "/operations/audit/export.csv"


def _client(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


# --- the audit log's days ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, field",
    [
        ({"until": "9999-12-31"}, "until"),
        ({"since": "0001-01-01"}, "since"),
        ({"since": "2020-02-01", "until": "3000-01-01"}, "until"),
    ],
)
@pytest.mark.parametrize("url", [AUDIT, EXPORT])
def test_a_day_at_the_end_of_the_calendar_is_refused_with_the_field_to_fix(
    cast, params, field, url
):
    for user in (cast.admin, cast.manager, cast.official):
        response = _client(user).get(url, params)
        assert response.status_code == 400, (user.username, params)
        errors = response.context["form"].errors
        assert field in errors, errors
        assert "2000" in " ".join(errors[field]) and "2100" in " ".join(errors[field])


def test_days_of_the_portal_s_years_still_filter(cast):
    response = _client(cast.manager).get(AUDIT, {"since": "2000-01-01", "until": "2100-12-31"})
    assert response.status_code == 200


# --- CSRF on every POST ------------------------------------------------------------------------


def _operations_views():
    resolver = next(
        p
        for p in get_resolver().url_patterns
        if isinstance(p, URLResolver) and str(p.pattern) == "operations/"
    )
    return [pattern.callback for pattern in resolver.url_patterns]


def test_no_operations_page_is_exempt_from_the_csrf_check():
    views = _operations_views()
    assert len(views) >= 12
    assert [view.__name__ for view in views if getattr(view, "csrf_exempt", False)] == []


@pytest.fixture
def waiting(cast) -> DeletionRequest:
    colleague = UserFactory(role=Role.ENTERPRISE, enterprise=cast.member)
    return deletion_request_create(actor=colleague, reason="不再使用")


def test_posts_from_another_site_change_nothing(cast, waiting):
    """A form on another site, submitted with the victim's session cookie but without the token
    of the portal's own pages, is refused (403) by every POST of the operations app."""
    target = UserFactory(role=Role.STAFF)
    posts = [
        (cast.admin, f"/operations/platform/users/{target.pk}/deactivate/", {"reason": "x"}),
        (cast.admin, "/operations/platform/associations/new/", {"association-name": "新协会"}),
        (cast.manager, f"/operations/deletion-requests/{waiting.pk}/confirm/", {"confirm": "yes"}),
        (cast.manager, f"/operations/deletion-requests/{waiting.pk}/decline/", {"reason": "x"}),
        (waiting.user, "/operations/my-data/withdraw/", {"request": waiting.pk}),
        (cast.enterprise_user, "/operations/my-data/delete/", {"confirm": "on"}),
    ]
    for user, url, body in posts:
        response = _client(user, enforce_csrf_checks=True).post(url, body)
        assert response.status_code == 403, url
    waiting.refresh_from_db()
    target.refresh_from_db()
    assert waiting.status == DeletionRequest.Status.PENDING
    assert target.is_active
    assert not DeletionRequest.objects.filter(user=cast.enterprise_user).exists()
    deactivated = User.objects.get(pk=target.pk)
    reactivate = f"/operations/platform/users/{deactivated.pk}/reactivate/"
    User.objects.filter(pk=target.pk).update(is_active=False)
    response = _client(cast.admin, enforce_csrf_checks=True).post(reactivate, {"reason": "x"})
    assert response.status_code == 403
    assert not User.objects.get(pk=target.pk).is_active


# --- one's own data, not the people one invited ------------------------------------------------


def test_my_data_has_not_the_usernames_of_the_people_i_invited(cast):
    """Inviting a member's contact makes an account named by their mobile number; sending a staff
    invitation again names the invitee. The inviter's download keeps the events, not who."""
    enterprise = EnterpriseFactory(
        name="广州顺达五金有限公司",
        contact_name="陈静",
        contact_phone="+8613912345678",
    )
    membership = MembershipFactory(enterprise=enterprise, association=cast.association)
    association_services.contact_invite(actor=cast.manager, membership_ids=[membership.pk])
    invitee = staff_of(cast.association, username="waiting_staff_zhou", email="zhou@example.org")
    invitee.set_unusable_password()
    invitee.save()
    association_services.staff_invitation_resend(
        actor=cast.manager, association_id=cast.association.pk, user_id=invitee.pk
    )

    response = _client(cast.manager).get("/operations/my-data/download/")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")
    data = json.loads(text)
    actions = {event["action"] for event in data["events_as_actor"]}
    assert {"membership.contact_invited", "association.staff_invitation_resent"} <= actions
    assert "13912345678" not in text
    assert "waiting_staff_zhou" not in text
    assert data["account"]["username"] == cast.manager.username


# --- an enterprise that only asked to join ---------------------------------------------------


def test_asking_to_join_does_not_open_an_enterprise_s_history_to_the_other_association(cast):
    """The enterprise's own page keeps its history from staff of an association it has only
    asked to join; so does the audit log, until that association makes it a member."""
    from enterprises import services as enterprise_services

    enterprise_services.enterprise_update(
        actor=cast.enterprise_user, enterprise_id=cast.member.pk, contact_name="李雷"
    )
    b_manager = staff_of(cast.other_association, manager=True, username="b_manager")
    asked = association_services.membership_request(
        actor=cast.enterprise_user, association_id=cast.other_association.pk
    )
    assert asked.status == "pending"
    filters = {"kind": "enterprise", "object_id": cast.member.pk}

    response = _client(b_manager).get(AUDIT, filters)
    assert response.status_code == 200
    assert response.context["rows"] == []
    export = _client(b_manager).get(EXPORT, filters)
    assert len(b"".join(export.streaming_content).decode("utf-8-sig").splitlines()) == 1
    page = _client(b_manager).get(f"/enterprises/{cast.member.pk}/")
    assert page.status_code == 200 and page.context["history"] is None  # the page's own rule

    association_services.membership_add(
        actor=b_manager, association_id=cast.other_association.pk, enterprise_id=cast.member.pk
    )
    rows = _client(b_manager).get(AUDIT, filters).context["rows"]
    assert "enterprise.updated" in {row.event.action for row in rows}
