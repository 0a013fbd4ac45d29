"""Reads of needs and offers, scoped to the user: an enterprise its own, staff their
associations', officials the escalated needs inside their jurisdiction, admins all."""

from django.db.models import Case, QuerySet, Value, When
from django.utils import timezone

from core.models import Role
from supplies.models import Need, SupplyItem, SupplyOffer


def item_list(*, user, active_only: bool = False) -> QuerySet[SupplyItem]:
    items = SupplyItem.objects.all()
    if not user.is_authenticated:
        return items.none()
    return items.filter(is_active=True) if active_only else items


def need_list(*, user, kind: str | None = None) -> QuerySet[Need]:
    needs = Need.objects.select_related(
        "enterprise",
        "enterprise__region",
        "enterprise__industry",
        "association",
        "item",
        "work_region",
    )
    if kind:
        needs = needs.filter(kind=kind)
    if not user.is_authenticated:
        return needs.none()
    if user.is_superuser or user.role == Role.ADMIN:
        return needs
    if user.role == Role.ENTERPRISE:
        if not user.enterprise_id:
            return needs.none()
        return needs.filter(enterprise_id=user.enterprise_id)
    if user.role in (Role.OFFICIAL, Role.PARTNER) and user.jurisdiction_id:
        return needs.filter(
            escalated_at__isnull=False,
            enterprise__region__path__startswith=user.jurisdiction.path,
        )
    return needs.filter(association_id__in=user.association_ids)


def need_queue(*, user) -> QuerySet[Need]:
    """The association's active needs, most pressing first: urgency counts as weeks already
    waited, so a long-unmet need rises above newer, more urgent ones; resolved and cancelled
    needs drop out."""
    return need_list(user=user).active().ranked()


def escalated_list(*, user) -> QuerySet[Need]:
    """Needs put before government, newest escalation first."""
    return need_list(user=user).filter(escalated_at__isnull=False).order_by("-escalated_at", "-id")


def offer_list(*, user) -> QuerySet[SupplyOffer]:
    offers = SupplyOffer.objects.select_related(
        "enterprise", "association", "item", "delivery_region"
    )
    if not user.is_authenticated:
        return offers.none()
    if user.is_superuser or user.role == Role.ADMIN:
        return offers
    if user.role == Role.ENTERPRISE:
        if not user.enterprise_id:
            return offers.none()
        return offers.filter(enterprise_id=user.enterprise_id)
    if user.role in (Role.STAFF, Role.PARTNER) and user.association_ids:
        return offers.filter(association_id__in=user.association_ids)
    return offers.none()


def offers_for(need: Need, *, user) -> QuerySet[SupplyOffer]:
    """Offers that can meet a supply request: same association and item, available now; those
    delivering inside the enterprise's province first."""
    if need.kind != Need.Kind.SUPPLY:
        return SupplyOffer.objects.none()
    province = need.enterprise.region.path[:7]
    return (
        offer_list(user=user)
        .filter(
            association_id=need.association_id,
            item_id=need.item_id,
            status=SupplyOffer.Status.OPEN,
            remaining_quantity__gt=0,
            available_until__gte=timezone.localdate(),
        )
        .annotate(
            nearby=Case(
                When(delivery_region__path__startswith=province, then=Value(True)),
                default=Value(False),
            )
        )
        .order_by("-nearby", "available_until", "id")
    )
