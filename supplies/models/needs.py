"""Needs that enterprises file: supplies, labour and difficulties.

The three kinds of need share one table (`Need`), so that the staff queue ranks them together and
the reports group them in one query; `SupplyRequest`, `LabourRequest` and `Difficulty` are proxies
with their own API, forms and validation.
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import QuickLoad
from core.text import labelled
from supplies.models.catalogue import POSITIVE, QUANTITY, SupplyItem, Unit, in_unit


class NeedQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=Need.ACTIVE)

    def overdue(self, today=None):
        today = today or timezone.localdate()
        return self.active().filter(needed_by__lt=today)

    def ranked(self):
        """Most pressing first: urgency counts as days already waited (see Need.rank_at)."""
        return self.order_by("rank_at", "id")


class Need(QuickLoad, models.Model):
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
    # Relief's priority matching (supplies.services.priority.hold): a need of an enterprise
    # holding such a grant ranks as if filed four weeks earlier, while the grant holds.
    PRIORITY_BOOST = timedelta(days=28)

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
    # Ranked higher until this day (relief's priority matching), or not at all.
    priority_until = models.DateField(null=True, blank=True, editable=False)
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
            # The same needs by enterprise: a county's official starts from its members (a
            # thousand of a million) and finds their escalated needs here, where reading
            # need_escalated in order met 30,000 escalations elsewhere for the first 25 (national
            # set: 320 ms against 6). A province's count reads it too.
            models.Index(
                fields=["enterprise"],
                include=["escalated_at", "status"],
                condition=Q(escalated_at__isnull=False),
                name="need_escalated_enterprise",
            ),
            # The escalated needs of one kind, newest first, with their enterprise: an
            # official's API lists (their jurisdiction's escalated needs, `-created_at`) and
            # counts read this instead of the needs table (national set: a province's
            # escalated difficulties 1.5 s, a scan of ten million needs).
            models.Index(
                fields=["kind", "created_at", "id"],
                include=["enterprise"],
                condition=Q(escalated_at__isnull=False),
                name="need_escalated_newest",
            ),
            # One kind of need of an association in the queue's order, whatever the status: the
            # API's `?ordering=rank` pages, and its counts per kind read this index alone.
            models.Index(fields=["association", "kind", "rank_at", "id"], name="need_rank"),
            # The same newest first: the API's default order (`-created_at, -id`). Read from
            # need_created, an association's newest supply requests came after every other
            # association's newer needs (national set: 36,000 rows read for a page of 100).
            models.Index(fields=["association", "kind", "created_at", "id"], name="need_newest"),
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
            return f"{self.item.name} × {in_unit(self.quantity, self.unit)}"
        if self.kind == self.Kind.LABOUR:
            return f"{self.trade} × {self.headcount}"
        if self.kind == self.Kind.DIFFICULTY:
            return labelled(self.get_difficulty_kind_display(), self.description[:40])
        return str(self.get_kind_display())

    def compute_rank_at(self):
        weight = self.URGENCY_WEIGHT.get(self.urgency, 1)
        rank_at = self.created_at - weight * self.URGENCY_STEP
        if self.priority_until is not None:
            rank_at -= self.PRIORITY_BOOST
        return rank_at

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def is_overdue(self) -> bool:
        return self.overdue_on(timezone.localdate())

    def overdue_on(self, today) -> bool:
        """Still waiting on `today`, past its needed-by date."""
        return bool(self.is_active and self.needed_by and self.needed_by < today)

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
