"""An enterprise user signs up: a code to a mobile number or an e-mail address proves it is
theirs, then they choose a username and a password and land on the page that registers their
enterprise. Nobody learns from these pages whether an address has an account."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext

from core import signup, sms
from core.errors import DomainError
from core.models import ContactVerification, Event, Role, User
from core.tasks import send_signup_message
from tests.concurrency import run_together
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

START = "/signup/"
VERIFY = "/signup/verify/"
PASSWORD = "Resume-Work-2020!"
WRONG_TEXT = "This code is not right; check the digits of the latest message."
SPENT_TEXT = "This code no longer works; ask for a new one."
RATE = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])


@pytest.fixture(autouse=True)
def _empty_outboxes():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def sent(monkeypatch) -> list[dict]:
    """The messages handed to Celery on commit, delivered at once as the worker would."""
    messages: list[dict] = []

    def deliver(**message):
        messages.append(message)
        send_signup_message.run(**message)

    monkeypatch.setattr(send_signup_message, "delay", deliver)
    return messages


@pytest.fixture
def ask(client, django_capture_on_commit_callbacks):
    def ask(contact: str, on=None):
        with django_capture_on_commit_callbacks(execute=True):
            return (on or client).post(START, {"contact": contact})

    return ask


def code_in(text: str) -> str:
    return re.search(r"\b(\d{6})\b", text).group(1)


def finish(client, code: str, username="huaxing_li", **extra):
    data = {
        "code": code,
        "username": username,
        "first_name": "李华",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    return client.post(VERIFY, {**data, **extra})


def test_signing_up_with_an_email_address(client, ask, sent):
    response = ask("Li.Hua@Huaxing.example.cn")
    assert response.status_code == 302 and response["Location"] == VERIFY
    page = client.get(VERIFY).content.decode()
    assert "li.hua@huaxing.example.cn" in page

    [message] = mail.outbox
    assert message.to == ["li.hua@huaxing.example.cn"]
    response = finish(client, code_in(message.body))

    assert response.status_code == 302 and response["Location"] == "/enterprises/register/"
    user = User.objects.get(username="huaxing_li")
    assert (user.role, user.email, user.first_name, user.enterprise_id) == (
        Role.ENTERPRISE,
        "li.hua@huaxing.example.cn",
        "李华",
        None,
    )
    assert user.check_password(PASSWORD)
    assert client.get("/enterprises/register/").status_code == 200  # logged in
    assert (
        Event.objects.get(object_id=user.pk, content_type__model="user").action == "user.signed_up"
    )


def test_signing_up_with_a_mobile_number(client, ask, sent):
    assert ask("138 0013 8000").status_code == 302
    [text] = sms.outbox
    assert text.number == "+8613800138000"
    assert "15" in text.text  # how long it works

    assert finish(client, code_in(text.text)).status_code == 302
    assert User.objects.get(username="huaxing_li").phone == "+8613800138000"
    assert not mail.outbox


@pytest.mark.parametrize(
    "contact, says",
    [
        (" ", "This field is required."),
        ("li.hua@", "This is not an e-mail address; write e.g. name@example.com."),
        (
            "020-87654321",
            "Codes are sent by text message: give a mobile number, or an e-mail address.",
        ),
        (
            "+44 7911 123456",
            "Text messages go to mainland China mobile numbers only; use an e-mail address.",
        ),
        (
            "12345",
            "This phone number does not exist; check the digits "
            "(a mobile has 11, a landline needs its area code).",
        ),
    ],
)
def test_an_unusable_address_is_refused_at_its_field(client, ask, sent, contact, says):
    response = ask(contact)
    assert response.status_code == 200
    assert response.context["form"].errors["contact"] == [gettext(says)]
    assert not sent and not ContactVerification.objects.exists()


def test_an_address_with_an_account_gets_a_notice_and_the_page_says_the_same(client, ask, sent):
    UserFactory(username="owner", email="owner@huaxing.example.cn", role=Role.ENTERPRISE)
    UserFactory(username="mobile_owner", phone="+8613800138000", role=Role.ENTERPRISE)

    taken = ask("OWNER@huaxing.example.cn")
    fresh_client = Client()
    fresh = ask("someone.new@huaxing.example.cn", on=fresh_client)

    assert taken.status_code == fresh.status_code == 302
    assert taken["Location"] == fresh["Location"] == VERIFY
    notice = next(m for m in mail.outbox if m.to == ["owner@huaxing.example.cn"])
    assert "/password/reset/" in notice.body and not re.search(r"\b\d{6}\b", notice.body)

    # No code opens the account of an address in use: not a guessed one, not any.
    for guess in ("000000", "123456"):
        response = finish(client, guess, username=f"taker{guess}")
        assert "code" in response.context["form"].errors
    assert not User.objects.filter(username__startswith="taker").exists()

    ask("138 0013 8000", on=Client())
    [text] = sms.outbox
    assert "/password/reset/" in text.text and not re.search(r"\b\d{6}\b", text.text)


def test_the_pages_for_a_taken_and_a_free_address_differ_only_in_the_address(client, ask, sent):
    UserFactory(username="owner", email="aa@huaxing.example.cn", role=Role.ENTERPRISE)
    other = Client()
    ask("aa@huaxing.example.cn")
    ask("bb@huaxing.example.cn", on=other)

    def page(c):
        html = c.get(VERIFY).content.decode()
        html = re.sub(r"(aa|bb)@huaxing", "X@huaxing", html)
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert page(client) == page(other)


def test_five_wrong_codes_end_the_code(client, ask, sent):
    ask("li.hua@huaxing.example.cn")
    code = code_in(mail.outbox[0].body)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(signup.MAX_ATTEMPTS):
        response = finish(client, wrong)
        assert response.context["form"].errors["code"] == [gettext(WRONG_TEXT)]
        assert response.context["form"]["username"].value() == "huaxing_li"  # input kept

    response = finish(client, code)
    assert response.context["form"].errors["code"] == [gettext(SPENT_TEXT)]
    assert not User.objects.filter(username="huaxing_li").exists()


def test_a_code_expires(client, ask, sent):
    ask("li.hua@huaxing.example.cn")
    ContactVerification.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = finish(client, code_in(mail.outbox[0].body))
    assert response.context["form"].errors["code"] == [gettext(SPENT_TEXT)]


def test_a_new_code_retires_the_old_one_and_codes_are_bounded(client, ask, sent):
    ask("li.hua@huaxing.example.cn")
    again = ask("li.hua@huaxing.example.cn")
    assert (
        gettext(
            "A code was sent to this address a moment ago; ask again in %(seconds)d seconds."
        ).split("%")[0]
        in again.context["form"].errors["contact"][0]
    )
    assert len(mail.outbox) == 1

    first = code_in(mail.outbox[0].body)
    ContactVerification.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    assert ask("li.hua@huaxing.example.cn").status_code == 302
    second = code_in(mail.outbox[1].body)
    if first != second:
        assert "code" in finish(client, first).context["form"].errors
    assert finish(client, second).status_code == 302

    # At most HOURLY_CODES an hour for one address, whoever asks.
    ContactVerification.objects.all().delete()
    now = timezone.now()
    for minutes in range(signup.HOURLY_CODES):
        ContactVerification.objects.create(
            channel="email",
            address="busy@huaxing.example.cn",
            code_hash="x",
            created_at=now - timedelta(minutes=50 - minutes * 5),
            expires_at=now,
        )
    refused = ask("busy@huaxing.example.cn", on=Client())
    assert (
        refused.context["form"]
        .errors["contact"][0]
        .startswith(
            gettext("Too many codes were sent to this address; ask again after %(time)s.").split(
                "%"
            )[0]
        )
    )


def test_a_code_makes_one_account_even_sent_twice_at_once(ask, sent, transactional_db):
    verification = signup.send_code(contact_text="li.hua@huaxing.example.cn", base_url="")
    code = "x"
    for message in sent:
        code = code_in(message["text"])

    def attempt(username):
        return lambda: signup.sign_up(
            verification_id=verification.pk,
            code=code,
            username=username,
            first_name="李华",
            password=PASSWORD,
        )

    outcomes = run_together([attempt("first_li"), attempt("second_li")])
    assert sorted(kind for kind, _ in outcomes) == ["error", "ok"]
    [error] = [value for kind, value in outcomes if kind == "error"]
    assert isinstance(error, DomainError) and "code" in error.fields
    assert User.objects.filter(email="li.hua@huaxing.example.cn").count() == 1


def test_a_taken_username_or_a_weak_password_keeps_the_code_and_the_input(client, ask, sent):
    UserFactory(username="Huaxing_Li")
    ask("li.hua@huaxing.example.cn")
    code = code_in(mail.outbox[0].body)

    response = finish(client, code)  # huaxing_li: taken, whatever the case
    assert response.context["form"].errors["username"] == [
        gettext("This username is taken; choose another.")
    ]
    response = finish(
        client, code, username="huaxing_li2", password1="12345678", password2="12345678"
    )
    errors = response.context["form"].errors
    assert "password1" in errors and response.context["form"]["first_name"].value() == "李华"
    response = finish(client, code, username="huaxing_li2", password2="something-else")
    assert "password2" in response.context["form"].errors

    assert finish(client, code, username="huaxing_li2").status_code == 302


def test_the_sign_up_pages_are_throttled_per_client_address(client, sent):
    for _ in range(RATE):
        client.post(START, {"contact": "not an address"})
    response = client.post(START, {"contact": "li.hua@huaxing.example.cn"})
    assert response.status_code == 429
    assert response.context["form"].non_field_errors()
    assert not ContactVerification.objects.exists()


def test_verify_without_a_code_asked_goes_back_and_logged_in_users_go_home(client, cast):
    assert client.get(VERIFY)["Location"] == START
    client.force_login(cast.enterprise_user)
    assert client.get(START)["Location"] == "/dashboard/"


def test_the_login_page_leads_to_sign_up(client):
    page = client.get("/login/").content.decode()
    assert 'href="/signup/"' in page


def test_the_console_sender_prints_the_message_for_make_run(capsys, settings):
    settings.SMS_BACKEND = "core.sms.ConsoleBackend"
    send_signup_message.run(
        channel="phone", address="+8613912345678", subject="", text="您的验证码为 123456"
    )
    printed = capsys.readouterr().out
    assert "+8613912345678" in printed and "您的验证码为 123456" in printed
    assert not sms.outbox


def test_codes_asked_at_once_for_one_address_are_one_code(sent, transactional_db):
    """The limits per address hold under parallel requests (a lock per address)."""
    outcomes = run_together(
        [lambda: signup.send_code(contact_text="139 1234 5678", base_url="") for _ in range(4)]
    )
    assert sorted(kind for kind, _ in outcomes) == ["error", "error", "error", "ok"]
    assert ContactVerification.objects.filter(address="+8613912345678").count() == 1


def test_a_right_code_is_no_tool_to_probe_usernames(client, ask, sent):
    for name in ("taken_a", "taken_b", "taken_c", "taken_d", "taken_e"):
        UserFactory(username=name)
    ask("li.hua@huaxing.example.cn")
    code = code_in(mail.outbox[0].body)
    for name in ("taken_a", "taken_b", "taken_c", "taken_d", "taken_e"):
        assert "username" in finish(client, code, username=name).context["form"].errors
    response = finish(client, code, username="free_name")
    assert response.context["form"].errors["code"] == [gettext(SPENT_TEXT)]
