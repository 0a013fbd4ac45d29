from django.conf import settings
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
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        LEFT = "left", _("Left")
        REJECTED = "rejected", _("Rejected")

    # Staff of the association see the enterprise while its membership is one of these...
    VISIBLE_TO_STAFF = (Status.PENDING, Status.ACTIVE, Status.SUSPENDED)
    # ...and act for it (edit it, decide claims on it) only while it is a member.
    MEMBER = (Status.ACTIVE, Status.SUSPENDED)

    STATUS_TRANSITIONS = {
        # A pending request "leaves" when the enterprise withdraws it.
        Status.PENDING: {Status.ACTIVE, Status.REJECTED, Status.LEFT},
        Status.ACTIVE: {Status.SUSPENDED, Status.LEFT},
        Status.SUSPENDED: {Status.ACTIVE, Status.LEFT},
        Status.LEFT: {Status.PENDING},
        Status.REJECTED: {Status.PENDING},
    }

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", models.PROTECT, related_name="memberships"
    )
    association = models.ForeignKey(Association, models.PROTECT, related_name="memberships")
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    member_number = models.CharField(_("member number"), max_length=32, blank=True)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
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
