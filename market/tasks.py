"""Work queued by market order's writes."""

from celery import shared_task
from django.db import OperationalError
from django.urls import reverse
from django.utils.translation import gettext as _

from associations.models import Membership
from core.models import Notification, User
from core.notifications import notify
from market.models import PledgeVersion


@shared_task(
    name="market.tasks.ask_members_to_sign",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def ask_members_to_sign(version_id: int) -> int:
    """Tell the enterprise users of every active member that a pledge (or a new version of it)
    waits for their signature; once per user and version, so a task run again tells no one
    twice. Answers how many were told."""
    version = PledgeVersion.objects.select_related("pledge", "pledge__association").get(
        pk=version_id
    )
    pledge = version.pledge
    members = Membership.objects.filter(
        association_id=pledge.association_id, status=Membership.Status.ACTIVE
    ).values("enterprise_id")
    users = User.objects.filter(enterprise_id__in=members, is_active=True).only("pk", "email")
    if version.number == 1:
        title = _("%(association)s asks its members to sign: %(pledge)s")
    else:
        title = _("%(association)s revised a pledge; please sign it again: %(pledge)s")
    title = title % {"association": pledge.association.name, "pledge": pledge.title}
    told = 0
    for user in users.iterator(chunk_size=1000):
        if notify(
            user=user,
            title=title,
            link=reverse("pledge-detail", args=[pledge.pk]),
            key=f"pledge-version:{version.pk}",
            kind=Notification.Kind.NOTICE,
        ):
            told += 1
    return told
