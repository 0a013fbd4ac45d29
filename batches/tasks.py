"""Decision notifications queued before the notices were written with the decision.

A decision's service now tells the applicant in its own transaction (batches.notifications);
these tasks stay registered, under their names, for the messages still in the queue across the
deploy, and tell through the same code (once per user and event: nobody is told twice)."""

from celery import shared_task
from django.contrib.contenttypes.models import ContentType
from django.db import OperationalError

from batches.models import Application
from batches.notifications import tell_decision
from core.models import Event


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
    """Tell the enterprise's users of the decision `event_id` on their application."""
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
    tell_decision(application, decision)


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
