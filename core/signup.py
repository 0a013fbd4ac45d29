"""Signing up as an enterprise user: prove a mobile number or an e-mail address with a one-time
code, then choose a username and a password. What follows (registering the enterprise or
claiming a registered one, asking to join an association) are the enterprise pages' own steps.

No account enumeration: asking for a code answers the same whether or not an account uses the
address. An address in use gets a message saying so (with the way to a new password) instead of
a code, so that its owner learns of the attempt and nobody else learns anything.

Bounds: a code lives CODE_MINUTES and takes MAX_ATTEMPTS wrong tries; an address gets a new code
at most once a minute and HOURLY_CODES times an hour (the pages also count every request against
the login throttle, per client address). Asking again retires the address's earlier codes.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from phonenumbers import PhoneNumberType, number_type, parse

from core.errors import DomainError
from core.models import ContactVerification, Role, User
from core.notifications import on_commit
from core.validators import display_phone, normalise_phone
from core.workflow import record_event

CODE_MINUTES = 15
MAX_ATTEMPTS = 5
RESEND_SECONDS = 60
HOURLY_CODES = 5
MAINLAND_CODE = 86  # text messages go to mainland numbers only (no premium-rate ranges abroad)

Channel = ContactVerification.Channel


@dataclass(frozen=True)
class Contact:
    channel: str
    address: str  # e-mail in lower case, or a mobile number in E.164 form

    @property
    def shown(self) -> str:
        return display_phone(self.address) if self.channel == Channel.PHONE else self.address


def parse_contact(text: str) -> Contact:
    """A mobile number or an e-mail address as typed; a DomainError on `contact` says what is
    wrong with it."""
    text = (text or "").strip()
    if not text:
        raise _contact_error(_("Enter your mobile number or your e-mail address."))
    if "@" in text:
        try:
            validate_email(text)
        except ValidationError:
            raise _contact_error(
                _("This is not an e-mail address; write e.g. name@example.com.")
            ) from None
        return Contact(Channel.EMAIL, text.lower())
    try:
        number = normalise_phone(text)
    except ValidationError as error:
        raise _contact_error(error.messages[0]) from None
    parsed = parse(number)
    if parsed.country_code != MAINLAND_CODE:
        raise _contact_error(
            _("Text messages go to mainland China mobile numbers only; use an e-mail address.")
        )
    if number_type(parsed) not in (
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise _contact_error(
            _("Codes are sent by text message: give a mobile number, or an e-mail address.")
        )
    return Contact(Channel.PHONE, number)


def _contact_error(message: str) -> DomainError:
    return DomainError(message, fields={"contact": [message]})


def lock_address(address: str) -> None:
    """Serialise, until the transaction ends, everything done for one address (codes asked at
    once, accounts made at once): a transaction-level advisory lock on PostgreSQL. The demo's
    SQLite writes one transaction at a time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"contact:{address}"])


def _hash(address: str, code: str) -> str:
    return salted_hmac("core.signup.code", f"{address}\n{code}", algorithm="sha256").hexdigest()


def address_in_use(contact: Contact) -> bool:
    if contact.channel == Channel.EMAIL:
        return User.objects.filter(email__iexact=contact.address).exists()
    return User.objects.filter(phone=contact.address).exists()


@transaction.atomic
def send_code(*, contact_text: str, base_url: str) -> ContactVerification:
    """Send a new code to the address (or, if an account uses it already, a message saying so)
    and retire its earlier codes. Refused while the address had a code less than a minute ago,
    or had HOURLY_CODES in the last hour."""
    contact = parse_contact(contact_text)
    lock_address(contact.address)
    now = timezone.now()
    recent = list(
        ContactVerification.objects.select_for_update()
        .filter(address=contact.address, created_at__gte=now - timedelta(hours=1))
        .order_by("-created_at")
        .values_list("created_at", flat=True)
    )
    if recent and (now - recent[0]).total_seconds() < RESEND_SECONDS:
        wait = RESEND_SECONDS - int((now - recent[0]).total_seconds())
        raise _contact_error(
            _("A code was sent to this address a moment ago; ask again in %(seconds)d seconds.")
            % {"seconds": max(wait, 1)}
        )
    if len(recent) >= HOURLY_CODES:
        again = timezone.localtime(recent[-1] + timedelta(hours=1))
        raise _contact_error(
            _("Too many codes were sent to this address; ask again after %(time)s.")
            % {"time": again.strftime("%H:%M")}
        )
    ContactVerification.objects.filter(
        address=contact.address, used_at__isnull=True, expires_at__gt=now
    ).update(expires_at=now)
    code = f"{secrets.randbelow(10**6):06d}"
    in_use = address_in_use(contact)
    verification = ContactVerification.objects.create(
        channel=contact.channel,
        address=contact.address,
        # An address in use gets no code: the one kept here was never sent, so no code works.
        code_hash=_hash(contact.address, secrets.token_hex(16) if in_use else code),
        created_at=now,
        expires_at=now + timedelta(minutes=CODE_MINUTES),
    )
    if in_use:
        reset = base_url + reverse("password-reset")
        text = _(
            "Someone asked to sign up to the Resumption Portal with this address, which an "
            "account uses already. If it was you, log in, or choose a new password here: %(link)s"
        ) % {"link": reset}
    else:
        text = _(
            "Your Resumption Portal sign-up code is %(code)s. It works for %(minutes)d minutes. "
            "Nobody from the portal will ask you for it."
        ) % {"code": code, "minutes": CODE_MINUTES}
    on_commit(
        _queue_message,
        channel=contact.channel,
        address=contact.address,
        subject=_("Your Resumption Portal sign-up"),
        text=text,
    )
    return verification


