"""Relief's priority matching, seen from the needs: while an enterprise holds a priority grant
of an association, its needs with that association rank higher in the queue (Need.rank_at moved
PRIORITY_BOOST earlier); a need filed while the hold lasts ranks higher too, and the nightly
`supplies.tasks.end_priorities` puts them back in their place when the hold's day has passed.

Relief (a floor above) calls `hold` when a grant is approved and `release` when it is revoked;
needs never ask relief."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from supplies.models import Need, PriorityHold


def _rerank(needs) -> int:
    count = 0
    for need in needs.select_for_update():
        need.save(update_fields=["priority_until"])  # save() computes rank_at again
        count += 1
    return count


def current_until(enterprise_id: int, association_id: int) -> date | None:
    """The day the enterprise's priority with the association lasts to, if it holds today."""
    return (
        PriorityHold.objects.filter(
            enterprise_id=enterprise_id,
            association_id=association_id,
            until__gte=timezone.localdate(),
        )
        .values_list("until", flat=True)
        .first()
    )


@transaction.atomic
def hold(*, enterprise_id: int, association_id: int, until: date) -> int:
    """Rank the enterprise's active needs with the association higher until `until` (the
    later day when it holds already). Answers how many needs were ranked again."""
    held, created = PriorityHold.objects.select_for_update().get_or_create(
        enterprise_id=enterprise_id, association_id=association_id, defaults={"until": until}
    )
    if not created and held.until < until:
        held.until = until
        held.save(update_fields=["until"])
    needs = Need.objects.filter(
        enterprise_id=enterprise_id, association_id=association_id, status__in=Need.ACTIVE
    )
    needs.update(priority_until=held.until)
    return _rerank(needs)


@transaction.atomic
def release(*, enterprise_id: int, association_id: int) -> int:
    PriorityHold.objects.filter(enterprise_id=enterprise_id, association_id=association_id).delete()
    raised = list(
        Need.objects.filter(
            enterprise_id=enterprise_id,
            association_id=association_id,
            priority_until__isnull=False,
        ).values_list("pk", flat=True)
    )
    needs = Need.objects.filter(pk__in=raised)
    needs.update(priority_until=None)
    return _rerank(needs)


def end_passed(today: date | None = None) -> int:
    """Holds whose day has passed end: their needs rank as any other again."""
    today = today or timezone.localdate()
    ended = 0
    for held in PriorityHold.objects.filter(until__lt=today):
        ended += release(enterprise_id=held.enterprise_id, association_id=held.association_id)
    return ended
