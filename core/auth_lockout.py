"""Per-account lockout with back-off, on django-axes.

Axes records each wrong password in `axes.AccessAttempt` (one row per username, address and
browser) and refuses a locked account in its authentication backend, before the password is
checked. What "locked" means is decided here, the same for the login page, the token endpoint and
anything else that calls `authenticate()`:

- after LOGIN_FAILURE_LIMIT wrong passwords for one username, from whatever addresses, the
  account is locked for LOGIN_LOCKOUT_MINUTES from the last one;
- every wrong password after that (one can be tried each time a lock ends) doubles the lock, up
  to LOGIN_LOCKOUT_MAX_HOURS;
- failures are forgotten LOGIN_LOCKOUT_MAX_HOURS after the last one (AXES_COOLOFF_TIME), and at
  once by a complete login (AXES_RESET_ON_SUCCESS); tries refused while locked count for nothing.

Only the username is counted (AXES_LOCKOUT_PARAMETERS): the people of one office share an
address, and one of them forgetting a password must not lock out the others. Guessing across
many usernames from one address is what the per-address throttle (core.throttling) bounds.
"""

import math
from datetime import datetime, timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext
from rest_framework import status
from rest_framework.exceptions import APIException


def lock_duration(failures: int) -> timedelta | None:
    """How long an account with `failures` recent wrong passwords stays locked after the last."""
    limit = settings.LOGIN_FAILURE_LIMIT
    if failures < limit:
        return None
    longest = timedelta(hours=settings.LOGIN_LOCKOUT_MAX_HOURS)
    doublings = min(failures - limit, 32)  # 2**32 × any lock is past the longest
    return min(timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES) * 2**doublings, longest)


def account_locked_until(username: str | None, *, now: datetime | None = None) -> datetime | None:
    """When the lock on `username` ends, or None if it may try a password now."""
    if not username:
        return None
    now = now or timezone.now()
    recent = AccessAttempt.objects.filter(
        username=username, attempt_time__gte=now - settings.AXES_COOLOFF_TIME
    ).aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    duration = lock_duration(recent["failures"] or 0)
    if duration is None:
        return None
    until = recent["last"] + duration
    return until if until > now else None


class BackoffLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler, with the lock decided by `account_locked_until`: axes alone locks
    for its whole cool-off (the memory of failures), with no back-off."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        if not settings.AXES_LOCK_OUT_AT_FAILURE:
            return False
        username = get_client_username(request, credentials)
        return account_locked_until(username, now=request.axes_attempt_time) is not None


def lockout_message(until: datetime, *, now: datetime | None = None) -> str:
    """What a person or a client is told: the account is locked, and until when."""
    now = now or timezone.now()
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return ngettext(
        "Too many wrong passwords for this account: it is locked until %(time)s. Try again "
        "then (in %(minutes)d minute).",
        "Too many wrong passwords for this account: it is locked until %(time)s. Try again "
        "then (in %(minutes)d minutes).",
        minutes,
    ) % {"time": timezone.localtime(until).strftime("%Y-%m-%d %H:%M"), "minutes": minutes}


def retry_after_seconds(until: datetime) -> int:
    return max(1, math.ceil((until - timezone.now()).total_seconds()))


class AccountLocked(APIException):
    """The API's answer to a token request for a locked account: 429 with when to retry."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "account_locked"

    def __init__(self, until: datetime):
        super().__init__(lockout_message(until), code=self.default_code)
        self.wait = retry_after_seconds(until)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: what AxesMiddleware answers when axes refused or locked a login.

    The login page already shows the lock itself (and marks its answer); any other way in gets
    the same message: the API's error body on /api/, the login page elsewhere.
    """
    if original_response is not None and getattr(original_response, "shows_lockout", False):
        return original_response
    username = get_client_username(request, credentials)
    until = account_locked_until(username) or timezone.now() + timedelta(
        minutes=settings.LOGIN_LOCKOUT_MINUTES
    )
    message = lockout_message(until)
    seconds = retry_after_seconds(until)
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"code": "account_locked", "detail": message, "retry_after": seconds},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
        )
    else:
        context = {"form": AuthenticationForm(request), "lockout": message}
        response = render(
            request, "core/login.html", context, status=status.HTTP_429_TOO_MANY_REQUESTS
        )
    response["Retry-After"] = str(seconds)
    return response
