"""Writes on the supply catalogue: staff add items kept by their association (the catalogue is
shared: every member may ask for any item), administrators the platform's own. Each is kept as an
event with the fields it set or changed."""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.access import scope_of
from core.errors import check_model_rules
from core.models import User
from core.workflow import diff, record_event, snapshot
from supplies import access
from supplies.models import SupplyItem
from supplies.services.checks import field_error

ITEM_FIELDS = ("code", "name_zh", "name_en", "category", "unit", "is_active")
KEPT_FIELDS = (*ITEM_FIELDS, "association")


def _save_item(item: SupplyItem) -> SupplyItem:
    item.code = (item.code or "").strip().lower()
    check_model_rules(item, validate_unique=False)
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError as exc:
        raise field_error(
            "code", _("The code “%(code)s” is taken; choose another.") % {"code": item.code}
        ) from exc
    return item


@transaction.atomic
def item_create(*, actor: User, association_id: int | None = None, **fields) -> SupplyItem:
    """Staff add an item kept by their association (the one given, or their only one);
    administrators add the platform's own (no association) or one for any association."""
    if not access.may_add_items(actor):
        raise PermissionDenied
    if not access.keeps_platform_items(actor):
        association_id = scope_of(actor).acting_association(association_id)
        if not access.may_keep_items_for(actor, association_id):
            raise PermissionDenied
    item = SupplyItem(
        association_id=association_id,
        **{k: v for k, v in fields.items() if k in ITEM_FIELDS},
    )
    _save_item(item)
    given = diff(dict.fromkeys(KEPT_FIELDS), item)
    changes = {name: values for name, values in given.items() if values[1] not in ("", None)}
    record_event(item, "supplyitem.created", actor=actor, changes=changes)
    return item


@transaction.atomic
def item_update(*, actor: User, item_id: int, **fields) -> SupplyItem:
    """Change some of an item's fields; its unit stays once needs or offers use it."""
    if not access.may_add_items(actor):
        raise PermissionDenied
    item = SupplyItem.objects.select_for_update().get(pk=item_id)
    if not access.may_edit_item(actor, item):
        raise PermissionDenied
    changes_unit = "unit" in fields and fields["unit"] != item.unit
    if changes_unit and (item.requests.exists() or item.offers.exists()):
        raise field_error(
            "unit", _("Needs and offers use this item already; its unit cannot change.")
        )
    before = snapshot(item, ITEM_FIELDS)
    for name, value in fields.items():
        if name in ITEM_FIELDS:
            setattr(item, name, value)
    _save_item(item)
    changes = diff(before, item)
    if changes:
        record_event(item, "supplyitem.updated", actor=actor, changes=changes)
    return item
