"""Settings for the test suite: the real settings module, fed a test environment.

PostgreSQL and Redis are real (DATABASE_URL and REDIS_URL override their standard local
addresses). Each xdist worker gets its own cache and Celery key prefix on a separate Redis
database, so parallel workers and a development worker never take each other's tasks.
"""

import os

_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/resumption_portal")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# The database's name too: two suites running at once (two checkouts, CI beside a developer)
# on one Redis must not share queues nor clear each other's cache.
_run = os.environ["DATABASE_URL"].rstrip("/").rsplit("/", 1)[-1].split("?")[0]
os.environ["CACHE_KEY_PREFIX"] = f"test-{_run}-{_worker}"
os.environ["CELERY_KEY_PREFIX"] = f"test-{_run}-{_worker}:"
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("SMS_BACKEND", "core.sms.MemoryBackend")
# Nobody must sign in with a second factor, so that logging in takes a password; the two-factor
# tests (tests/core/test_two_factor.py) require it where they test it.
os.environ["OTP_REQUIRED_ROLES"] = ""

from resumption_portal.settings import *  # noqa: E402, F403

# Fast hashing: tests create many users; the algorithm is not what they test.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The live server used by browser tests serves files as they are; no manifest to build first.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the apps and static/ (no collectstatic in tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# The lockout (django-axes) stays on, but the test client's login() calls authenticate() without
# a request, which axes' own backend refuses: this one lets such a login through unchecked.
AUTHENTICATION_BACKENDS = [
    "tests.auth_backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
