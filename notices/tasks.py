"""Work queued by notices' writes: writing a published notice's recipients, and reminding
those who have not read or signed it."""

from celery import shared_task
from django.db import OperationalError
from django.urls import reverse
from django.utils.translation import gettext as _

from core.models import Notification, User
from core.notifications import notify
from notices import services
from notices.models import Notice, NoticeRecipient

RETRY = {
    "acks_late": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "max_retries": 5,
}


@shared_task(name="notices.tasks.write_recipients", **RETRY)
def write_recipients(notice_id: int) -> int:
    return services.write_recipients(notice_id)


@shared_task(name="notices.tasks.remind_recipients", **RETRY)
def remind_recipients(notice_id: int, day: str) -> int:
    """Tell the users of every recipient enterprise that has not read the notice (or not signed
    for it, when it asks for that) — once per user, notice and day, so that a task run again
    tells nobody twice. Answers how many were told."""
    notice = Notice.objects.select_related("association").get(pk=notice_id)
    waiting = NoticeRecipient.objects.filter(notice=notice)
    if notice.needs_sign_off:
        waiting = waiting.filter(signed_at__isnull=True)
        title = _("Please sign for the notice of %(association)s: %(title)s")
    else:
        waiting = waiting.filter(read_at__isnull=True)
        title = _("Please read the notice of %(association)s: %(title)s")
    title = title % {"association": notice.association.name, "title": notice.title}
    users = User.objects.filter(
        enterprise_id__in=waiting.values("enterprise_id"), is_active=True
    ).only("pk", "email")
    told = 0
    for user in users.iterator(chunk_size=1000):
        if notify(
            user=user,
            title=title,
            link=reverse("notice-detail", args=[notice.pk]),
            key=f"notice-remind:{notice.pk}:{day}",
            kind=Notification.Kind.NOTICE,
        ):
            told += 1
    return told
