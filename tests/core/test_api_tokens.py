"""API tokens (core.tokens, docs/decisions/0025): named, kept as a hash, shown once, expiring,
read-only or read-write, revoked by their owner, by the managers of a partner account's
association and by admins, and all of an account's revoked when its password changes or it is
deactivated; throttled per token; `DELETE /api/v1/auth/token/` signs a token out."""

import importlib
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.tokens import default_token_generator
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from associations.models import AssociationUser
from core.models import Event, IdempotentRequest, Role
from core.tokens import ApiToken, hash_key
from tests.conftest import PASSWORD, api_as
from tests.factories import UserFactory, api_token, staff_of

pytestmark = pytest.mark.django_db

TOKENS = "/api/v1/tokens/"
SIGN_IN = "/api/v1/auth/token/"
ME = "/api/v1/me/"


def with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")
    return client


def token_of(key: str) -> ApiToken:
    return ApiToken.objects.get(key_hash=hash_key(key))


def expire(key: str) -> None:
    ApiToken.objects.filter(key_hash=hash_key(key)).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )


# --- making tokens ---------------------------------------------------------------------------


def test_a_token_made_by_its_owner_works_and_its_key_is_shown_only_once(cast):
    owner = api_as(cast.partner)

    made = owner.post(TOKENS, {"name": "HR system", "access": "read"}, format="json")

    assert made.status_code == 201, made.json()
    body = made.json()
    key = body["key"]
    assert re.fullmatch(r"rpt_[A-Za-z0-9_-]{43}", key)
    assert body["prefix"] == key[:12] and body["user"] == "partner" and body["active"]
    assert made["Cache-Control"] == "no-store"
    assert with_key(key).get(ME).json()["username"] == "partner"
    listed = owner.get(TOKENS).json()["results"]
    assert [row["name"] for row in listed] == ["HR system"]
    assert "key" not in listed[0] and "key_hash" not in listed[0]
    assert "key" not in owner.get(f"{TOKENS}{body['id']}/").json()
    stored = token_of(key)
    assert key not in {str(value) for value in vars(stored).values()}
    assert Event.objects.filter(action="apitoken.created", object_id=stored.pk).exists()


def test_the_answer_with_a_key_is_never_kept_for_an_idempotent_replay(cast):
    first = api_as(cast.partner).post(
        TOKENS, {"name": "ERP"}, format="json", HTTP_IDEMPOTENCY_KEY="same-key"
    )

    assert first.status_code == 201
    assert not IdempotentRequest.objects.exists()


