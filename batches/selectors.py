"""Reads of batches and applications, scoped to the user. The progress figures are in
batches.figures (`progress` is re-exported here for the callers that read it from selectors)."""

from django.db.models import Case, FilteredRelation, Q, QuerySet, Value, When
from django.db.models.functions import Now
from django.utils import timezone

from associations.models import Membership
from batches import access
from batches.figures import progress
from batches.models import Application, Batch
from batches.services import eligible_enterprises
from core.access import scope_of

__all__ = [
    "application_list",
    "batch_list",
    "open_batches_for",
    "progress",
    "review_queue",
    "with_overdue",
]

A = Application.Status


def batch_list(*, user) -> QuerySet[Batch]:
    """Staff their associations' batches; an enterprise user the published batches of the
    associations it is an active member of; an official those of associations in the
    jurisdiction; admins all."""
    scope = scope_of(user)
    batches = Batch.objects.select_related("association").annotate(
        # The enterprise's way in: the association's active memberships (joined only when used).
        active_membership=FilteredRelation(
            "association__memberships",
            condition=Q(association__memberships__status=Membership.Status.ACTIVE),
        )
    )
    batches = scope.filter(
        batches,
        enterprise="active_membership__enterprise_id",
        association="association_id",
        region="association__region__path",
    )
    if not scope.is_admin:
        # A draft is its association's own until it opens.
        batches = batches.filter(
            ~Q(status=Batch.Status.DRAFT) | Q(association_id__in=scope.association_ids)
        )
    return batches


def open_batches_for(*, user) -> list[Batch]:
    """The batches the user's enterprise may apply to now."""
    if not access.may_apply(user):
        return []
    now = timezone.now()
    candidates = batch_list(user=user).filter(
        status=Batch.Status.OPEN, opens_at__lte=now, closes_at__gt=now
    )
    return [
        batch
        for batch in candidates.prefetch_related("regions", "industries")
        if eligible_enterprises(batch).filter(pk=scope_of(user).enterprise_id).exists()
    ]


def application_list(*, user) -> QuerySet[Application]:
    """Staff the applications to their associations' batches; an enterprise user its own; an
    official those of enterprises inside the jurisdiction; admins all."""
    scope = scope_of(user)
    applications = scope.filter(
        Application.objects.select_related(
            "batch",
            "batch__association",
            "enterprise",
            "enterprise__region",
            "enterprise__industry",
        ),
        enterprise="enterprise_id",
        association="batch__association_id",
        region="enterprise__region__path",
    )
    if not (scope.is_admin or scope.is_enterprise):
        # A draft is the applicant's own until it is handed in.
        applications = applications.exclude(status=A.DRAFT)
    return applications


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
