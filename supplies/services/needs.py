"""Writes on needs: an enterprise files them, adds information or cancels; the association's
side takes them, asks, resolves and escalates them to government; an official answers.

Status changes go through core.workflow, so each is kept as an event with who, when and why; the
people concerned are told in the same transaction (supplies.notifications), their e-mails leaving
on commit."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import check_model_rules
from core.models import Event, User
from core.workflow import change_status, not_allowed, record_event, record_status
from supplies import access
from supplies.models import Escalation, Need, NeedMessage
from supplies.notifications import tell_need_change
from supplies.services.checks import (
    check_item_and_unit,
    check_needed_by,
    checked_quantity,
    field_error,
    membership_association,
)
from supplies.services.priority import current_until

S = Need.Status

COMMON_FIELDS = ("urgency", "needed_by", "description")
KIND_FIELDS = {
    Need.Kind.SUPPLY: ("item", "quantity", "unit"),
    Need.Kind.LABOUR: ("trade", "headcount", "work_region"),
    Need.Kind.DIFFICULTY: ("difficulty_kind",),
}


# --- what every write on a need shares -----------------------------------------------------


def locked(need_id: int) -> Need:
    return (
        Need.objects.select_for_update(of=("self",))
        .select_related("enterprise", "enterprise__region", "association", "item")
        .get(pk=need_id)
    )


def tell(need: Need, event: Event) -> None:
    """Tell the people concerned of `event` in its transaction; their e-mails leave on commit."""
    tell_need_change(need, event)


def close(need: Need, to: str, actor: User, reason: str = "", fields=(), **event_fields) -> Event:
    need.closed_at = timezone.now()
    return change_status(
        need,
        to=to,
        actor=actor,
        reason=reason,
        update_fields=["closed_at", *fields],
        **event_fields,
    )


def _coordinating(actor: User, need: Need) -> None:
    if not access.coordinates(actor, need):
        raise PermissionDenied


def _owning(actor: User, need: Need) -> None:
    if not access.is_owner(actor, need):
        raise PermissionDenied


# --- filing -------------------------------------------------------------------------------


def _check_need(need: Need) -> None:
    if need.urgency not in Need.Urgency.values:
        raise field_error("urgency", _("Choose an urgency: low, normal, high or critical."))
    if need.kind == Need.Kind.SUPPLY:
        need.unit = check_item_and_unit(need.item, need.unit)
        need.quantity = checked_quantity(need.quantity)
        check_needed_by(need.needed_by, required=True)
    elif need.kind == Need.Kind.LABOUR:
        need.trade = (need.trade or "").strip()
        if not need.trade:
            raise field_error("trade", _("Say which trade or position is needed."))
        if not isinstance(need.headcount, int) or need.headcount < 1:
            raise field_error("headcount", _("The headcount must be 1 or more."))
        check_needed_by(need.needed_by, required=True)
        if need.work_region_id is None:
            need.work_region_id = need.enterprise.region_id
    elif need.kind == Need.Kind.DIFFICULTY:
        if need.difficulty_kind not in Need.DifficultyKind.values:
            raise field_error(
                "difficulty_kind",
                _("Choose a kind: energy, transport, finance, policy or other."),
            )
        need.description = (need.description or "").strip()
        if not need.description:
            raise field_error("description", _("Describe the difficulty."))
        check_needed_by(need.needed_by, required=False)
    else:
        raise field_error("kind", _("Unknown kind of need."))
    check_model_rules(need, validate_unique=False, validate_constraints=False)


@transaction.atomic
def need_file(*, actor: User, kind: str, association_id: int | None = None, **fields) -> Need:
    """An enterprise user files a need for their enterprise with one of its associations."""
    if not access.may_file(actor):
        raise PermissionDenied
    association_id = membership_association(actor, association_id)
    allowed = (*COMMON_FIELDS, *KIND_FIELDS.get(kind, ()))
    need = Need(
        kind=kind,
        enterprise=actor.enterprise,
        association_id=association_id,
        created_by=actor,
        **{k: v for k, v in fields.items() if k in allowed and v is not None},
    )
    _check_need(need)
    need.priority_until = current_until(need.enterprise_id, association_id)
    need.save()
    record_status(need, from_status="", to_status=need.status, actor=actor)
    return need


# --- the enterprise's side ----------------------------------------------------------------


@transaction.atomic
def need_cancel(*, actor: User, need_id: int, reason: str = "") -> Need:
    need = locked(need_id)
    _owning(actor, need)
    event = close(need, S.CANCELLED, actor, reason)
    tell(need, event)
    return need


@transaction.atomic
def need_add_info(*, actor: User, need_id: int, body: str) -> Need:
    """The enterprise adds information; if it was asked for, the need goes back to work (and the
    association is told)."""
    need = locked(need_id)
    _owning(actor, need)
    body = (body or "").strip()
    if not body:
        raise field_error("body", _("Write the information to add."))
    if not need.is_active:
        raise not_allowed(need)
    NeedMessage.objects.create(need=need, author=actor, body=body)
    if need.status == S.INFO_REQUESTED:
        event = change_status(
            need, to=S.IN_PROGRESS, actor=actor, reason=body, action="need.info_added"
        )
        tell(need, event)
    else:
        need.save(update_fields=["updated_at"])
        record_event(need, "need.info_added", actor=actor, reason=body)
    return need


# --- the association's side ---------------------------------------------------------------


@transaction.atomic
def need_take(*, actor: User, need_id: int, reason: str = "") -> Need:
    """Staff start working on an open need (or take it back after the government's answer)."""
    need = locked(need_id)
    _coordinating(actor, need)
    change_status(need, to=S.IN_PROGRESS, actor=actor, reason=reason)
    return need


@transaction.atomic
def need_ask_info(*, actor: User, need_id: int, question: str) -> Need:
    need = locked(need_id)
    _coordinating(actor, need)
    question = (question or "").strip()
    if not question:
        raise field_error("question", _("Write what the enterprise should add."))
    event = change_status(need, to=S.INFO_REQUESTED, actor=actor, reason=question)
    NeedMessage.objects.create(need=need, author=actor, body=question)
    tell(need, event)
    return need


@transaction.atomic
def need_resolve(*, actor: User, need_id: int, reason: str = "") -> Need:
    need = locked(need_id)
    _coordinating(actor, need)
    event = close(need, S.RESOLVED, actor, reason)
    tell(need, event)
    return need


@transaction.atomic
def need_escalate(*, actor: User, need_id: int, summary: str) -> Need:
    """Put the need before the government of the enterprise's region, with a summary."""
    need = locked(need_id)
    _coordinating(actor, need)
    summary = (summary or "").strip()
    if not summary:
        raise field_error(
            "summary", _("Write a summary for government: what is needed and what was tried.")
        )
    need.escalated_at = timezone.now()
    event = change_status(
        need, to=S.ESCALATED, actor=actor, reason=summary, update_fields=["escalated_at"]
    )
    Escalation.objects.create(need=need, summary=summary, escalated_by=actor)
    tell(need, event)
    return need


# --- government's answer ------------------------------------------------------------------


def _checked_reply(reply: str, outcome: str, referred_to: str) -> tuple[str, str]:
    reply = (reply or "").strip()
    if not reply:
        raise field_error("reply", _("Write the reply."))
    if outcome not in Escalation.Outcome.values:
        raise field_error(
            "outcome",
            _("Choose an outcome: resolved, partly resolved, cannot help or referred."),
        )
    referred_to = (referred_to or "").strip()
    if outcome == Escalation.Outcome.REFERRED and not referred_to:
        raise field_error("referred_to", _("Say which department it was referred to."))
    return reply, referred_to


@transaction.atomic
def need_reply(
    *, actor: User, need_id: int, reply: str, outcome: str, referred_to: str = ""
) -> Escalation:
    """An official answers an escalated need inside their jurisdiction; the answer goes back to
    the association and to the enterprise."""
    need = locked(need_id)
    if not access.answers(actor, need):
        raise PermissionDenied
    reply, referred_to = _checked_reply(reply, outcome, referred_to)
    if need.status != S.ESCALATED:
        raise not_allowed(need)
    escalation = need.escalations.select_for_update().filter(replied_at__isnull=True).last()
    if escalation is None:
        raise not_allowed(need)
    escalation.reply = reply
    escalation.outcome = outcome
    escalation.referred_to = referred_to
    escalation.replied_by = actor
    escalation.replied_at = timezone.now()
    escalation.save()
    event = change_status(need, to=S.ANSWERED, actor=actor, reason=reply)
    tell(need, event)
    return escalation
