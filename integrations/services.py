"""Writes of webhook endpoints: register, change, rotate the secret, turn on and off, delete,
redeliver and ping. Each checks who may (integrations.access) and keeps an event."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import can
from core.errors import DomainError
from core.workflow import diff, record_event, snapshot
from integrations import access, delivery, feed, outgoing
from integrations.models import Delivery, Endpoint, new_secret

# During a rotation the old secret keeps signing this long, so receivers can switch calmly.
ROTATION_OVERLAP = datetime.timedelta(hours=24)
EDITABLE = ("url", "description", "event_types")


def _checked_url(url: str) -> str:
    try:
        return outgoing.check_url(url)
    except ValidationError as error:
        message = " ".join(error.messages)
        raise DomainError(message, fields={"url": [message]}) from error


def _locked(actor, endpoint_id: int) -> Endpoint:
    if not can(actor, "webhook.manage"):
        raise PermissionDenied
    try:
        return access.visible(actor, Endpoint.objects.select_for_update()).get(pk=endpoint_id)
    except Endpoint.DoesNotExist as error:
        raise DomainError(_("No such webhook endpoint."), code="not_found") from error


@transaction.atomic
def endpoint_register(
    *, actor, url: str, event_types: list[str], account=None, description: str = ""
) -> Endpoint:
    """A new endpoint of `account` (default: the actor) that receives the events committed from
    now on. Its secret is shown once, to the caller."""
    if not can(actor, "webhook.manage"):
        raise PermissionDenied
    account = account or actor
    if not access.accounts_for(actor).filter(pk=account.pk).exists():
        message = _("You cannot register an endpoint for this account.")
        raise DomainError(message, fields={"account": [message]})
    association_id = access.association_for(actor, account)
    delivery.start_cursor()
    start = feed.end()
    endpoint = Endpoint.objects.create(
        account=account,
        association_id=association_id,
        created_by=actor,
        url=_checked_url(url),
        description=description.strip(),
        event_types=feed.check_patterns(event_types),
        start_position=start.position,
        start_event_id=start.event_id,
    )
    record_event(endpoint, "endpoint.created", actor=actor)
    return endpoint


@transaction.atomic
def endpoint_update(*, actor, endpoint_id: int, **values) -> Endpoint:
    endpoint = _locked(actor, endpoint_id)
    before = snapshot(endpoint, EDITABLE)
    if "url" in values:
        endpoint.url = _checked_url(values["url"])
    if "event_types" in values:
        endpoint.event_types = feed.check_patterns(values["event_types"])
    if "description" in values:
        endpoint.description = values["description"].strip()
    changes = diff(before, endpoint)
    if changes:
        endpoint.save(update_fields=list(changes))
        record_event(endpoint, "endpoint.updated", actor=actor, changes=changes)
    return endpoint


@transaction.atomic
def endpoint_switch(*, actor, endpoint_id: int, active: bool) -> Endpoint:
    """On or off. Turned on again, it goes on from the deliveries still waiting."""
    endpoint = _locked(actor, endpoint_id)
    if endpoint.is_active == active:
        return endpoint
    if active and not endpoint.account.is_active:
        message = _("Its account is deactivated: register the endpoint for an active account.")
        raise DomainError(message)
    endpoint.is_active = active
    endpoint.disabled = "" if active else Endpoint.Disabled.BY_OWNER
    endpoint.disabled_at = None if active else timezone.now()
    endpoint.failing_since = None
    endpoint.save(update_fields=["is_active", "disabled", "disabled_at", "failing_since"])
    record_event(endpoint, "endpoint.enabled" if active else "endpoint.disabled", actor=actor)
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, actor, endpoint_id: int) -> Endpoint:
    """A new secret; for 24 hours messages carry a signature with the old one too."""
    endpoint = _locked(actor, endpoint_id)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = timezone.now() + ROTATION_OVERLAP
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    record_event(endpoint, "endpoint.secret_rotated", actor=actor)
    return endpoint


@transaction.atomic
def endpoint_delete(*, actor, endpoint_id: int) -> None:
    endpoint = _locked(actor, endpoint_id)
    record_event(endpoint, "endpoint.deleted", actor=actor, reason=endpoint.url)
    endpoint.delete()


@transaction.atomic
def redeliver(*, actor, endpoint_id: int, delivery_id=None, since=None, until=None) -> int:
    """One delivery again, or every delivery that was given up between `since` and `until`.
    Answers how many will be sent."""
    endpoint = _locked(actor, endpoint_id)
    deliveries = Delivery.objects.filter(endpoint=endpoint)
    if delivery_id is not None:
        deliveries = deliveries.filter(pk=delivery_id)
        if not deliveries.exists():
            raise DomainError(_("No such delivery of this endpoint."), code="not_found")
    else:
        if since is None or until is None or since >= until:
            message = _("Give the time range of the failed deliveries: from before to.")
            raise DomainError(message, fields={"since": [message]})
        deliveries = deliveries.filter(
            status=Delivery.Status.FAILED, created_at__gte=since, created_at__lt=until
        )
    count = delivery.redeliver(deliveries)
    if count:
        record_event(
            endpoint, "endpoint.redelivered", actor=actor, changes={"deliveries": [None, count]}
        )
    return count


def ping(*, actor, endpoint_id: int) -> Delivery:
    """A test message sent at once, ahead of the waiting deliveries; answers it with its
    attempt logged (an endpoint that is off is pinged too, to check it before turning it on)."""
    with transaction.atomic():
        endpoint = _locked(actor, endpoint_id)
        message = Delivery.objects.create(
            endpoint=endpoint,
            variant=Delivery.Variant.PING,
            event_type="webhook.ping",
            status=Delivery.Status.PENDING,
        )
    payload = delivery.body_of(message, endpoint)
    outcome = delivery.attempt(message, endpoint, payload, timeout=10)
    message.attempts = 1
    message.last_status_code = outcome.status
    message.status = Delivery.Status.DELIVERED if outcome.ok else Delivery.Status.FAILED
    message.finished_at = timezone.now()
    message.save(update_fields=["attempts", "last_status_code", "status", "finished_at"])
    return message
