"""A forgotten password: the portal e-mails a link to choose a new one, by the same retried task
as every e-mail, and answers the same whether or not an account uses the address, and whether or
not the mail server (or the broker) answers."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from kombu.exceptions import OperationalError as BrokerUnreachable

from associations.services import staff_invite
from core.tasks import send_password_link
from resumption_portal.celery import app as celery_app
from tests import mail_servers
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

RESET = "/password/reset/"
SENT = "/password/reset/sent/"
NEW_PASSWORD = "Resume-Work-2020!"
RATE = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])


@pytest.fixture(autouse=True)
def _fresh_mail_servers():
    mail_servers.reset()


@pytest.fixture
def owner(cast):
    cast.enterprise_user.email = "owner@huaxing.example.cn"
    cast.enterprise_user.save(update_fields=["email"])
    return cast.enterprise_user


@pytest.fixture
def ask(client, django_capture_on_commit_callbacks):
    """Ask for a link for `email`; what the request queues on commit is queued."""

    def ask(email: str):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(RESET, {"email": email})

    return ask


def test_the_emailed_link_sets_a_new_password(owner, client, ask, queued):
    response = ask("Owner@Huaxing.example.cn")  # the address, in any case

    assert response.status_code == 302 and response["Location"] == SENT
    [email] = queued
    send_password_link(**email)  # what the worker runs
    [message] = mail.outbox
    assert message.to == ["owner@huaxing.example.cn"]
    assert "enterprise" in message.body  # the account's username
    link = re.search(r"http://testserver(/password/reset/\S+/)", message.body).group(1)

    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert done.redirect_chain[-1][0] == reverse("password-reset-complete")
    assert Client().login(username="enterprise", password=NEW_PASSWORD)
    assert not Client().login(username="enterprise", password=PASSWORD)
    # The link works once.
    again = client.get(link, follow=True).content.decode()
    assert reverse("password-reset") in again


def test_an_unknown_address_gets_the_same_answer_and_no_email(owner, client, ask, queued):
    known = ask("owner@huaxing.example.cn")
    unknown = ask("nobody@example.org")

    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert [email["user_id"] for email in queued] == [owner.pk]
    page = client.get(SENT)
    assert page.status_code == 200
    assert 'data-testid="reset-sent"' in page.content.decode()


def test_an_invitation_still_waiting_for_its_password_is_not_sent_by_this_form(
    cast, ask, queued, django_capture_on_commit_callbacks
):
    """Django's rule: no link for an account without a usable password. An invitee's manager
    sends the invitation again (tests/associations/test_staff_invitations.py)."""
    with django_capture_on_commit_callbacks(execute=True):
        invitee = staff_invite(
            actor=cast.manager,
            association_id=cast.association.pk,
            username="liwei",
            email="liwei@example.org",
        )
    queued.clear()

    assert ask(invitee.email)["Location"] == SENT
    assert queued == []


def test_with_the_mail_server_down_the_page_still_says_the_email_is_on_its_way(
    owner, client, ask, settings, queued, monkeypatch
):
    settings.EMAIL_BACKEND = "tests.mail_servers.MailServerDown"

    response = ask(owner.email)

    assert response["Location"] == SENT
    assert client.get(SENT).status_code == 200
    # The e-mail is the worker's to send, and to try again (eagerly here, one try after another).
    [email] = queued
    monkeypatch.setattr(celery_app.conf, "task_eager_propagates", False)
    assert send_password_link.apply(kwargs=email).failed()
    assert mail_servers.MailServerDown.attempts == send_password_link.max_retries + 1


def test_with_the_broker_unreachable_the_page_still_answers_and_the_failure_is_logged(
    owner, ask, monkeypatch, caplog
):
    def unreachable(**email):
        raise BrokerUnreachable("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(send_password_link, "delay", unreachable)

    response = ask(owner.email)

    assert (response.status_code, response["Location"]) == (302, SENT)
    assert "_queue_password_link not queued (OperationalError)" in caplog.text


def test_an_invalid_link_says_so_and_offers_a_new_one(client):
    page = client.get("/password/reset/MQ/not-a-token/").content.decode()
    assert 'role="alert"' in page
    assert f'href="{reverse("password-reset")}"' in page


def test_asking_too_often_from_one_address_is_refused_for_a_while(owner, ask, queued):
    for _ in range(RATE):
        assert ask(owner.email).status_code == 302

    refused = ask(owner.email)

    assert refused.status_code == 429
    assert len(queued) == RATE


@pytest.mark.parametrize("url", [RESET, SENT, "/password/reset/complete/"])
def test_the_pages_open_without_logging_in(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert "<!DOCTYPE html>" in response.content.decode()  # the portal's own layout


def test_an_account_found_by_its_mobile_number_gets_the_link_by_text_message(
    owner, client, ask, queued
):
    from core import sms

    sms.outbox.clear()
    owner.phone = "+8613800138000"
    owner.save(update_fields=["phone"])

    response = ask("138 0013 8000")

    assert response.status_code == 302 and response["Location"] == SENT
    [email] = queued
    send_password_link(**email)
    [text] = sms.outbox
    assert text.number == "+8613800138000" and not mail.outbox
    link = re.search(r"http://testserver(/password/reset/\S+/)", text.text).group(1)
    form = client.get(link, follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)
    sms.outbox.clear()


def test_a_mobile_number_nobody_uses_is_answered_the_same(client, ask, queued):
    response = ask("139 1234 5678")
    assert response.status_code == 302 and response["Location"] == SENT
    assert not queued


def test_links_by_text_are_bounded_per_number_and_only_for_enterprise_users(
    owner, cast, ask, queued, django_capture_on_commit_callbacks
):
    from django.test import Client

    owner.phone = "+8613800138000"
    owner.save(update_fields=["phone"])
    cast.staff.phone = "+8613800138001"
    cast.staff.save(update_fields=["phone"])

    ask("13800138001")  # staff get their links by e-mail only
    assert not queued

    for _ in range(3):  # from three addresses: one text a minute to one number
        with_other_address = Client(REMOTE_ADDR=f"10.0.0.{_ + 1}")
        with django_capture_on_commit_callbacks(execute=True):
            response = with_other_address.post(RESET, {"email": "13800138000"})
        assert response.status_code == 302 and response["Location"] == SENT
    assert [e["by_text"] for e in queued] == [True]
