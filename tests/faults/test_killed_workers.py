"""Workers killed in the middle of their work (SIGKILL: a machine or a container that dies) lose
nothing and double nothing: once a new worker runs, each piece of work is done exactly once.

Real Celery worker processes against Redis and the test database (tests/faults/workers.py).
A worker is caught in the middle by another session holding a table it is about to write
(`holding`): its transaction has written part of its work and waits, and is killed there.

The other tasks, and why they need no test of their own here: reports (tests/reports/
test_worker_crash.py) and webhook deliveries (tests/integrations/test_sender_crash.py) have
theirs; a notice's reminders are written with a key per user, notice and day (`notify`), so a
run again tells nobody twice; a notification's e-mail is marked sent in the transaction that
sends it (Notification.emailed_at), as a digest is (tested below); the daily rollups are
recomputed whole per day and upserted; pledge sign requests are keyed notifications too.
"""

import os
import signal
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from associations.models import Membership
from core.models import Delivery, Event, Notification, NotificationDigest
from enterprises.models import Enterprise, ImportJob
from notices import services as notices
from notices.models import Notice, NoticeRecipient
from tests.factories import EnterpriseFactory, MembershipFactory, UserFactory
from tests.faults.mail import MailServer
from tests.faults.workers import (
    Broker,
    blocked_in_the_database,
    holding,
    running_worker,
    wait_for,
)
from tests.members.test_import import csv_file, member_rows

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

IMPORT = "enterprises.tasks.run_import_job"
VISIBILITY = {"CELERY_VISIBILITY_TIMEOUT": "3"}  # seconds; an hour in production


@pytest.fixture
def broker():
    broker = Broker()
    yield broker
    broker.clean()


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


# --- member imports -------------------------------------------------------------------------


def queued_import(cast, rows: int) -> tuple[ImportJob, list[dict]]:
    made = member_rows(rows)
    job = ImportJob.objects.create(
        association=cast.association,
        created_by=cast.staff,
        file_name="members.csv",
        content=csv_file(made),
        total_rows=rows,
    )
    return job, made


def assert_imported_once(cast, job: ImportJob, rows: list[dict], before: dict) -> None:
    done = fresh(job)
    assert done.status == ImportJob.Status.SUCCEEDED, done.errors
    count = len(rows)
    assert (done.created, done.updated, done.processed_rows) == (count, 0, count)
    codes = [row["uscc"] for row in rows]
    assert Enterprise.objects.filter(uscc__in=codes).count() == count
    assert Enterprise.objects.count() == before["enterprises"] + count
    members = Membership.objects.filter(association=cast.association, enterprise__uscc__in=codes)
    assert members.count() == count
    assert members.values("enterprise").distinct().count() == count
    assert Membership.objects.count() == before["memberships"] + count
    # One history row per enterprise created and per membership added: none twice.
    assert Event.objects.filter(action="enterprise.created").count() == count
    assert Event.objects.filter(action="membership.created").count() == count
    assert Event.objects.count() == before["events"] + 2 * count


def counts() -> dict:
    return {
        "enterprises": Enterprise.objects.count(),
        "memberships": Membership.objects.count(),
        "events": Event.objects.count(),
    }


def test_an_import_whose_pool_process_is_killed_while_writing_is_written_once_by_the_worker(
    cast, broker, tmp_path
):
    """Killed with the rows checked and loaded but not committed, waiting to add the
    enterprises with their memberships: the worker's next pool process runs the job again from
    its first row."""
    job, rows = queued_import(cast, 300)
    before = counts()
    with running_worker(broker, tmp_path / "worker.log") as worker:
        with holding(Membership._meta.db_table):
            broker.app.send_task(IMPORT, args=[job.pk], queue=broker.queue)
            wait_for(
                lambda: blocked_in_the_database(f'INSERT INTO "{Membership._meta.db_table}"'),
                "the import to be writing",
                [worker],
            )
            [child] = worker.children()
            os.kill(child, signal.SIGKILL)
            assert fresh(job).status == ImportJob.Status.RUNNING
            assert counts() == before  # nothing of it committed
        wait_for(
            lambda: fresh(job).status != ImportJob.Status.RUNNING, "the import to end", [worker]
        )
        assert "WorkerLostError" in worker.tail()
    assert_imported_once(cast, job, rows, before)


