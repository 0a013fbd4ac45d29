"""Deactivating and reactivating an account: the one way an administrator turns a person (or a
partner system) out of the portal and lets them back in.

Deactivating, in one transaction: the account's row is locked, `is_active` turned off, every API
token of the account revoked (saying why: `deactivated`), every session of the account deleted,
and one event `user.deactivated` appended with the reason. Django's ModelBackend already refuses
a session whose user is inactive; the sessions are deleted as well so that a reactivation does
not bring an old, forgotten session (a shared computer's) back to life.

Sessions are kept by `django.contrib.sessions` in the database, and their table has no user
column: the account's sessions are found by decoding the sessions not yet expired (an eight-hour
lifetime keeps them few), in chunks, which an administrator's rare action can afford.

Refused: deactivating oneself (an administrator who wants out asks another), deactivating the
last active administrator (nobody could let anyone back in), deactivating without a reason,
and deactivating an account that is already inactive (or reactivating an active one): a clear
error rather than a silent nothing, so that two administrators acting at once learn that the
other was first.
"""

from importlib import import_module

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import administrators, is_admin
from core.errors import Conflict, DomainError
from core.models import User
from core.tokens import ApiToken, tokens_revoke_all
from core.workflow import record_event

REASON_MAX_LENGTH = 2000
SESSION_CHUNK = 2000


def _lock_administrators() -> set[int]:
    """Lock the active administrators' rows (in one order, so that two deactivations at once
    cannot deadlock) and answer their ids: two administrators deactivating each other at the
    same moment are serialised, and the second finds the first one's result."""
    return set(
        User.objects.select_for_update()
        .filter(administrators(), is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _still_administrator(actor, active_administrators: set[int]) -> None:
    """The actor was deactivated while their request ran: they may do nothing more."""
    if actor.pk not in active_administrators:
        raise PermissionDenied


def _reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        message = _("Say why the account is deactivated; the reason is kept in its history.")
        raise DomainError(message, fields={"reason": [message]})
    if len(reason) > REASON_MAX_LENGTH:
        message = _("A reason may have at most %(count)d characters.") % {
            "count": REASON_MAX_LENGTH
        }
        raise DomainError(message, fields={"reason": [message]})
    return reason


def sessions_delete(user_id: int) -> int:
    """Delete every live session signed in as `user_id`; how many. Only the sessions not yet
    expired are read (an expired one lets nobody in, and `clearsessions` removes it)."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    model = store_class.get_model_class()
    wanted = str(user_id)
    store = store_class()
    keys = []
    live = (
        model.objects.filter(expire_date__gt=timezone.now())
        .values_list("session_key", "session_data")
        .iterator(chunk_size=SESSION_CHUNK)
    )
    for key, data in live:
        if str(store.decode(data).get("_auth_user_id", "")) == wanted:
            keys.append(key)
    for key in keys:
        store_class(session_key=key).delete()
    return len(keys)


@transaction.atomic
def deactivate(user: User, *, actor, reason: str) -> User:
    """Turn the account out: no more sign-in, no session, no API token (see the module)."""
    if not is_admin(actor):
        raise PermissionDenied
    reason = _reason(reason, required=True)
    if user.pk == actor.pk:
        raise DomainError(
            _(
                "You cannot deactivate your own account; ask another administrator if it must "
                "be done."
            )
        )
    active_administrators = _lock_administrators()
    account = User.objects.select_for_update().get(pk=user.pk)
    if not account.is_active:
        raise Conflict(_("%(username)s is deactivated already.") % {"username": account.username})
    # Reached when two administrators deactivate each other at once: the second one's turn
    # comes when the first is done, and would leave nobody to let anyone back in.
    if is_admin(account) and not active_administrators - {account.pk}:
        raise Conflict(
            _("%(username)s is the last active administrator; it cannot be deactivated.")
            % {"username": account.username}
        )
    _still_administrator(actor, active_administrators)
    turn_out(account, actor=actor, reason=reason)
    user.is_active = False
    return account


def turn_out(account: User, *, actor, reason: str) -> None:
    """The steps of a deactivation, on an account row the caller has locked in its transaction
    and whose deactivation it has allowed: its tokens revoked, its sessions deleted, the account
    turned off, one `user.deactivated` event."""
    # Revoked here, by the actor, before the save (whose signal would revoke them too, by nobody).
    tokens_revoke_all(user_id=account.pk, reason=ApiToken.RevokeReason.DEACTIVATED, actor=actor)
    sessions_delete(account.pk)
    account.is_active = False
    account.save(update_fields=["is_active"])
    record_event(
        account,
        "user.deactivated",
        actor=actor,
        reason=reason,
        changes={"is_active": [True, False]},
    )


@transaction.atomic
def reactivate(user: User, *, actor, reason: str = "") -> User:
    """Let the account back in. Its revoked tokens stay revoked and its sessions are gone: its
    owner signs in again and makes new tokens."""
    if not is_admin(actor):
        raise PermissionDenied
    reason = _reason(reason, required=False)
    _still_administrator(actor, _lock_administrators())
    account = User.objects.select_for_update().get(pk=user.pk)
    if account.is_active:
        raise Conflict(_("%(username)s is active already.") % {"username": account.username})
    if account.anonymised_at is not None:
        # Its person's name and addresses are gone: nobody could sign in to it or be told.
        raise Conflict(
            _("This account was anonymised: it cannot be used again. Its person signs up anew.")
        )
    account.is_active = True
    account.save(update_fields=["is_active"])
    record_event(
        account,
        "user.reactivated",
        actor=actor,
        reason=reason,
        changes={"is_active": [False, True]},
    )
    user.is_active = True
    return account
