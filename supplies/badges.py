"""The menu's count of an association's open needs (core.badges): the needs nobody has taken up
yet, shown beside "Needs queue" on every page of its staff."""

from collections.abc import Callable
from typing import TypeVar

from django.db.models import Count

from core import badges
from core.access import scope_of
from supplies.models import Need

OPEN_NEEDS = "supplies.open_needs"
T = TypeVar("T")


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


def kept_for(user, what: str, compute: Callable[[], T]) -> T:
    """`compute()` (a home page's figures about the needs the user sees), kept for staff and
    partners bound to associations under the generations of their associations' open needs
    (core.badges.kept: counted again after one of those needs changed); computed directly for
    the others. `what` names the value and anything else it depends on (the day)."""
    scope = scope_of(user)
    if scope.kind != "associations":
        return compute()
    key = f"{what}:{scope.kind}:{scope.role}"
    return badges.kept(OPEN_NEEDS, scope.association_ids, key, compute)
