"""Password guessing is bounded per client address (a throttle that a forged X-Forwarded-For
cannot escape) and per account (a lockout with back-off that any address counts towards)."""

import json
import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import F
from django.test import RequestFactory
from django.urls import reverse

from core.auth_lockout import lockout_response
from core.throttling import client_address
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
RATE = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])
LIMIT = settings.LOGIN_FAILURE_LIMIT


def forged(index: int) -> dict:
    """A different X-Forwarded-For on each try, from the same connection."""
    return {"HTTP_X_FORWARDED_FOR": f"203.0.113.{index % 250 + 1}"}


def from_address(index: int) -> dict:
    """A different client connection on each try (another machine, say)."""
    return {"REMOTE_ADDR": f"198.51.100.{index % 250 + 1}"}


def log_in(client, username: str, password: str, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- the address ------------------------------------------------------------------------------


def test_forged_forwarded_for_does_not_escape_the_login_page_throttle(cast, client):
    # 40 wrong passwords (on 40 usernames, so that no account locks), each claiming another address.
    statuses = [log_in(client, f"guess{i}", "wrong", **forged(i)).status_code for i in range(40)]
    assert statuses[:RATE] == [200] * RATE
    assert set(statuses[RATE:]) == {429}
    response = log_in(client, "staff", PASSWORD, **forged(41))
    assert response.status_code == 429
    assert not logged_in(client)


def test_forged_forwarded_for_does_not_escape_the_token_endpoint_throttle(cast, api_client):
    statuses = [
        api_client.post(
            TOKEN_URL, {"username": f"guess{i}", "password": "wrong"}, format="json", **forged(i)
        ).status_code
        for i in range(40)
    ]
    assert statuses[:RATE] == [400] * RATE
    assert set(statuses[RATE:]) == {429}
    response = api_client.post(
        TOKEN_URL, {"username": "staff", "password": PASSWORD}, format="json", **forged(41)
    )
    assert response.status_code == 429
    assert "token" not in response.json()


def test_with_no_trusted_proxy_the_address_is_the_connections():
    request = RequestFactory().get(
        "/", REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7"
    )
    assert client_address(request) == "192.0.2.10"


def test_behind_one_trusted_proxy_the_address_is_the_one_the_proxy_saw(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client wrote "203.0.113.9"; the proxy appended the address it saw.
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7"
    )
    assert client_address(request) == "198.51.100.7"
    garbage = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-ip")
    assert client_address(garbage) is None


def test_behind_a_trusted_proxy_forged_entries_still_share_one_throttle(cast, client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    statuses = [
        log_in(
            client,
            f"guess{i}",
            "wrong",
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i + 1}, 198.51.100.7",
        ).status_code
        for i in range(RATE + 2)
    ]
    assert statuses[RATE:] == [429, 429]


# --- the account ------------------------------------------------------------------------------


def lock(client, username: str = "staff", *, tries: int = LIMIT, start: int = 0) -> None:
    for i in range(start, start + tries):
        log_in(client, username, "wrong", **from_address(i))


def test_account_locks_after_the_limit_even_from_different_addresses(cast, client):
    lock(client, tries=LIMIT - 1)
    assert log_in(client, "staff", "wrong", **from_address(LIMIT)).status_code == 429

    response = log_in(client, "staff", PASSWORD, **from_address(99))
    assert response.status_code == 429
    assert not logged_in(client)
    assert int(response["Retry-After"]) > 14 * 60
    assert response.context["lockout"]


def test_the_lockout_message_says_until_when(cast, client):
    lock(client)
    client.cookies["django_language"] = "en"
    response = log_in(client, "staff", PASSWORD, **from_address(99))
    alert = re.search(r'data-testid="lockout">([^<]*)<', response.content.decode()).group(1)
    assert "locked until" in alert
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", alert)
    assert "in 15 minutes" in alert


def test_a_locked_account_gets_429_with_when_to_retry_from_the_api(cast, client, api_client):
    lock(client)
    response = api_client.post(
        TOKEN_URL, {"username": "staff", "password": PASSWORD}, format="json", **from_address(99)
    )
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "account_locked"
    assert "locked until" in body["detail"] or "锁定" in body["detail"]
    assert body["retry_after"] > 14 * 60
    assert int(response["Retry-After"]) == body["retry_after"]


def test_wrong_passwords_on_the_api_lock_the_page_login_too(cast, api_client, client):
    for i in range(LIMIT):
        response = api_client.post(
            TOKEN_URL, {"username": "staff", "password": "wrong"}, format="json", **from_address(i)
        )
        assert response.status_code == 400  # the wrong password that locks is still just wrong
    assert log_in(client, "staff", PASSWORD, **from_address(99)).status_code == 429
    assert not logged_in(client)


def test_another_account_behind_the_same_address_still_logs_in(cast, client):
    office = {"REMOTE_ADDR": "198.51.100.200"}
    for _ in range(LIMIT // 2):
        log_in(client, "staff", "wrong", **office)
    lock(client, tries=LIMIT - LIMIT // 2)

    assert log_in(client, "staff", PASSWORD, **office).status_code == 429
    response = log_in(client, "manager", PASSWORD, **office)
    assert response.status_code == 302
    assert logged_in(client)


def test_a_successful_login_does_not_count_and_forgets_earlier_failures(cast, client):
    lock(client, tries=LIMIT - 1)
    assert log_in(client, "staff", PASSWORD, **from_address(50)).status_code == 302
    client.logout()
    lock(client, tries=LIMIT - 1, start=60)
    assert log_in(client, "staff", PASSWORD, **from_address(90)).status_code == 302
    assert logged_in(client)


def test_each_wrong_password_after_a_lock_doubles_it(cast, client):
    lock(client)
    first = int(log_in(client, "staff", PASSWORD, **from_address(99))["Retry-After"])
    assert 14 * 60 < first <= 15 * 60

    # The lock has passed; one more wrong password locks the account for twice as long.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=16))
    assert log_in(client, "staff", "wrong", **from_address(100)).status_code == 429
    second = int(log_in(client, "staff", PASSWORD, **from_address(101))["Retry-After"])
    assert 29 * 60 < second <= 30 * 60
    assert not logged_in(client)


def test_tries_while_locked_do_not_prolong_the_lock(cast, client):
    lock(client)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=10))
    for i in range(3):
        log_in(client, "staff", "wrong", **from_address(100 + i))
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=6))
    response = log_in(client, "staff", PASSWORD, **from_address(110))
    assert response.status_code == 302


def test_the_admin_login_is_the_portals(client):
    response = client.get("/admin/login/", {"next": "/admin/core/user/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=%2Fadmin%2Fcore%2Fuser%2F"


def test_a_lockout_outside_the_login_page_answers_in_the_apis_shape(cast, client):
    lock(client)
    request = RequestFactory().post("/api/v1/anything/", {"username": "staff"})
    response = lockout_response(request, None, {"username": "staff"})
    assert response.status_code == 429
    assert json.loads(response.content)["code"] == "account_locked"
    assert int(response["Retry-After"]) > 14 * 60
