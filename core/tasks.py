import smtplib
from datetime import date

from celery import shared_task
from django.core.management import call_command
from django.db import OperationalError

from core import digests, health, notifications, outbox, partitions, signup
from core.api.idempotency import delete_expired

# An e-mail is tried again while the mail server (or the database) cannot be reached: SMTP
# errors, and socket errors (refused, reset, timed out, TLS; smtplib's are OSErrors too). Backoff
# 1 s, 2 s, 4 s … at most 10 min apart (CELERY_VISIBILITY_TIMEOUT must stay longer), each wait
# drawn at random up to that bound; about an hour and a quarter at most, then it is given up and
# logged, the notification in the portal staying what the user reads.
MAIL_RETRY = {
    "acks_late": True,
    "autoretry_for": (smtplib.SMTPException, OSError, OperationalError),
    # An address the server refuses is refused again on every retry.
    "dont_autoretry_for": (smtplib.SMTPRecipientsRefused,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 16,
}


@shared_task(name="core.tasks.clear_expired_sessions")
def clear_expired_sessions() -> None:
    call_command("clearsessions")


@shared_task(name="core.tasks.delete_expired_idempotency_keys")
def delete_expired_idempotency_keys() -> int:
    """API clients' Idempotency-Keys older than IDEMPOTENCY_KEY_TTL_HOURS; how many went."""
    return delete_expired()


@shared_task(name="core.tasks.send_notification_email", **MAIL_RETRY)
def send_notification_email(notification_id: int) -> bool:
    """The e-mail of one notification; delivered again, it sends nothing twice."""
    return notifications.send_notification_email(notification_id)


@shared_task(name="core.tasks.send_password_link", **MAIL_RETRY)
def send_password_link(
    *,
    user_id: int,
    url_name: str,
    subject: str,
    intro: str,
    base_url: str,
    outro: str = "",
    by_text: bool = False,
) -> bool:
    """An e-mail (or a text message) with a link to set a password (an invitation, a forgotten
    password)."""
    return notifications.send_password_link(
        user_id=user_id,
        url_name=url_name,
        subject=subject,
        intro=intro,
        base_url=base_url,
        outro=outro,
        by_text=by_text,
    )


@shared_task(name="core.tasks.send_signup_message", **MAIL_RETRY)
def send_signup_message(*, channel: str, address: str, subject: str, text: str) -> None:
    """A sign-up code (or the notice that the address has an account), by text or e-mail."""
    signup.deliver(channel=channel, address=address, subject=subject, text=text)


@shared_task(name="core.tasks.send_daily_digests")
def send_daily_digests(day: str | None = None) -> int:
    """Beat, after midnight: the digests of the previous local day (or of `day`, ISO), each
    queued as its own task; how many were queued."""
    return digests.queue_daily_digests(date.fromisoformat(day) if day else None)


@shared_task(name="core.tasks.send_digest", **MAIL_RETRY)
def send_digest(digest_id: int) -> bool:
    """One user's daily digest; delivered again, it sends nothing twice."""
    return digests.send_digest(digest_id)


@shared_task(name="core.tasks.heartbeat")
def heartbeat() -> None:
    """Beat's heartbeat, run by a worker: /readyz reads how old it is (core.health)."""
    health.beat_heartbeat()


@shared_task(name="core.tasks.sweep_outbox")
def sweep_outbox() -> dict[str, int]:
    """Queue again the work whose message was lost (core.outbox); how many per sweep."""
    return outbox.sweep()


@shared_task(name="core.tasks.create_partitions_ahead")
def create_partitions_ahead() -> list[str]:
    """The months ahead of every partitioned table (core.partitions); the partitions made."""
    return partitions.create_ahead()
