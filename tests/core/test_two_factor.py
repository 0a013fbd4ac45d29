"""Two-factor sign-in: setting up an authenticator, the code after the password, recovery
codes, and the roles that must use it (OTP_REQUIRED_ROLES)."""

import re
from binascii import unhexlify

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import Event
from tests.conftest import PASSWORD
from tests.core.test_settings import PRODUCTION_ENV, SHOW, run_python

pytestmark = pytest.mark.django_db

SETUP = reverse("two-factor-setup")
VERIFY = reverse("two-factor-verify")
CODES = reverse("two-factor-recovery-codes")
DASHBOARD = reverse("dashboard")


@pytest.fixture
def required(settings):
    """The production default: association people, officials and admins must use it."""
    settings.OTP_REQUIRED_ROLES = ["admin", "manager", "staff", "official"]


def log_in(client, user):
    return client.post(reverse("login"), {"username": user.username, "password": PASSWORD})


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def code_now(key_hex: str, *, steps_ahead: int = 0) -> str:
    return f"{totp(unhexlify(key_hex), drift=steps_ahead):06d}"


def set_up(client) -> list[str]:
    """Set up an authenticator on the setup page (already open in `client`'s session); answers
    the recovery codes shown."""
    assert client.get(SETUP).status_code == 200
    key = client.session["second_factor_setup_key"]
    response = client.post(SETUP, {"code": code_now(key)})
    assert response.status_code == 302 and response["Location"] == CODES
    page = client.get(CODES)
    assert page.status_code == 200
    return page.context["codes"]


def next_code(user) -> str:
    """The authenticator's code of the next time step: the current one was used to set it up."""
    return code_now(TOTPDevice.objects.get(user=user).key, steps_ahead=1)


def test_setting_up_then_logging_in_asks_for_the_code(required, cast, client):
    response = log_in(client, cast.staff)
    assert response["Location"] == SETUP
    assert not logged_in(client)

    setup_page = client.get(SETUP).content.decode()
    assert "<svg" in setup_page and 'role="img"' in setup_page
    assert "<script" not in setup_page and "style=" not in setup_page
    assert "http://" not in setup_page and "https://" not in setup_page
    codes = set_up(client)
    assert len(codes) == 10 == len(set(codes))
    assert logged_in(client)
    assert Event.objects.filter(action="user.two_factor_enabled", actor=cast.staff).count() == 1

    client.post(reverse("logout"))
    response = log_in(client, cast.staff)
    assert response["Location"] == VERIFY
    assert not logged_in(client)
    assert client.get(DASHBOARD)["Location"].startswith(reverse("login"))

    response = client.post(VERIFY, {"code": next_code(cast.staff)})
    assert response["Location"] == DASHBOARD
    assert client.get(DASHBOARD).status_code == 200


def test_recovery_codes_are_shown_only_once(required, cast, client):
    log_in(client, cast.staff)
    set_up(client)
    response = client.get(CODES)
    assert response.status_code == 302
    assert response["Location"] == SETUP


def test_a_wrong_code_is_refused_and_slows_the_next_try(required, cast, client):
    log_in(client, cast.staff)
    set_up(client)
    client.post(reverse("logout"))
    log_in(client, cast.staff)

    device = TOTPDevice.objects.get(user=cast.staff)
    right = {next_code(cast.staff), code_now(device.key)}
    wrong = next(c for c in ("000000", "111111", "222222") if c not in right)
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert not logged_in(client)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # kept, although the attempt failed


def test_a_recovery_code_works_once(required, cast, client):
    log_in(client, cast.staff)
    codes = set_up(client)
    client.post(reverse("logout"))

    log_in(client, cast.staff)
    response = client.post(VERIFY, {"code": codes[0].upper()})
    assert response["Location"] == DASHBOARD
    assert logged_in(client)
    assert StaticToken.objects.filter(device__user=cast.staff).count() == 9

    client.post(reverse("logout"))
    log_in(client, cast.staff)
    response = client.post(VERIFY, {"code": codes[0]})
    assert response.status_code == 200
    assert not logged_in(client)


def test_a_required_role_without_an_authenticator_reaches_nothing_but_the_setup(
    required, cast, client
):
    response = log_in(client, cast.official)
    assert response["Location"] == SETUP
    for url in (DASHBOARD, reverse("notification-list"), "/admin/"):
        assert "/login/" in client.get(url)["Location"], url
    assert client.get("/api/v1/me/").status_code in (401, 403)
    assert client.get(SETUP).status_code == 200


