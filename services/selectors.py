"""Reads of the services catalogue and of service requests, scoped to who asks.

- The catalogue: an enterprise user sees the active services of the associations its enterprise
  is a member of that serve its region (a service with no regions serves all); the staff side its
  associations' services in any status; officials every active service in the country's
  catalogue (what is on offer is no secret); admins everything.
- Requests: an enterprise its own, the staff side their associations'. Officials see none by name
  (the reports count them).
"""

from datetime import timedelta
from statistics import median

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from associations.models import Membership
from core.access import scope_of
from core.models import User
from core.subqueries import count_per_row
from enterprises.models import Enterprise
from services.models import IN_HAND, Service, ServiceProvider, ServiceRequest

OPEN = ("submitted", *IN_HAND, "resolved")


def catalogue(user: User) -> QuerySet[Service]:
    scope = scope_of(user)
    services = Service.objects.select_related("provider", "association").order_by(
        "category", "title", "id"
    )
    if scope.is_admin:
        return services
    if scope.is_enterprise:
        if not scope.enterprise_id:
            return services.none()
        enterprise = Enterprise.objects.select_related("region").get(pk=scope.enterprise_id)
        member_of = Membership.objects.filter(
            enterprise_id=scope.enterprise_id,
            association_id=OuterRef("association_id"),
            status=Membership.Status.ACTIVE,
        )
        ancestors = [part for part in enterprise.region.path.split("/") if part]
        serves = Q(regions__isnull=True) | Q(regions__code__in=ancestors)
        matching = Service.objects.filter(serves, pk=OuterRef("pk"))
        return services.filter(Exists(member_of), Exists(matching), status=Service.Status.ACTIVE)
    if scope.association_ids:
        return services.filter(association_id__in=scope.association_ids)
    if scope.kind == "jurisdiction":
        return services.filter(status=Service.Status.ACTIVE)
    return services.none()


def providers_for(user: User) -> QuerySet[ServiceProvider]:
    return scope_of(user).filter(
        ServiceProvider.objects.order_by("name", "id"), association="association_id"
    )


def visible_requests(user: User) -> QuerySet[ServiceRequest]:
    if scope_of(user).kind == "jurisdiction":
        return ServiceRequest.objects.none()
    return scope_of(user).filter(
        ServiceRequest.objects.select_related(
            "service", "service__provider", "provider", "enterprise", "assignee", "association"
        ),
        enterprise="enterprise_id",
        association="association_id",
    )


def overdue_q(today=None) -> Q:
    """Requests past their time limit: not accepted by the day to respond, or not resolved by
    the day to resolve (ServiceRequest.is_overdue in one filter)."""
    today = today or timezone.localdate()
    return Q(status="submitted", respond_by__lt=today) | Q(status__in=IN_HAND, resolve_by__lt=today)


def staff_queue(user: User) -> QuerySet[ServiceRequest]:
    """Open requests: those not accepted yet first, the oldest first, then the rest oldest
    first."""
    waiting = Case(When(status="submitted", then=Value(0)), default=Value(1))
    return (
        visible_requests(user)
        .filter(status__in=OPEN)
        .alias(waiting=waiting)
        .order_by("waiting", "created_at", "id")
    )


def offered_next(user: User) -> list[ServiceRequest]:
    """Per service of the user's associations with capacity free, its oldest waiting request:
    what is offered first when capacity frees.

    Three short queries whatever the number of requests: the services with what each has in
    hand (counted on the partial index of requests in hand), then each free service's oldest
    waiting request (one probe per service on the partial index of waiting requests), then
    those requests, scoped as the rest of the page."""
    if scope_of(user).kind == "jurisdiction" or scope_of(user).is_enterprise:
        return []
    in_hand = ServiceRequest.objects.filter(service_id=OuterRef("pk"), status__in=IN_HAND)
    oldest = (
        ServiceRequest.objects.filter(service_id=OuterRef("pk"), status="submitted")
        .order_by("created_at", "id")
        .values("pk")[:1]
    )
    services = (
        scope_of(user)
        .filter(Service.objects.order_by(), association="association_id")
        .annotate(in_hand=count_per_row(in_hand, "service_id"))
        .filter(in_hand__lt=F("capacity"))
        .annotate(oldest=Subquery(oldest))
        .filter(oldest__isnull=False)
    )
    first = list(services.values_list("oldest", flat=True))
    if not first:
        return []
    return list(visible_requests(user).filter(pk__in=first).order_by("created_at", "id"))


def provider_cards(user: User) -> list[dict]:
    """Per provider the user sees: requests handled (resolved or closed), the median days from
    request to resolution, the mean rating and what is in hand. One query per figure kind."""
    providers = list(
        providers_for(user).annotate(
            handled=Count("requests", filter=Q(requests__status__in=["resolved", "closed"])),
            mean_rating=Avg("requests__rating"),
            in_hand=Count("requests", filter=Q(requests__status__in=IN_HAND)),
        )
    )
    medians = _median_days([p.pk for p in providers])
    return [
        {
            "provider": p,
            "handled": p.handled,
            "in_hand": p.in_hand,
            "mean_rating": round(p.mean_rating, 1) if p.mean_rating is not None else None,
            "median_days": medians.get(p.pk),
        }
        for p in providers
    ]


def _median_days(provider_ids: list[int]) -> dict[int, float]:
    resolved = ServiceRequest.objects.filter(
        provider_id__in=provider_ids, resolved_at__isnull=False
    )
    took = ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField())
    if connection.vendor == "postgresql":
        rows = (
            # no ordering: the model's default order would split the groups
            resolved.order_by()
            .values("provider_id")
            .annotate(took=Median(took))
            .values_list("provider_id", "took")
        )
        return {pk: _days(value) for pk, value in rows}
    durations: dict[int, list] = {}
    for pk, value in resolved.annotate(took=took).values_list("provider_id", "took"):
        durations.setdefault(pk, []).append(value)
    return {pk: _days(median(values)) for pk, values in durations.items()}


def _days(value: timedelta) -> float:
    return round(value.total_seconds() / 86400, 1)


class Median(Aggregate):
    """PostgreSQL's median of an interval (or number): percentile_cont(0.5)."""

    function = "percentile_cont"
    name = "Median"
    template = "percentile_cont(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()