def test_a_token_lasts_90_days_unless_told_and_at_most_365(cast):
    client = api_as(cast.partner)
    now = timezone.now()

    default = client.post(TOKENS, {"name": "default"}, format="json").json()
    in_a_year = (now + timedelta(days=364)).isoformat()
    year = client.post(TOKENS, {"name": "year", "expires_at": in_a_year}, format="json")
    too_far = client.post(
        TOKENS,
        {"name": "far", "expires_at": (now + timedelta(days=366)).isoformat()},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    past = client.post(
        TOKENS,
        {"name": "past", "expires_at": (now - timedelta(days=1)).isoformat()},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    expires = token_of(default["key"]).expires_at
    assert (
        timedelta(days=90) - timedelta(minutes=1) < expires - now <= timedelta(days=90, minutes=1)
    )
    assert year.status_code == 201
    assert too_far.status_code == 400
    assert "at most 365 days" in too_far.json()["fields"]["expires_at"][0]
    assert past.status_code == 400
    assert past.json()["fields"]["expires_at"] == ["The expiry must be in the future."]


def test_names_are_unique_among_an_accounts_live_tokens(cast):
    client = api_as(cast.partner)
    first = client.post(TOKENS, {"name": "ERP"}, format="json").json()

    again = client.post(TOKENS, {"name": "ERP"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 400
    assert "already has a token named “ERP”" in again.json()["fields"]["name"][0]
    # Another account may use the name; a revoked or expired token gives it up.
    assert api_as(cast.staff).post(TOKENS, {"name": "ERP"}, format="json").status_code == 201
    assert client.delete(f"{TOKENS}{first['id']}/").status_code == 204
    second = client.post(TOKENS, {"name": "ERP"}, format="json").json()
    expire(second["key"])
    assert client.post(TOKENS, {"name": "ERP"}, format="json").status_code == 201
    assert token_of(second["key"]).revoke_reason == ApiToken.RevokeReason.NAME_REUSED


# --- refused tokens --------------------------------------------------------------------------


def test_an_expired_token_answers_401_saying_it_expired_and_what_to_do(cast):
    key = api_token(cast.partner, name="ERP")
    expire(key)

    response = with_key(key).get(ME)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    body = response.json()
    assert body["code"] == "token_expired"
    assert body["detail"].startswith("This token (“ERP”) expired on ")
    assert "/account/tokens/" in body["detail"]


def test_a_revoked_token_answers_401_saying_it_was_revoked(cast):
    key = api_token(cast.partner, name="ERP")
    api_as(cast.partner).delete(f"{TOKENS}{token_of(key).pk}/")

    response = with_key(key).get(ME)

    assert response.status_code == 401
    assert response.json()["code"] == "token_revoked"
    assert "was revoked on" in response.json()["detail"]
    assert "revoked by hand" in response.json()["detail"]


def test_an_unknown_or_malformed_token_answers_401(cast):
    unknown = with_key("rpt_" + "x" * 43).get(ME)
    malformed = APIClient().get(ME, HTTP_AUTHORIZATION="Token two words")

    assert (unknown.status_code, unknown.json()["code"]) == (401, "authentication_failed")
    assert malformed.status_code == 401
    # No credentials at all: 403, as before (the session comes first and sends no challenge).
    assert APIClient().get(ME).status_code == 403


def test_a_read_token_reads_but_may_not_write(cast):
    key = api_token(cast.enterprise_user, access="read")
    client = with_key(key)

    assert client.get("/api/v1/supply-requests/").status_code == 200
    refused = client.post(
        "/api/v1/supply-requests/",
        {"item": "mask-medical", "quantity": "10", "urgency": "high"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )

    assert refused.status_code == 403
    assert refused.json()["code"] == "token_read_only"
    assert "may only read" in refused.json()["detail"]
    assert not IdempotentRequest.objects.exists()
    assert client.post(TOKENS, {"name": "escalate"}, format="json").status_code == 403
    # It may still sign itself out.
    assert client.delete(SIGN_IN).status_code == 204


# --- revocation ------------------------------------------------------------------------------


def test_the_owner_revokes_a_token_which_stays_listed(cast):
    client = api_as(cast.partner)
    old = api_token(cast.partner, name="old")
    new = api_token(cast.partner, name="new")

    assert client.delete(f"{TOKENS}{token_of(old).pk}/").status_code == 204
    assert client.delete(f"{TOKENS}{token_of(old).pk}/").status_code == 204  # once is enough

    assert with_key(old).get(ME).status_code == 401
    assert with_key(new).get(ME).status_code == 200
    rows = {row["name"]: row for row in client.get(TOKENS).json()["results"]}
    assert rows["old"]["revoked_at"] and not rows["old"]["active"]
    assert rows["new"]["active"]
    assert [r["name"] for r in client.get(TOKENS, {"active": "false"}).json()["results"]] == ["old"]
    assert [r["name"] for r in client.get(TOKENS, {"active": "true"}).json()["results"]] == ["new"]
    revoked = token_of(old)
    assert (revoked.revoked_by, revoked.revoke_reason) == (cast.partner, "revoked")


def test_a_manager_manages_the_tokens_of_their_associations_partner_accounts(cast):
    manager = api_as(cast.manager)
    partner_key = api_token(cast.partner, name="logistics")

    listed = {row["name"]: row["user"] for row in manager.get(TOKENS).json()["results"]}
    made = manager.post(TOKENS, {"name": "HR", "user": cast.partner.pk}, format="json")
    revoked = manager.delete(f"{TOKENS}{token_of(partner_key).pk}/")

    assert listed == {"logistics": "partner"}
    assert made.status_code == 201
    assert made.json()["user"] == "partner"
    assert with_key(made.json()["key"]).get(ME).json()["username"] == "partner"
    assert token_of(made.json()["key"]).created_by == cast.manager
    assert revoked.status_code == 204
    assert token_of(partner_key).revoked_by == cast.manager
    # The partner sees the token its manager made for it.
    assert "HR" in {row["name"] for row in api_as(cast.partner).get(TOKENS).json()["results"]}


def test_nobody_else_sees_or_revokes_a_token_which_answers_404(cast):
    key = api_token(cast.partner)
    url = f"{TOKENS}{token_of(key).pk}/"
    other_partner = UserFactory(username="other_partner", role=Role.PARTNER)
    AssociationUser.objects.create(user=other_partner, association=cast.other_association)
    other_manager = staff_of(cast.other_association, manager=True, username="other_manager")
    staff_key = api_token(cast.staff)

    for user in (cast.staff, cast.other_staff, other_manager, other_partner, cast.official):
        client = api_as(user)
        assert client.get(url).status_code == 404, user
        assert client.delete(url).status_code == 404, user
        listed = client.get(TOKENS).json()["results"]
        assert {row["user"] for row in listed} <= {user.username}, user
    # A manager manages partner accounts, not their colleagues' own tokens.
    assert api_as(cast.manager).delete(f"{TOKENS}{token_of(staff_key).pk}/").status_code == 404
    assert with_key(key).get(ME).status_code == 200
    assert with_key(staff_key).get(ME).status_code == 200


def test_tokens_are_made_only_for_oneself_and_the_partner_accounts_one_manages(cast):
    other_partner = UserFactory(username="other_partner", role=Role.PARTNER)
    AssociationUser.objects.create(user=other_partner, association=cast.other_association)

    def make(user, owner):
        return api_as(user).post(
            TOKENS, {"name": "x", "user": owner.pk}, format="json", HTTP_ACCEPT_LANGUAGE="en"
        )

    for user, owner in (
        (cast.manager, cast.staff),  # a colleague: a person, not a partner account
        (cast.manager, other_partner),  # another association's partner
        (cast.staff, cast.partner),  # not a manager
        (cast.partner, cast.manager),
    ):
        refused = make(user, owner)
        assert refused.status_code == 400, (user, owner)
        assert "partner accounts you manage" in refused.json()["fields"]["user"][0]
    assert make(cast.admin, other_partner).status_code == 201
    assert make(cast.staff, cast.staff).status_code == 201
    assert not ApiToken.objects.filter(user=cast.staff).exclude(created_by=cast.staff).exists()


def test_an_admin_sees_and_revokes_every_token(cast):
    keys = [api_token(cast.enterprise_user), api_token(cast.official), api_token(cast.partner)]
    admin = api_as(cast.admin)

    assert admin.get(TOKENS).json()["count"] == 3
    for key in keys:
        assert admin.delete(f"{TOKENS}{token_of(key).pk}/").status_code == 204
        assert with_key(key).get(ME).status_code == 401


# --- a password change or deactivation revokes every token of the account ----------------------


def test_a_new_password_revokes_every_token_of_the_account(cast):
    keys = [api_token(cast.partner), api_token(cast.partner, access="read")]
    other = api_token(cast.staff)

    cast.partner.set_password("another-password-2020")
    cast.partner.save()

    for key in keys:
        response = with_key(key).get(ME)
        assert response.status_code == 401
        assert "the account's password changed" in response.json()["detail"]
    assert with_key(other).get(ME).status_code == 200
    assert Event.objects.filter(action="apitoken.revoked", reason="password_changed").count() == 2


def test_a_password_chosen_with_the_reset_link_revokes_the_tokens(cast, client):
    key = api_token(cast.enterprise_user)
    user = cast.enterprise_user
    link = (
        f"/password/reset/{urlsafe_base64_encode(force_bytes(user.pk))}/"
        f"{default_token_generator.make_token(user)}/"
    )

    form = client.get(link, follow=True)
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Resume-Work-2020!", "new_password2": "Resume-Work-2020!"},
    )

    assert done.status_code == 302
    assert token_of(key).revoke_reason == ApiToken.RevokeReason.PASSWORD_CHANGED
    assert with_key(key).get(ME).status_code == 401


class QuickPBKDF2(PBKDF2PasswordHasher):
    iterations = 2


def test_a_password_hash_upgraded_at_login_revokes_nothing(cast, settings):
    key = api_token(cast.partner)
    settings.PASSWORD_HASHERS = [
        "tests.core.test_api_tokens.QuickPBKDF2",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    user = type(cast.partner).objects.get(pk=cast.partner.pk)

    assert user.check_password(PASSWORD)  # Django hashes it again with the preferred hasher

    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$2$")
    assert with_key(key).get(ME).status_code == 200


def test_deactivating_an_account_revokes_its_tokens(cast):
    key = api_token(cast.partner)

    cast.partner.is_active = False
    cast.partner.save(update_fields=["is_active"])
    cast.partner.is_active = True
    cast.partner.save()  # reactivated: the tokens stay revoked

    response = with_key(key).get(ME)
    assert response.status_code == 401
    assert "deactivated" in response.json()["detail"]
    assert token_of(key).revoke_reason == ApiToken.RevokeReason.DEACTIVATED


def test_saving_an_account_for_anything_else_revokes_nothing(cast):
    key = api_token(cast.partner)

    cast.partner.first_name = "物流平台"
    cast.partner.save()
    cast.partner.save(update_fields=["last_login"])

    assert with_key(key).get(ME).status_code == 200


# --- last use and throttling ----------------------------------------------------------------


def test_the_last_use_is_written_at_most_once_a_minute(cast):
    key = api_token(cast.partner)
    client = with_key(key)

    assert client.get(ME, REMOTE_ADDR="10.0.0.7").status_code == 200
    first = token_of(key)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(ME, REMOTE_ADDR="10.0.0.8").status_code == 200
    assert not [q for q in queries if q["sql"].startswith('UPDATE "core_apitoken"')]
    assert (token_of(key).last_used_at, token_of(key).last_used_ip) == (
        first.last_used_at,
        "10.0.0.7",
    )

    ApiToken.objects.filter(pk=first.pk).update(
        last_used_at=first.last_used_at - timedelta(seconds=61)
    )
    client.get(ME, REMOTE_ADDR="10.0.0.8")
    later = token_of(key)
    assert later.last_used_ip == "10.0.0.8"
    assert later.last_used_at > first.last_used_at
    listed = api_as(cast.partner).get(TOKENS).json()["results"][0]
    assert listed["last_used_ip"] == "10.0.0.8"


def test_each_token_is_throttled_on_its_own_and_sessions_are_not(cast, settings):
    settings.API_TOKEN_RATE = "3/min"
    first, second = api_token(cast.partner), api_token(cast.partner)
    session = Client()
    session.force_login(cast.partner)

    statuses = [with_key(first).get(ME).status_code for _ in range(4)]
    throttled = with_key(first).get(ME)

    assert statuses == [200, 200, 200, 429]
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    assert throttled.json()["retry_after"] == int(throttled["Retry-After"])
    assert with_key(second).get(ME).status_code == 200
    assert [session.get(ME).status_code for _ in range(5)] == [200] * 5


# --- signing in and out ----------------------------------------------------------------------


def test_signing_in_makes_a_new_named_token_each_time(cast, api_client, settings):
    settings.API_SIGN_IN_TOKEN_DAYS = 30
    answers = [
        api_client.post(SIGN_IN, {"username": "partner", "password": PASSWORD}, format="json")
        for _ in range(2)
    ]

    assert [a.status_code for a in answers] == [200, 200]
    first, second = (a.json() for a in answers)
    assert set(first) == {"token", "id", "expires_at"}
    assert first["token"] != second["token"]
    names = sorted(ApiToken.objects.filter(user=cast.partner).values_list("name", flat=True))
    assert re.fullmatch(r"sign-in \d{4}-\d\d-\d\d \d\d:\d\d", names[0]), names
    assert names[1] == f"{names[0]} (2)"
    token = token_of(first["token"])
    assert token.pk == first["id"] and token.access == "read_write"
    left = token.expires_at - timezone.now()
    assert timedelta(days=29, hours=23) < left <= timedelta(days=30)
    assert with_key(first["token"]).get(ME).status_code == 200


def test_delete_on_the_sign_in_address_revokes_the_token_it_is_sent_with(cast, api_client):
    keys = [
        api_client.post(SIGN_IN, {"username": "partner", "password": PASSWORD}).json()["token"]
        for _ in range(2)
    ]

    signed_out = with_key(keys[0]).delete(SIGN_IN)

    assert signed_out.status_code == 204
    assert with_key(keys[0]).get(ME).status_code == 401
    assert token_of(keys[0]).revoke_reason == ApiToken.RevokeReason.SIGNED_OUT
    assert with_key(keys[1]).get(ME).status_code == 200
    assert with_key(keys[0]).delete(SIGN_IN).status_code == 401


def test_delete_on_the_sign_in_address_needs_a_token(cast):
    assert APIClient().delete(SIGN_IN).status_code == 403
    by_session = api_as(cast.partner).delete(SIGN_IN, HTTP_ACCEPT_LANGUAGE="en")
    assert by_session.status_code == 400
    assert "DELETE /api/v1/tokens/{id}/" in by_session.json()["fields"]["non_field_errors"][0]


# --- the keys of DRF's tokens, from before named tokens ------------------------------------------

OLD_KEY = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"


def test_a_key_from_before_named_tokens_keeps_working_until_its_expiry(cast):
    migration = importlib.import_module("core.migrations.0017_api_tokens_from_drf")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamptz NOT "
            "NULL, user_id bigint NOT NULL UNIQUE)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, now(), %s), (%s, now(), %s)",
            [OLD_KEY, cast.partner.pk, "0" * 40, cast.outsider.pk],
        )
    type(cast.outsider).objects.filter(pk=cast.outsider.pk).update(is_active=False)

    copied = migration.copy_drf_tokens(django_apps, SimpleNamespace(connection=connection))

    assert copied == 2
    assert "authtoken_token" not in connection.introspection.table_names()
    assert with_key(OLD_KEY).get(ME).json()["username"] == "partner"
    token = token_of(OLD_KEY)
    assert token.name == "API token (before named tokens)"
    assert token.prefix == OLD_KEY[:8]
    assert timedelta(days=89) < token.expires_at - timezone.now() <= timedelta(days=90)
    assert token_of("0" * 40).revoked_at is not None
    # A fresh database has no such table: nothing to do.
    assert migration.copy_drf_tokens(django_apps, SimpleNamespace(connection=connection)) == 0
