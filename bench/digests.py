"""The daily digest for 100,000 users: each chose the digest for needs and has two notifications
of the bench's day waiting. Measured: writing the day's digests and queueing their tasks (one
task per user; the broker's publishing is left out: the tasks are collected), then sending them
one after another as one worker would (e-mails to a backend that discards them), and the same
digest run again, which must send nothing.

The users and their notifications are made once (set-based) and kept; each run puts the day back
as it was before its digests (no digest rows, nothing e-mailed).
"""

import time
from datetime import date, datetime
from datetime import time as clock

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone

from bench.report import figure, heading, note
from core import digests
from core.models import Notification, NotificationDigest, NotificationPreference, User

USERS = 100_000
DAY = date(2030, 1, 7)
PREFIX = "bench-digest-"
QUEUE_TARGET_S = 30
SEND_TARGET_MS = 20  # one digest, on one worker


def _make_users() -> None:
    have = User.objects.filter(username__startswith=PREFIX).count()
    if have >= USERS:
        note(f"{have:,} digest readers already there")
        return
    started = time.perf_counter()
    User.objects.filter(username__startswith=PREFIX).delete()
    for first in range(0, USERS, 10_000):
        User.objects.bulk_create(
            User(
                username=f"{PREFIX}{n}",
                email=f"{PREFIX}{n}@example.cn",
                password=make_password(None),  # unusable: nobody logs in as them
                role="enterprise",
            )
            for n in range(first, min(first + 10_000, USERS))
        )
    readers = User.objects.filter(username__startswith=PREFIX)
    user_table = User._meta.db_table
    start = datetime.combine(DAY, clock(8), tzinfo=timezone.get_default_timezone())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {NotificationPreference._meta.db_table} (user_id, kind, delivery) "  # noqa: S608
            f"SELECT id, 'need', 'daily' FROM {user_table} WHERE username LIKE %s",
            [f"{PREFIX}%"],
        )
        # Two notifications each: 08:00 and 23:59 of the bench's day.
        cursor.execute(
            f"INSERT INTO {Notification._meta.db_table} "  # noqa: S608
            "(user_id, title, body, link, key, created_at, kind, urgent, email_delivery) "
            "SELECT u.id, '口罩需求：已匹配 20000 只', '联系人：王建国 020-84561234', "
            "'/needs/1/', '', %s + t.at, 'need', false, 'daily' "
            f"FROM {user_table} u CROSS JOIN (VALUES (interval '0'), (interval '15 hours 59 "
            "minutes')) AS t(at) WHERE u.username LIKE %s",
            [start, f"{PREFIX}%"],
        )
        cursor.execute(f"ANALYZE {Notification._meta.db_table}")
    note(
        f"made {readers.count():,} digest readers with 2 notifications each in "
        f"{time.perf_counter() - started:.1f} s"
    )


def _reset_day() -> None:
    NotificationDigest.objects.filter(day=DAY).delete()
    start, end = digests.day_window(DAY)
    Notification.objects.filter(
        email_delivery="daily", created_at__gte=start, created_at__lt=end
    ).exclude(emailed_at=None).update(emailed_at=None)


def run(population=None) -> None:
    heading("Daily digests")
    _make_users()
    _reset_day()
    from core import tasks

    queued: list[int] = []
    real_delay = tasks.send_digest.delay
    tasks.send_digest.delay = queued.append
    try:
        started = time.perf_counter()
        digests.queue_daily_digests(DAY)
        seconds = time.perf_counter() - started
        figure(
            f"  writing and queueing {len(queued):,} digests",
            f"{seconds:.1f} s",
            f"< {QUEUE_TARGET_S} s",
            seconds < QUEUE_TARGET_S,
        )
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            assert settings.EMAIL_BACKEND.endswith("dummy.EmailBackend")
            started = time.perf_counter()
            sent = sum(digests.send_digest(digest_id) for digest_id in queued)
            seconds = time.perf_counter() - started
        each_ms = seconds * 1000 / max(len(queued), 1)
        figure(
            f"  sending {sent:,} digests on one worker",
            f"{seconds:.0f} s",
            f"{each_ms:.1f} ms each, < {SEND_TARGET_MS} ms",
            each_ms < SEND_TARGET_MS,
        )
        queued.clear()
        started = time.perf_counter()
        digests.queue_daily_digests(DAY)
        again = sum(digests.send_digest(digest_id) for digest_id in queued)
        figure(
            "  the digest run again sends",
            f"{again} e-mails in {time.perf_counter() - started:.1f} s",
            "0",
            again == 0,
        )
    finally:
        tasks.send_digest.delay = real_delay
