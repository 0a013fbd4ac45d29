"""Writes on offers and what is made of them: an enterprise offers supplies to its association's
members and withdraws them; the association's side matches offers with supply requests and
records workers placed with labour requests.

A match or a placement is kept as a `need.matched` / `need.placed` event on the need, with the
quantity met before and after (and the status, when it moved); a match is also kept on the offer
with the quantity it has left."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, DomainError, check_model_rules
from core.models import Region, User
from core.workflow import change_status, not_allowed, record_event, record_status
from supplies import access
from supplies.models import Match, Need, Placement, SupplyItem, SupplyOffer, in_unit, plain
from supplies.notifications import tell_match
from supplies.services.checks import (
    check_item_and_unit,
    checked_quantity,
    field_error,
    membership_association,
)
from supplies.services.needs import close, locked, tell

S = Need.Status


# --- offers -------------------------------------------------------------------------------


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
    if not access.may_post_offer(actor):
        raise PermissionDenied
    association_id = membership_association(actor, association_id)
    unit = check_item_and_unit(item, unit)
    quantity = checked_quantity(quantity)
    if available_until is None:
        raise field_error("available_until", _("Say until when the offer stands."))
    if available_until < timezone.localdate():
        raise field_error("available_until", _("The date has passed; give today or a later date."))
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
    if not access.may_withdraw(actor, offer):
        raise PermissionDenied
    change_status(offer, to=SupplyOffer.Status.WITHDRAWN, actor=actor, reason=reason)
    return offer


# --- matching and placing -----------------------------------------------------------------


def _coordinated_workable(actor: User, need_id: int, kind: str, wrong_kind: str) -> Need:
    """The need, locked, if the actor coordinates it, it is of `kind` and still waits."""
    need = locked(need_id)
    if not access.coordinates(actor, need):
        raise PermissionDenied
    if need.kind != kind:
        raise field_error("need", wrong_kind)
    if not access.workable(need):
        raise not_allowed(need)
    return need


def _over_allocation(message: str, **extra) -> DomainError:
    return DomainError(message, fields={"quantity": [message]}, code="over_allocation", **extra)


def _locked_offer_for(need: Need, offer_id: int) -> SupplyOffer:
    """The offer, locked, if it can meet the request: same association, item and unit, and
    still available."""
    offer = (
        SupplyOffer.objects.select_for_update(of=("self",))
        .select_related("item")
        .filter(pk=offer_id)
        .first()
    )
    if offer is None or offer.association_id != need.association_id:
        raise field_error("offer", _("There is no such offer among your association's."))
    if offer.item_id != need.item_id:
        raise field_error(
            "offer",
            _("The offer is for %(offered)s, the request for %(asked)s.")
            % {"offered": offer.item.name, "asked": need.item.name},
        )
    if offer.unit != need.unit:  # an item's unit changed between the two filings
        raise field_error(
            "offer",
            _("The offer is counted in %(offered)s, the request in %(asked)s.")
            % {"offered": offer.get_unit_display(), "asked": need.get_unit_display()},
        )
    if not offer.is_available:
        raise Conflict(_("This offer is withdrawn, used up or expired."), code="offer_unavailable")
    return offer


@transaction.atomic
def match_create(*, actor: User, need_id: int, offer_id: int, quantity, note: str = "") -> Match:
    """Allocate `quantity` of an offer to a supply request.

    The request's row is locked first, then the offer's, always in that order: two people
    matching the same offer are served one after the other, and the second sees what the first
    took. The database's check constraints stand behind the arithmetic.
    """
    quantity = checked_quantity(quantity)
    need = _coordinated_workable(
        actor, need_id, Need.Kind.SUPPLY, _("Only supply requests are matched with offers.")
    )
    offer = _locked_offer_for(need, offer_id)
    if quantity > offer.remaining_quantity:
        raise _over_allocation(
            _("The offer has only %(amount)s left.")
            % {"amount": in_unit(offer.remaining_quantity, offer.unit)},
            available=str(offer.remaining_quantity),
        )
    if quantity > need.remaining_quantity:
        raise _over_allocation(
            _("The request needs only %(amount)s more.")
            % {"amount": in_unit(need.remaining_quantity, need.unit)},
            needed=str(need.remaining_quantity),
        )
    SupplyOffer.objects.filter(pk=offer.pk).update(
        remaining_quantity=F("remaining_quantity") - quantity, updated_at=timezone.now()
    )
    left = offer.remaining_quantity - quantity
    record_event(
        offer,
        "supplyoffer.matched",
        actor=actor,
        changes={"remaining_quantity": [plain(offer.remaining_quantity), plain(left)]},
        # No note here: the supplier reads the offer's history, and the note is written for
        # those who see the need (it may name the requesting enterprise's people).
    )
    match = Match.objects.create(
        need=need, offer=offer, quantity=quantity, note=(note or "").strip(), matched_by=actor
    )
    before = need.fulfilled_quantity
    need.fulfilled_quantity += quantity
    _advance(
        need,
        actor,
        "need.matched",
        done=need.fulfilled_quantity >= need.quantity,
        changes={"fulfilled_quantity": [plain(before), plain(need.fulfilled_quantity)]},
    )
    tell_match(match)
    return match


@transaction.atomic
def placement_create(*, actor: User, need_id: int, headcount: int, note: str = "") -> Placement:
    """Record workers placed with a labour request."""
    need = _coordinated_workable(
        actor, need_id, Need.Kind.LABOUR, _("Placements are recorded on labour requests.")
    )
    if not isinstance(headcount, int) or headcount < 1:
        raise field_error("headcount", _("The headcount must be 1 or more."))
    if headcount > need.remaining_headcount:
        raise field_error(
            "headcount",
            _("The request needs only %(left)d more.") % {"left": need.remaining_headcount},
            code="over_allocation",
        )
    placement = Placement.objects.create(
        need=need, headcount=headcount, note=(note or "").strip(), recorded_by=actor
    )
    before = need.filled_headcount
    need.filled_headcount += headcount
    _advance(
        need,
        actor,
        "need.placed",
        done=need.filled_headcount >= need.headcount,
        changes={"filled_headcount": [before, need.filled_headcount]},
    )
    return placement


def _advance(need: Need, actor: User, action: str, *, done: bool, changes: dict) -> None:
    """After a match or placement: fully met closes the need, otherwise it is in progress. One
    event says what was met, and the status change if there was one."""
    fields = list(changes)
    if done:
        event = close(
            need, S.RESOLVED, actor, _("Fully met."), fields, action=action, changes=changes
        )
        tell(need, event)
    elif need.status == S.OPEN:
        change_status(
            need,
            to=S.IN_PROGRESS,
            actor=actor,
            update_fields=fields,
            action=action,
            changes=changes,
        )
    else:
        need.save(update_fields=[*fields, "updated_at"])
        record_event(need, action, actor=actor, changes=changes)
