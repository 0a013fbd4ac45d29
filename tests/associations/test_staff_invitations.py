"""An invitation whose e-mail fails is not lost: the account is created and the page answers
whatever the mail server does, the e-mail is a retried task of its own, and a manager can send
the invitation again to staff who never set a password."""

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.urls import reverse

from associations.services import staff_invite
from core.models import User
from core.tasks import send_password_link
from core.workflow import history_for
from resumption_portal.celery import app as celery_app
from tests import mail_servers
from tests.conftest import api_as
from tests.factories import staff_of
from tests.matrix import ROLES

pytestmark = pytest.mark.django_db

RESENT = "association.staff_invitation_resent"


@pytest.fixture(autouse=True)
def _fresh_mail_servers():
    mail_servers.reset()


@pytest.fixture
def sent_now(monkeypatch) -> list[dict]:
    """The password-link e-mails, each sent as soon as it is queued, as a worker would."""
    emails: list[dict] = []

    def send(**email):
        emails.append(email)
        send_password_link(**email)

    monkeypatch.setattr(send_password_link, "delay", send)
    return emails


def invitee_of(association, username: str = "liwei", **fields) -> User:
    """Staff invited to `association` (by one of its managers) who have not set a password."""
    manager = staff_of(association, manager=True)
    return staff_invite(
        actor=manager,
        association_id=association.pk,
        username=username,
        email=fields.pop("email", f"{username}@example.org"),
        **fields,
    )


def resend(user, association, invitee_id: int):
    return api_as(user).post(
        f"/api/v1/associations/{association.pk}/staff/{invitee_id}/resend-invitation/"
    )


def link_in(message) -> str:
    return re.search(r"http://testserver(/\S+)", message.body).group(1)


# --- the mail server down ----------------------------------------------------------------


def test_with_the_mail_server_down_an_invitation_creates_the_account_and_the_page_answers(
    cast, client, settings, queued, django_capture_on_commit_callbacks, monkeypatch
):
    settings.EMAIL_BACKEND = "tests.mail_servers.MailServerDown"
    client.force_login(cast.manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("association-invite", args=[cast.association.pk]),
            {"username": "newstaff", "email": "new@example.org", "first_name": "新同事"},
        )

    assert response.status_code == 302
    invitee = User.objects.get(username="newstaff")
    assert not invitee.has_usable_password()
    # The e-mail is a task of its own: the worker tries it, and tries it again, while the mail
    # server is down (run eagerly here, the retries follow one another at once).
    [email] = queued
    monkeypatch.setattr(celery_app.conf, "task_eager_propagates", False)
    assert send_password_link.apply(kwargs=email).failed()
    assert mail_servers.MailServerDown.attempts == send_password_link.max_retries + 1
    assert mail.outbox == []

    # The server is back; the invitation went astray: the manager sends it again.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("association-resend-invitation", args=[cast.association.pk, invitee.pk])
        )
    [email] = queued[1:]
    send_password_link(**email)  # what the worker runs
    [message] = mail.outbox
    assert message.to == ["new@example.org"]
    assert "newstaff" in message.body and cast.association.name in message.body

    # The invitee sets a password through the link and logs in.
    invited = Client()
    form = invited.get(link_in(message), follow=True)
    invited.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Resume-Work-2020!", "new_password2": "Resume-Work-2020!"},
    )
    assert invited.login(username="newstaff", password="Resume-Work-2020!")


# --- resending ------------------------------------------------------------------------------


def test_a_manager_resends_an_invitation_and_it_is_kept_in_the_history(
    cast, sent_now, django_capture_on_commit_callbacks
):
    invitee = invitee_of(cast.association)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = resend(cast.manager, cast.association, invitee.pk)

    assert response.status_code == 200
    assert response.json() == {"id": invitee.pk, "username": "liwei"}
    [message] = mail.outbox
    assert message.to == ["liwei@example.org"]
    token = link_in(message).rstrip("/").rsplit("/", 1)[-1]
    assert default_token_generator.check_token(invitee, token)
    event = history_for(cast.association).get(action=RESENT)
    assert (event.actor, event.reason) == (cast.manager, "liwei")


def test_an_admin_may_resend_an_invitation(cast, queued, django_capture_on_commit_callbacks):
    invitee = invitee_of(cast.association)
    with django_capture_on_commit_callbacks(execute=True):
        assert resend(cast.admin, cast.association, invitee.pk).status_code == 200
    assert [email["user_id"] for email in queued] == [invitee.pk]


def _has_set_a_password(cast, invitee) -> int:
    invitee.set_password("Resume-Work-2020!")
    invitee.save()
    return invitee.pk