def test_a_pending_login_with_an_authenticator_cannot_set_up_another(required, cast, client):
    log_in(client, cast.staff)
    set_up(client)
    original = TOTPDevice.objects.get(user=cast.staff).pk
    client.post(reverse("logout"))
    log_in(client, cast.staff)

    assert client.get(SETUP)["Location"] == VERIFY
    client.session  # noqa: B018 -- the pending session, as a thief who knows the password has it
    response = client.post(SETUP, {"code": "123456"})
    assert response["Location"] == VERIFY
    assert list(TOTPDevice.objects.filter(user=cast.staff).values_list("pk", flat=True)) == [
        original
    ]
    assert not logged_in(client)


def test_a_session_from_before_the_policy_is_ended(required, cast, client):
    client.force_login(cast.manager)
    response = client.get(DASHBOARD)
    assert response["Location"].startswith(reverse("login"))
    assert not logged_in(client)


def test_an_enterprise_user_is_not_asked_by_default(required, cast, client):
    response = log_in(client, cast.enterprise_user)
    assert response["Location"] == DASHBOARD
    assert logged_in(client)
    assert client.get(DASHBOARD).status_code == 200


def test_an_enterprise_user_who_set_it_up_is_asked(required, cast, client):
    client.force_login(cast.enterprise_user)
    set_up(client)
    assert client.get(DASHBOARD).status_code == 200  # this session is confirmed by the app
    client.post(reverse("logout"))
    assert log_in(client, cast.enterprise_user)["Location"] == VERIFY


def test_nobody_is_asked_when_no_role_requires_it_and_none_set_it_up(cast, client):
    for user in (cast.staff, cast.admin, cast.official):
        assert log_in(client, user)["Location"] == DASHBOARD
        client.post(reverse("logout"))


def test_the_token_endpoint_asks_for_no_code(required, cast, client, api_client):
    log_in(client, cast.staff)
    set_up(client)
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "staff", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200 and response.json()["token"]


def test_a_setup_code_that_does_not_match_is_refused(required, cast, client):
    log_in(client, cast.staff)
    client.get(SETUP)
    key = client.session["second_factor_setup_key"]
    right = {code_now(key, steps_ahead=s) for s in (-1, 0, 1)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in right)
    response = client.post(SETUP, {"code": wrong})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert not TOTPDevice.objects.filter(user=cast.staff).exists()
    assert not logged_in(client)


def test_the_setup_key_is_shown_for_typing_by_hand(required, cast, client):
    log_in(client, cast.staff)
    page = client.get(SETUP).content.decode()
    shown = re.search(r'data-testid="setup-key">([A-Z2-7 ]+)<', page).group(1)
    assert len(shown.replace(" ", "")) == 32


def test_after_a_wrong_code_even_the_right_one_waits(required, cast, client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # a minute after the first wrong code
    log_in(client, cast.staff)
    set_up(client)
    client.post(reverse("logout"))
    log_in(client, cast.staff)
    right = next_code(cast.staff)
    wrong = next(c for c in ("000000", "111111", "222222") if c != right)
    client.post(VERIFY, {"code": wrong})

    client.cookies["django_language"] = "en"
    response = client.post(VERIFY, {"code": right})
    assert response.status_code == 200
    assert "Too many wrong codes" in response.content.decode()
    assert not logged_in(client)


def test_production_requires_it_of_association_people_officials_and_admins():
    result = run_python(SHOW.format("s.OTP_REQUIRED_ROLES, s.TRUSTED_PROXY_COUNT"), PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(['admin', 'manager', 'staff', 'official'], 0)"
    demo = run_python(SHOW.format("s.OTP_REQUIRED_ROLES"), {**PRODUCTION_ENV, "DEMO_MODE": "true"})
    assert demo.stdout.strip() == "([],)"


def test_a_misspelt_role_in_otp_required_roles_fails_loudly():
    result = run_python(SHOW.format("s.DEBUG"), {**PRODUCTION_ENV, "OTP_REQUIRED_ROLES": "amdin"})
    assert result.returncode != 0
    assert "OTP_REQUIRED_ROLES names unknown roles: ['amdin']" in result.stderr
