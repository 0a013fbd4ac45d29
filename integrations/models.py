"""Webhook endpoints, their deliveries and the log of each attempt (decision 0026).

The event log is the outbox: the dispatcher (integrations.dispatch) reads the events in commit
order after its cursor and writes one `Delivery` per event and endpoint that wants it; the
sender (integrations.sending) sends each endpoint's deliveries in event order, one at a time,
building the payload as the endpoint's account may see the object at that moment.
"""

import base64
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import Event

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""

    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


class Endpoint(models.Model):
    """Where a partner system wants the events of its association or jurisdiction.

    `account` is whose eyes the payloads see with: a manager of the association or one of its
    partner accounts, or a partner account bound to a jurisdiction. A delivery carries what that
    account may see of the object when it is sent, never more.
    """

    class Disabled(models.TextChoices):
        NO = "", _("Active")
        BY_OWNER = "owner", _("Turned off by its owner")
        GONE = "gone", _("The receiver answered 410 Gone")
        FAILING = "failing", _("Failing for five days")
        ACCOUNT = "account", _("Its account was deactivated")

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="webhook_endpoints",
        verbose_name=_("account"),
    )
    association = models.ForeignKey(
        "associations.Association",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_endpoints",
        verbose_name=_("association"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name=pgettext_lazy("webhook endpoint", "registered by"),
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(
        pgettext_lazy("webhook endpoint", "description"), max_length=200, blank=True
    )
    # Patterns: "*", "need.*", "report.submitted", "enterprise.left_scope".
    event_types = models.JSONField(_("event types"), default=list)
    is_active = models.BooleanField(pgettext_lazy("webhook endpoint", "active"), default=True)
    disabled = models.CharField(
        _("why it is off"), max_length=10, choices=Disabled.choices, blank=True, default=""
    )
    disabled_at = models.DateTimeField(_("turned off at"), null=True, blank=True)
    secret = models.CharField(_("signing secret"), max_length=80, default=new_secret)
    # During a rotation the old secret signs too, until this moment.
    previous_secret = models.CharField(max_length=80, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    # Events after this point only (the feed's cursor when the endpoint was registered).
    start_position = models.BigIntegerField(default=0)
    start_event_id = models.BigIntegerField(default=0)
    # Since when every attempt has failed (none succeeded after it); five days turns it off.
    failing_since = models.DateTimeField(null=True, blank=True)
    # One sender at a time: a sender holds the endpoint until this moment.
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        indexes = [
            models.Index(fields=["is_active"], name="webhook_endpoint_active"),
        ]

    def __str__(self) -> str:
        return self.url

    def signing_secrets(self, now=None) -> list[str]:
        """The secrets each message is signed with: the current one, and during a rotation the
        previous one too (Standard Webhooks: several signatures in one header)."""
        now = now or timezone.now()
        keys = [self.secret]
        if self.previous_secret and self.previous_secret_until and self.previous_secret_until > now:
            keys.append(self.previous_secret)
        return keys


class Delivery(models.Model):
    """One event (or one derived message of it) for one endpoint, until it is sent, given up or
    found to be nothing the account may see."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Given up")
        SKIPPED = "skipped", _("Not visible to the account")

    class Variant(models.TextChoices):
        EVENT = "", _("The event")
        LEFT_SCOPE = "left_scope", _("Left your scope")
        PING = "ping", _("Test message")

    endpoint = models.ForeignKey(
        Endpoint, models.CASCADE, related_name="deliveries", verbose_name=_("endpoint")
    )
    event = models.ForeignKey(
        Event, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("event")
    )
    variant = models.CharField(max_length=12, choices=Variant.choices, blank=True, default="")
    # The event's place in commit order (EventCommit.position, then the event id).
    position = models.BigIntegerField(default=0)
    event_type = models.CharField(_("type"), max_length=80)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    due_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "event_id", "variant", "id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event", "variant"],
                condition=Q(event__isnull=False),
                name="webhook_delivery_once",
            ),
        ]
        indexes = [
            # The next delivery of an endpoint, in event order.
            models.Index(
                fields=["endpoint", "position", "event", "variant"],
                condition=Q(status="pending"),
                name="webhook_delivery_next",
            ),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id}"

    @property
    def message_id(self) -> str:
        """The `webhook-id`: the same on every attempt, so receivers can drop repeats."""
        if self.variant == self.Variant.PING:
            return f"ping_{self.pk}"
        suffix = f"_{self.variant}" if self.variant else ""
        return f"evt_{self.event_id}{suffix}"


class Attempt(models.Model):
    """One request sent for a delivery, as the log shows it (kept 30 days)."""

    delivery = models.ForeignKey(
        Delivery, models.CASCADE, related_name="attempt_log", verbose_name=_("delivery")
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    request_body = models.TextField(_("request"))
    status_code = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_start = models.TextField(_("response (first characters)"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        indexes = [models.Index(fields=["at"], name="webhook_attempt_age")]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"


class DispatchCursor(models.Model):
    """How far the dispatcher has read the event log (one row)."""

    name = models.CharField(max_length=20, primary_key=True, default="webhooks")
    position = models.BigIntegerField(default=0)
    event_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("dispatch cursor")
        verbose_name_plural = _("dispatch cursors")

    def __str__(self) -> str:
        return f"{self.name}: {self.position}/{self.event_id}"
