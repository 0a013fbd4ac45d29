"""Needs that enterprises file (supplies, labour, difficulties), the offers that can meet them,
and the coordination around them: matches, placements, questions, escalations and replies.

The three kinds of need share one table (`Need`), so that the staff queue ranks them together and
the reports group them in one query; `SupplyRequest`, `LabourRequest` and `Difficulty` are proxies
with their own API, forms and validation.
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import BilingualNameMixin

QUANTITY = {"max_digits": 14, "decimal_places": 3}
POSITIVE = MinValueValidator(Decimal("0.001"))


def plain(quantity: Decimal | None) -> str:
    """A quantity as people write it: 1000, 12.5 — not 1000.000 or 1E+3."""
    if quantity is None:
        return ""
    return format(quantity.normalize(), "f") if quantity else "0"


class Unit(models.TextChoices):
    PIECE = "piece", _("piece")
    BOX = "box", _("box")
    PAIR = "pair", _("pair")
    SET = "set", _("set")
    BOTTLE = "bottle", _("bottle")
    LITRE = "litre", _("litre")
    KILOGRAM = "kg", _("kg")
    TONNE = "tonne", _("tonne")
    METRE = "metre", _("metre")
    CUBIC_METRE = "m3", _("cubic metre")
    KWH = "kwh", _("kWh")


class SupplyItem(BilingualNameMixin, models.Model):
    """An entry of the supply catalogue: a prevention supply or a production material."""

    class Category(models.TextChoices):
        PREVENTION = "prevention", _("Prevention supplies")
        MATERIAL = "material", _("Production materials")

    code = models.SlugField(
        _("code"), max_length=40, unique=True, help_text=_("Letters, digits and hyphens")
    )
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    category = models.CharField(
        _("category"), max_length=12, choices=Category.choices, default=Category.MATERIAL
    )
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    is_active = models.BooleanField(_("in use"), default=True)
    # Who keeps the item: an association whose staff added it, or none for the platform's own
    # (the seeded prevention supplies), which only administrators change.
    association = models.ForeignKey(
        "associations.Association",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="supply_items",
        verbose_name=_("kept by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["category", "code"]
        verbose_name = _("supply item")
        verbose_name_plural = _("supply items")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_unit_display()})"


class NeedQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=Need.ACTIVE)

    def overdue(self, today=None):
        today = today or timezone.localdate()
        return self.active().filter(needed_by__lt=today)

    def ranked(self):
        """Most pressing first: urgency counts as days already waited (see Need.rank_at)."""
        return self.order_by("rank_at", "id")


class Need(models.Model):
    """Something an enterprise needs to resume work, filed with one of its associations."""

    class Kind(models.TextChoices):
        SUPPLY = "supply", _("Supply request")
        LABOUR = "labour", _("Labour request")
        DIFFICULTY = "difficulty", _("Difficulty")

    class Urgency(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("need status", "Open")
        IN_PROGRESS = "in_progress", _("In progress")
        INFO_REQUESTED = "info_requested", _("Information requested")
        ESCALATED = "escalated", _("Escalated to government")
        ANSWERED = "answered", _("Answered by government")
        RESOLVED = "resolved", _("Resolved")
        CANCELLED = "cancelled", _("Cancelled")

    class DifficultyKind(models.TextChoices):
        ENERGY = "energy", _("Energy")
        TRANSPORT = "transport", _("Transport and logistics")
        FINANCE = "finance", _("Finance")
        POLICY = "policy", _("Policy")
        OTHER = "other", _("Other")

    STATUS_TRANSITIONS = {
        Status.OPEN: {
            Status.IN_PROGRESS,
            Status.INFO_REQUESTED,
            Status.ESCALATED,
            Status.RESOLVED,
            Status.CANCELLED,
        },
        Status.IN_PROGRESS: {
            Status.INFO_REQUESTED,
            Status.ESCALATED,
            Status.RESOLVED,
            Status.CANCELLED,
        },
        Status.INFO_REQUESTED: {
            Status.IN_PROGRESS,
            Status.ESCALATED,
            Status.RESOLVED,
            Status.CANCELLED,
        },
        Status.ESCALATED: {Status.ANSWERED, Status.RESOLVED, Status.CANCELLED},
        Status.ANSWERED: {
            Status.IN_PROGRESS,
            Status.ESCALATED,
            Status.RESOLVED,
            Status.CANCELLED,
        },
    }
    # Still waiting for something: on the queue, counted as open in the reports.
    ACTIVE = (
        Status.OPEN,
        Status.IN_PROGRESS,
        Status.INFO_REQUESTED,
        Status.ESCALATED,
        Status.ANSWERED,
    )
    CLOSED = (Status.RESOLVED, Status.CANCELLED)
    # One step of urgency weighs as much as a week of waiting in the queue.
    URGENCY_WEIGHT = {Urgency.LOW: 0, Urgency.NORMAL: 1, Urgency.HIGH: 2, Urgency.CRITICAL: 3}
    URGENCY_STEP = timedelta(days=7)

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", models.PROTECT, related_name="needs", verbose_name=_("enterprise")
    )
    association = models.ForeignKey(
        "associations.Association",
        models.PROTECT,
        related_name="needs",
        verbose_name=_("association"),
        help_text=_("The association asked to help."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    urgency = models.CharField(
        _("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    needed_by = models.DateField(_("needed by"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    # supply requests
    item = models.ForeignKey(
        SupplyItem,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("item"),
    )
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices, blank=True)
    quantity = models.DecimalField(
        _("quantity"), **QUANTITY, null=True, blank=True, validators=[POSITIVE]
    )
    fulfilled_quantity = models.DecimalField(
        _("quantity matched"), **QUANTITY, default=Decimal("0")
    )
    # labour requests
    trade = models.CharField(_("trade or position"), max_length=100, blank=True)
    headcount = models.PositiveIntegerField(_("headcount"), null=True, blank=True)
    filled_headcount = models.PositiveIntegerField(_("headcount filled"), default=0)
    work_region = models.ForeignKey(
        "core.Region",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("where the work is"),
    )
    # difficulties
    difficulty_kind = models.CharField(
        _("kind of difficulty"), max_length=10, choices=DifficultyKind.choices, blank=True
    )
    # Ranking: the filing time moved earlier by a week per urgency step, so that a need waiting
    # long enough overtakes a more urgent new one; an index on it gives the queue in order.
    rank_at = models.DateTimeField(editable=False)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("filed"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = NeedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="supply")
                | Q(item__isnull=False, quantity__gt=0, fulfilled_quantity__lte=F("quantity")),
                name="supply_need_has_item_and_quantity",
            ),
            models.CheckConstraint(
                condition=Q(fulfilled_quantity__gte=0), name="need_fulfilled_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(kind="labour")
                | Q(headcount__gt=0, filled_headcount__lte=F("headcount")),
                name="labour_need_has_headcount",
            ),
            models.CheckConstraint(
                condition=~Q(kind="difficulty") | ~Q(difficulty_kind=""),
                name="difficulty_has_kind",
            ),
        ]
        indexes = [
            # The staff queue: an association's active needs, most pressing first. With the
            # status beside, its counts by status (the menu's "open" badge on every staff page)
            # read the index alone.
            models.Index(
                fields=["association", "rank_at", "id"],
                include=["status"],
                condition=Q(
                    status__in=["open", "in_progress", "info_requested", "escalated", "answered"]
                ),
                name="need_queue",
            ),
            # The officials' list: escalated needs, newest escalation first. It carries the
            # enterprise and the status so that the list's count (by jurisdiction, awaiting a
            # reply or not) reads the index alone, not a million-row table (see bench/needs.py).
            models.Index(
                fields=["-escalated_at", "-id"],
                include=["enterprise", "status"],
                condition=Q(escalated_at__isnull=False),
                name="need_escalated",
            ),
            # One kind of need of an association in the queue's order, whatever the status: the
            # API's `?ordering=rank` pages, and its counts per kind read this index alone.
            models.Index(fields=["association", "kind", "rank_at", "id"], name="need_rank"),
            models.Index(fields=["enterprise", "-created_at"], name="need_enterprise"),
            # The reports: new and closed in a period.
            models.Index(fields=["created_at"], name="need_created"),
            models.Index(fields=["closed_at"], name="need_closed"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def save(self, *args, **kwargs):
        self.rank_at = self.compute_rank_at()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "rank_at"}
        super().save(*args, **kwargs)

    @property
    def title(self) -> str:
        if self.kind == self.Kind.SUPPLY and self.item_id:
            return f"{self.item.name} × {plain(self.quantity)} {self.get_unit_display()}"
        if self.kind == self.Kind.LABOUR:
            return f"{self.trade} × {self.headcount}"
        if self.kind == self.Kind.DIFFICULTY:
            return f"{self.get_difficulty_kind_display()}: {self.description[:40]}"
        return str(self.get_kind_display())

    def compute_rank_at(self):
        weight = self.URGENCY_WEIGHT.get(self.urgency, 1)
        return self.created_at - weight * self.URGENCY_STEP

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def is_overdue(self) -> bool:
        return bool(self.is_active and self.needed_by and self.needed_by < timezone.localdate())

    @property
    def remaining_quantity(self) -> Decimal | None:
        if self.quantity is None:
            return None
        return self.quantity - self.fulfilled_quantity

    @property
    def remaining_headcount(self) -> int | None:
        if self.headcount is None:
            return None
        return self.headcount - self.filled_headcount


class KindManager(models.Manager):
    """The needs of the proxy model's own kind."""

    def get_queryset(self):
        return NeedQuerySet(self.model, using=self._db).filter(kind=self.model.KIND)


