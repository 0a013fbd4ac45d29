"""Reads of service requests, scoped: an enterprise its own, staff their associations'.

Officials see no request detail in this increment (only aggregates, later)."""

from django.db.models import F, QuerySet

from core.access import scope_of
from core.models import User
from services.models import ServiceRequest


def visible_requests(user: User) -> QuerySet[ServiceRequest]:
    return scope_of(user).filter(
        ServiceRequest.objects.select_related("service", "enterprise", "assignee"),
        enterprise="enterprise_id",
        association="association_id",
    )


def staff_queue(user: User) -> QuerySet[ServiceRequest]:
    """Open requests, the oldest unassigned first."""
    return (
        visible_requests(user)
        .filter(status__in=["submitted", "accepted", "in_progress", "resolved"])
        .order_by(F("assignee").asc(nulls_first=True), "created_at", "id")
    )
