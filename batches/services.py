"""Every write on batches and applications. Who may do what is asked of batches.access; each
write appends an event (core.workflow) with who, when, why and the changed fields; decisions
notify the applicant in their own transaction (batches.notifications), the e-mails leaving on
commit."""

import operator
from datetime import date, timedelta
from functools import reduce

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from associations.models import Membership
from batches import access
from batches.models import Application, Batch
from batches.notifications import tell_decision
from core.errors import Conflict, DomainError, check_model_rules, required_reason
from core.models import Industry, Region, User, set_links
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

BATCH_FIELDS = (
    "name",
    "opens_at",
    "closes_at",
    "planned_start",
    "capacity",
    "prevention_requirements",
    "mandatory_items",
    "checklist_minimums",
    "review_days",
)
APPLICATION_FIELDS = (
    "planned_date",
    "returning_workers",
    "workers_from_other_provinces",
    *Application.CHECKLIST,
    "checklist_notes",
)


# --- batches ------------------------------------------------------------------------------


def _check_batch(batch: Batch, regions, industries) -> None:
    unknown = set(batch.mandatory_items or []) - set(Application.CHECKLIST)
    if unknown:
        message = _("Unknown checklist items: %(items)s.") % {"items": ", ".join(sorted(unknown))}
        raise DomainError(message, fields={"mandatory_items": [message]})
    minimums = batch.checklist_minimums or {}
    if set(minimums) - set(Application.COUNTED) or not all(
        isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 9999
        for value in minimums.values()
    ):
        message = _("A minimum is a whole number from 0 to 9999, for a counted checklist item.")
        raise DomainError(message, fields={"checklist_minimums": [message]})
    if regions is not None and not regions:
        message = _("Choose at least one region.")
        raise DomainError(message, fields={"regions": [message]})
    if industries is not None and not industries:
        message = _("Choose at least one industry.")
        raise DomainError(message, fields={"industries": [message]})
    if batch.opens_at and batch.closes_at and batch.closes_at <= batch.opens_at:
        message = _("Applications must close after they open.")
        raise DomainError(message, fields={"closes_at": [message]})
    if batch.capacity is not None and batch.capacity < batch.approved_count:
        message = _("%(count)d applications are approved already; capacity cannot be lower.") % {
            "count": batch.approved_count
        }
        raise DomainError(message, fields={"capacity": [message]})
    # Uniqueness is left to the database, whose IntegrityError becomes a Conflict; the check
    # constraints are tested above with a message for the field.
    check_model_rules(batch, validate_unique=False, validate_constraints=False)


@transaction.atomic
def batch_create(
    *,
    actor: User,
    association_id: int,
    regions: list[Region],
    industries: list[Industry],
    **fields,
) -> Batch:
    if not access.may_manage_batches_of(actor, association_id):
        raise PermissionDenied
    batch = Batch(
        association_id=association_id,
        created_by=actor,
        **{k: v for k, v in fields.items() if k in BATCH_FIELDS},
    )
    _check_batch(batch, regions, industries)
    batch.save()
    set_links(batch, "regions", regions)
    set_links(batch, "industries", industries)
    record_status(batch, from_status="", to_status=batch.status, actor=actor)
    return batch


def _locked_batch(batch_id: int) -> Batch:
    return Batch.objects.select_for_update().get(pk=batch_id)


@transaction.atomic
def batch_update(
    *,
    actor: User,
    batch_id: int,
    regions: list[Region] | None = None,
    industries: list[Industry] | None = None,
    **fields,
) -> Batch:
    batch = _locked_batch(batch_id)
    if not access.may_manage(actor, batch):
        raise PermissionDenied
    if not access.batch_editable(batch):
        raise not_allowed(batch)
    before = snapshot(batch, BATCH_FIELDS)
    for name, value in fields.items():
        if name in BATCH_FIELDS:
            setattr(batch, name, value)
    _check_batch(batch, regions, industries)
    batch.save()
    changes = diff(before, batch)
    for name, chosen in (("regions", regions), ("industries", industries)):
        if chosen is not None:
            changes.update(_set_codes(batch, name, chosen))
    if changes:
        record_event(batch, "batch.updated", actor=actor, changes=changes)
    return batch


def _set_codes(batch: Batch, name: str, chosen) -> dict[str, list]:
    """Set the batch's regions or industries; {name: [old codes, new codes]} if they changed."""
    related = getattr(batch, name)
    old = sorted(related.values_list("pk", flat=True))
    set_links(batch, name, chosen)
    new = sorted(related.values_list("pk", flat=True))
    return {name: [old, new]} if old != new else {}


