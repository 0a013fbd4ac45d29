from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from core.auth_lockout import account_locked_until, lockout_message, retry_after_seconds
from core.models import own_users_of
from core.otp_views import begin_login
from core.throttling import LoginRateThrottle


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says; send them to the real one."""
    return redirect(static("core/favicon.svg"), permanent=True)


class LoginView(auth_views.LoginView):
    """The password step of a login. Guessing is bounded twice: per client address (the rate
    throttle, shared with the token endpoint) and per account (core.auth_lockout). A correct
    password logs in, or first asks for the second factor (core.otp_views)."""

    template_name = "core/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        throttle = LoginRateThrottle()
        if not throttle.allow_request(request, self):
            messages.error(
                request,
                _("Too many login attempts from this address. Try again in %(seconds)d seconds.")
                % {"seconds": int(throttle.wait() or 60)},
            )
            return self.render_to_response(self.get_context_data(form=self.get_form()), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        return begin_login(self.request, form.get_user(), self.get_success_url())

    def form_invalid(self, form):
        # A wrong password may have locked the account just now, or it was locked already (then
        # axes refused it before checking the password): either way, say until when.
        until = account_locked_until(form.cleaned_data.get("username"))
        if until is None:
            return super().form_invalid(form)
        context = self.get_context_data(form=form, lockout=lockout_message(until))
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(retry_after_seconds(until))
        response.shows_lockout = True  # for AxesMiddleware (core.auth_lockout.lockout_response)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["demo_mode"] = settings.DEMO_MODE
        return context


class InvitationPasswordView(auth_views.PasswordResetConfirmView):
    """An invited account sets its first password. The link of a member's contact invited by
    an association stops working once the enterprise has a user of its own: from then on they
    decide who acts for it (docs/decisions/0007)."""

    template_name = "core/set_password.html"

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        if (
            user is not None
            and user.invited_contact
            and not user.has_usable_password()
            and own_users_of(user.enterprise_id).exclude(pk=user.pk).exists()
        ):
            return None
        return user


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin site's login is the portal's, with its throttle, lockout and second factor."""
    if request.user.is_authenticated:
        if not admin.site.has_permission(request):
            raise PermissionDenied
        target = request.GET.get(REDIRECT_FIELD_NAME, "")
        safe = url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        return redirect(target if safe else "admin:index")
    query = urlencode({REDIRECT_FIELD_NAME: request.GET.get(REDIRECT_FIELD_NAME, "/admin/")})
    return redirect(f"{reverse('login')}?{query}")


class LogoutView(auth_views.LogoutView):
    pass
