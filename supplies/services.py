"""Every write on needs, offers and their coordination. Status changes go through core.workflow,
so each is kept with who, when and why; the people concerned are told by a Celery task queued on
commit."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from associations.models import Membership
from core.access import scope_of
from core.errors import Conflict, DomainError, check_model_rules
from core.models import Region, Role, User
from core.workflow import change_status, not_allowed, record_status
from supplies.models import (
    Escalation,
    Match,
    Need,
    NeedMessage,
    Placement,
    SupplyItem,
    SupplyOffer,
    plain,
)

S = Need.Status

ITEM_FIELDS = ("code", "name_zh", "name_en", "category", "unit", "is_active")
COMMON_FIELDS = ("urgency", "needed_by", "description")
KIND_FIELDS = {
    Need.Kind.SUPPLY: ("item", "quantity", "unit"),
    Need.Kind.LABOUR: ("trade", "headcount", "work_region"),
    Need.Kind.DIFFICULTY: ("difficulty_kind",),
}
# A supply request can be matched, a labour request filled, while it waits for anything.
WORKABLE = (S.OPEN, S.IN_PROGRESS, S.INFO_REQUESTED, S.ESCALATED, S.ANSWERED)


def _field_error(field: str, message: str, code: str | None = None) -> DomainError:
    return DomainError(message, fields={field: [message]}, code=code)


# --- the catalogue ------------------------------------------------------------------------


def _require_staff_side(actor: User) -> None:
    if not (actor.is_superuser or actor.role in (Role.ADMIN, Role.STAFF, Role.PARTNER)):
        raise PermissionDenied


def _save_item(item: SupplyItem) -> SupplyItem:
    item.code = (item.code or "").strip().lower()
    check_model_rules(item, validate_unique=False)
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError as exc:
        raise _field_error(
            "code", _("The code “%(code)s” is taken; choose another.") % {"code": item.code}
        ) from exc
    return item


def _is_admin(actor: User) -> bool:
    return actor.is_superuser or actor.role == Role.ADMIN


@transaction.atomic
def item_create(*, actor: User, association_id: int | None = None, **fields) -> SupplyItem:
    """Staff add an item kept by their association (the catalogue is shared: every member may
    ask for it); administrators add the platform's own."""
    _require_staff_side(actor)
    if not _is_admin(actor):
        association_id = scope_of(actor).acting_association(association_id)
        if not scope_of(actor).works_for(association_id):
            raise PermissionDenied
    item = SupplyItem(
        association_id=association_id,
        **{k: v for k, v in fields.items() if k in ITEM_FIELDS},
    )
    return _save_item(item)


def may_edit_item(actor: User, item: SupplyItem) -> bool:
    """Administrators edit any item; staff those their association keeps."""
    if _is_admin(actor):
        return True
    return item.association_id is not None and scope_of(actor).works_for(item.association_id)


@transaction.atomic
def item_update(*, actor: User, item_id: int, **fields) -> SupplyItem:
    _require_staff_side(actor)
    item = SupplyItem.objects.select_for_update().get(pk=item_id)
    if not may_edit_item(actor, item):
        raise PermissionDenied
    changes_unit = "unit" in fields and fields["unit"] != item.unit
    if changes_unit and (item.requests.exists() or item.offers.exists()):
        raise _field_error(
            "unit", _("Needs and offers use this item already; its unit cannot change.")
        )
    for name, value in fields.items():
        if name in ITEM_FIELDS:
            setattr(item, name, value)
    return _save_item(item)


# --- filing needs -------------------------------------------------------------------------


def _membership_association(actor: User, association_id: int | None) -> int:
    """The association an enterprise user addresses: the one given, if the enterprise is an
    active member of it, or its only active membership."""
    active = list(
        Membership.objects.filter(
            enterprise_id=actor.enterprise_id, status=Membership.Status.ACTIVE
        ).values_list("association_id", flat=True)
    )
    if association_id is not None:
        if association_id not in active:
            raise _field_error(
                "association",
                _("Your enterprise is not an active member of this association."),
            )
        return association_id
    if len(active) == 1:
        return active[0]
    if not active:
        raise _field_error(
            "association",
            _("Your enterprise is not an active member of any association yet."),
        )
    raise _field_error(
        "association", _("Your enterprise belongs to several associations; choose one.")
    )


def _quantity(value, field: str = "quantity") -> Decimal:
    try:
        quantity = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        quantity = None
    if quantity is None or not quantity.is_finite():
        raise _field_error(field, _("Give the quantity as a number, e.g. 500 or 12.5."))
    if quantity <= 0:
        raise _field_error(field, _("The quantity must be more than 0."))
    if quantity.as_tuple().exponent < -3:
        raise _field_error(field, _("Give the quantity with at most 3 decimal places."))
    if quantity >= Decimal("1e11"):
        raise _field_error(field, _("The quantity is too large."))
    return quantity


