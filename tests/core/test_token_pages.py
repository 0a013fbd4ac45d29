"""The page of API tokens, /account/tokens/: one's tokens with when and where each was last used,
a form that makes one and shows its key once, revoking behind a ticked box; a manager's page
shows and makes the tokens of their associations' partner accounts too."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from core.tokens import ApiToken, hash_key
from tests.factories import api_token

pytestmark = pytest.mark.django_db

PAGE = "/account/tokens/"


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def rows(html: str) -> list[str]:
    return re.findall(r'<tr data-testid="token-row".*?</tr>', html, re.S)


def test_the_page_lists_ones_tokens_with_their_last_use(cast):
    key = api_token(cast.partner, name="物流平台", access="read")
    ApiToken.objects.filter(key_hash=hash_key(key)).update(
        last_used_at=timezone.now(), last_used_ip="203.0.113.9"
    )
    api_token(cast.staff, name="someone else's")

    page = signed_in(cast.partner).get(PAGE)

    assert page.status_code == 200
    html = page.content.decode()
    assert "<code>Authorization: Token &lt;key&gt;</code>" in html
    [row] = rows(html)
    assert "物流平台" in row and key[:8] in row and "203.0.113.9" in row
    assert "Read only" in row
    assert "someone else" not in html
    assert key not in html
    assert 'data-testid="token-key"' not in html


def test_making_a_token_shows_its_key_once(cast):
    client = signed_in(cast.partner)

    made = client.post(
        PAGE, {"name": "ERP", "access": "read_write", "days": "30", "user": cast.partner.pk}
    )

    assert made.status_code == 200
    html = made.content.decode()
    key = re.search(r'<code data-testid="token-key">(rpt_[^<]+)</code>', html).group(1)
    assert "it will not be shown again" in html
    token = ApiToken.objects.get(key_hash=hash_key(key))
    assert (token.user, token.name, token.access) == (cast.partner, "ERP", "read_write")
    assert 29 <= (token.expires_at - timezone.now()).days <= 30
    assert made["Cache-Control"].startswith("max-age=0")
    again = client.get(PAGE).content.decode()
    assert key not in again and "ERP" in again


def test_a_refused_form_keeps_what_was_typed_and_says_why(cast):
    api_token(cast.partner, name="ERP")
    client = signed_in(cast.partner)

    refused = client.post(
        PAGE, {"name": "ERP", "access": "read", "days": "90", "user": cast.partner.pk}
    )

    assert refused.status_code == 400
    html = refused.content.decode()
    assert "already has a token named “ERP”" in html
    assert 'value="ERP"' in html
    assert ApiToken.objects.filter(user=cast.partner).count() == 1


def test_revoking_asks_for_the_ticked_box(cast):
    key = api_token(cast.partner, name="ERP")
    token = ApiToken.objects.get(key_hash=hash_key(key))
    client = signed_in(cast.partner)
    url = f"/account/tokens/{token.pk}/revoke/"

    unticked = client.post(url, follow=True)
    assert "Nothing was revoked" in unticked.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None

    ticked = client.post(url, {"confirm": "yes"}, follow=True)
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == cast.partner
    html = ticked.content.decode()
    assert "is revoked" in html
    [row] = rows(html)
    assert "revoked" in row and "token-revoke" not in row


def test_a_manager_sees_and_makes_the_tokens_of_their_partner_accounts(cast):
    api_token(cast.partner, name="logistics")
    client = signed_in(cast.manager)

    page = client.get(PAGE).content.decode()
    made = client.post(
        PAGE, {"name": "HR", "access": "read", "days": "90", "user": cast.partner.pk}
    )

    assert "logistics" in page and f'<option value="{cast.partner.pk}">partner</option>' in page
    assert made.status_code == 200
    assert ApiToken.objects.get(name="HR").user == cast.partner
    # Staff who manage nothing have only their own account to choose: no choice is shown.
    staff_page = signed_in(cast.staff).get(PAGE).content.decode()
    assert "logistics" not in staff_page
    assert 'type="hidden" name="user"' in staff_page


def test_a_token_out_of_scope_is_not_found(cast):
    key = api_token(cast.partner)
    token = ApiToken.objects.get(key_hash=hash_key(key))

    for user in (cast.staff, cast.other_staff, cast.enterprise_user):
        response = signed_in(user).post(f"/account/tokens/{token.pk}/revoke/", {"confirm": "yes"})
        assert response.status_code == 404
    forged = signed_in(cast.staff).post(
        PAGE, {"name": "mine now", "access": "read", "days": "90", "user": cast.partner.pk}
    )
    assert forged.status_code == 400
    token.refresh_from_db()
    assert token.revoked_at is None
    assert not ApiToken.objects.filter(name="mine now").exists()


def test_the_account_page_links_to_the_tokens(cast):
    html = signed_in(cast.partner).get("/account/two-factor/").content.decode()

    assert f'href="{PAGE}"' in html