def _batch_transition(actor: User, batch_id: int, to: str, reason: str = "") -> Batch:
    batch = _locked_batch(batch_id)
    if not access.may_manage(actor, batch):
        raise PermissionDenied
    change_status(batch, to=to, actor=actor, reason=reason)
    return batch


@transaction.atomic
def batch_open(*, actor: User, batch_id: int, reason: str = "") -> Batch:
    return _batch_transition(actor, batch_id, Batch.Status.OPEN, reason)


@transaction.atomic
def batch_close(*, actor: User, batch_id: int, reason: str = "") -> Batch:
    return _batch_transition(actor, batch_id, Batch.Status.CLOSED, reason)


@transaction.atomic
def batch_complete(*, actor: User, batch_id: int, reason: str = "") -> Batch:
    return _batch_transition(actor, batch_id, Batch.Status.COMPLETED, reason)


# --- eligibility --------------------------------------------------------------------------


def eligibility_filter(batch: Batch, prefix: str = "", within: Region | None = None) -> Q:
    """The enterprises (or, with a prefix such as "enterprise__", the rows about enterprises)
    that the batch is for: in one of its regions' subtrees and in one of its industries; with
    `within`, only those inside that region's subtree too."""
    regions = []
    for path in batch.regions.values_list("path", flat=True):
        if within is not None:
            # Two subtrees meet only when one holds the other: keep the smaller, so that the
            # query has one prefix condition per region (PostgreSQL multiplies the estimates of
            # two on the same column and then plans nested loops over every member).
            if within.path.startswith(path):
                path = within.path
            elif not path.startswith(within.path):
                continue
        regions.append(Q(**{f"{prefix}region__path__startswith": path}))
    if not regions:
        return Q(**{f"{prefix}pk__in": []})
    # The industries as subqueries, not a list read first: one query fewer for every page,
    # figure and check that asks who a batch is for.
    chosen = Batch.industries.through.objects.filter(batch_id=batch.pk)
    divisions = chosen.filter(industry__level=Industry.Level.DIVISION).values("industry_id")
    sections = chosen.filter(industry__level=Industry.Level.SECTION).values("industry_id")
    industries = Q(**{f"{prefix}industry_id__in": divisions}) | Q(
        **{f"{prefix}industry__parent_id__in": sections}
    )
    return reduce(operator.or_, regions) & industries


def eligible_enterprises(batch: Batch, within: Region | None = None) -> QuerySet[Enterprise]:
    """Active members of the organising association inside the batch's regions and industries
    (and inside `within`, when given)."""
    return Enterprise.objects.filter(
        eligibility_filter(batch, within=within),
        memberships__association_id=batch.association_id,
        memberships__status=Membership.Status.ACTIVE,
    )


def ineligibility_reason(batch: Batch, enterprise: Enterprise) -> str | None:
    """Why the enterprise may not apply to the batch now, in words for the applicant."""
    if not Membership.objects.filter(
        association_id=batch.association_id,
        enterprise=enterprise,
        status=Membership.Status.ACTIVE,
    ).exists():
        return _("Only active members of %(association)s can apply.") % {
            "association": batch.association.name
        }
    if not Enterprise.objects.filter(eligibility_filter(batch), pk=enterprise.pk).exists():
        return _("This batch is for other regions or industries than your enterprise's.")
    return None


def window_reason(batch: Batch) -> str | None:
    now = timezone.now()
    if batch.status != Batch.Status.OPEN:
        return _("This batch is not open for applications (status: %(status)s).") % {
            "status": batch.get_status_display()
        }
    if now < batch.opens_at:
        return _("Applications open on %(when)s.") % {
            "when": timezone.localtime(batch.opens_at).strftime("%Y-%m-%d %H:%M")
        }
    if now >= batch.closes_at:
        return _("Applications closed on %(when)s.") % {
            "when": timezone.localtime(batch.closes_at).strftime("%Y-%m-%d %H:%M")
        }
    return None


def _require_may_apply(batch: Batch, enterprise: Enterprise) -> None:
    reason = window_reason(batch) or ineligibility_reason(batch, enterprise)
    if reason:
        raise DomainError(reason, code="not_eligible")


# --- applications: the enterprise's side --------------------------------------------------


def _own(actor: User, application: Application) -> None:
    if not access.is_applicant(actor, application):
        raise PermissionDenied