def _check_needed_by(needed_by: date | None, *, required: bool) -> None:
    if needed_by is None:
        if required:
            raise _field_error("needed_by", _("Say by when it is needed."))
        return
    if needed_by < timezone.localdate():
        raise _field_error(
            "needed_by", _("The needed-by date has passed; give today or a later date.")
        )


def _check_item_and_unit(item: SupplyItem | None, unit: str | None) -> str:
    if item is None:
        raise _field_error("item", _("Choose an item of the catalogue."))
    if not item.is_active:
        raise _field_error("item", _("This item is no longer in the catalogue."))
    if unit and unit != item.unit:
        raise _field_error(
            "unit",
            _("%(item)s is counted in %(unit)s; give the quantity in %(unit)s.")
            % {"item": item.name, "unit": item.get_unit_display()},
            code="unit_mismatch",
        )
    return item.unit


def _check_need(need: Need) -> None:
    if need.urgency not in Need.Urgency.values:
        raise _field_error("urgency", _("Choose an urgency: low, normal, high or critical."))
    if need.kind == Need.Kind.SUPPLY:
        need.unit = _check_item_and_unit(need.item, need.unit)
        need.quantity = _quantity(need.quantity)
        _check_needed_by(need.needed_by, required=True)
    elif need.kind == Need.Kind.LABOUR:
        need.trade = (need.trade or "").strip()
        if not need.trade:
            raise _field_error("trade", _("Say which trade or position is needed."))
        if not isinstance(need.headcount, int) or need.headcount < 1:
            raise _field_error("headcount", _("The headcount must be 1 or more."))
        _check_needed_by(need.needed_by, required=True)
        if need.work_region_id is None:
            need.work_region_id = need.enterprise.region_id
    elif need.kind == Need.Kind.DIFFICULTY:
        if need.difficulty_kind not in Need.DifficultyKind.values:
            raise _field_error(
                "difficulty_kind",
                _("Choose a kind: energy, transport, finance, policy or other."),
            )
        need.description = (need.description or "").strip()
        if not need.description:
            raise _field_error("description", _("Describe the difficulty."))
        _check_needed_by(need.needed_by, required=False)
    else:
        raise _field_error("kind", _("Unknown kind of need."))
    check_model_rules(need, validate_unique=False, validate_constraints=False)


@transaction.atomic
def need_file(*, actor: User, kind: str, association_id: int | None = None, **fields) -> Need:
    """An enterprise user files a need for their enterprise with one of its associations."""
    if actor.role != Role.ENTERPRISE or not actor.enterprise_id:
        raise PermissionDenied
    association_id = _membership_association(actor, association_id)
    allowed = (*COMMON_FIELDS, *KIND_FIELDS.get(kind, ()))
    need = Need(
        kind=kind,
        enterprise=actor.enterprise,
        association_id=association_id,
        created_by=actor,
        **{k: v for k, v in fields.items() if k in allowed and v is not None},
    )
    _check_need(need)
    need.save()
    record_status(need, from_status="", to_status=need.status, actor=actor)
    return need


# --- the enterprise's side ----------------------------------------------------------------


def _locked(need_id: int) -> Need:
    return (
        Need.objects.select_for_update(of=("self",))
        .select_related("enterprise", "enterprise__region", "association", "item")
        .get(pk=need_id)
    )


def _own(actor: User, need: Need) -> None:
    if actor.role != Role.ENTERPRISE or actor.enterprise_id != need.enterprise_id:
        raise PermissionDenied


def _coordinates(actor: User, need: Need) -> None:
    if not scope_of(actor).works_for(need.association_id):
        raise PermissionDenied


def _notify(need: Need, change) -> None:
    from supplies.tasks import notify_need_change

    change_id = change.pk
    transaction.on_commit(lambda: notify_need_change.delay(need.pk, change_id))


def _close(need: Need, to: str, actor: User, reason: str = "", fields=()):
    need.closed_at = timezone.now()
    return change_status(
        need, to=to, actor=actor, reason=reason, update_fields=["closed_at", *fields]
    )


@transaction.atomic
def need_cancel(*, actor: User, need_id: int, reason: str = "") -> Need:
    need = _locked(need_id)
    _own(actor, need)
    change = _close(need, S.CANCELLED, actor, reason)
    _notify(need, change)
    return need


