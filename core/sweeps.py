"""The outbox sweeps of core (core.outbox): notification e-mails and daily digests whose
message to a worker was lost."""

from datetime import timedelta
from functools import partial

from django.db.models import Exists, OuterRef
from django.utils import timezone

from core import digests, metrics, outbox
from core.models import Delivery, Notification, NotificationDigest

# Work older than this is no longer sent: an e-mail a day late tells nothing the notification in
# the portal has not told already.
GIVE_UP_AFTER = timedelta(days=1)
BATCH = 1000


def _emails_due():
    return Notification.objects.filter(email_delivery=Delivery.IMMEDIATE, emailed_at__isnull=True)


def notification_emails(stale_before):
    from core.tasks import send_notification_email

    ids = (
        _emails_due()
        .filter(created_at__lt=stale_before, created_at__gte=stale_before - GIVE_UP_AFTER)
        .order_by("created_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    for pk in ids:
        yield outbox.Work(f"notification-email:{pk}", partial(send_notification_email.delay, pk))


def daily_digests(stale_before):
    """Yesterday's digests once the beat entry (00:10) should have written them: written and
    queued when some are missing, each unsent one queued again."""
    from core.tasks import send_daily_digests, send_digest

    day = digests.previous_day()
    local = timezone.localtime(stale_before)
    if local.date() > day and (local.hour, local.minute) >= (0, 10):
        missing = digests.waiting(day).exclude(
            Exists(NotificationDigest.objects.filter(user_id=OuterRef("user_id"), day=day))
        )
        if missing.exists():
            yield outbox.Work(f"digests:{day}", partial(send_daily_digests.delay, day.isoformat()))
    unsent = NotificationDigest.objects.filter(
        day__gte=day - timedelta(days=1), sent_at__isnull=True
    ).values_list("pk", flat=True)[:BATCH]
    for pk in unsent:
        yield outbox.Work(f"digest:{pk}", partial(send_digest.delay, pk))


outbox.register("core.notification_emails", notification_emails)
outbox.register("core.daily_digests", daily_digests)
metrics.register_backlog(
    "portal_notification_emails_waiting",
    "Notifications whose immediate e-mail has not been sent.",
    lambda: _emails_due().filter(created_at__gte=timezone.now() - GIVE_UP_AFTER).count(),
)
