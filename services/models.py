"""Support services offered by an association or its partners, and enterprises' requests."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ServiceProvider(models.Model):
    class Kind(models.TextChoices):
        ASSOCIATION = "association", _("The association itself")
        PARTNER = "partner", _("Partner")

    association = models.ForeignKey(
        "associations.Association", on_delete=models.CASCADE, related_name="service_providers"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PARTNER)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("requests in hand at once"), default=10)

    class Meta:
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    class Category(models.TextChoices):
        LEGAL = "legal", _("Legal")
        FINANCE = "finance", _("Finance and credit")
        TAX = "tax", _("Tax")
        HR = "hr", _("HR and employment")
        POLICY = "policy", _("Policy consulting")
        TRAINING = "training", _("Training")
        OTHER = "other", _("Other")

    class Fee(models.TextChoices):
        FREE = "free", _("Free")
        REDUCED = "reduced", _("Reduced")
        PAID = "paid", _("Paid")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        RETIRED = "retired", _("Retired")

    association = models.ForeignKey(
        "associations.Association", on_delete=models.CASCADE, related_name="services"
    )
    provider = models.ForeignKey(ServiceProvider, on_delete=models.PROTECT, related_name="services")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    eligibility = models.TextField(_("eligibility"), blank=True)
    how_to_apply = models.TextField(_("how to apply"), blank=True)
    fee = models.CharField(_("fee"), max_length=10, choices=Fee.choices, default=Fee.FREE)
    fee_amount = models.DecimalField(
        _("fee in yuan"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    regions = models.ManyToManyField("core.Region", blank=True, related_name="+")
    capacity = models.PositiveIntegerField(_("requests in hand at once"), default=10)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    last_checked_on = models.DateField(_("last checked on"), null=True, blank=True)
    respond_days = models.PositiveSmallIntegerField(_("working days to respond"), default=1)
    plan_days = models.PositiveSmallIntegerField(_("working days to plan"), default=3)
    resolve_days = models.PositiveSmallIntegerField(_("working days to resolve"), default=15)

    class Meta:
        verbose_name = _("support service")
        verbose_name_plural = _("support services")

    def __str__(self) -> str:
        return self.title


IN_HAND = ("accepted", "in_progress")


class ServiceRequest(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    STATUS_TRANSITIONS = {
        "submitted": {"accepted", "declined", "withdrawn"},
        "accepted": {"in_progress", "declined"},
        "in_progress": {"resolved"},
        # a low rating sends a resolved request back to the staff
        "resolved": {"closed", "in_progress"},
        "closed": set(),
        "declined": set(),
        "withdrawn": set(),
    }

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="requests")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="service_requests"
    )
    association = models.ForeignKey(
        "associations.Association", on_delete=models.CASCADE, related_name="service_requests"
    )
    description = models.TextField(_("description"))
    status = models.CharField(
        _("status"), max_length=15, choices=Status.choices, default=Status.SUBMITTED
    )
    reason = models.TextField(_("reason"), blank=True)
    assignee = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    provider = models.ForeignKey(
        ServiceProvider, on_delete=models.SET_NULL, null=True, blank=True, related_name="requests"
    )
    respond_by = models.DateField()
    plan_by = models.DateField()
    resolve_by = models.DateField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_comment = models.TextField(blank=True)
    created_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        ordering = ["created_at", "id"]
        indexes = [
            # The staff's queue (services.selectors.staff_queue): open requests, those not
            # accepted yet first, the oldest first; a page without sorting them all.
            models.Index(
                models.F("association"),
                models.Case(
                    models.When(status="submitted", then=models.Value(0)),
                    default=models.Value(1),
                ),
                models.F("created_at"),
                models.F("id"),
                name="service_request_open_queue",
                condition=models.Q(status__in=("submitted", *IN_HAND, "resolved")),
            ),
            # What is offered next (services.selectors.offered_next): per service, what it has
            # in hand, and its oldest waiting request, each read without scanning the others.
            models.Index(
                fields=["service"],
                name="service_request_in_hand",
                condition=models.Q(status__in=IN_HAND),
            ),
            models.Index(
                fields=["service", "created_at", "id"],
                name="service_request_waiting",
                condition=models.Q(status="submitted"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} · {self.enterprise}"

    @property
    def is_overdue(self) -> bool:
        today = timezone.localdate()
        if self.status == self.Status.SUBMITTED:
            return today > self.respond_by
        return self.status in IN_HAND and today > self.resolve_by
