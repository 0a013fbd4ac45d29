from celery import shared_task
from django.contrib.contenttypes.models import ContentType
from django.db import OperationalError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from batches.models import Application
from core.models import Event
from core.notifications import notify


@shared_task(
    # Named anew when it began to take an event's id: a message queued before that, under the old
    # name, carries an application's id and is handled by `notify_application_decision_queued`.
    name="batches.tasks.notify_decision_event",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def notify_application_decision(event_id: int) -> None:
    """Tell the enterprise's users what was decided on their application, and why.

    The message is built from the decision's own event, so that it names this decision even when
    the application has moved on by the time the task runs (resubmitted, resumed…). One
    notification per user and event: a retried task tells nobody twice.
    """
    decision = (
        Event.objects.filter(
            pk=event_id, content_type=ContentType.objects.get_for_model(Application)
        )
        .select_related("content_type")
        .first()
    )
    if decision is None:
        return
    application = Application.objects.select_related("batch", "enterprise").get(
        pk=decision.object_id
    )
    link = reverse("application-detail", args=[application.pk])
    for user in application.enterprise.users.filter(is_active=True):
        with translation.override("zh-hans"):
            title = _("%(batch)s: your application is %(status)s") % {
                "batch": application.batch.name,
                "status": decision.to_label,
            }
        key = f"application:{application.pk}:change:{decision.pk}"
        notify(user=user, title=title, body=decision.reason, link=link, key=key)


@shared_task(
    name="batches.tasks.notify_application_decision",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def notify_application_decision_queued(application_id: int) -> None:
    """A decision notification queued, before the task took events, with the application's id:
    its latest decision is the one that queued it (as then)."""
    decision = (
        Event.objects.filter(
            content_type=ContentType.objects.get_for_model(Application),
            object_id=application_id,
        )
        .exclude(from_status="")
        .exclude(to_status="")
        .order_by("-at", "-id")
        .first()
    )
    if decision is not None:
        notify_application_decision(decision.pk)
