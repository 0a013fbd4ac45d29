import ipaddress

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


def client_address(request) -> str | None:
    """The address of the client that sent `request`, as far as it can be trusted.

    X-Forwarded-For is written by whoever sends the request: only the entries appended by the
    TRUSTED_PROXY_COUNT reverse proxies in front of the portal are believed, so the address is
    the one the outermost trusted proxy saw. With no trusted proxy (the default) the header is
    ignored and the address is the connection's. The login throttle, the lockout records and
    DRF's throttles (NUM_PROXIES) all follow this one rule. None when there is no valid address.
    """
    address = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies > 0 and forwarded:
        entries = [entry.strip() for entry in forwarded.split(",")]
        address = entries[-min(proxies, len(entries))]
    try:
        return str(ipaddress.ip_address(address or ""))
    except ValueError:
        return None


class LoginRateThrottle(SimpleRateThrottle):
    """Bounds password guessing on the login page and the token endpoint, per client address.

    Counters live in the shared cache (Redis), so every web process sees the same count.
    """

    scope = "login"

    def get_ident(self, request) -> str:
        return client_address(request) or "unknown"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