def _check_application(application: Application) -> None:
    notes = application.checklist_notes or {}
    if not isinstance(notes, dict) or set(notes) - set(Application.CHECKLIST):
        message = _("Notes are given per checklist item: %(items)s.") % {
            "items": ", ".join(Application.CHECKLIST)
        }
        raise DomainError(message, fields={"checklist_notes": [message]})
    if application.workers_from_other_provinces > application.returning_workers:
        message = _("Workers from other provinces cannot exceed the returning workers.")
        raise DomainError(message, fields={"workers_from_other_provinces": [message]})
    check_model_rules(application, validate_unique=False, validate_constraints=False)


@transaction.atomic
def application_create(*, actor: User, batch_id: int, **fields) -> Application:
    """An enterprise user starts an application (a draft) for their enterprise."""
    if not access.may_apply(actor):
        raise PermissionDenied
    batch = Batch.objects.select_related("association").filter(pk=batch_id).first()
    if batch is None:
        message = _("There is no such batch.")
        raise DomainError(message, fields={"batch": [message]})
    enterprise = Enterprise.objects.get(pk=actor.enterprise_id)
    _require_may_apply(batch, enterprise)
    application = Application(
        batch=batch,
        enterprise=enterprise,
        created_by=actor,
        **{k: v for k, v in fields.items() if k in APPLICATION_FIELDS},
    )
    _check_application(application)
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as exc:
        raise Conflict(
            _("Your enterprise already has an application in this batch; open it instead.")
        ) from exc
    record_status(application, from_status="", to_status=application.status, actor=actor)
    return application


def _locked(application_id: int) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("batch", "batch__association", "enterprise")
        .get(pk=application_id)
    )


@transaction.atomic
def application_update(*, actor: User, application_id: int, **fields) -> Application:
    application = _locked(application_id)
    _own(actor, application)
    if not access.application_editable(application):
        raise not_allowed(application)
    before = snapshot(application, APPLICATION_FIELDS)
    for name, value in fields.items():
        if name in APPLICATION_FIELDS:
            setattr(application, name, value)
    _check_application(application)
    application.save()
    changes = diff(before, application)
    if changes:
        record_event(application, "application.updated", actor=actor, changes=changes)
    return application


def missing_mandatory_items(application: Application) -> list[str]:
    """The batch's mandatory items not in place: absent, or below the batch's minimum."""
    return [
        _checklist_item_text(item, application.batch)
        for item in application.batch.mandatory_items or []
        if not getattr(application, item) or below_minimum(application, item)
    ]


def _missing_item_errors(application: Application) -> dict[str, list[str]]:
    """Each mandatory item not in place, with what the batch asks of it (shown at its field)."""
    errors = {}
    for item in application.batch.mandatory_items or []:
        minimum = (application.batch.checklist_minimums or {}).get(item)
        if minimum is not None and below_minimum(application, item):
            errors[item] = [
                _("The batch requires at least %(minimum)s; there are %(value)s.")
                % {"minimum": minimum, "value": getattr(application, item) or 0}
            ]
        elif not getattr(application, item):
            errors[item] = [_("The batch requires this item before the application is submitted.")]
    return errors


def below_minimum(application: Application, item: str) -> bool:
    minimum = (application.batch.checklist_minimums or {}).get(item)
    return minimum is not None and (getattr(application, item) or 0) < minimum


def _checklist_item_text(item: str, batch) -> str:
    minimum = (batch.checklist_minimums or {}).get(item)
    label = str(Application.CHECKLIST[item])
    return label if minimum is None else f"{label} ≥ {minimum}"


@transaction.atomic
def application_submit(*, actor: User, application_id: int, reason: str = "") -> Application:
    application = _locked(application_id)
    _own(actor, application)
    if not may_move(application, Application.Status.SUBMITTED):
        raise not_allowed(application)
    _require_may_apply(application.batch, application.enterprise)
    missing = missing_mandatory_items(application)
    if missing:
        message = _("The batch requires these checklist items: %(items)s.") % {
            "items": "、".join(missing)
        }
        raise DomainError(
            message, code="checklist_incomplete", fields=_missing_item_errors(application)
        )
    application.submitted_at = timezone.now()
    application.review_due_at = application.submitted_at + timedelta(
        days=application.batch.review_days
    )
    change_status(
        application,
        to=Application.Status.SUBMITTED,
        actor=actor,
        reason=reason,
        update_fields=["submitted_at", "review_due_at"],
    )
    return application


@transaction.atomic
def application_withdraw(*, actor: User, application_id: int, reason: str = "") -> Application:
    application = _locked(application_id)
    _own(actor, application)
    change_status(application, to=Application.Status.WITHDRAWN, actor=actor, reason=reason)
    return application


