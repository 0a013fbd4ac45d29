"""The notification centre: a user's own notifications (read, filtered, marked read) and their
choice, per kind, of how the e-mails come (at once, in a daily digest, or not at all).

Everything here is the user's own: a notification is looked up within the user's rows, so that
another user's id is simply not found (404 on the pages and the API).
"""

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from core.models import Delivery, Notification, NotificationPreference, User
from core.notifications import ALWAYS_URGENT

Kind = Notification.Kind

# Kinds of which some notifications are urgent (e-mailed at once whatever is chosen), and what
# the preferences say about them.
URGENT_NOTES = {
    Kind.ANSWER: gettext_lazy("A government's answer is urgent: always e-mailed at once."),
    Kind.DECISION: gettext_lazy("A rejection is urgent: always e-mailed at once."),
    Kind.COMPLAINT: gettext_lazy("A complaint turned down is urgent: always e-mailed at once."),
}


def notification_list(
    *, user: User, kind: str | None = None, unread: bool | None = None
) -> QuerySet[Notification]:
    """The user's notifications, newest first; `kind` one kind only, `unread` True: not read
    yet, False: read."""
    rows = Notification.objects.filter(user=user)
    if kind:
        rows = rows.filter(kind=kind)
    if unread is not None:
        rows = rows.filter(read_at__isnull=unread)
    return rows


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (once: the first reading's time stays).
    Another user's, or none: Notification.DoesNotExist."""
    notification = Notification.objects.get(pk=notification_id, user=user)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User, kind: str | None = None) -> int:
    """Mark all the user's unread notifications (of `kind`) read; how many were."""
    return notification_list(user=user, kind=kind, unread=True).update(read_at=timezone.now())


def preferences_of(user: User) -> list[dict]:
    """One entry per kind, in the kinds' order: kind, label, delivery (at once when the user
    chose nothing), always_urgent, note."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return [
        {
            "kind": kind.value,
            "label": kind.label,
            "delivery": Delivery.IMMEDIATE
            if kind in ALWAYS_URGENT
            else chosen.get(kind.value) or Delivery.IMMEDIATE,
            "always_urgent": kind in ALWAYS_URGENT,
            "note": URGENT_NOTES.get(kind, ""),
        }
        for kind in Kind
    ]


def preferences_set(*, user: User, choices: dict[str, str]) -> list[dict]:
    """Set the user's delivery for each kind in `choices` ({kind: delivery}); kinds not named
    keep theirs. An unknown kind or delivery is a DomainError naming the field; an always
    urgent kind takes only "immediate"."""
    errors: dict[str, list[str]] = {}
    for kind, delivery in choices.items():
        if kind not in Kind.values:
            errors.setdefault("kind", []).append(
                _("Unknown kind of notification: %(kind)s.") % {"kind": kind}
            )
        elif delivery not in Delivery.values:
            errors.setdefault("delivery", []).append(
                _("Unknown delivery %(delivery)s: choose immediate, daily or none.")
                % {"delivery": delivery}
            )
        elif kind in ALWAYS_URGENT and delivery != Delivery.IMMEDIATE:
            errors.setdefault("delivery", []).append(str(URGENT_NOTES[kind]))
    if errors:
        raise DomainError(next(iter(errors.values()))[0], fields=errors)
    with transaction.atomic():
        for kind, delivery in choices.items():
            if delivery == Delivery.IMMEDIATE:  # the default: no row
                NotificationPreference.objects.filter(user=user, kind=kind).delete()
            else:
                NotificationPreference.objects.update_or_create(
                    user=user, kind=kind, defaults={"delivery": delivery}
                )
    return preferences_of(user)
