"""A forgotten password: the portal e-mails a link to choose a new one.

Django's views and form, except that the e-mail leaves by the retried task every e-mail takes
(core.notifications): a mail server that is down neither shows an error page nor loses the
e-mail, and the page that follows says the same whether or not an account uses the address.
Requests count against the login page's per-address throttle, so that the form cannot be used
to flood someone's mailbox.

The invitation of new staff sets its first password through its own page
(`password_reset_confirm`, core/set_password.html); these pages are `password-reset…`.
"""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.models import Role, User
from core.notifications import email_password_link
from core.signup import parse_contact
from core.throttling import LoginRateThrottle

TEXTS_PER_HOUR = 5


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Which accounts get a link is Django's rule: active ones with a password, whose address
    matches (an invitation still waiting for its password is sent again by a manager). An
    account may be found by its mobile number too: the link then goes by text message."""

    email = forms.CharField(
        label=_("E-mail address or mobile number"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "off"}),
    )

    def clean_email(self) -> str:
        text = self.cleaned_data["email"].strip()
        try:
            return parse_contact(text).address
        except DomainError as error:
            raise forms.ValidationError(error.message) from None

    def save(self, *, request, **_options) -> None:
        base_url = request.build_absolute_uri("/").rstrip("/")
        address = self.cleaned_data["email"]
        by_text = "@" not in address
        users = self._users_by_phone(address) if by_text else self.get_users(address)
        for user in users:
            email_password_link(
                user=user,
                url_name="password-reset-confirm",
                subject=_("Choose a new password for the Resumption Portal"),
                intro=_(
                    "Someone asked for a new password for the account %(username)s in the "
                    "Resumption Portal. If it was you, choose one here:"
                )
                % {"username": user.username},
                outro=_(
                    "The link works once. If you did not ask for it, ignore this message: "
                    "your password stays as it is."
                ),
                base_url=base_url,
                by_text=by_text,
            )

    @staticmethod
    def _users_by_phone(number: str):
        """Enterprise users with this mobile number (staff and officials get their links by
        e-mail only), and none while the number had a link less than a minute ago or
        TEXTS_PER_HOUR this hour: the page answers the same, so a stranger cannot use it to
        flood someone's phone."""
        if not cache.add(f"reset-text:{number}:minute", 1, timeout=60):
            return []
        hour = f"reset-text:{number}:hour"
        cache.add(hour, 0, timeout=3600)
        if cache.incr(hour) > TEXTS_PER_HOUR:
            return []
        return [
            user
            for user in User.objects.filter(phone=number, is_active=True, role=Role.ENTERPRISE)
            if user.has_usable_password()
        ][:1]


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "registration/password_reset_form.html"
    success_url = reverse_lazy("password-reset-sent")

    def post(self, request, *args, **kwargs):
        throttle = LoginRateThrottle()
        if not throttle.allow_request(request, self):
            form = self.get_form()
            form.is_valid()
            form.add_error(
                None,
                _("Too many requests from this address. Try again in %(seconds)d seconds.")
                % {"seconds": int(throttle.wait() or 60)},
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
