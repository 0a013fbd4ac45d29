"""`Authorization: Token <key>` with the named tokens of core.tokens, and the throttle per token.

`ApiTokenAuthentication` subclasses DRF's TokenAuthentication, so that drf-spectacular still
documents the scheme, and replaces its lookup: the key is found by its hash. A token that is
unknown, expired or revoked, or whose account is deactivated, answers 401 with a
`WWW-Authenticate: Token` challenge — even though the session comes first among the
authentication classes (anonymous requests answer 403) — and a message saying which and what to
do (`code`: `token_expired`, `token_revoked`, `account_inactive`, `authentication_failed`). A
`read` token sending anything but GET, HEAD or OPTIONS answers 403 `token_read_only`, on every
view, whatever its permissions (a view may let a read token through with
`read_only_tokens_allowed`: the sign-out, which revokes the token itself).

`ApiTokenRateThrottle` bounds the requests of each token (API_TOKEN_RATE); requests signed in by
a session are not counted.
"""

from django.conf import settings
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, empty
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication as DrfSessionAuthentication
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import SimpleRateThrottle

from core.throttling import client_address
from core.tokens import ApiToken, token_for_key, token_mark_used

TOKENS_PAGE = "/account/tokens/"


class SessionAuthentication(DrfSessionAuthentication):
    """A browser's session, as DRF checks it (CSRF included), handing the view the account
    itself rather than the lazy stand-in Django's middleware puts on the request: a list page
    asks each of its thousand rows what the user may do, and every attribute read through the
    stand-in cost about as much as the check (decision 0032)."""

    def authenticate(self, request):
        found = super().authenticate(request)
        if found is None:
            return None
        user, auth = found
        while isinstance(user, SimpleLazyObject):  # django-otp wraps Django's stand-in again
            if user._wrapped is empty:
                user._setup()
            user = user._wrapped
        return user, auth


class TokenRefused(exceptions.AuthenticationFailed):
    """A token was sent and does not work: answered 401 with the challenge below whatever the
    first authentication class (core.api.errors reads `www_authenticate`)."""

    www_authenticate = "Token"


class ReadOnlyToken(exceptions.PermissionDenied):
    default_code = "token_read_only"


def _what_to_do() -> str:
    return _(
        "Make a new token on the page %(page)s or with POST /api/v1/tokens/ (signed in another "
        "way), and send it instead."
    ) % {"page": TOKENS_PAGE}


def _refused(message: str, code: str) -> TokenRefused:
    return TokenRefused(f"{message} {_what_to_do()}", code=code)


class ApiTokenAuthentication(TokenAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        try:
            authenticated = super().authenticate(request)
        except TokenRefused:
            raise
        except exceptions.AuthenticationFailed as exc:  # a malformed Authorization header
            raise TokenRefused(exc.detail, code="authentication_failed") from exc
        if authenticated is None:
            return None
        user, token = authenticated
        token_mark_used(token, address=client_address(request))
        if request.method not in SAFE_METHODS and not token.may_write:
            view = (getattr(request, "parser_context", None) or {}).get("view")
            if not getattr(view, "read_only_tokens_allowed", False):
                raise ReadOnlyToken(
                    _(
                        "This token (“%(name)s”) may only read: GET requests. Use a token with "
                        "read_write access to change anything."
                    )
                    % {"name": token.name}
                )
        return user, token

    def authenticate_credentials(self, key):
        token = token_for_key(key)
        if token is None:
            raise _refused(_("This token is not known."), "authentication_failed")
        local = timezone.localtime
        if token.revoked_at is not None:
            raise _refused(
                _("This token (“%(name)s”) was revoked on %(time)s: %(reason)s.")
                % {
                    "name": token.name,
                    "time": local(token.revoked_at).strftime("%Y-%m-%d %H:%M"),
                    "reason": token.get_revoke_reason_display(),
                },
                "token_revoked",
            )
        if not token.user.is_active:
            raise _refused(
                _("The account of this token is deactivated; its tokens no longer work."),
                "account_inactive",
            )
        if token.is_expired:
            raise _refused(
                _("This token (“%(name)s”) expired on %(time)s.")
                % {"name": token.name, "time": local(token.expires_at).strftime("%Y-%m-%d %H:%M")},
                "token_expired",
            )
        return token.user, token


class ApiTokenRateThrottle(SimpleRateThrottle):
    """At most API_TOKEN_RATE requests per token (`1200/min` unless set); 429 with Retry-After.
    Counted in the shared cache (Redis) by the token's id."""

    scope = "api_token"

    def get_rate(self) -> str:
        return settings.API_TOKEN_RATE

    def get_cache_key(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return None  # a session, or not authenticated: not this throttle's business
        return self.cache_format % {"scope": self.scope, "ident": token.pk}
