"""Reads of hardship assessments and of the hardest-hit list, scoped to who asks.

- Assessments by name: an enterprise its own, the staff side their associations', admins all.
  Officials read none by name: they read the hardest-hit list of their jurisdiction.
- The hardest-hit list: the enterprises whose latest assessed assessment is severe and still
  valid (valid until today or later), with what relief they were granted. For the staff side one
  row per enterprise and association (the association's own latest assessment and its own
  relief); for officials one row per enterprise inside the jurisdiction, across associations
  (its latest assessment anywhere and all its relief). Officials get no phone numbers
  (`enterprises.selectors.with_contact_visible`).

Every list is a constant number of queries, whatever its length.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.access import scope_of
from core.models import Event, Industry, Region, User
from core.pagination import kept_for_a_while, query_key
from core.workflow import history_for, read_from_outside
from relief.models import Grade, HardshipAssessment, ReliefGrant

# The most rows a download of the hardest-hit list holds; the page says so when it is longer.
EXPORT_LIMIT = 20_000

A = HardshipAssessment.Status


def _with_relations(assessments: QuerySet) -> QuerySet:
    return assessments.select_related(
        "enterprise", "enterprise__region", "enterprise__industry", "association", "requested_by"
    )


def visible_assessments(user: User) -> QuerySet[HardshipAssessment]:
    scope = scope_of(user)
    if scope.kind == "jurisdiction":
        return HardshipAssessment.objects.none()
    return scope.filter(
        _with_relations(HardshipAssessment.objects.all()),
        enterprise="enterprise_id",
        association="association_id",
    )


def assessment_history(user: User, assessment: HardshipAssessment) -> list[Event]:
    """The assessment's events, oldest first; a reader outside the association (the enterprise)
    reads who acted by name and role, never by login name."""
    events = list(history_for(assessment))
    if scope_of(user).works_for(assessment.association_id):
        return events
    return read_from_outside(events)


def staff_queue(
    user: User, *, status: str = "", grade: str = "", period: date | None = None
) -> QuerySet[HardshipAssessment]:
    """The assessments of the user's associations: those waiting (requested) first, each group
    the oldest first."""
    found = visible_assessments(user)
    if status:
        found = found.filter(status=status)
    if grade:
        found = found.filter(grade=grade)
    if period is not None:
        found = found.filter(period=period.replace(day=1))
    waiting_first = Case(
        When(status=A.REQUESTED, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return found.annotate(waiting_first=waiting_first).order_by("waiting_first", "created_at", "id")


def _per_enterprise(scope) -> bool:
    """Officials' list holds one row per enterprise across associations; the staff side's (and
    admins') one per enterprise and association."""
    return scope.kind == "jurisdiction"


def hardest_hit(
    user: User,
    *,
    association_id: int | None = None,
    region: Region | None = None,
    industry: Industry | None = None,
    cause: str = "",
    today: date | None = None,
) -> QuerySet[HardshipAssessment]:
    """The latest assessed assessment of each severely hit enterprise the user may list, each
    with `relief_total` (yuan granted and not revoked) and `relief_grants` (how many)."""
    scope = scope_of(user)
    today = today or timezone.localdate()
    assessments = HardshipAssessment.objects.all()
    if scope.kind == "jurisdiction":
        assessments = assessments.filter(user.jurisdiction.codes_inside("enterprise__region__code"))
    elif scope.kind == "associations":
        assessments = assessments.filter(association_id__in=scope.association_ids)
    elif not scope.is_admin:
        return HardshipAssessment.objects.none()
    per_enterprise = _per_enterprise(scope)
    newer = HardshipAssessment.objects.filter(
        Q(period__gt=OuterRef("period")) | Q(period=OuterRef("period"), pk__gt=OuterRef("pk")),
        enterprise_id=OuterRef("enterprise_id"),
        status=A.ASSESSED,
    )
    grants = ReliefGrant.objects.filter(
        enterprise_id=OuterRef("enterprise_id"), status=ReliefGrant.Status.GRANTED
    )
    if not per_enterprise:
        newer = newer.filter(association_id=OuterRef("association_id"))
        grants = grants.filter(scheme__association_id=OuterRef("association_id"))
    grouped = grants.order_by().values("enterprise_id")
    money = DecimalField(max_digits=14, decimal_places=2)
    found = (
        assessments.filter(status=A.ASSESSED)
        .exclude(Exists(newer))
        .filter(grade=Grade.SEVERE, valid_until__gte=today)
    )
    if association_id is not None:
        found = found.filter(association_id=association_id)
    if region is not None:
        found = found.filter(region.codes_inside("enterprise__region__code"))
    if industry is not None:
        found = found.filter(
            Q(enterprise__industry_id=industry.code)
            | Q(enterprise__industry__parent_id=industry.code)
        )
    if cause:
        found = found.filter(cause=cause)
    return (
        _with_relations(found)
        .annotate(
            relief_total=Coalesce(
                Subquery(grouped.annotate(total=Sum("amount")).values("total"), output_field=money),
                Value(Decimal("0.00")),
                output_field=money,
            ),
            relief_grants=Coalesce(
                Subquery(grouped.annotate(n=Count("pk")).values("n")),
                Value(0),
                output_field=IntegerField(),
            ),
        )
        .order_by("-revenue_drop_percent", "months_of_cash", "enterprise__name", "id")
    )


def hardest_hit_figures(
    user: User, rows: QuerySet[HardshipAssessment]
) -> dict[int, tuple[int, Decimal]]:
    """{association id: (enterprises, relief granted)} of a hardest-hit list (`hardest_hit`), in
    one pass over it: the page's count, its total and the associations it may be narrowed to
    read the same rows, once instead of three times. Kept for a few seconds, as the lists'
    long counts are (`core.pagination.kept_for_a_while`): a province's pass reads the
    enterprises of the province (a quarter of a second at national scale), and an official
    paging through the list reads it once."""
    grouped = (
        rows.order_by()
        .values("association_id")
        .annotate(n=Count("pk"), money=Sum("relief_total"))
        .values_list("association_id", "n", "money")
    )

    def compute():
        return {association: (n, money or Decimal("0.00")) for association, n, money in grouped}

    return kept_for_a_while(query_key("hardest-hit", grouped), compute, user=user)


def with_scheme_names(user: User, rows: list[HardshipAssessment]) -> list[HardshipAssessment]:
    """`rows` (a page, or a chunk of a download) each with `relief_schemes`: the names of the
    schemes it holds a granted grant of, counted as `relief_total` counts them. One query."""
    per_enterprise = _per_enterprise(scope_of(user))
    names: dict[tuple, list[str]] = defaultdict(list)
    granted = (
        ReliefGrant.objects.filter(
            enterprise_id__in={row.enterprise_id for row in rows},
            status=ReliefGrant.Status.GRANTED,
        )
        .values_list("enterprise_id", "scheme__association_id", "scheme__name")
        .distinct()
        .order_by("scheme__name")
    )
    if rows:
        for enterprise_id, association_id, name in granted:
            key = (enterprise_id,) if per_enterprise else (enterprise_id, association_id)
            if name not in names[key]:
                names[key].append(name)
    for row in rows:
        key = (row.enterprise_id,) if per_enterprise else (row.enterprise_id, row.association_id)
        row.relief_schemes = names.get(key, [])
    return rows