def test_an_import_whose_worker_is_killed_while_checking_is_done_once_by_the_next_worker(
    cast, broker, tmp_path
):
    """The whole worker dies (its message stays unacknowledged in Redis): the next worker
    takes the job left "running" at once, instead of waiting for it to look abandoned."""
    job, rows = queued_import(cast, 20_000)
    before = counts()
    progress = f"import-job:{job.pk}:processed"
    with running_worker(broker, tmp_path / "first.log", **VISIBILITY) as first:
        broker.app.send_task(IMPORT, args=[job.pk], queue=broker.queue)
        wait_for(lambda: (cache.get(progress) or 0) >= 2000, "the checking to start", [first])
        first.kill_all()
    killed_at = time.monotonic()
    assert fresh(job).status == ImportJob.Status.RUNNING
    assert counts() == before
    assert broker.unacknowledged() == 1
    time.sleep(max(0.0, 4 - (time.monotonic() - killed_at)))

    with running_worker(broker, tmp_path / "second.log", **VISIBILITY) as second:
        wait_for(
            lambda: fresh(job).status != ImportJob.Status.RUNNING,
            "the next worker to import the file",
            [first, second],
        )
    assert_imported_once(cast, job, rows, before)
    assert broker.unacknowledged() == 0


# --- notices: writing the recipients ----------------------------------------------------------


def test_a_notice_s_recipients_killed_half_written_are_written_once(
    cast, broker, tmp_path, monkeypatch
):
    from notices.tasks import write_recipients

    monkeypatch.setattr(write_recipients, "apply_async", lambda *args, **kwargs: None)
    for _n in range(60):
        MembershipFactory(enterprise=EnterpriseFactory(), association=cast.association)
    notice = notices.notice_create(
        actor=cast.staff,
        association_id=cast.association.pk,
        data={
            "title": "复工复产工作通知",
            "body": "各会员单位：请报送复工情况。",
            "category": "resumption",
        },
    )
    notices.notice_publish(actor=cast.staff, notice_id=notice.pk)
    audience = set(notices.audience(fresh(notice)).values_list("enterprise_id", flat=True))
    assert len(audience) == 61

    with running_worker(broker, tmp_path / "worker.log") as worker:
        # The recipients are inserted; recording that they are written waits.
        with holding(Notice._meta.db_table):
            broker.app.send_task(
                "notices.tasks.write_recipients", args=[notice.pk], queue=broker.queue
            )
            wait_for(
                lambda: blocked_in_the_database(f'UPDATE "{Notice._meta.db_table}"'),
                "the recipients to be half written",
                [worker],
            )
            [child] = worker.children()
            os.kill(child, signal.SIGKILL)
            assert not NoticeRecipient.objects.filter(notice=notice).exists()
        wait_for(
            lambda: fresh(notice).recipients_written_at is not None,
            "the recipients to be written",
            [worker],
        )
    written = fresh(notice)
    assert written.recipients_total == 61
    recipients = NoticeRecipient.objects.filter(notice=notice)
    assert sorted(recipients.values_list("enterprise_id", flat=True)) == sorted(audience)


# --- the daily digests ------------------------------------------------------------------------


def test_a_digest_whose_worker_is_killed_while_the_mail_server_answers_is_delivered_once(
    cast, broker, tmp_path
):
    """The first digest's e-mail is being handed to the mail server when the worker dies: the
    server never said it took it, so nothing went; the next worker sends each user's digest,
    and each user gets exactly one."""
    yesterday = timezone.localdate() - timedelta(days=1)
    at = timezone.now() - timedelta(days=1)
    readers = [UserFactory(email=f"reader{n}@example.cn") for n in range(3)]
    for reader in readers:
        for title in ("申请已批准", "需求已回复"):
            told = Notification.objects.create(
                user=reader, title=title, email_delivery=Delivery.DAILY
            )
            Notification.objects.filter(pk=told.pk).update(created_at=at)
    with MailServer() as mail:
        env = {
            **VISIBILITY,
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(mail.port),
            "EMAIL_TIMEOUT": "30",
        }
        mail.hold_next = True  # the first message is never answered
        with running_worker(broker, tmp_path / "first.log", **env) as first:
            broker.app.send_task(
                "core.tasks.send_daily_digests", args=[yesterday.isoformat()], queue=broker.queue
            )
            wait_for(lambda: mail.holding, "the first digest to be handed over", [first])
            first.kill_all()
        killed_at = time.monotonic()
        assert mail.delivered == []
        assert NotificationDigest.objects.filter(sent_at__isnull=False).count() == 0
        time.sleep(max(0.0, 4 - (time.monotonic() - killed_at)))

        with running_worker(broker, tmp_path / "second.log", **env) as second:
            wait_for(
                lambda: (
                    NotificationDigest.objects.filter(sent_at__isnull=True).count() == 0
                    and NotificationDigest.objects.count() == 3
                ),
                "every digest to be sent",
                [first, second],
            )
        delivered = sorted(recipient for recipient, _text in mail.delivered)
    assert delivered == sorted(reader.email for reader in readers)
    assert all(digest.notification_count == 2 for digest in NotificationDigest.objects.all())
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
