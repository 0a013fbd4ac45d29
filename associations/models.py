from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.validators import validate_phone, validate_uscc


class Association(models.Model):
    """An industry association (行业协会) or a chamber of commerce (商会)."""

    class Kind(models.TextChoices):
        INDUSTRY_ASSOCIATION = "industry_association", _("Industry association")
        CHAMBER_OF_COMMERCE = "chamber_of_commerce", _("Chamber of commerce")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc]
    )
    region = models.ForeignKey(
        "core.Region", models.PROTECT, related_name="associations", verbose_name=_("home region")
    )
    industries = models.ManyToManyField(
        "core.Industry", blank=True, related_name="associations", verbose_name=_("industries")
    )
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(
        _("contact phone"), max_length=32, blank=True, validators=[validate_phone]
    )
    email = models.EmailField(_("email"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("association")
        verbose_name_plural = _("associations")

    def __str__(self) -> str:
        return self.name


class AssociationUser(models.Model):
    """A staff user (or a partner account bound to an association) working for an association."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="association_links"
    )
    association = models.ForeignKey(Association, models.CASCADE, related_name="user_links")
    is_manager = models.BooleanField(_("manager"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("association user")
        verbose_name_plural = _("association users")
        constraints = [
            models.UniqueConstraint(fields=["user", "association"], name="unique_association_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.association}"


class Membership(models.Model):
    """An enterprise's membership of an association; every status change is kept."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        INVITED = "invited", _("Invited")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        LEFT = "left", _("Left")
        REJECTED = "rejected", _("Rejected")
        DECLINED = "declined", _("Declined")

    # Staff of the association see the enterprise while its membership is one of these...
    VISIBLE_TO_STAFF = (Status.PENDING, Status.ACTIVE, Status.SUSPENDED)
    # ...and act for it (decide claims on it) only while it is a member.
    MEMBER = (Status.ACTIVE, Status.SUSPENDED)
    # Ended: the association keeps the enterprise's record as it was then (`kept_record`).
    ENDED = (Status.LEFT, Status.REJECTED, Status.DECLINED)

    STATUS_TRANSITIONS = {
        # A pending request "leaves" when the enterprise withdraws it.
        Status.PENDING: {Status.ACTIVE, Status.REJECTED, Status.LEFT},
        # An association invites an enterprise registered elsewhere; the enterprise (or, while
        # it has no users, the association that registered it) accepts or declines, and the
        # inviter may withdraw the invitation ("left").
        Status.INVITED: {Status.ACTIVE, Status.DECLINED, Status.LEFT},
        Status.ACTIVE: {Status.SUSPENDED, Status.LEFT},
        Status.SUSPENDED: {Status.ACTIVE, Status.LEFT},
        Status.LEFT: {Status.PENDING, Status.INVITED},
        Status.REJECTED: {Status.PENDING, Status.INVITED},
        Status.DECLINED: {Status.PENDING, Status.INVITED},
    }

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", models.PROTECT, related_name="memberships"
    )
    association = models.ForeignKey(Association, models.PROTECT, related_name="memberships")
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    member_number = models.CharField(_("member number"), max_length=32, blank=True)
    # What the member pays the association a year, when the association records it: a relief
    # scheme waiving dues (in full or by half) grants this amount (relief.services).
    annual_dues = models.DecimalField(
        _("annual dues (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    # The enterprise's record as it was when the membership ended (left, rejected, declined):
    # the association keeps what it had, not what the enterprise changes afterwards.
    kept_record = models.JSONField(_("record kept at the end"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["association_id", "enterprise_id"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "association"], name="unique_enterprise_association"
            )
        ]
        indexes = [models.Index(fields=["association", "status"], name="membership_assoc_status")]

    def __str__(self) -> str:
        return f"{self.enterprise} ∈ {self.association}"

    @property
    def shows_enterprise(self) -> bool:
        """The association's staff may open the enterprise's own page (see VISIBLE_TO_STAFF)."""
        return self.status in self.VISIBLE_TO_STAFF

    @property
    def enterprise_as_known(self):
        """The enterprise as the association knows it: as it is, while it is a member or asks to
        join; while invited, its name, credit code and region only; once the membership ended,
        as it was then (`kept_record`)."""
        model = self._meta.get_field("enterprise").related_model
        if self.status in self.ENDED and self.kept_record is not None:
            return KnownEnterprise(self.kept_record, model)
        if self.status in self.ENDED or self.status == self.Status.INVITED:
            return KnownEnterprise(identity_record(self.enterprise), model)
        return self.enterprise


# What an association may know of an enterprise it has only invited (or that declined).
IDENTITY_FIELDS = ("name", "uscc", "region")


def enterprise_record(enterprise, fields=None) -> dict:
    """An enterprise's record as plain values, to be kept: each field's value (region and
    industry by code), with the region's and industry's names."""
    fields = fields or type(enterprise).EDITABLE_FIELDS
    record = {}
    for name in fields:
        field = enterprise._meta.get_field(name)
        record[name] = getattr(enterprise, field.attname)
    if "region" in record:
        record["region_name"] = enterprise.region.name
    if "industry" in record:
        record["industry_name"] = enterprise.industry.name
    return record


def identity_record(enterprise) -> dict:
    return enterprise_record(enterprise, IDENTITY_FIELDS)


class _Named:
    def __init__(self, code, name):
        self.code, self.pk, self.name = code, code, name

    def __str__(self) -> str:
        return self.name


class KnownEnterprise:
    """A kept record read like an enterprise (what the member pages and exports show); a field
    it does not hold reads blank."""

    TEXT = ("legal_representative", "contact_name", "contact_phone", "address", "revenue_band")

    def __init__(self, record: dict, model):
        self.record, self._sizes = record, dict(model.Size.choices)
        self.name = record.get("name", "")
        self.uscc = record.get("uscc", "")
        self.size = record.get("size", "")
        self.ownership = record.get("ownership", "")
        self.employees = record.get("employees")
        for name in self.TEXT:
            setattr(self, name, record.get(name, ""))
        self.region_id = record.get("region")
        self.industry_id = record.get("industry")
        region_name = record.get("region_name", "")
        self.region = _Named(self.region_id, region_name) if self.region_id else None
        self.industry = (
            _Named(self.industry_id, record.get("industry_name", "")) if self.industry_id else None
        )

    def get_size_display(self) -> str:
        return str(self._sizes.get(self.size, "")) if self.size else ""
