"""The menu's count of an association's open needs (core.badges): the needs nobody has taken up
yet, shown beside "Needs queue" on every page of its staff."""

from django.db.models import Count

from core import badges
from supplies.models import Need

OPEN_NEEDS = "supplies.open_needs"


def _open_needs(association_ids: list[int]) -> dict[int, int]:
    rows = (
        Need.objects.filter(association_id__in=association_ids, status=Need.Status.OPEN)
        .order_by()
        .values_list("association_id")
        .annotate(n=Count("id"))
    )
    return dict(rows)


badges.register(
    OPEN_NEEDS, model=Need, association_of=lambda need: need.association_id, count=_open_needs
)