@transaction.atomic
def need_add_info(*, actor: User, need_id: int, body: str) -> Need:
    """The enterprise adds information; if it was asked for, the need goes back to work."""
    need = _locked(need_id)
    _own(actor, need)
    body = (body or "").strip()
    if not body:
        raise _field_error("body", _("Write the information to add."))
    if not need.is_active:
        raise not_allowed(need)
    NeedMessage.objects.create(need=need, author=actor, body=body)
    if need.status == S.INFO_REQUESTED:
        change = change_status(need, to=S.IN_PROGRESS, actor=actor, reason=body)
        _notify(need, change)
    else:
        need.save(update_fields=["updated_at"])
    return need


# --- the association's side ---------------------------------------------------------------


@transaction.atomic
def need_take(*, actor: User, need_id: int, reason: str = "") -> Need:
    """Staff start working on an open need (or take it back after the government's answer)."""
    need = _locked(need_id)
    _coordinates(actor, need)
    change_status(need, to=S.IN_PROGRESS, actor=actor, reason=reason)
    return need


@transaction.atomic
def need_ask_info(*, actor: User, need_id: int, question: str) -> Need:
    need = _locked(need_id)
    _coordinates(actor, need)
    question = (question or "").strip()
    if not question:
        raise _field_error("question", _("Write what the enterprise should add."))
    change = change_status(need, to=S.INFO_REQUESTED, actor=actor, reason=question)
    NeedMessage.objects.create(need=need, author=actor, body=question)
    _notify(need, change)
    return need


@transaction.atomic
def need_resolve(*, actor: User, need_id: int, reason: str = "") -> Need:
    need = _locked(need_id)
    _coordinates(actor, need)
    change = _close(need, S.RESOLVED, actor, reason)
    _notify(need, change)
    return need


@transaction.atomic
def need_escalate(*, actor: User, need_id: int, summary: str) -> Need:
    """Put the need before the government of the enterprise's region, with a summary."""
    need = _locked(need_id)
    _coordinates(actor, need)
    summary = (summary or "").strip()
    if not summary:
        raise _field_error(
            "summary", _("Write a summary for government: what is needed and what was tried.")
        )
    need.escalated_at = timezone.now()
    change = change_status(
        need, to=S.ESCALATED, actor=actor, reason=summary, update_fields=["escalated_at"]
    )
    Escalation.objects.create(need=need, summary=summary, escalated_by=actor)
    _notify(need, change)
    return need


def in_jurisdiction(actor: User, need: Need) -> bool:
    return bool(
        actor.role == Role.OFFICIAL
        and actor.jurisdiction_id
        and need.escalated_at
        and need.enterprise.region.path.startswith(actor.jurisdiction.path)
    )


@transaction.atomic
def need_reply(
    *, actor: User, need_id: int, reply: str, outcome: str, referred_to: str = ""
) -> Escalation:
    """An official answers an escalated need inside their jurisdiction; the answer goes back to
    the association and to the enterprise."""
    if actor.role != Role.OFFICIAL:
        raise PermissionDenied
    need = _locked(need_id)
    if not in_jurisdiction(actor, need):
        raise PermissionDenied
    reply = (reply or "").strip()
    if not reply:
        raise _field_error("reply", _("Write the reply."))
    if outcome not in Escalation.Outcome.values:
        raise _field_error(
            "outcome",
            _("Choose an outcome: resolved, partly resolved, cannot help or referred."),
        )
    referred_to = (referred_to or "").strip()
    if outcome == Escalation.Outcome.REFERRED and not referred_to:
        raise _field_error("referred_to", _("Say which department it was referred to."))
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
    change = change_status(need, to=S.ANSWERED, actor=actor, reason=reply)
    _notify(need, change)
    return escalation


# --- offers and matching ------------------------------------------------------------------


@transaction.atomic
def offer_create(
    *,
    actor: User,
    item: SupplyItem | None,
    quantity,
    available_until: date | None,
    delivery_region: Region | None = None,
    unit: str | None = None,
    note: str = "",
    association_id: int | None = None,
) -> SupplyOffer:
    """A member enterprise offers a quantity of an item to its association's members."""
    if actor.role != Role.ENTERPRISE or not actor.enterprise_id:
        raise PermissionDenied
    association_id = _membership_association(actor, association_id)
    unit = _check_item_and_unit(item, unit)
    quantity = _quantity(quantity)
    if available_until is None:
        raise _field_error("available_until", _("Say until when the offer stands."))
    if available_until < timezone.localdate():
        raise _field_error("available_until", _("The date has passed; give today or a later date."))
    offer = SupplyOffer(
        enterprise_id=actor.enterprise_id,
        association_id=association_id,
        item=item,
        unit=unit,
        quantity=quantity,
        remaining_quantity=quantity,
        delivery_region=delivery_region or actor.enterprise.region,
        available_until=available_until,
        note=(note or "").strip(),
        created_by=actor,
    )
    check_model_rules(offer, validate_constraints=False)
    offer.save()
    record_status(offer, from_status="", to_status=offer.status, actor=actor)
    return offer


