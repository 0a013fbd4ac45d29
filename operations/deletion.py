"""Asking for an account's deletion, and deciding (docs/decisions/0028).

An enterprise user asks (a reason optional) and may withdraw while the request waits; a manager
of an association their enterprise is an active member of, or an admin, confirms it — the account
is deactivated and anonymised in the same transaction — or declines it with a reason. Each step
appends its event; the user is told of a decline in the portal, and of a confirmation by a last
message to the address the account had (it can no longer sign in to read one).
"""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import accounts
from core.access import can, is_admin
from core.errors import Conflict, DomainError
from core.models import Notification, User
from core.notifications import notify, on_commit
from core.workflow import change_status, may_move, not_allowed, record_status
from operations import access
from operations.models import DeletionRequest
from operations.personal_data import anonymise_locked

REASON_MAX_LENGTH = 2000
Status = DeletionRequest.Status


def _reason(text: str, *, required: bool, field: str = "reason") -> str:
    text = (text or "").strip()
    if required and not text:
        message = _("Say why the request is declined; the person reads it.")
        raise DomainError(message, fields={field: [message]})
    if len(text) > REASON_MAX_LENGTH:
        message = _("A reason may have at most %(count)d characters.") % {
            "count": REASON_MAX_LENGTH
        }
        raise DomainError(message, fields={field: [message]})
    return text


def deletion_request_create(*, actor: User, reason: str = "") -> DeletionRequest:
    """The actor asks for their own account's deletion; Conflict if a request already waits."""
    if not can(actor, "deletion.request"):
        raise PermissionDenied
    reason = _reason(reason, required=False)
    already = Conflict(_("You asked for your account's deletion already; it waits for a decision."))
    with transaction.atomic():
        # The account's row serialises two requests sent at once; the constraint stands behind.
        User.objects.select_for_update().get(pk=actor.pk)
        if DeletionRequest.objects.filter(user=actor, status=Status.PENDING).exists():
            raise already
        try:
            with transaction.atomic():
                request = DeletionRequest.objects.create(user=actor, reason=reason)
        except IntegrityError:
            raise already from None
        record_status(request, from_status="", to_status=Status.PENDING, actor=actor, reason=reason)
    return request


def deletion_request_withdraw(*, actor: User, request_id: int) -> DeletionRequest:
    """The actor withdraws their own waiting request (DoesNotExist for anyone else's)."""
    with transaction.atomic():
        request = DeletionRequest.objects.select_for_update().get(pk=request_id, user=actor)
        change_status(request, to=Status.WITHDRAWN, actor=actor)
    return request


def _decided(request: DeletionRequest, *, actor: User, to: str, reason: str = "") -> None:
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_reason = reason
    change_status(
        request,
        to=to,
        actor=actor,
        reason=reason,
        update_fields=("decided_by", "decided_at", "decision_reason"),
    )


def _deactivate(account: User, *, actor: User, request: DeletionRequest) -> None:
    """Turn the account out as core.accounts.deactivate does. That function is the
    administrators' door; a manager confirming a member's own request takes its steps
    (core.accounts.turn_out) on an enterprise user's account, locked by the caller."""
    if not account.is_active:
        return
    reason = _("Deletion asked for by the account's owner (request %(id)s).") % {"id": request.pk}
    if is_admin(actor):
        accounts.deactivate(account, actor=actor, reason=reason)
        return
    accounts.turn_out(account, actor=actor, reason=reason)


def _farewell(address: str, by_text: bool) -> None:
    from core.tasks import send_signup_message

    text = _(
        "Your account on the Resumption Portal is deleted as you asked: it can no longer sign "
        "in, and your name, e-mail address and phone number are removed. What you filed for "
        "your enterprise stays with the enterprise."
    )
    send_signup_message.delay(
        channel="phone" if by_text else "email",
        address=address,
        subject=_("Your account is deleted"),
        text=text,
    )


def deletion_request_confirm(*, actor: User, request_id: int) -> DeletionRequest:
    """Confirm a waiting request the actor may decide (DoesNotExist otherwise): the account is
    deactivated and anonymised in the same transaction."""
    if not can(actor, "deletion.decide"):
        raise PermissionDenied
    with transaction.atomic():
        request = access.decidable(actor).select_for_update(of=("self",)).get(pk=request_id)
        if not may_move(request, Status.CONFIRMED):  # before the account is touched
            raise not_allowed(request)
        account = User.objects.select_for_update().get(pk=request.user_id)
        address, by_text = (account.email, False) if account.email else (account.phone, True)
        _deactivate(account, actor=actor, request=request)
        anonymise_locked(account, actor=actor)
        _decided(request, actor=actor, to=Status.CONFIRMED)
        if address:
            on_commit(_farewell, address, by_text)
    return request


def deletion_request_decline(*, actor: User, request_id: int, reason: str) -> DeletionRequest:
    """Decline a waiting request the actor may decide, saying why; the user is told."""
    if not can(actor, "deletion.decide"):
        raise PermissionDenied
    reason = _reason(reason, required=True)
    with transaction.atomic():
        request = access.decidable(actor).select_for_update(of=("self",)).get(pk=request_id)
        _decided(request, actor=actor, to=Status.DECLINED, reason=reason)
        notify(
            user=request.user,
            title=_("Your request to delete your account was declined"),
            body=reason,
            link=reverse("my-data"),
            key=f"deletion-request-{request.pk}-declined",
            kind=Notification.Kind.ACCOUNT,
        )
    return request
