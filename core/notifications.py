"""Telling a user something: an in-app notification and an e-mail with the same words.

The notification is written in the transaction of the change it tells of, so that a change is
never kept without its notices, whatever happens afterwards. The e-mail is not: a mail server
that is down must neither undo the change nor leave the next recipients untold. Each e-mail is
its own Celery task (core.tasks.send_notification_email), queued once the change commits,
retried with backoff while the mail server fails, and sent once (Notification.emailed_at).

Each notification has a kind; each user chooses per kind whether its e-mail goes at once (the
default), in the daily digest (core.digests) or not at all (core.notification_centre). Urgent
notifications (a rejection, a government's answer) are e-mailed at once whatever was chosen.

E-mails with a link to set a password (an invitation, a forgotten password) take the same road
(core.tasks.send_password_link); their link is made when the e-mail is sent, so that no
password token waits in the queue.
"""

import contextvars
import logging

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core.models import Delivery, Notification, NotificationPreference, User

Kind = Notification.Kind

# Kinds that are always urgent: e-mailed at once whatever the user chose.
ALWAYS_URGENT = frozenset({Kind.ANSWER})


def notify(
    *,
    user: User,
    title: str,
    body: str = "",
    link: str = "",
    key: str = "",
    kind: str = Kind.OTHER,
    urgent: bool = False,
) -> Notification | None:
    """Notify once per `key`: told again of the same thing (a task run again), nobody is told
    twice. The in-app notification is always written; its e-mail follows the user's preference
    for `kind` (core.notification_preferences): queued for when the caller's transaction
    commits, left to the daily digest, or not sent. `urgent` (and the kinds in ALWAYS_URGENT)
    is e-mailed at once whatever the preference."""
    urgent = urgent or kind in ALWAYS_URGENT
    delivery = email_delivery_for(user, kind, urgent=urgent)
    fields = {
        "title": title,
        "body": body,
        "link": link,
        "kind": kind,
        "urgent": urgent,
        "email_delivery": delivery,
    }
    if key:
        notification, created = Notification.objects.get_or_create(
            user=user, key=key, defaults=fields
        )
        if not created:
            return None
    else:
        notification = Notification.objects.create(user=user, **fields)
    if delivery == Delivery.IMMEDIATE:
        on_commit(_queue_notification_email, notification.pk)
    return notification


def email_delivery_for(user: User, kind: str, *, urgent: bool = False) -> str:
    """How the e-mail of a notification of `kind` to `user` goes: none without an address,
    at once when urgent, else as the user chose (at once when they chose nothing)."""
    if not user.email:
        return Delivery.NONE
    if urgent:
        return Delivery.IMMEDIATE
    chosen = (
        NotificationPreference.objects.filter(user=user, kind=kind)
        .values_list("delivery", flat=True)
        .first()
    )
    return chosen or Delivery.IMMEDIATE


def send_notification_email(notification_id: int) -> bool:
    """Send a notification's e-mail unless it went out already; True if this call sent it.

    The notification stays locked while the mail server answers: a copy of the task delivered
    at the same time waits, then finds it sent. A failure raises and marks nothing, so that the
    task is tried again.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None:  # sent already, or gone with its user
            return False
        user = notification.user
        if not (user.is_active and user.email):
            return False
        send_mail(
            notification.title,
            f"{notification.body}\n\n{notification.link}".strip(),
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
        )
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True


def email_password_link(
    *,
    user: User,
    url_name: str,
    subject: str,
    intro: str,
    base_url: str,
    outro: str = "",
    by_text: bool = False,
) -> None:
    """E-mail `user`, once the caller's transaction commits, `intro`, a link to set a password
    on the page `url_name` (a PasswordResetConfirmView's), then `outro`; `by_text`: send it as
    a text message to the user's mobile number instead (core.sms)."""
    on_commit(
        _queue_password_link,
        user_id=user.pk,
        url_name=url_name,
        subject=subject,
        intro=intro,
        outro=outro,
        base_url=base_url,
        **({"by_text": True} if by_text else {}),
    )


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
    """Send the e-mail (or text message) `email_password_link` queued; True if it was sent.
    The link is made now, so that it is valid from the moment the message leaves; a user who
    has been deactivated since, or has no address any more, gets nothing."""
    user = (
        User.objects.filter(pk=user_id, is_active=True)
        .exclude(**{"phone" if by_text else "email": ""})
        .first()
    )
    if user is None:
        return False
    link = base_url + reverse(
        url_name,
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    body = f"{intro}\n{link}\n" + (f"\n{outro}\n" if outro else "")
    if by_text:
        from core.sms import send_text

        send_text(user.phone, body)
    else:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return True


def unread_count(user: User) -> int:
    """The top bar's number: read from the index notification_inbox (user, read_at) alone."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


# --- queueing -------------------------------------------------------------------------------


def on_commit(function, *args, **kwargs) -> None:
    """Run `function` once the transaction commits. Robust: a broker that cannot be reached
    is logged and does not turn a change that was committed into an error page."""

    def queue() -> None:
        try:
            function(*args, **kwargs)
        except Exception as exc:  # the broker is away: the outbox sweep sends it (core.outbox)
            logging.getLogger(__name__).warning(
                "%s not queued (%s)", function.__qualname__, exc.__class__.__name__
            )

    context = contextvars.copy_context()  # the caller's request id goes with the message
    transaction.on_commit(lambda: context.run(queue))


def _queue_notification_email(notification_id: int) -> None:
    from core.tasks import send_notification_email as task  # core.tasks imports this module

    task.delay(notification_id)


def _queue_password_link(**kwargs) -> None:
    from core.tasks import send_password_link as task

    task.delay(**kwargs)
