"""Reads of batches and applications, scoped to the user, and the progress figures."""

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Now, Substr
from django.utils import timezone

from associations.models import Membership
from batches.models import Application, Batch
from batches.services import eligible_enterprises
from core.models import Industry, Region, Role

A = Application.Status


def batch_list(*, user) -> QuerySet[Batch]:
    """Staff their associations' batches; an enterprise user the published batches of the
    associations it is an active member of; an official those of associations in the
    jurisdiction; admins all."""
    batches = Batch.objects.select_related("association")
    if not user.is_authenticated:
        return batches.none()
    if user.is_superuser or user.role == Role.ADMIN:
        return batches
    if user.role == Role.ENTERPRISE:
        if not user.enterprise_id:
            return batches.none()
        member = Membership.objects.filter(
            association_id=OuterRef("association_id"),
            enterprise_id=user.enterprise_id,
            status=Membership.Status.ACTIVE,
        )
        return batches.filter(Exists(member)).exclude(status=Batch.Status.DRAFT)
    if user.role in (Role.OFFICIAL, Role.PARTNER) and user.jurisdiction_id:
        return batches.filter(association__region__path__startswith=user.jurisdiction.path).exclude(
            status=Batch.Status.DRAFT
        )
    return batches.filter(association_id__in=user.association_ids)


def open_batches_for(*, user) -> list[Batch]:
    """The batches the user's enterprise may apply to now."""
    if user.role != Role.ENTERPRISE or not user.enterprise_id:
        return []
    now = timezone.now()
    candidates = batch_list(user=user).filter(
        status=Batch.Status.OPEN, opens_at__lte=now, closes_at__gt=now
    )
    return [
        batch
        for batch in candidates.prefetch_related("regions", "industries")
        if eligible_enterprises(batch).filter(pk=user.enterprise_id).exists()
    ]


def application_list(*, user) -> QuerySet[Application]:
    """Staff the applications to their associations' batches; an enterprise user its own; an
    official those of enterprises inside the jurisdiction; admins all."""
    applications = Application.objects.select_related(
        "batch",
        "batch__association",
        "enterprise",
        "enterprise__region",
        "enterprise__industry",
    )
    if not user.is_authenticated:
        return applications.none()
    if user.is_superuser or user.role == Role.ADMIN:
        return applications
    if user.role == Role.ENTERPRISE:
        if not user.enterprise_id:
            return applications.none()
        return applications.filter(enterprise_id=user.enterprise_id)
    if user.role in (Role.OFFICIAL, Role.PARTNER) and user.jurisdiction_id:
        return applications.filter(
            enterprise__region__path__startswith=user.jurisdiction.path
        ).exclude(status=A.DRAFT)
    return applications.filter(batch__association_id__in=user.association_ids).exclude(
        status=A.DRAFT
    )


def with_overdue(applications: QuerySet[Application]) -> QuerySet[Application]:
    """Annotate `overdue`: submitted, and still waiting past its review deadline."""
    return applications.annotate(
        overdue=Case(
            When(status=A.SUBMITTED, review_due_at__lt=Now(), then=Value(True)),
            default=Value(False),
        )
    )


def review_queue(*, user) -> QuerySet[Application]:
    """Submitted applications waiting for a decision, oldest first."""
    return with_overdue(application_list(user=user).filter(status=A.SUBMITTED)).order_by(
        "submitted_at", "id"
    )


# --- progress -----------------------------------------------------------------------------

PATH_SEGMENT = 7  # "440000/": a region code and its slash in Region.path


def _counts(prefix: str = "") -> dict:
    """Conditional aggregates over applications, counting enterprises once each."""
    enterprise = f"{prefix}enterprise"

    def enterprises_with(*statuses):
        return Count(enterprise, distinct=True, filter=Q(**{f"{prefix}status__in": statuses}))

    return {
        "applied": enterprises_with(*Application.APPLIED),
        "approved": enterprises_with(A.APPROVED, A.RESUMED),
        "rejected": enterprises_with(A.REJECTED),
        "resumed": enterprises_with(A.RESUMED),
        "returning_workers": Coalesce(
            Sum(
                f"{prefix}returning_workers",
                filter=Q(**{f"{prefix}status__in": (A.APPROVED, A.RESUMED)}),
            ),
            0,
        ),
    }


def _scope(*, batch: Batch | None, association_id: int | None, within: Region | None):
    """The applications and the eligible enterprises the figures are about."""
    if batch is not None:
        applications = Application.objects.filter(batch=batch)
        eligible = eligible_enterprises(batch, within=within)
    else:
        from enterprises.models import Enterprise

        applications = Application.objects.filter(batch__association_id=association_id)
        eligible = Enterprise.objects.filter(
            memberships__association_id=association_id,
            memberships__status=Membership.Status.ACTIVE,
        )
        if within is not None:
            eligible = eligible.filter(region__path__startswith=within.path)
    if within is not None:
        applications = applications.filter(enterprise__region__path__startswith=within.path)
    return applications, eligible


def progress(
    *,
    batch: Batch | None = None,
    association_id: int | None = None,
    by: str = "region",
    within: Region | None = None,
) -> dict:
    """Resumption progress of a batch (or of all an association's batches), broken down by region
    one level below `within` (provinces when it is None) or by industry section.

    Two grouped queries (applications, eligible enterprises) and one for the names, whatever the
    number of rows (plus one for a batch's regions): the database adds up, Python only pairs
    the two results by key and adds the few rows into the totals.
    """
    applications, eligible = _scope(batch=batch, association_id=association_id, within=within)
    if by == "industry":
        application_key = F("enterprise__industry__parent_id")
        eligible_key = F("industry__parent_id")
    else:
        length = len(within.path) + PATH_SEGMENT if within is not None else PATH_SEGMENT
        application_key = Substr("enterprise__region__path", 1, length)
        eligible_key = Substr("region__path", 1, length)
    figures = {
        row["key"]: row
        for row in applications.annotate(key=application_key).values("key").annotate(**_counts())
    }
    # No DISTINCT needed (nor its sort): an enterprise has one membership per association
    # (unique_enterprise_association), one region and one industry, so it is one row here.
    eligible_counts = dict(
        eligible.annotate(key=eligible_key)
        .values("key")
        .annotate(n=Count("id"))
        .values_list("key", "n")
    )
    keys = sorted(set(figures) | set(eligible_counts))
    codes = {key: key.rstrip("/").rsplit("/", 1)[-1] if by != "industry" else key for key in keys}
    model = Industry if by == "industry" else Region
    names = {node.code: node for node in model.objects.filter(code__in=codes.values())}
    empty = dict.fromkeys(("applied", "approved", "rejected", "resumed", "returning_workers"), 0)
    rows = []
    for key in keys:
        row = {**empty, **figures.get(key, {})}
        row.pop("key", None)
        node = names.get(codes[key])
        row.update(
            code=codes[key],
            name=node.name if node else codes[key],
            drill=by != "industry" and node is not None and node.level != Region.Level.COUNTY,
            eligible=eligible_counts.get(key, 0),
        )
        row["rate"] = row["resumed"] / row["eligible"] if row["eligible"] else None
        rows.append(row)
    # Every enterprise falls in exactly one row (one region, one industry), so the totals are
    # the sums of the rows' counts: no second pass over the applications and the members.
    totals = {name: sum(row[name] for row in rows) for name in (*empty, "eligible")}
    totals["rate"] = totals["resumed"] / totals["eligible"] if totals["eligible"] else None
    return {"rows": rows, "totals": totals, "by": by, "within": within}
