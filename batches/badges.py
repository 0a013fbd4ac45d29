"""The menu's count of applications waiting for a decision (core.badges), beside "Review queue"
on every page of an association's staff."""

from django.db.models import Count

from batches.models import Application
from core import badges

WAITING_APPLICATIONS = "batches.waiting_applications"


def _waiting(association_ids: list[int]) -> dict[int, int]:
    rows = (
        Application.objects.filter(
            batch__association_id__in=association_ids, status=Application.Status.SUBMITTED
        )
        .order_by()
        .values_list("batch__association_id")
        .annotate(n=Count("id"))
    )
    return dict(rows)


def _association_of(application: Application) -> int:
    return application.batch.association_id


badges.register(
    WAITING_APPLICATIONS, model=Application, association_of=_association_of, count=_waiting
)
