"""Every write on relief schemes and grants (assessments: relief.assessment_services). Each
locks its row, checks relief.access, and appends its event to the log
(core.workflow) in the same transaction."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from associations.models import Membership
from core.errors import DomainError, required_reason
from core.models import User
from core.workflow import (
    change_status,
    diff,
    may_move,
    not_allowed,
    record_event,
    record_status,
    snapshot,
)
from enterprises.models import Enterprise
from relief import access
from relief.models import Grade, ReliefGrant, ReliefGrantBatch, ReliefScheme
from relief.selectors import eligible_enterprises
from supplies.services import priority

SCHEME_FIELDS = (
    "name",
    "kind",
    "grades",
    "sizes",
    "budget",
    "amount_per_grant",
    "active_from",
    "active_to",
)
CENT = Decimal("0.01")


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
        message = _("Give an amount in yuan above zero, with at most two decimals.")
        raise DomainError(message, fields={field: [message]})
    if amount >= Decimal("1e12"):
        message = _("The amount is too large.")
        raise DomainError(message, fields={field: [message]})
    return amount


def _check_scheme(scheme: ReliefScheme) -> None:
    problems = {}
    if not (scheme.name or "").strip():
        problems["name"] = [_("Name the scheme.")]
    if scheme.kind not in ReliefScheme.Kind.values:
        problems["kind"] = [_("Choose what the scheme gives.")]
    grades = list(dict.fromkeys(scheme.grades or []))
    if not grades or set(grades) - set(Grade.values):
        problems["grades"] = [_("Choose the grades of hardship the scheme is for.")]
    sizes = list(dict.fromkeys(scheme.sizes or []))
    if set(sizes) - set(Enterprise.Size.values):
        problems["sizes"] = [_("Unknown size.")]
    if scheme.active_from and scheme.active_to and scheme.active_from > scheme.active_to:
        problems["active_to"] = [_("The scheme must end on or after the day it starts.")]
    for field in ("budget", "amount_per_grant"):
        try:
            setattr(scheme, field, _money(getattr(scheme, field), field))
        except DomainError as error:
            problems.update(error.fields)
    if problems:
        raise DomainError(_("Some values are not valid; see each field."), fields=problems)
    scheme.grades, scheme.sizes = grades, sizes


@transaction.atomic
def scheme_create(
    *, actor: User, association_id: int, regions=(), industries=(), **values
) -> ReliefScheme:
    if not access.may_manage(actor, association_id):
        raise PermissionDenied
    scheme = ReliefScheme(association_id=association_id, **values)
    _check_scheme(scheme)
    scheme.save()
    scheme.regions.set(regions)
    scheme.industries.set(industries)
    record_event(scheme, "reliefscheme.created", actor=actor)
    return scheme


@transaction.atomic
def scheme_update(
    *, actor: User, scheme_id: int, regions=None, industries=None, **values
) -> ReliefScheme:
    """Change a scheme; its budget may not fall below what it has granted."""
    scheme = ReliefScheme.objects.select_for_update().get(pk=scheme_id)
    if not access.may_manage(actor, scheme.association_id):
        raise PermissionDenied
    before = snapshot(scheme, [f for f in SCHEME_FIELDS if f in values])
    for name, value in values.items():
        setattr(scheme, name, value)
    _check_scheme(scheme)
    granted = granted_total(scheme.pk)
    if scheme.budget < granted:
        message = _("The budget cannot be less than the %(granted)s yuan granted already.") % {
            "granted": granted
        }
        raise DomainError(message, fields={"budget": [message]})
    scheme.save()
    if regions is not None:
        scheme.regions.set(regions)
    if industries is not None:
        scheme.industries.set(industries)
    record_event(scheme, "reliefscheme.updated", actor=actor, changes=diff(before, scheme))
    return scheme


@transaction.atomic
def grant_batch_propose(
    *, actor: User, scheme_id: int, enterprise_ids: list[int]
) -> ReliefGrantBatch:
    """Grants to the enterprises ticked, each of which must be eligible now (the scheme's
    rules: relief.selectors.eligible_enterprises); approved or rejected together."""
    scheme = ReliefScheme.objects.select_for_update().get(pk=scheme_id)
    if not access.may_manage(actor, scheme.association_id):
        raise PermissionDenied
    if not enterprise_ids:
        raise DomainError(
            _("Tick at least one enterprise."),
            fields={"enterprise_ids": [_("Tick at least one enterprise.")]},
        )
    wanted = set(enterprise_ids)
    eligible = set(eligible_enterprises(scheme).filter(pk__in=wanted).values_list("pk", flat=True))
    if wanted - eligible:
        names = sorted(
            Enterprise.objects.filter(pk__in=wanted - eligible).values_list("name", flat=True)
        ) or [str(pk) for pk in sorted(wanted - eligible)]
        message = _("Not eligible for this scheme now: %(names)s.") % {"names": "、".join(names)}
        raise DomainError(message, fields={"enterprise_ids": [message]})
    batch = ReliefGrantBatch.objects.create(scheme=scheme, proposed_by=actor)
    amounts = grant_amounts(scheme, wanted)
    ReliefGrant.objects.bulk_create(
        ReliefGrant(batch=batch, scheme=scheme, enterprise_id=e, amount=amounts[e])
        for e in sorted(wanted)
    )
    record_status(batch, from_status="", to_status=batch.status, actor=actor)
    return batch


DUES_SHARE = {
    ReliefScheme.Kind.DUES_WAIVED_FULL: Decimal("1"),
    ReliefScheme.Kind.DUES_WAIVED_HALF: Decimal("0.5"),
    ReliefScheme.Kind.DUES_DEFERRED: Decimal("1"),
}


def grant_amounts(scheme: ReliefScheme, enterprise_ids) -> dict[int, Decimal]:
    """What each grant of `scheme` is worth, in yuan: for a dues scheme the member's annual
    dues as its membership records them (half of them, to the fen, rounded half up, when
    waived by half); the scheme's amount per grant for other schemes and for members whose
    dues are not recorded (decision 0018)."""
    amounts = dict.fromkeys(enterprise_ids, scheme.amount_per_grant)
    share = DUES_SHARE.get(scheme.kind)
    if share is None:
        return amounts
    dues = Membership.objects.filter(
        association_id=scheme.association_id,
        enterprise_id__in=list(amounts),
        annual_dues__isnull=False,
    ).values_list("enterprise_id", "annual_dues")
    for enterprise_id, yearly in dues:
        amounts[enterprise_id] = (yearly * share).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return amounts


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
        if scheme.kind == ReliefScheme.Kind.PRIORITY_MATCHING:
            _match_first(grant.enterprise_id, scheme.association_id)
    return batch


def _match_first(enterprise_id: int, association_id: int) -> None:
    """Priority matching: while a granted priority scheme holds (to its last day), the
    enterprise's needs with the association rank higher in the queue (supplies.services.
    priority); with none left, they rank as others again."""
    holding = ReliefGrant.objects.filter(
        enterprise_id=enterprise_id,
        scheme__association_id=association_id,
        scheme__kind=ReliefScheme.Kind.PRIORITY_MATCHING,
        status=ReliefGrant.Status.GRANTED,
        scheme__active_to__gte=timezone.localdate(),
    ).aggregate(until=Max("scheme__active_to"))["until"]
    if holding is None:
        priority.release(enterprise_id=enterprise_id, association_id=association_id)
    else:
        priority.hold(enterprise_id=enterprise_id, association_id=association_id, until=holding)


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
    if grant.scheme.kind == ReliefScheme.Kind.PRIORITY_MATCHING:
        _match_first(grant.enterprise_id, grant.scheme.association_id)
    return grant
