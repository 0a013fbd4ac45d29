"""The daily digest: one e-mail per user with the notifications they chose to receive daily.

Beat runs `queue_daily_digests` shortly after midnight (Asia/Shanghai, settings.TIME_ZONE) for the
previous full local day [00:00, 24:00). It writes one NotificationDigest row per user who has
notifications waiting for that day (INSERT … ON CONFLICT DO NOTHING: the row is unique per user
and day) and queues a `send_digest` task per digest not sent yet. Each task locks its digest,
reads the user's waiting notifications in one query, sends one e-mail, and marks the digest sent
and the notifications e-mailed in the same transaction: run twice, or by two workers at once, a
digest goes out once. A mail server that fails raises, marks nothing, and the task is retried.

Which notifications wait for the digest was decided when each was written
(Notification.email_delivery, from the user's preference then): a notification told while the
user chose the digest goes in it even if they chose "at once" later (it was not e-mailed);
kinds the user has since turned off ("none") are left out.
"""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.models import Delivery, Notification, NotificationDigest, NotificationPreference


def day_window(day: date) -> tuple[datetime, datetime]:
    """The local day [00:00, next 00:00) as aware datetimes (settings.TIME_ZONE)."""
    zone = timezone.get_default_timezone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


def previous_day() -> date:
    return timezone.localdate() - timedelta(days=1)


def waiting(day: date) -> QuerySet[Notification]:
    """Notifications of `day` waiting for a digest (read from the partial index
    notification_digest_due), without the kinds their users have turned off since."""
    start, end = day_window(day)
    turned_off = NotificationPreference.objects.filter(
        user_id=OuterRef("user_id"), kind=OuterRef("kind"), delivery=Delivery.NONE
    )
    return Notification.objects.filter(
        email_delivery=Delivery.DAILY,
        emailed_at__isnull=True,
        created_at__gte=start,
        created_at__lt=end,
    ).exclude(Exists(turned_off))


def queue_daily_digests(day: date | None = None) -> int:
    """Write the digests of `day` (default: yesterday, local time) and queue the sending of
    those not sent yet; how many were queued."""
    day = day or previous_day()
    users = waiting(day).values_list("user_id", flat=True).distinct().order_by()
    batch: list[NotificationDigest] = []
    for user_id in users.iterator(chunk_size=5000):
        batch.append(NotificationDigest(user_id=user_id, day=day))
        if len(batch) == 5000:
            NotificationDigest.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    NotificationDigest.objects.bulk_create(batch, ignore_conflicts=True)
    ids = list(
        NotificationDigest.objects.filter(day=day, sent_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    from core.tasks import send_digest  # core.tasks imports this module

    for digest_id in ids:
        send_digest.delay(digest_id)
    return len(ids)


def send_digest(digest_id: int) -> bool:
    """Send one user's digest unless it went out already; True if this call sent it."""
    with transaction.atomic():
        digest = (
            NotificationDigest.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=digest_id, sent_at__isnull=True)
            .first()
        )
        if digest is None:
            return False
        user = digest.user
        rows = list(
            waiting(digest.day)
            .filter(user_id=user.pk)
            .order_by("created_at", "id")
            .only("pk", "title", "body", "link", "created_at")
        )
        now = timezone.now()
        if rows and user.is_active and user.email:
            subject, text = _digest_text(digest.day, rows)
            send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email])
            Notification.objects.filter(pk__in=[n.pk for n in rows]).update(emailed_at=now)
        else:  # nothing left to send (turned off since), or nobody to send it to
            rows = []
        digest.sent_at = now
        digest.notification_count = len(rows)
        digest.save(update_fields=["sent_at", "notification_count"])
    return bool(rows)


def _digest_text(day: date, rows: list[Notification]) -> tuple[str, str]:
    with translation.override("zh-hans"):
        subject = ngettext(
            "%(day)s: %(count)d notification",
            "%(day)s: %(count)d notifications",
            len(rows),
        ) % {"day": day.isoformat(), "count": len(rows)}
        lines = [_("Your notifications of %(day)s:") % {"day": day.isoformat()}, ""]
        for n in rows:
            lines.append(f"{timezone.localtime(n.created_at):%H:%M} {n.title}")
            lines += [f"  {line}" for line in n.body.splitlines() if line.strip()]
            if n.link:
                lines.append(f"  {n.link}")
            lines.append("")
        lines.append(_("Change how you receive notifications on the portal's preferences page."))
    return subject, "\n".join(lines).strip() + "\n"
