"""Status workflows: one table of allowed changes per model, one function to apply a change.

A model taking part declares `STATUS_TRANSITIONS = {from_status: {to_status, ...}}` and has a
`status` field. Services lock the row (`select_for_update()`) inside `transaction.atomic()` and
call `change_status`, which checks the table, saves and records the change in `StatusChange`.
"""

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils.translation import gettext as _

from core.errors import TransitionNotAllowed
from core.models import StatusChange


def record_status(obj: models.Model, *, from_status: str, to_status: str, actor, reason: str = ""):
    return StatusChange.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        from_status=from_status,
        to_status=to_status,
        actor=actor if actor is not None and actor.is_authenticated else None,
        reason=reason,
    )


def change_status(
    obj: models.Model,
    *,
    to: str,
    actor,
    reason: str = "",
    update_fields: Iterable[str] = (),
) -> StatusChange:
    """Move `obj` to status `to`, or raise TransitionNotAllowed naming its current status.

    `obj` must have been read with select_for_update() in the caller's transaction, so that two
    people deciding at once are serialised and the second sees the first one's result.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("change_status must run inside transaction.atomic() on a locked row")
    current = obj.status
    if to not in obj.STATUS_TRANSITIONS.get(current, set()):
        raise not_allowed(obj)
    obj.status = to
    fields = {"status", *update_fields}
    if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
        fields.add("updated_at")
    obj.save(update_fields=sorted(fields))
    return record_status(obj, from_status=current, to_status=to, actor=actor, reason=reason)


def not_allowed(obj: models.Model) -> TransitionNotAllowed:
    """The error for an action that the object's current status does not allow."""
    labels = dict(type(obj)._meta.get_field("status").choices)
    return TransitionNotAllowed(
        _("This cannot be done while the status is “%(current)s”.")
        % {"current": labels.get(obj.status, obj.status)},
        current_status=obj.status,
    )


def history_for(obj: models.Model):
    return (
        StatusChange.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
        )
        .select_related("actor", "content_type")
        .order_by("at", "id")
    )
