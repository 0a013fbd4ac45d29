"""Telling a user something: an in-app notification and an e-mail with the same words."""

from django.conf import settings
from django.core.mail import send_mail

from core.models import Notification, User


def notify(
    *, user: User, title: str, body: str = "", link: str = "", key: str = ""
) -> Notification | None:
    """Notify once per `key`: a task run again (retry, redelivery) tells nobody twice."""
    if key:
        notification, created = Notification.objects.get_or_create(
            user=user, key=key, defaults={"title": title, "body": body, "link": link}
        )
        if not created:
            return None
    else:
        notification = Notification.objects.create(user=user, title=title, body=body, link=link)
    if user.email:
        send_mail(title, f"{body}\n\n{link}".strip(), settings.DEFAULT_FROM_EMAIL, [user.email])
    return notification


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
