"""The menu's count of service requests not taken up yet (core.badges), beside "Service
requests" on every page of an association's staff."""

from django.db.models import Count

from core import badges
from services.models import ServiceRequest

WAITING_REQUESTS = "services.waiting_requests"


def _waiting(association_ids: list[int]) -> dict[int, int]:
    rows = (
        ServiceRequest.objects.filter(association_id__in=association_ids, status="submitted")
        .order_by()
        .values_list("association_id")
        .annotate(n=Count("id"))
    )
    return dict(rows)


badges.register(
    WAITING_REQUESTS,
    model=ServiceRequest,
    association_of=lambda request: request.association_id,
    count=_waiting,
)
