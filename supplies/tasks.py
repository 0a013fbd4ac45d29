"""Need notifications queued before the notices were written with the change.

The needs' services now tell the people concerned in their own transaction
(supplies.notifications); this task stays registered, under its name, for the messages still in
the queue across the deploy, and tells through the same code (once per user and event)."""

from celery import shared_task
from django.db import OperationalError

from core.models import Event
from supplies.models import Need
from supplies.notifications import tell_need_change


@shared_task(
    name="supplies.tasks.notify_need_change",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def notify_need_change(need_id: int, event_id: int) -> None:
    """Tell the people concerned of the event `event_id` on a need."""
    need = Need.objects.select_related("enterprise", "enterprise__region", "item").get(pk=need_id)
    tell_need_change(need, Event.objects.get(pk=event_id))


@shared_task(name="supplies.tasks.end_priorities")
def end_priorities() -> int:
    """Relief's priority holds whose day has passed: their needs rank as others again."""
    from supplies.services.priority import end_passed

    return end_passed()
