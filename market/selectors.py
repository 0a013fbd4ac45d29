"""Reads of complaints, scoped to who asks: a complainant its own; the respondent (a member's
enterprise users) those about its enterprise; the staff side their associations'; admins all.
Officials read none by name: the reports count them."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from core.access import scope_of
from core.models import User
from market.models import Complaint


def visible_complaints(user: User) -> QuerySet[Complaint]:
    complaints = Complaint.objects.select_related(
        "association", "respondent", "respondent_region", "complainant", "duplicate_of"
    )
    if not user.is_authenticated:
        return complaints.none()
    scope = scope_of(user)
    if scope.is_admin:
        return complaints
    seen = Q(complainant=user)
    if scope.association_ids:
        seen |= Q(association_id__in=scope.association_ids)
    if scope.is_enterprise and scope.enterprise_id:
        seen |= Q(respondent_id=scope.enterprise_id)
    return complaints.filter(seen)


def overdue_q(today=None) -> Q:
    """Past the time limit of its stage (Complaint.is_overdue in one filter)."""
    today = today or timezone.localdate()
    return (
        Q(status="submitted", verify_by__lt=today)
        | Q(status__in=Complaint.OPEN, answered_at__isnull=True, answer_by__lt=today)
        | Q(status__in=Complaint.OPEN, resolve_by__lt=today)
    )


def queue(user: User) -> QuerySet[Complaint]:
    """The association's open complaints, those not triaged first, the oldest first."""
    scope = scope_of(user)
    complaints = visible_complaints(user).filter(status__in=Complaint.OPEN)
    if not scope.is_admin:
        complaints = complaints.filter(association_id__in=scope.association_ids)
    return complaints.order_by("resolve_by", "created_at", "id")


def outcomes_about(enterprise_id: int, user: User) -> dict[str, int]:
    """Complaints about a member by outcome, for its page (staff of its associations)."""
    from django.db.models import Count

    rows = (
        visible_complaints(user)
        .filter(respondent_id=enterprise_id)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["status"]: row["n"] for row in rows}
