"""Every write on relief schemes and grants (assessments: relief.assessment_services). Each
locks its row, checks relief.access, and appends its event to the log
(core.workflow) in the same transaction."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from core.errors import DomainError, required_reason
from core.models import User
from core.workflow import change_status, may_move, not_allowed, record_status
from relief import access
from relief.models import ReliefGrant, ReliefGrantBatch, ReliefScheme


@transaction.atomic
def grant_batch_propose(
    *, actor: User, scheme_id: int, enterprise_ids: list[int]
) -> ReliefGrantBatch:
    scheme = ReliefScheme.objects.get(pk=scheme_id)
    if not access.may_manage(actor, scheme.association_id):
        raise PermissionDenied
    if not enterprise_ids:
        raise DomainError(
            _("Tick at least one enterprise."),
            fields={"enterprise_ids": [_("Tick at least one enterprise.")]},
        )
    batch = ReliefGrantBatch.objects.create(scheme=scheme, proposed_by=actor)
    ReliefGrant.objects.bulk_create(
        ReliefGrant(batch=batch, scheme=scheme, enterprise_id=e, amount=scheme.amount_per_grant)
        for e in sorted(set(enterprise_ids))
    )
    record_status(batch, from_status="", to_status=batch.status, actor=actor)
    return batch


def granted_total(scheme_id: int) -> Decimal:
    total = ReliefGrant.objects.filter(
        scheme_id=scheme_id, status=ReliefGrant.Status.GRANTED
    ).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0.00")


@transaction.atomic
def grant_batch_approve(*, actor: User, batch_id: int) -> ReliefGrantBatch:
    """All or none. The scheme's row is locked first, so two managers approving two batches of
    one scheme at once take turns and the second sees the first's grants in the budget."""
    scheme_id = ReliefGrantBatch.objects.values_list("scheme_id", flat=True).get(pk=batch_id)
    scheme = ReliefScheme.objects.select_for_update().get(pk=scheme_id)
    batch = ReliefGrantBatch.objects.select_for_update().get(pk=batch_id)
    if not access.may_decide(actor, scheme.association_id):
        raise PermissionDenied
    if not may_move(batch, ReliefGrantBatch.Status.APPROVED):
        raise not_allowed(batch)
    grants = list(batch.grants.select_for_update().order_by("pk"))
    wanted = sum((g.amount for g in grants), Decimal("0.00"))
    if granted_total(scheme.pk) + wanted > scheme.budget:
        raise DomainError(_("Approving these grants would exceed the scheme's budget."))
    change_status(batch, to=ReliefGrantBatch.Status.APPROVED, actor=actor)
    for grant in grants:
        change_status(grant, to=ReliefGrant.Status.GRANTED, actor=actor)
    return batch


@transaction.atomic
def grant_batch_reject(*, actor: User, batch_id: int, reason: str) -> ReliefGrantBatch:
    batch = ReliefGrantBatch.objects.select_for_update().select_related("scheme").get(pk=batch_id)
    if not access.may_decide(actor, batch.scheme.association_id):
        raise PermissionDenied
    reason = required_reason(reason)
    change_status(batch, to=ReliefGrantBatch.Status.REJECTED, actor=actor, reason=reason)
    for grant in batch.grants.select_for_update().order_by("pk"):
        change_status(grant, to=ReliefGrant.Status.REJECTED, actor=actor, reason=reason)
    return batch


@transaction.atomic
def grant_revoke(*, actor: User, grant_id: int, reason: str) -> ReliefGrant:
    grant = ReliefGrant.objects.select_for_update().select_related("scheme").get(pk=grant_id)
    if not access.may_decide(actor, grant.scheme.association_id):
        raise PermissionDenied
    grant.revoke_reason = required_reason(reason)
    change_status(
        grant,
        to=ReliefGrant.Status.REVOKED,
        actor=actor,
        reason=grant.revoke_reason,
        update_fields=("revoke_reason",),
    )
    return grant
