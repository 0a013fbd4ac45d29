"""What the services check on the values they are given: quantities, dates, the item and its
unit, the association an enterprise addresses. Each refusal is a DomainError naming its field, in
words a person can act on, the same for the pages and the API."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from associations.models import Membership
from core.errors import DomainError
from core.models import User
from supplies.models import SupplyItem


def field_error(field: str, message: str, code: str | None = None) -> DomainError:
    return DomainError(message, fields={field: [message]}, code=code)


def membership_association(actor: User, association_id: int | None) -> int:
    """The association an enterprise user addresses: the one given, if the enterprise is an
    active member of it, or its only active membership."""
    active = list(
        Membership.objects.filter(
            enterprise_id=actor.enterprise_id, status=Membership.Status.ACTIVE
        ).values_list("association_id", flat=True)
    )
    if association_id is not None:
        if association_id not in active:
            raise field_error(
                "association",
                _("Your enterprise is not an active member of this association."),
            )
        return association_id
    if len(active) == 1:
        return active[0]
    if not active:
        raise field_error(
            "association",
            _("Your enterprise is not an active member of any association yet."),
        )
    raise field_error(
        "association", _("Your enterprise belongs to several associations; choose one.")
    )


def checked_quantity(value, field: str = "quantity") -> Decimal:
    try:
        quantity = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        quantity = None
    if quantity is None or not quantity.is_finite():
        raise field_error(field, _("Give the quantity as a number, e.g. 500 or 12.5."))
    if quantity <= 0:
        raise field_error(field, _("The quantity must be more than 0."))
    if quantity.as_tuple().exponent < -3:
        raise field_error(field, _("Give the quantity with at most 3 decimal places."))
    if quantity >= Decimal("1e11"):
        raise field_error(field, _("The quantity is too large."))
    return quantity


def check_needed_by(needed_by: date | None, *, required: bool) -> None:
    if needed_by is None:
        if required:
            raise field_error("needed_by", _("Say by when it is needed."))
        return
    if needed_by < timezone.localdate():
        raise field_error(
            "needed_by", _("The needed-by date has passed; give today or a later date.")
        )


def check_item_and_unit(item: SupplyItem | None, unit: str | None) -> str:
    """The unit a need or offer of `item` is counted in: the item's own."""
    if item is None:
        raise field_error("item", _("Choose an item of the catalogue."))
    if not item.is_active:
        raise field_error("item", _("This item is no longer in the catalogue."))
    if unit and unit != item.unit:
        raise field_error(
            "unit",
            _("%(item)s is counted in %(unit)s; give the quantity in %(unit)s.")
            % {"item": item.name, "unit": item.get_unit_display()},
            code="unit_mismatch",
        )
    return item.unit
