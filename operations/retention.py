"""The retention policy applied (docs/decisions/0028): run daily by Celery beat
(operations.tasks.apply_retention).

- notifications older than NOTIFICATION_RETENTION_DAYS are deleted, read or not, and the
  daily digests' bookkeeping rows of those days; on PostgreSQL the months wholly past the limit
  go as partitions dropped (core.partitions, decision 0036), the rest row by row;
- the uploaded file of a member import (ImportJob.content) is emptied IMPORT_FILE_RETENTION_DAYS
  after the upload once the job has finished; the job keeps its counts and row errors;
- sign-up codes (core.ContactVerification: an address and a code's hash) go after a day: a code
  lives 15 minutes and the limit on codes per address looks back one hour;
- enterprise users who left (deactivated: their latest `user.deactivated` event) more than
  ANONYMISE_LEFT_USERS_AFTER_DAYS ago are anonymised (operations.personal_data).

Each part goes in chunks of CHUNK rows, each chunk its own transaction, whose rows are taken
with `FOR UPDATE SKIP LOCKED`: two runs at once (a beat fired twice, a run by hand) share the
work instead of doing it twice or waiting on each other, and a run stopped halfway leaves
finished chunks done. Run again, it finds nothing left to do.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core import partitions
from core.models import ContactVerification, Notification, NotificationDigest, User
from enterprises.models import ImportJob
from operations.personal_data import anonymise_locked, left_users

CHUNK = 1000
SIGNUP_CODE_DAYS = 1


def _take(queryset: QuerySet) -> list[int]:
    """The ids of up to CHUNK rows, locked for this transaction, skipping rows another run holds."""
    return list(
        queryset.select_for_update(skip_locked=True, of=("self",))
        .order_by("pk")
        .values_list("pk", flat=True)[:CHUNK]
    )


def _delete(queryset: QuerySet) -> int:
    done = 0
    while True:
        with transaction.atomic():
            ids = _take(queryset)
            if not ids:
                return done
            queryset.model.objects.filter(pk__in=ids).delete()
            done += len(ids)


def delete_old_notifications(now) -> int:
    cutoff = now - timedelta(days=settings.NOTIFICATION_RETENTION_DAYS)
    deleted = partitions.drop_months_before(Notification._meta.db_table, cutoff)
    deleted += _delete(Notification.objects.filter(created_at__lt=cutoff))
    _delete(NotificationDigest.objects.filter(day__lt=timezone.localdate(cutoff)))
    return deleted


def clear_old_import_files(now) -> int:
    cutoff = now - timedelta(days=settings.IMPORT_FILE_RETENTION_DAYS)
    old = ImportJob.objects.filter(
        created_at__lt=cutoff,
        status__in=(ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED),
    ).exclude(content=b"")
    done = 0
    while True:
        with transaction.atomic():
            ids = _take(old)
            if not ids:
                return done
            ImportJob.objects.filter(pk__in=ids).update(content=b"")
            done += len(ids)


def delete_old_signup_codes(now) -> int:
    cutoff = now - timedelta(days=SIGNUP_CODE_DAYS)
    return _delete(ContactVerification.objects.filter(created_at__lt=cutoff))


def anonymise_left_users(now) -> int:
    cutoff = now - timedelta(days=settings.ANONYMISE_LEFT_USERS_AFTER_DAYS)
    left = User.objects.filter(left_users(cutoff))
    done = 0
    while True:
        with transaction.atomic():
            users = list(
                left.select_for_update(skip_locked=True, of=("self",)).order_by("pk")[:CHUNK]
            )
            if not users:
                return done
            done += sum(anonymise_locked(user, actor=None, now=now) for user in users)


def apply(now=None) -> dict[str, int]:
    """Apply the whole policy once; how many rows each part changed."""
    now = now or timezone.now()
    return {
        "notifications": delete_old_notifications(now),
        "import_files": clear_old_import_files(now),
        "signup_codes": delete_old_signup_codes(now),
        "anonymised_users": anonymise_left_users(now),
    }
