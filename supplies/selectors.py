"""Reads of needs and offers, scoped to the user: an enterprise its own, staff their
associations', officials the escalated needs inside their jurisdiction, admins all."""

from django.db.models import Case, Q, QuerySet, Value, When
from django.utils import timezone

from core.access import Scope, scope_of
from core.models import Region
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
    scope = scope_of(user)
    if _sees_escalated_only(scope):
        # Government sees what was put before it, by the enterprise's own region code rather
        # than the scope's path lookup through the region table (see _enterprise_inside).
        return needs.filter(escalated_at__isnull=False).filter(
            _enterprise_inside(user.jurisdiction)
        )
    return scope.filter(needs, enterprise="enterprise_id", association="association_id")


def _sees_escalated_only(scope: Scope) -> bool:
    """An official (or a partner bound to a jurisdiction): the escalated needs inside it."""
    return scope.kind == "jurisdiction"


def _enterprise_inside(region: Region) -> Q:
    """The enterprise's region code inside `region` (`Region.codes_inside`): PostgreSQL then
    estimates from the enterprise's column (80 % of a Guangdong association's members are in
    44…), where through the join to the regions it guesses a province holds a few hundred
    escalated needs and sorts them all instead of reading the newest from the need_escalated
    index (1 s against 2 ms at a million needs; see bench/needs.py)."""
    return region.codes_inside("enterprise__region__code")


def need_queue(*, user) -> QuerySet[Need]:
    """The association's active needs, most pressing first: urgency counts as weeks already
    waited, so a long-unmet need rises above newer, more urgent ones; resolved and cancelled
    needs drop out."""
    return need_list(user=user).active().ranked()


def escalated_list(*, user) -> QuerySet[Need]:
    """Needs put before government, newest escalation first."""
    needs = need_list(user=user)
    if not _sees_escalated_only(scope_of(user)):
        # Not twice for an official: PostgreSQL would count the condition's selectivity twice,
        # expect a few dozen rows and sort them all rather than read need_escalated in order.
        needs = needs.filter(escalated_at__isnull=False)
    return needs.order_by("-escalated_at", "-id")


def escalated_awaiting(*, user, within: Region | None = None) -> QuerySet[Need]:
    """Needs put before government and not answered yet, inside `within` (a region of the
    user's scope), the longest waiting first: the officials' dashboard."""
    needs = escalated_list(user=user).filter(status=Need.Status.ESCALATED)
    if within is not None:
        needs = needs.filter(_enterprise_inside(within))
    return needs.order_by("escalated_at", "id")


def offer_list(*, user) -> QuerySet[SupplyOffer]:
    offers = SupplyOffer.objects.select_related(
        "enterprise", "association", "item", "delivery_region"
    )
    return scope_of(user).filter(offers, enterprise="enterprise_id", association="association_id")


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
