"""The webhooks' backlog for the metrics endpoint (core.metrics). Webhooks need no outbox
sweep of core's: their own sweep (integrations.tasks.sweep, every ten seconds by beat) reads
the event log and the deliveries due."""

from django.db.models import Max
from django.utils import timezone

from core import metrics
from core.models import EventCommit
from integrations.models import Delivery, DispatchCursor


def deliveries_due() -> int:
    return Delivery.objects.filter(
        status=Delivery.Status.PENDING, due_at__lte=timezone.now()
    ).count()


def commits_not_dispatched() -> int:
    """Committed transactions with events the dispatcher has not read yet."""
    cursor = DispatchCursor.objects.filter(name="webhooks").values_list("position", flat=True)
    read = cursor.first() or 0
    last = EventCommit.objects.aggregate(last=Max("position"))["last"] or 0
    return max(0, last - read)


metrics.register_backlog(
    "portal_webhook_deliveries_due", "Webhook deliveries due and not yet sent.", deliveries_due
)
metrics.register_backlog(
    "portal_webhook_commits_not_dispatched",
    "Committed transactions whose events the webhook dispatcher has not read yet.",
    commits_not_dispatched,
)
