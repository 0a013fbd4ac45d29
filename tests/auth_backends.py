from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Axes' lockout check, except for authenticate() calls without a request: Django's test
    client's login() makes those, and there is no client to lock out. The portal's own settings
    keep axes' backend, which refuses them."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