@transaction.atomic
def application_resume(
    *, actor: User, application_id: int, resumed_on: date, workers_on_site: int
) -> Application:
    """The enterprise confirms that it has resumed, and with how many workers on site."""
    application = _locked(application_id)
    _own(actor, application)
    if resumed_on > timezone.localdate():
        message = _("The resumption date cannot be in the future.")
        raise DomainError(message, fields={"resumed_on": [message]})
    approved_on = timezone.localdate(application.decided_at) if application.decided_at else None
    if approved_on is not None and resumed_on < approved_on:
        # Work resumes once the application is approved (docs/decisions/0002): a resumption
        # dated earlier would count an enterprise as resumed before it was allowed to.
        message = _(
            "The resumption date cannot be before the application was approved (%(day)s)."
        ) % {"day": approved_on.isoformat()}
        raise DomainError(message, fields={"resumed_on": [message]})
    if workers_on_site is None or workers_on_site < 0:
        message = _("Give the number of workers on site (0 or more).")
        raise DomainError(message, fields={"workers_on_site": [message]})
    application.resumed_on = resumed_on
    application.workers_on_site = workers_on_site
    change_status(
        application,
        to=Application.Status.RESUMED,
        actor=actor,
        update_fields=["resumed_on", "workers_on_site"],
    )
    return application


# --- applications: the association's decisions --------------------------------------------


def _decide(actor: User, application: Application, to: str, reason: str) -> Application:
    if not access.may_decide(actor, application):
        raise PermissionDenied
    application.decided_at = timezone.now()
    event = change_status(
        application, to=to, actor=actor, reason=reason, update_fields=["decided_at"]
    )
    # The applicant is told in the decision's transaction; the e-mails leave after the commit.
    tell_decision(application, event)
    return application


def _take_places(batch_id: int, count: int) -> None:
    """Count `count` more approvals against the batch's capacity, or refuse them all. The batch
    row is locked, so concurrent approvals are counted one after another."""
    batch = _locked_batch(batch_id)
    if batch.approved_count + count > batch.capacity:
        raise Conflict(
            _("The batch is full: %(approved)d of %(capacity)d places are taken.")
            % {"approved": batch.approved_count, "capacity": batch.capacity},
            code="batch_full",
            approved=batch.approved_count,
            capacity=batch.capacity,
        )
    batch.approved_count += count
    batch.save(update_fields=["approved_count", "updated_at"])


@transaction.atomic
def application_approve(*, actor: User, application_id: int, reason: str = "") -> Application:
    application = _locked(application_id)
    # Who may act first: someone else's staff learns nothing, not even the status.
    if not access.may_decide(actor, application):
        raise PermissionDenied
    if not may_move(application, Application.Status.APPROVED):
        raise not_allowed(application)
    _take_places(application.batch_id, 1)
    return _decide(actor, application, Application.Status.APPROVED, reason)


@transaction.atomic
def application_bulk_approve(*, actor: User, application_ids: list[int]) -> list[Application]:
    """Approve several submitted applications at once, all or none."""
    ids = sorted(set(application_ids))
    if not ids:
        message = _("Select the applications to approve.")
        raise DomainError(message, fields={"ids": [message]})
    applications = list(
        Application.objects.select_for_update(of=("self",))
        .select_related("batch", "batch__association", "enterprise")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if len(applications) != len(ids):
        raise DomainError(_("Some of the selected applications do not exist."))
    for application in applications:
        if not access.may_decide(actor, application):
            raise PermissionDenied
        if not may_move(application, Application.Status.APPROVED):
            # Among many, say which one stopped them all.
            error = not_allowed(application)
            error.extra["application"] = application.pk
            raise error
    by_batch: dict[int, int] = {}
    for application in applications:
        by_batch[application.batch_id] = by_batch.get(application.batch_id, 0) + 1
    for batch_id in sorted(by_batch):
        _take_places(batch_id, by_batch[batch_id])
    return [
        _decide(actor, application, Application.Status.APPROVED, "") for application in applications
    ]


@transaction.atomic
def application_reject(*, actor: User, application_id: int, reason: str) -> Application:
    reason = required_reason(reason)
    application = _locked(application_id)
    return _decide(actor, application, Application.Status.REJECTED, reason)


@transaction.atomic
def application_return(*, actor: User, application_id: int, reason: str) -> Application:
    """Send the application back to the enterprise to revise and submit again."""
    reason = required_reason(reason)
    application = _locked(application_id)
    return _decide(actor, application, Application.Status.RETURNED, reason)