@transaction.atomic
def offer_withdraw(*, actor: User, offer_id: int, reason: str = "") -> SupplyOffer:
    offer = SupplyOffer.objects.select_for_update().get(pk=offer_id)
    own = actor.role == Role.ENTERPRISE and actor.enterprise_id == offer.enterprise_id
    if not (own or scope_of(actor).works_for(offer.association_id)):
        raise PermissionDenied
    change_status(offer, to=SupplyOffer.Status.WITHDRAWN, actor=actor, reason=reason)
    return offer


def _over_allocation(message: str, **extra) -> DomainError:
    return DomainError(message, fields={"quantity": [message]}, code="over_allocation", **extra)


@transaction.atomic
def match_create(*, actor: User, need_id: int, offer_id: int, quantity, note: str = "") -> Match:
    """Allocate `quantity` of an offer to a supply request.

    The request's row is locked first, then the offer's, always in that order: two people
    matching the same offer are served one after the other, and the second sees what the first
    took. The database's check constraints stand behind the arithmetic.
    """
    quantity = _quantity(quantity)
    need = _locked(need_id)
    _coordinates(actor, need)
    if need.kind != Need.Kind.SUPPLY:
        raise _field_error("need", _("Only supply requests are matched with offers."))
    if need.status not in WORKABLE:
        raise not_allowed(need)
    offer = (
        SupplyOffer.objects.select_for_update(of=("self",))
        .select_related("item")
        .filter(pk=offer_id)
        .first()
    )
    if offer is None or offer.association_id != need.association_id:
        raise _field_error("offer", _("There is no such offer among your association's."))
    if offer.item_id != need.item_id:
        raise _field_error(
            "offer",
            _("The offer is for %(offered)s, the request for %(asked)s.")
            % {"offered": offer.item.name, "asked": need.item.name},
        )
    if offer.unit != need.unit:  # an item's unit changed between the two filings
        raise _field_error(
            "offer",
            _("The offer is counted in %(offered)s, the request in %(asked)s.")
            % {"offered": offer.get_unit_display(), "asked": need.get_unit_display()},
        )
    if not offer.is_available:
        raise Conflict(_("This offer is withdrawn, used up or expired."), code="offer_unavailable")
    if quantity > offer.remaining_quantity:
        raise _over_allocation(
            _("The offer has only %(left)s %(unit)s left.")
            % {"left": plain(offer.remaining_quantity), "unit": offer.get_unit_display()},
            available=str(offer.remaining_quantity),
        )
    if quantity > need.remaining_quantity:
        raise _over_allocation(
            _("The request needs only %(left)s %(unit)s more.")
            % {"left": plain(need.remaining_quantity), "unit": need.get_unit_display()},
            needed=str(need.remaining_quantity),
        )
    SupplyOffer.objects.filter(pk=offer.pk).update(
        remaining_quantity=F("remaining_quantity") - quantity, updated_at=timezone.now()
    )
    match = Match.objects.create(
        need=need, offer=offer, quantity=quantity, note=(note or "").strip(), matched_by=actor
    )
    need.fulfilled_quantity += quantity
    done = need.fulfilled_quantity >= need.quantity
    _advance(need, actor, done=done, fields=["fulfilled_quantity"])
    return match


def _advance(need: Need, actor: User, *, done: bool, fields: list[str]) -> None:
    """After a match or placement: fully met closes the need, otherwise it is in progress."""
    if done:
        change = _close(need, S.RESOLVED, actor, _("Fully met."), fields=fields)
        _notify(need, change)
    elif need.status == S.OPEN:
        change_status(need, to=S.IN_PROGRESS, actor=actor, update_fields=fields)
    else:
        need.save(update_fields=[*fields, "updated_at"])


@transaction.atomic
def placement_create(*, actor: User, need_id: int, headcount: int, note: str = "") -> Placement:
    """Record workers placed with a labour request."""
    need = _locked(need_id)
    _coordinates(actor, need)
    if need.kind != Need.Kind.LABOUR:
        raise _field_error("need", _("Placements are recorded on labour requests."))
    if need.status not in WORKABLE:
        raise not_allowed(need)
    if not isinstance(headcount, int) or headcount < 1:
        raise _field_error("headcount", _("The headcount must be 1 or more."))
    if headcount > need.remaining_headcount:
        raise _field_error(
            "headcount",
            _("The request needs only %(left)d more.") % {"left": need.remaining_headcount},
            code="over_allocation",
        )
    placement = Placement.objects.create(
        need=need, headcount=headcount, note=(note or "").strip(), recorded_by=actor
    )
    need.filled_headcount += headcount
    _advance(need, actor, done=need.filled_headcount >= need.headcount, fields=["filled_headcount"])
    return placement
