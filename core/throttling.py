from rest_framework.throttling import SimpleRateThrottle


class LoginRateThrottle(SimpleRateThrottle):
    """Bounds password guessing on the login page and the token endpoint, per client address.

    Counters live in the shared cache (Redis), so every web process sees the same count.
    """

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