def _queue_message(**message) -> None:
    from core.tasks import send_signup_message as task  # core.tasks imports core.notifications

    task.delay(**message)


def deliver(*, channel: str, address: str, subject: str, text: str) -> None:
    """What the task runs: one text message or one e-mail."""
    from django.conf import settings
    from django.core.mail import send_mail

    from core.sms import send_text

    if channel == Channel.PHONE:
        send_text(address, text)
    else:
        send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [address])


def sign_up(
    *, verification_id: int, code: str, username: str, first_name: str, password: str
) -> User:
    """Create the enterprise user once the code proves the address; the code works once.

    A wrong code counts against the verification (kept even though the sign-up fails), so that
    MAX_ATTEMPTS guesses end it."""
    username = (username or "").strip()
    candidate = User(username=username, first_name=(first_name or "").strip(), role=Role.ENTERPRISE)
    problem = None
    with transaction.atomic():
        verification = (
            ContactVerification.objects.select_for_update().filter(pk=verification_id).first()
        )
        problem = _code_problem(verification, (code or "").strip())
        if problem == "wrong":
            verification.attempts += 1
            verification.save(update_fields=["attempts"])
    if problem:
        message = {
            "wrong": _("This code is not right; check the digits of the latest message."),
            "spent": _("This code no longer works; ask for a new one."),
        }[problem]
        raise DomainError(message, fields={"code": [message]})

    try:
        return _create_account(verification_id, code.strip(), candidate, password)
    except DomainError as error:
        if "username" in error.fields:
            # A taken username counts as a try: a code is no tool to probe usernames.
            ContactVerification.objects.filter(pk=verification_id).update(
                attempts=F("attempts") + 1
            )
        raise


@transaction.atomic
def _create_account(verification_id: int, code: str, candidate: User, password: str) -> User:
    username = candidate.username
    verification = ContactVerification.objects.select_for_update().get(pk=verification_id)
    lock_address(verification.address)
    if _code_problem(verification, code):  # used by a parallel request meanwhile
        message = _("This code no longer works; ask for a new one.")
        raise DomainError(message, fields={"code": [message]})
    contact = Contact(verification.channel, verification.address)
    if address_in_use(contact):
        raise _contact_error(
            _("An account uses this address already: log in, or ask for a new password.")
        )
    if verification.channel == Channel.EMAIL:
        candidate.email = contact.address
    else:
        candidate.phone = contact.address
    errors = {}
    try:
        User.username_validator(username)
    except ValidationError as error:
        errors["username"] = error.messages
    if not username:
        errors["username"] = [_("Choose a username.")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("This username is taken; choose another.")]
    try:
        validate_password(password, candidate)
    except ValidationError as error:
        errors["password1"] = error.messages
    if errors:
        raise DomainError(next(iter(errors.values()))[0], fields=errors)
    candidate.set_password(password)
    candidate.save()
    verification.used_at = timezone.now()
    verification.save(update_fields=["used_at"])
    record_event(candidate, "user.signed_up", actor=candidate, reason=verification.channel)
    return candidate


def _code_problem(verification: ContactVerification | None, code: str) -> str | None:
    if (
        verification is None
        or verification.used_at is not None
        or verification.expires_at <= timezone.now()
        or verification.attempts >= MAX_ATTEMPTS
    ):
        return "spent"
    if not constant_time_compare(verification.code_hash, _hash(verification.address, code)):
        return "wrong"
    return None