def _deactivated(cast, invitee) -> int:
    invitee.is_active = False
    invitee.save()
    return invitee.pk


REFUSALS = {
    # who asks, for which association, for which account (given the cast and a fresh invitee)
    "staff": ("staff", "association", lambda cast, invitee: invitee.pk),
    "partner": ("partner", "association", lambda cast, invitee: invitee.pk),
    "manager-of-another-association": (
        "other_manager",
        "association",
        lambda cast, invitee: invitee.pk,
    ),
    "another-associations-invitee": (
        "manager",
        "association",
        lambda cast, invitee: invitee_of(cast.other_association, "wangfang").pk,
    ),
    "another-association-in-the-url": (
        "manager",
        "other_association",
        lambda cast, invitee: invitee.pk,
    ),
    "account-in-use": ("manager", "association", lambda cast, invitee: cast.staff.pk),
    "invitee-who-set-a-password": ("manager", "association", _has_set_a_password),
    "deactivated-invitee": ("manager", "association", _deactivated),
    "not-staff": ("manager", "association", lambda cast, invitee: cast.enterprise_user.pk),
    "no-such-account": ("manager", "association", lambda cast, invitee: 987654321),
    "an-id-past-the-database-integers": ("manager", "association", lambda cast, invitee: 10**20),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_resending_is_refused_for_anyone_else_and_sends_nothing(
    cast, case, queued, django_capture_on_commit_callbacks
):
    who, where, account = REFUSALS[case]
    invitee = invitee_of(cast.association)
    actor = staff_of(cast.other_association, manager=True) if who == "other_manager" else None
    target = account(cast, invitee)
    queued.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = resend(actor or cast.by_role(who), getattr(cast, where), target)

    assert response.status_code == 403
    assert queued == []
    assert not history_for(cast.association).filter(action=RESENT).exists()
    assert not history_for(cast.other_association).filter(action=RESENT).exists()


# --- the association's page ----------------------------------------------------------------


def staff_section(user, association) -> str:
    client = Client()
    client.force_login(user)
    page = client.get(reverse("association-detail", args=[association.pk])).content.decode()
    found = re.search(r'<section class="card" id="staff">.*?</section>', page, re.S)
    return found.group(0) if found else ""


def test_the_page_offers_to_resend_an_invitation_to_staff_without_a_password_only(cast):
    invitee = invitee_of(cast.association)

    section = staff_section(cast.manager, cast.association)

    rows = re.findall(r'<div class="title-row" data-testid="staff-member".*?</div>', section, re.S)
    by_name = {re.search(r'data-username="([^"]+)"', row).group(1): row for row in rows}
    assert 'data-action="resend-invitation"' in by_name[invitee.username]
    resend_url = reverse("association-resend-invitation", args=[cast.association.pk, invitee.pk])
    assert f'action="{resend_url}"' in by_name[invitee.username]
    assert 'data-action="resend-invitation"' not in by_name["staff"]
    assert "partner" not in by_name  # a partner system's account is not staff
    # Those who may not invite see no staff list, and no button.
    assert staff_section(cast.staff, cast.association) == ""
    assert staff_section(cast.other_staff, cast.association) == ""


def test_the_page_resends_an_invitation_and_says_so(
    cast, client, sent_now, django_capture_on_commit_callbacks
):
    invitee = invitee_of(cast.association)
    mail.outbox.clear()
    client.force_login(cast.manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("association-resend-invitation", args=[cast.association.pk, invitee.pk]),
            follow=True,
        )

    assert response.redirect_chain[-1][0].endswith(
        reverse("association-detail", args=[cast.association.pk]) + "#staff"
    )
    assert "liwei@example.org" in response.content.decode()  # the message names the address
    [message] = mail.outbox
    assert message.to == ["liwei@example.org"]


def test_the_resend_button_only_takes_a_post(cast, client):
    invitee = invitee_of(cast.association)
    client.force_login(cast.manager)
    url = reverse("association-resend-invitation", args=[cast.association.pk, invitee.pk])
    assert client.get(url).status_code == 405


@pytest.mark.parametrize("role", ROLES)
def test_who_may_press_the_resend_button(cast, role):
    invitee = invitee_of(cast.association)
    client = Client()
    if (user := cast.by_role(role)) is not None:
        client.force_login(user)

    response = client.post(
        reverse("association-resend-invitation", args=[cast.association.pk, invitee.pk])
    )

    resent = history_for(cast.association).filter(action=RESENT).exists()
    if role in ("manager", "admin"):
        assert (response.status_code, resent) == (302, True)
    elif role == "anonymous":
        assert response.status_code == 302 and not resent
        assert response["Location"].startswith(reverse("login"))
    else:
        assert (response.status_code, resent) == (403, False)
