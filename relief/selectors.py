"""Reads of relief, scoped to who asks."""

from decimal import Decimal

from django.db.models import DecimalField, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from associations.models import Membership
from core.access import scope_of
from core.models import Industry, Region
from enterprises.models import Enterprise
from relief.models import HardshipAssessment, ReliefGrant, ReliefScheme

ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))


def ledger(schemes) -> list[dict]:
    """Per scheme: budget, granted (still held), revoked and remaining, as exact Decimals, in one
    query."""
    rows = schemes.annotate(
        granted=Coalesce(
            Sum("grants__amount", filter=Q(grants__status=ReliefGrant.Status.GRANTED)), ZERO
        ),
        revoked=Coalesce(
            Sum("grants__amount", filter=Q(grants__status=ReliefGrant.Status.REVOKED)), ZERO
        ),
    ).order_by("pk")
    return [
        {
            "scheme": row,
            "budget": row.budget,
            "granted": row.granted,
            "revoked": row.revoked,
            "remaining": row.budget - row.granted,
        }
        for row in rows
    ]


def schemes_for(user):
    """The schemes of the associations the user works for (all of them for an admin)."""
    return scope_of(user).filter(ReliefScheme.objects.all(), association="association_id")


def latest_assessments(association_id: int, today=None) -> QuerySet[HardshipAssessment]:
    """Each enterprise's latest assessed assessment with the association that is still valid."""
    today = today or timezone.localdate()
    newer = HardshipAssessment.objects.filter(
        enterprise_id=OuterRef("enterprise_id"),
        association_id=association_id,
        status=HardshipAssessment.Status.ASSESSED,
        valid_until__gte=today,
        period__gt=OuterRef("period"),
    )
    return HardshipAssessment.objects.filter(
        association_id=association_id,
        status=HardshipAssessment.Status.ASSESSED,
        valid_until__gte=today,
    ).exclude(Exists(newer))


def eligible_enterprises(scheme: ReliefScheme, today=None) -> QuerySet[Enterprise]:
    """The enterprises a scheme may grant to now: active members of its association whose latest
    valid assessment with it has one of the scheme's grades, of a size, inside a region and of an
    industry the scheme names (each only when it names any), holding no proposed or granted grant
    of the scheme. The same queries whatever the number of members.

    It starts from the association's graded assessments (few beside its members), and reads the
    regions and industries the scheme names as lists of codes (`region_id IN (…)`, one query
    each), so that the planner knows how many enterprises they leave."""
    today = today or timezone.localdate()
    graded = (
        latest_assessments(scheme.association_id, today)
        .filter(grade__in=scheme.grades or [])
        .values("enterprise_id")
    )
    member = Membership.objects.filter(
        enterprise_id=OuterRef("pk"),
        association_id=scheme.association_id,
        status=Membership.Status.ACTIVE,
    )
    holding = ReliefGrant.objects.filter(
        scheme_id=scheme.pk,
        enterprise_id=OuterRef("pk"),
        status__in=[ReliefGrant.Status.PROPOSED, ReliefGrant.Status.GRANTED],
    )
    found = Enterprise.objects.filter(Exists(member), pk__in=graded).exclude(Exists(holding))
    if scheme.sizes:
        found = found.filter(size__in=scheme.sizes)
    regions = _subtrees(Region, [region.path for region in scheme.regions.all()])
    if regions is not None:
        found = found.filter(region_id__in=regions)
    industries = _subtrees(Industry, [industry.path for industry in scheme.industries.all()])
    if industries is not None:
        found = found.filter(industry_id__in=industries)
    grade = latest_assessments(scheme.association_id, today).filter(enterprise_id=OuterRef("pk"))
    return (
        found.annotate(
            grade=Subquery(grade.values("grade")[:1]),
            assessment_id=Subquery(grade.values("pk")[:1]),
        )
        .select_related("region", "industry")
        .order_by("name", "pk")
    )


def _subtrees(model, paths: list[str]) -> list[str] | None:
    """The codes of the regions (or industries) at or below any of `paths`, read in one query;
    None when no path is named (no narrowing). Read as a list so that the planner sees how many
    there are: as a subquery it guesses one and loops over all members once per code."""
    if not paths:
        return None
    inside = Q()
    for path in paths:
        inside |= Q(path__startswith=path)
    return list(model.objects.filter(inside).values_list("pk", flat=True))


def grants_for(user) -> QuerySet[ReliefGrant]:
    """Grants the user may read: the association's side its schemes' grants, an enterprise its
    own (granted or revoked: not what is only proposed), an admin all; officials none by name."""
    scope = scope_of(user)
    grants = ReliefGrant.objects.select_related("scheme", "enterprise", "batch")
    if scope.is_admin:
        return grants
    if scope.is_enterprise:
        if not scope.enterprise_id:
            return grants.none()
        return grants.filter(
            enterprise_id=scope.enterprise_id,
            status__in=[ReliefGrant.Status.GRANTED, ReliefGrant.Status.REVOKED],
        )
    if scope.association_ids:
        return grants.filter(scheme__association_id__in=scope.association_ids)
    return grants.none()


def batches_for(user) -> QuerySet:
    from relief.models import ReliefGrantBatch

    return scope_of(user).filter(
        ReliefGrantBatch.objects.select_related("scheme", "proposed_by"),
        association="scheme__association_id",
    )
