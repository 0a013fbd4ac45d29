"""Two-factor sign-in: an authenticator app's codes (TOTP) and recovery codes, on django-otp.

- **Who.** Any account may set it up; an account holding one of OTP_REQUIRED_ROLES (read with
  `has_role`, so a manager is also staff) must. Once an account has an authenticator, every login
  asks for a code after the password. The API's tokens are not concerned: a partner system has
  no phone, and a token is a secret of its own.
- **Sessions.** The login pages keep the account "pending" (not logged in) between the password
  and the code (core.otp_views); only a correct code, or setting up the authenticator, logs in.
  A session is marked with the device that confirmed it (django-otp's OTPMiddleware makes
  `user.is_verified()` of it), or, when the account needs no second factor, with the policy it
  was checked against. `SecondFactorMiddleware` ends any other session: one from before the
  policy, or whose authenticator an administrator removed.
- **Setting up.** The secret stays in the session until the person proves with a first code that
  their app holds it; then one transaction replaces any older authenticator and recovery codes,
  and records the event. Recovery codes are shown once; each works once.
- **Guessing** codes is slowed by django-otp's per-device throttle (1 s, 2 s, 4 s… after each
  wrong code), kept even though the attempt fails.
"""

import time
from base64 import b32encode
from binascii import unhexlify

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from core.access import has_role
from core.errors import DomainError
from core.workflow import action_name, record_event

RECOVERY_CODE_COUNT = 10
# The session of an account that needs no second factor, checked against this policy.
POLICY_SESSION_KEY = "second_factor_policy"


# --- who needs it ---------------------------------------------------------------------------


def second_factor_required(user) -> bool:
    """The account's role is one that must sign in with a second factor (OTP_REQUIRED_ROLES)."""
    roles = settings.OTP_REQUIRED_ROLES
    return bool(roles) and has_role(user, *roles)


def has_authenticator(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def second_factor_needed(user) -> bool:
    """Whether a login of this account asks for a code (or for setting up an authenticator)."""
    return second_factor_required(user) or has_authenticator(user)


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- sessions -------------------------------------------------------------------------------


def _policy_mark(user) -> str:
    return f"{user.pk}:{user.role}:{','.join(sorted(settings.OTP_REQUIRED_ROLES))}"


def session_meets_policy(request, user) -> bool:
    """A second factor confirmed this session, or the account needs none (checked once per
    session and policy: the mark saves the queries on later requests)."""
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return True
    mark = _policy_mark(user)
    if request.session.get(POLICY_SESSION_KEY) == mark:
        return True
    if second_factor_needed(user):
        return False
    request.session[POLICY_SESSION_KEY] = mark
    return True


# Connected when the module is imported: by the middleware below, which every request runs.
@receiver(user_logged_in, dispatch_uid="core.otp.mark_password_login")
def _mark_password_login(sender, request, user, **kwargs):
    """A login of an account that needs no second factor marks its session at once."""
    if request is not None and hasattr(request, "session") and not second_factor_needed(user):
        request.session[POLICY_SESSION_KEY] = _policy_mark(user)


class SecondFactorMiddleware:
    """Ends a session that lacks the second factor its account needs now (after django-otp's
    OTPMiddleware and MessageMiddleware): the person logs in again, and is asked for a code or
    to set up an authenticator."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not session_meets_policy(request, user):
            logout(request)
            messages.info(
                request, _("Your account now signs in with a second factor: log in again.")
            )
        return self.get_response(request)


# --- setting up an authenticator ------------------------------------------------------------


def new_authenticator_key() -> str:
    """A new TOTP secret (20 random bytes, hex), kept in the session until it is confirmed."""
    return random_hex(20)


def authenticator_uri(user, key: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return TOTPDevice(user=user, key=key).config_url


def authenticator_key_text(key: str) -> str:
    """The secret as people type it into an app without a camera: base32, in groups of four."""
    text = b32encode(unhexlify(key)).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_svg(text: str, *, size: int = 200, label: str = "") -> str:
    """`text` as a QR code: an inline SVG drawn here (no image service, no script)."""
    image = qrcode.make(
        text, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10, border=2
    )
    root = image.get_image()  # the <svg> element, sized in mm: in pixels here
    root.attrib.pop("xmlns", None)  # inline in HTML, an <svg> needs no namespace
    root.set("width", str(size))
    root.set("height", str(size))
    root.set("role", "img")
    if label:
        root.set("aria-label", label)
    return image.to_string(encoding="unicode")


def _normalized(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def authenticator_confirm(*, user, key: str, code: str) -> tuple[TOTPDevice, list[str]]:
    """Turn on two-factor sign-in for `user` with the secret `key`, once `code` shows that their
    app holds it. Replaces any earlier authenticator and recovery codes; answers the device and
    the new recovery codes (to show once)."""
    code = _normalized(code)
    totp = TOTP(unhexlify(key))
    totp.time = time.time()
    if not (code.isdigit() and len(code) == 6 and totp.verify(int(code), tolerance=1)):
        message = _(
            "This code does not match. Check that the app shows the portal's account, and type "
            "the code it shows now."
        )
        raise DomainError(message, fields={"code": [message]})
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(
            user=user,
            name="authenticator",
            key=key,
            confirmed=True,
            drift=totp.drift,
            last_t=totp.t(),  # the code just typed does not log in again
        )
        recovery = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=recovery, token=c) for c in codes)
        record_event(user, action_name(user, "two_factor_enabled"), actor=user)
    return device, codes


# --- the second step of a login ---------------------------------------------------------------


def second_factor_verify(*, user, code: str) -> Device:
    """The device of `user` that accepts `code`: six digits are an authenticator's code, anything
    else a recovery code (used up by this). DomainError if none does, or while the device's
    throttle makes the person wait after wrong codes."""
    code = _normalized(code)
    model = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    locked_until = None
    # The wrong code's throttle count must be committed, so the error is raised after the block.
    with transaction.atomic():
        devices = model.objects.devices_for_user(user, confirmed=True).select_for_update()
        for device in devices:
            allowed, info = device.verify_is_allowed()
            if not allowed:
                locked_until = (info or {}).get("locked_until")
                continue
            if device.verify_token(code):
                return device
    if locked_until is not None:
        raise DomainError(
            _("Too many wrong codes. Wait until %(time)s, then try again.")
            % {"time": timezone.localtime(locked_until).strftime("%H:%M:%S")},
            code="throttled",
        )
    message = _("This code is not correct, or it was used already.")
    raise DomainError(message, fields={"code": [message]})
