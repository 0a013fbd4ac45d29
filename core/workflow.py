"""The event log and status workflows: one way to record what happened, one way to change a status.

Every write service appends an `Event` in the transaction of its change:

- `record_event(obj, "enterprise.updated", actor=..., changes=diff(before, obj))` for any write;
- `change_status(obj, to=..., actor=...)` for a status change: the model declares
  `STATUS_TRANSITIONS = {from_status: {to_status, ...}}`; services lock the row
  (`select_for_update()`) inside `transaction.atomic()` and call it; it checks the table, saves
  and appends the event (`<model>.<to status>` unless the service names the action).

Follow-up work is queued with `transaction.on_commit` and the event's id, so that it tells what
this change did even when a later one exists by the time it runs.
"""

import datetime
import decimal
import uuid
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from core import badges
from core.access import roles_of
from core.errors import TransitionNotAllowed
from core.models import Event, Role


def action_name(obj: models.Model, verb: str) -> str:
    """`application.approved`: the concrete model's name (a proxy's events are its table's)."""
    return f"{obj._meta.concrete_model._meta.model_name}.{verb}"


def _json_value(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_value(v) for v in value]
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict:
    """The values of `fields` as JSON values (relations by their key), to diff after a change."""
    values = {}
    for name in fields:
        field = obj._meta.get_field(name)
        attribute = field.attname if getattr(field, "attname", None) else name
        values[name] = _json_value(getattr(obj, attribute))
    return values


def diff(before: dict, obj: models.Model) -> dict[str, list]:
    """{field: [old, new]} for each field of the `before` snapshot whose value changed."""
    after = snapshot(obj, before)
    return {name: [before[name], after[name]] for name in before if before[name] != after[name]}


def record_event(
    obj: models.Model,
    action: str,
    *,
    actor,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    changes: dict | None = None,
    at=None,
) -> Event:
    """Append one event about `obj`. `action` is `<model>.<verb>` (see `action_name`); `at` is
    now unless a record of the past is being written (the demo's timeline, imported history).

    The menu's counts that `obj` is part of are counted again after the commit (core.badges)."""
    badges.touched(obj)
    return Event.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor if actor is not None and actor.is_authenticated else None,
        reason=reason,
        changes=changes or {},
        at=at or timezone.now(),
    )


def record_status(
    obj: models.Model,
    *,
    from_status: str,
    to_status: str,
    actor,
    reason: str = "",
    action: str | None = None,
    at=None,
) -> Event:
    """The event of a status taken without `change_status` (an object created in a status)."""
    verb = to_status if from_status else "created"
    return record_event(
        obj,
        action or action_name(obj, verb),
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        at=at,
    )


def change_status(
    obj: models.Model,
    *,
    to: str,
    actor,
    reason: str = "",
    update_fields: Iterable[str] = (),
    action: str | None = None,
    changes: dict | None = None,
) -> Event:
    """Move `obj` to status `to`, or raise TransitionNotAllowed naming its current status.

    `obj` must have been read with select_for_update() in the caller's transaction, so that two
    people deciding at once are serialised and the second sees the first one's result.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("change_status must run inside transaction.atomic() on a locked row")
    current = obj.status
    if not may_move(obj, to):
        raise not_allowed(obj)
    obj.status = to
    fields = {"status", *update_fields}
    if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
        fields.add("updated_at")
    obj.save(update_fields=sorted(fields))
    return record_event(
        obj,
        action or action_name(obj, to),
        actor=actor,
        from_status=current,
        to_status=to,
        reason=reason,
        changes=changes,
    )


def may_move(obj: models.Model, to: str) -> bool:
    """Whether the model's transition table allows `obj` to go from its status to `to`."""
    return to in obj.STATUS_TRANSITIONS.get(obj.status, set())


def not_allowed(obj: models.Model) -> TransitionNotAllowed:
    """The error for an action that the object's current status does not allow."""
    labels = dict(type(obj)._meta.get_field("status").choices)
    return TransitionNotAllowed(
        _("This cannot be done while the status is “%(current)s”.")
        % {"current": labels.get(obj.status, obj.status)},
        current_status=obj.status,
    )


def status_at(model: type[models.Model], moment, outer: str = "pk") -> Subquery:
    """The status an object of `model` had just before `moment`, as the event log tells it: the
    `to_status` of its latest status event before `moment` (NULL when it had none yet). An
    expression to annotate or filter a queryset of `model` (or of a model pointing to it, with
    `outer` naming the key: "enterprise_id"…), so that figures "as at the end of a period" stay
    one set-based query. The partial index `event_status_history` answers each lookup from the
    index alone."""
    return Subquery(
        Event.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            object_id=OuterRef(outer),
            at__lt=moment,
        )
        .exclude(to_status="")
        .order_by("-at", "-id")
        .values("to_status")[:1]
    )


def history_for(obj: models.Model):
    """The events of `obj`, oldest first."""
    return (
        Event.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
        .select_related("actor", "content_type")
        .order_by("at", "id")
    )


# --- history as read from outside ---------------------------------------------------------


def actor_label(user, *, with_name: bool = True) -> str:
    """Who acted, as a history names them to a reader outside the association that acts on the
    object: their full name and role ("王芳 (协会工作人员)"), or their role alone when no full
    name is known or `with_name` is false. Never their login name, which is half of what signs
    them in. Empty for the system."""
    if user is None:
        return ""
    roles = [Role(role).label for role in roles_of(user) if role in Role.values]
    role = str(roles[0] if roles else user.get_role_display())
    name = user.get_full_name().strip() if with_name else ""
    if not name:
        return role
    return _("%(name)s (%(role)s)") % {"name": name, "role": role}


def read_from_outside(
    events: Iterable[Event], *, names: bool = True, statuses_only: bool = False
) -> list[Event]:
    """`events` as a reader outside the association may read them, each naming who acted by
    `actor_label` (its `actor_label` attribute, which the API and the pages show instead of the
    login name): by name and role, or (`names=False`) by role alone.

    `statuses_only`: what government needs of an association's own decisions — the status
    changes and when, without their reasons (why a request was rejected or a member
    suspended is between the association and the enterprise) and without changed fields.
    The events are changed in memory only: they are never edited."""
    events = [event for event in events if event.to_status or not statuses_only]
    for event in events:
        event.actor_label = actor_label(event.actor, with_name=names)
        if statuses_only:
            event.reason = ""
            event.changes = {}
    return events
