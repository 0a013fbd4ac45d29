"""The sign-up pages of an enterprise user (core.signup): the address, then the code with the
account's details; then the enterprise pages take over (register or claim, ask to join)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core import signup
from core.forms import SignupFinishForm, SignupStartForm
from core.models import ContactVerification
from core.otp_views import begin_login
from core.throttling import LoginRateThrottle

SESSION_KEY = "signup_verification"


@never_cache
def signup_start(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignupStartForm(request.POST or None)
    if request.method == "POST":
        throttle = LoginRateThrottle()
        if not throttle.allow_request(request, None):
            form.is_valid()
            form.add_error(None, _too_many(throttle))
            return render(request, "core/signup.html", {"form": form}, status=429)
    if form.submitted(request):
        verification = form.call_service(
            signup.send_code,
            contact_text=form.cleaned_data["contact"],
            base_url=request.build_absolute_uri("/").rstrip("/"),
        )
        if verification:
            request.session[SESSION_KEY] = verification.pk
            return redirect("signup-verify")
    return render(request, "core/signup.html", {"form": form})


@never_cache
def signup_verify(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    verification = ContactVerification.objects.filter(pk=request.session.get(SESSION_KEY)).first()
    if verification is None:
        return redirect("signup")
    form = SignupFinishForm(request.POST or None)
    status = 200
    if request.method == "POST":
        throttle = LoginRateThrottle()
        if not throttle.allow_request(request, None):
            form.is_valid()
            form.add_error(None, _too_many(throttle))
            status = 429
        elif form.submitted(request):
            user = form.call_service(
                signup.sign_up,
                verification_id=verification.pk,
                code=form.cleaned_data["code"],
                username=form.cleaned_data["username"],
                first_name=form.cleaned_data["first_name"],
                password=form.cleaned_data["password1"],
            )
            if user:
                request.session.pop(SESSION_KEY, None)
                user.backend = "django.contrib.auth.backends.ModelBackend"
                messages.success(
                    request,
                    _(
                        "Your account is ready. Now register your enterprise, or claim it if an "
                        "association registered it already."
                    ),
                )
                return begin_login(request, user, reverse("enterprise-register"))
    contact = signup.Contact(verification.channel, verification.address)
    return render(
        request,
        "core/signup_verify.html",
        {"form": form, "contact": contact, "resend": SignupStartForm({"contact": contact.address})},
        status=status,
    )


def _too_many(throttle: LoginRateThrottle) -> str:
    return _("Too many requests from this address. Try again in %(seconds)d seconds.") % {
        "seconds": int(throttle.wait() or 60)
    }
