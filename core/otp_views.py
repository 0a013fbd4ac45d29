"""The pages of two-factor sign-in: the code after the password, setting up an authenticator,
and the recovery codes shown once (the rules are in core.otp).

Between a correct password and a correct code the account is only *pending*: its id sits in the
session for PENDING_SECONDS, and nothing but these pages reads it. An account with an
authenticator is asked for a code; an account that must have one and has none sets it up, and
setting it up completes the login.
"""

import time
from dataclasses import dataclass

import django_otp
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django_otp.plugins.otp_static.models import StaticDevice

from core.forms import AuthenticatorConfirmForm, SecondFactorForm
from core.otp import (
    authenticator_confirm,
    authenticator_key_text,
    authenticator_uri,
    has_authenticator,
    new_authenticator_key,
    qr_svg,
    recovery_codes_left,
    second_factor_needed,
    second_factor_required,
    second_factor_verify,
)

PENDING_KEY = "second_factor_pending"
PENDING_SECONDS = 15 * 60
SETUP_KEY = "second_factor_setup_key"
RECOVERY_CODES_KEY = "second_factor_recovery_codes"
# Below this many recovery codes left, a login with one says so.
FEW_RECOVERY_CODES = 3


@dataclass(frozen=True)
class PendingLogin:
    user: object
    backend: str
    next_url: str


def begin_login(request: HttpRequest, user, next_url: str) -> HttpResponse:
    """After a correct password: log in now, or first ask for the code (or the set-up)."""
    if not second_factor_needed(user):
        auth_login(request, user)
        return redirect(next_url)
    request.session.cycle_key()  # a pending login never inherits a session id from before
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": user.backend,
        "next": next_url,
        "since": int(time.time()),
    }
    return redirect("two-factor-verify" if has_authenticator(user) else "two-factor-setup")


def pending_login(request: HttpRequest) -> PendingLogin | None:
    """The account whose password was right in this session, if that was recent enough."""
    state = request.session.get(PENDING_KEY)
    if not state or time.time() - state.get("since", 0) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    user = get_user_model()._default_manager.filter(pk=state["user"], is_active=True).first()
    if user is None:
        request.session.pop(PENDING_KEY, None)
        return None
    return PendingLogin(user=user, backend=state["backend"], next_url=state["next"])


def _finish_login(request: HttpRequest, pending: PendingLogin, device) -> None:
    auth_login(request, pending.user, backend=pending.backend)
    django_otp.login(request, device)
    request.session.pop(PENDING_KEY, None)


def _start_again(request: HttpRequest) -> HttpResponse:
    messages.info(request, _("Log in again: the time to finish logging in has run out."))
    return redirect("login")


@never_cache
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of a login: a code of the authenticator app, or a recovery code."""
    pending = pending_login(request)
    if pending is None:
        return _start_again(request)
    if not has_authenticator(pending.user):
        return redirect("two-factor-setup")
    form = SecondFactorForm(request.POST or None)
    if form.submitted(request):
        device = form.call_service(
            second_factor_verify, user=pending.user, code=form.cleaned_data["code"]
        )
        if device is not None:
            _finish_login(request, pending, device)
            if isinstance(device, StaticDevice):
                _warn_of_few_recovery_codes(request, pending.user)
            return redirect(pending.next_url)
    return render(request, "core/two_factor_verify.html", {"form": form})


def _warn_of_few_recovery_codes(request: HttpRequest, user) -> None:
    left = recovery_codes_left(user)
    if left <= FEW_RECOVERY_CODES:
        messages.warning(
            request,
            ngettext(
                "You have %(count)d recovery code left. Set up two-factor sign-in again to get "
                "new ones.",
                "You have %(count)d recovery codes left. Set up two-factor sign-in again to get "
                "new ones.",
                left,
            )
            % {"count": left},
        )


@never_cache
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up (or replace) the authenticator: scan the QR code, type the first code.

    For a logged-in account, and for a pending login whose account must have an authenticator
    and has none — never for one that has an authenticator: that would bypass it.
    """
    pending = None
    if request.user.is_authenticated:
        user = request.user
    else:
        pending = pending_login(request)
        if pending is None:
            return redirect_to_login(request.get_full_path())
        if has_authenticator(pending.user):
            return redirect("two-factor-verify")
        user = pending.user
    key = request.session.get(SETUP_KEY) or new_authenticator_key()
    request.session[SETUP_KEY] = key
    form = AuthenticatorConfirmForm(request.POST or None)
    if form.submitted(request):
        result = form.call_service(
            authenticator_confirm, user=user, key=key, code=form.cleaned_data["code"]
        )
        if result is not None:
            device, codes = result
            request.session.pop(SETUP_KEY, None)
            if pending is not None:
                _finish_login(request, pending, device)
                next_url = pending.next_url
            else:
                django_otp.login(request, device)
                next_url = reverse("dashboard")
            request.session[RECOVERY_CODES_KEY] = {"codes": codes, "next": next_url}
            return redirect("two-factor-recovery-codes")
    context = {
        "form": form,
        "pending": pending is not None,
        "required": second_factor_required(user),
        "active": has_authenticator(user),
        "codes_left": recovery_codes_left(user),
        "qr_code": qr_svg(authenticator_uri(user, key), label=_("QR code for the app")),
        "key_text": authenticator_key_text(key),
    }
    return render(request, "core/two_factor_setup.html", context)


@never_cache
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    """The new recovery codes, once, right after setting up the authenticator."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    shown = request.session.pop(RECOVERY_CODES_KEY, None)
    if not shown:
        messages.info(
            request,
            _(
                "Recovery codes are shown only once. To get new ones, set up two-factor sign-in "
                "again."
            ),
        )
        return redirect("two-factor-setup")
    context = {"codes": shown["codes"], "next_url": shown["next"]}
    return render(request, "core/two_factor_recovery_codes.html", context)
