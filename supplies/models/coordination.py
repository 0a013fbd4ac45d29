"""The coordination around needs: the offers that can meet supply requests and the matches made
from them, workers placed, questions and added information, escalations to government and the
answers."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import KeptWithItsAssociation, Role
from supplies.models.catalogue import POSITIVE, QUANTITY, SupplyItem, Unit, in_unit, plain
from supplies.models.needs import Need


class SupplyOffer(models.Model):
    """A member enterprise offering a quantity of an item to other members."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("offer status", "Open")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    STATUS_TRANSITIONS = {Status.OPEN: {Status.WITHDRAWN}}

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        models.PROTECT,
        related_name="supply_offers",
        verbose_name=_("supplier"),
    )
    association = models.ForeignKey(
        "associations.Association",
        models.PROTECT,
        related_name="supply_offers",
        verbose_name=_("association"),
    )
    item = models.ForeignKey(
        SupplyItem, models.PROTECT, related_name="offers", verbose_name=_("item")
    )
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    quantity = models.DecimalField(_("quantity offered"), **QUANTITY, validators=[POSITIVE])
    remaining_quantity = models.DecimalField(_("quantity available"), **QUANTITY)
    delivery_region = models.ForeignKey(
        "core.Region", models.PROTECT, related_name="+", verbose_name=_("delivers to")
    )
    available_until = models.DateField(_("available until"))
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("supply offer")
        verbose_name_plural = _("supply offers")
        constraints = [
            models.CheckConstraint(
                condition=Q(remaining_quantity__gte=0, remaining_quantity__lte=F("quantity")),
                name="offer_remaining_within_quantity",
            ),
        ]
        indexes = [
            models.Index(
                fields=["association", "item", "available_until"],
                condition=Q(status="open", remaining_quantity__gt=0),
                name="offer_available",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.name} × {in_unit(self.remaining_quantity, self.unit)}"

    @property
    def is_available(self) -> bool:
        return (
            self.status == self.Status.OPEN
            and self.remaining_quantity > 0
            and self.available_until >= timezone.localdate()
        )


class OfItsNeed(KeptWithItsAssociation):
    """A record of a need's (a match, a placement, a message, an escalation), with its need's
    association."""

    association_parent = "need"

    class Meta:
        abstract = True


class Match(OfItsNeed):
    """A quantity of an offer allocated to a supply request."""

    need = models.ForeignKey(Need, models.PROTECT, related_name="matches")
    offer = models.ForeignKey(SupplyOffer, models.PROTECT, related_name="matches")
    quantity = models.DecimalField(_("quantity"), **QUANTITY, validators=[POSITIVE])
    note = models.CharField(_("note"), max_length=255, blank=True)
    matched_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    matched_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["matched_at", "id"]
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="match_quantity_positive")
        ]

    def __str__(self) -> str:
        return f"{plain(self.quantity)} → #{self.need_id}"


class Placement(OfItsNeed):
    """Workers placed with a labour request."""

    need = models.ForeignKey(Need, models.PROTECT, related_name="placements")
    headcount = models.PositiveIntegerField(_("headcount"), validators=[MinValueValidator(1)])
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("placement")
        verbose_name_plural = _("placements")

    def __str__(self) -> str:
        return f"{self.headcount} → #{self.need_id}"


class NeedMessage(OfItsNeed):
    """A question from the association or information added by the enterprise."""

    need = models.ForeignKey(Need, models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return self.body[:40]

    @property
    def from_enterprise(self) -> bool:
        """Information the enterprise added (otherwise a question of the association's side)."""
        return self.author.role == Role.ENTERPRISE


class Escalation(OfItsNeed):
    """A need put before government with a summary, and the official's answer."""

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", _("Resolved")
        PARTLY_RESOLVED = "partly_resolved", _("Partly resolved")
        CANNOT_HELP = "cannot_help", _("Cannot help")
        REFERRED = "referred", _("Referred to another department")

    need = models.ForeignKey(Need, models.CASCADE, related_name="escalations")
    summary = models.TextField(_("summary for government"))
    escalated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    escalated_at = models.DateTimeField(auto_now_add=True)
    reply = models.TextField(_("reply"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    referred_to = models.CharField(_("referred to"), max_length=200, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["escalated_at", "id"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            models.UniqueConstraint(
                fields=["need", "association"],
                condition=Q(replied_at__isnull=True),
                name="one_unanswered_escalation_per_need",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.need_id} {self.escalated_at:%Y-%m-%d}"


class PriorityHold(models.Model):
    """An enterprise's needs with an association rank higher until a day (relief's priority
    matching): kept here, below relief, so that a need filed while it holds ranks higher too."""

    enterprise = models.ForeignKey("enterprises.Enterprise", models.CASCADE, related_name="+")
    association = models.ForeignKey("associations.Association", models.CASCADE, related_name="+")
    until = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "association"], name="one_priority_hold_per_member"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id}@{self.association_id} until {self.until}"