class OneKind:
    """A proxy of Need for one kind: reads only that kind, saves as that kind."""

    KIND: str

    def save(self, *args, **kwargs):
        self.kind = self.KIND
        super().save(*args, **kwargs)


class SupplyRequest(OneKind, Need):
    KIND = Need.Kind.SUPPLY
    objects = KindManager()

    class Meta:
        proxy = True
        verbose_name = _("supply request")
        verbose_name_plural = _("supply requests")


class LabourRequest(OneKind, Need):
    KIND = Need.Kind.LABOUR
    objects = KindManager()

    class Meta:
        proxy = True
        verbose_name = _("labour request")
        verbose_name_plural = _("labour requests")


class Difficulty(OneKind, Need):
    KIND = Need.Kind.DIFFICULTY
    objects = KindManager()

    class Meta:
        proxy = True
        verbose_name = _("difficulty")
        verbose_name_plural = _("difficulties")


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
        return f"{self.item.name} × {plain(self.remaining_quantity)} {self.get_unit_display()}"

    @property
    def is_available(self) -> bool:
        return (
            self.status == self.Status.OPEN
            and self.remaining_quantity > 0
            and self.available_until >= timezone.localdate()
        )


class Match(models.Model):
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


class Placement(models.Model):
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


class NeedMessage(models.Model):
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


class Escalation(models.Model):
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
                fields=["need"],
                condition=Q(replied_at__isnull=True),
                name="one_unanswered_escalation_per_need",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.need_id} {self.escalated_at:%Y-%m-%d}"
