from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.validators import validate_phone, validate_uscc


class Enterprise(models.Model):
    """A small or medium enterprise, identified by its unified social credit code."""

    class Size(models.TextChoices):
        MICRO = "micro", _("Micro")
        SMALL = "small", _("Small")
        MEDIUM = "medium", _("Medium")

    class Ownership(models.TextChoices):
        PRIVATE = "private", _("Private")
        STATE = "state", _("State-owned")
        COLLECTIVE = "collective", _("Collective")
        FOREIGN = "foreign", _("Foreign-invested")
        OTHER = "other", _("Other")

    class RevenueBand(models.TextChoices):
        UNDER_1M = "lt1m", _("Under ¥1 million")
        FROM_1M = "1m-10m", _("¥1–10 million")
        FROM_10M = "10m-50m", _("¥10–50 million")
        FROM_50M = "50m-200m", _("¥50–200 million")
        OVER_200M = "gt200m", _("Over ¥200 million")

    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc]
    )
    region = models.ForeignKey(
        "core.Region", models.PROTECT, related_name="enterprises", verbose_name=_("region")
    )
    industry = models.ForeignKey(
        "core.Industry", models.PROTECT, related_name="enterprises", verbose_name=_("industry")
    )
    size = models.CharField(_("size"), max_length=8, choices=Size.choices)
    ownership = models.CharField(
        _("ownership"), max_length=12, choices=Ownership.choices, default=Ownership.PRIVATE
    )
    employees = models.PositiveIntegerField(_("employees"), default=0)
    revenue_band = models.CharField(
        _("annual revenue"), max_length=10, choices=RevenueBand.choices, blank=True
    )
    legal_representative = models.CharField(_("legal representative"), max_length=64, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(
        _("contact phone"), max_length=32, blank=True, validators=[validate_phone]
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    # The association whose staff registered it (empty when an enterprise user registered it):
    # while the enterprise has no users of its own and is still its member, that association
    # keeps the shared record (docs/decisions/0004-who-changes-an-enterprise.md).
    registered_by = models.ForeignKey(
        "associations.Association",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="registered_enterprises",
        verbose_name=_("registered by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    # What a person (or partner) gives for an enterprise: forms, API and services share it.
    EDITABLE_FIELDS = (
        "name",
        "uscc",
        "region",
        "industry",
        "size",
        "ownership",
        "employees",
        "revenue_band",
        "legal_representative",
        "contact_name",
        "contact_phone",
        "address",
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        # Member lists are ordered by name; with the index a page is read in order, not sorted.
        # In Chinese they are ordered by pinyin: migration 0006 adds the same index in the
        # `zh-x-icu` collation where the database has it (core.collation).
        indexes = [models.Index(fields=["name", "id"], name="enterprise_name")]

    def __str__(self) -> str:
        return self.name


class EnterpriseClaim(models.Model):
    """An enterprise user asking to act for an enterprise that is already registered.

    Decided by those who already answer for the enterprise: its own users if it has any, else
    staff of an association it is a member of (or an admin); on approval the user is linked to
    the enterprise.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    STATUS_TRANSITIONS = {
        Status.PENDING: {Status.APPROVED, Status.REJECTED, Status.WITHDRAWN},
    }

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="enterprise_claims"
    )
    enterprise = models.ForeignKey(Enterprise, models.CASCADE, related_name="claims")
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("enterprise claim")
        verbose_name_plural = _("enterprise claims")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "enterprise"],
                condition=models.Q(status="pending"),
                name="one_pending_claim_per_user_and_enterprise",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.enterprise}"


class ImportJob(models.Model):
    """A member spreadsheet import. Small files finish inside the request; large ones run in a
    Celery worker, and the page polls `processed_rows` / `total_rows` until it is done."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Imported")
        FAILED = "failed", _("Refused")

    association = models.ForeignKey(
        "associations.Association", models.CASCADE, related_name="import_jobs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="import_jobs"
    )
    file_name = models.CharField(max_length=255)
    # The upload itself, so that any worker host can read it (no shared file system needed).
    content = models.BinaryField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    # Members whose data (or member number) the import changed; a row matched with nothing to
    # change is counted in `unchanged`.
    updated = models.PositiveIntegerField(default=0)
    # Registered already by others: invited to join; they become members when they accept.
    invited = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"

    @property
    def unchanged(self) -> int:
        """Rows of a finished import that changed nothing: members as the file has them already,
        or whose data their own users keep."""
        return max(self.total_rows - self.created - self.updated - self.invited, 0)

    @property
    def progress(self) -> int:
        """Percent done, 0–100."""
        if self.status in (self.Status.SUCCEEDED, self.Status.FAILED):
            return 100
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0
