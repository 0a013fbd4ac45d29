from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from core.models import KeptWithItsAssociation, unique_with_association


class Batch(models.Model):
    """A round of resumption opened by an association for members in some regions and
    industries: who may apply, when, how many may be approved, and what prevention it asks."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        COMPLETED = "completed", _("Completed")

    STATUS_TRANSITIONS = {
        Status.DRAFT: {Status.OPEN},
        Status.OPEN: {Status.CLOSED},
        Status.CLOSED: {Status.OPEN, Status.COMPLETED},
    }

    association = models.ForeignKey(
        "associations.Association", models.PROTECT, related_name="batches"
    )
    name = models.CharField(_("name"), max_length=200)
    regions = models.ManyToManyField(
        "core.Region",
        related_name="+",
        through="BatchRegion",
        verbose_name=_("regions"),
        help_text=_("Any level: an enterprise is eligible if its county lies inside one of them."),
    )
    industries = models.ManyToManyField(
        "core.Industry",
        related_name="+",
        through="BatchIndustry",
        verbose_name=_("industries"),
        help_text=_("Sections or divisions."),
    )
    opens_at = models.DateTimeField(_("applications open"))
    closes_at = models.DateTimeField(_("applications close"))
    planned_start = models.DateField(_("planned start"))
    capacity = models.PositiveIntegerField(_("capacity"), help_text=_("Most enterprises approved"))
    approved_count = models.PositiveIntegerField(default=0, editable=False)
    prevention_requirements = models.TextField(_("prevention requirements"), blank=True)
    mandatory_items = models.JSONField(_("mandatory checklist items"), default=list, blank=True)
    # The least a counted checklist item must reach ({"masks_days": 7}): below it, a mandatory
    # item stops the hand-in and any other is flagged to the reviewers.
    checklist_minimums = models.JSONField(
        _("checklist minimums"), default=dict, blank=True, db_default={}
    )
    review_days = models.PositiveSmallIntegerField(
        _("review deadline (days)"),
        default=3,
        help_text=_("A submitted application waiting longer is overdue."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-opens_at", "-id"]
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="batch_closes_after_it_opens",
                violation_error_message=_("Applications must close after they open."),
            ),
            models.CheckConstraint(
                condition=Q(approved_count__lte=models.F("capacity")),
                name="batch_never_over_capacity",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OfItsBatch(KeptWithItsAssociation):
    """A row of a batch's regions or industries (`Batch.regions`, `Batch.industries`), with the
    batch's association. Written through `core.models.set_links`, which sets the association."""

    association_parent = "batch"

    batch = models.ForeignKey(Batch, models.CASCADE)

    class Meta:
        abstract = True


class BatchRegion(OfItsBatch):
    region = models.ForeignKey("core.Region", models.CASCADE)

    class Meta:
        db_table = "batches_batch_regions"
        constraints = unique_with_association("batch", "region", name="batch_region_once")


class BatchIndustry(OfItsBatch):
    industry = models.ForeignKey("core.Industry", models.CASCADE)

    class Meta:
        db_table = "batches_batch_industries"
        constraints = unique_with_association("batch", "industry", name="batch_industry_once")


class Application(KeptWithItsAssociation):
    """An enterprise's application to resume in a batch, with its readiness checklist (and its
    batch's association)."""

    association_parent = "batch"

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        RETURNED = "returned", _("Returned for revision")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        RESUMED = "resumed", _("Resumed")

    STATUS_TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED, Status.WITHDRAWN},
        Status.SUBMITTED: {Status.APPROVED, Status.REJECTED, Status.RETURNED, Status.WITHDRAWN},
        Status.RETURNED: {Status.SUBMITTED, Status.WITHDRAWN},
        Status.APPROVED: {Status.RESUMED},
    }
    # Applications that still count: one per enterprise per batch.
    LIVE = (Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.APPROVED, Status.RESUMED)
    # Applied: handed in at least once and not withdrawn.
    APPLIED = (Status.SUBMITTED, Status.RETURNED, Status.APPROVED, Status.REJECTED, Status.RESUMED)

    # The readiness checklist: stock in days, a count, and yes/no items.
    CHECKLIST = {
        "masks_days": _("Masks in stock (days)"),
        "disinfectant_days": _("Disinfectant in stock (days)"),
        "thermometers": _("Thermometers"),
        "disinfection_plan": _("Disinfection plan"),
        "isolation_area": _("Isolation area"),
        "emergency_plan": _("Emergency plan"),
        "staff_health_checks": _("Staff health checks"),
    }

    # The checklist items that are counts (days of stock, devices): a batch may set a minimum.
    COUNTED = ("masks_days", "disinfectant_days", "thermometers")

    batch = models.ForeignKey(Batch, models.PROTECT, related_name="applications")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", models.PROTECT, related_name="applications"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    planned_date = models.DateField(_("planned resumption date"))
    returning_workers = models.PositiveIntegerField(_("returning workers"), default=0)
    workers_from_other_provinces = models.PositiveIntegerField(
        _("of whom from other provinces"), default=0
    )
    masks_days = models.PositiveSmallIntegerField(_("masks in stock (days)"), default=0)
    disinfectant_days = models.PositiveSmallIntegerField(
        _("disinfectant in stock (days)"), default=0
    )
    thermometers = models.PositiveSmallIntegerField(_("thermometers"), default=0)
    disinfection_plan = models.BooleanField(_("disinfection plan"), default=False)
    isolation_area = models.BooleanField(_("isolation area"), default=False)
    emergency_plan = models.BooleanField(_("emergency plan"), default=False)
    staff_health_checks = models.BooleanField(_("staff health checks"), default=False)
    checklist_notes = models.JSONField(_("notes per item"), default=dict, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Set on submission from the batch's review deadline: past it, the application is overdue.
    review_due_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    resumed_on = models.DateField(_("resumed on"), null=True, blank=True)
    workers_on_site = models.PositiveIntegerField(_("workers on site"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["submitted_at", "id"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "enterprise", "association"],
                condition=Q(status__in=["draft", "submitted", "returned", "approved", "resumed"]),
                name="one_live_application_per_enterprise_and_batch",
                violation_error_message=_("This enterprise already has an application here."),
            ),
            # A resumption is dated on or after the (local) day of the approval.
            models.CheckConstraint(
                condition=Q(resumed_on__isnull=True)
                | Q(resumed_on__gte=TruncDate("decided_at", tzinfo=ZoneInfo(settings.TIME_ZONE))),
                name="resumed_on_or_after_approval",
                violation_error_message=_(
                    "The resumption date cannot be before the application was approved."
                ),
            ),
            models.CheckConstraint(
                condition=Q(workers_from_other_provinces__lte=models.F("returning_workers")),
                name="other_province_workers_within_returning",
                violation_error_message=_(
                    "Workers from other provinces cannot exceed the returning workers."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["batch", "status", "submitted_at"], name="application_queue"),
            models.Index(fields=["enterprise", "status"], name="application_enterprise"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.batch}"
