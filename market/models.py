"""Complaints about businesses (price gouging, counterfeit goods, hoarding…), handled by an
association, and the self-discipline pledges its members sign."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import KeptWithItsAssociation

# A complaint may be extended once, to this many working days in all.
EXTENDED_RESOLVE_DAYS = 30
# A closed complaint may be reopened within this many calendar days.
REOPEN_DAYS = 30


class Complaint(models.Model):
    class Category(models.TextChoices):
        PRICE_GOUGING = "price_gouging", _("Price gouging")
        COUNTERFEIT = "counterfeit", _("Counterfeit or shoddy goods")
        HOARDING = "hoarding", _("Hoarding")
        FALSE_ADVERTISING = "false_advertising", _("False advertising")
        UNFAIR_COMPETITION = "unfair_competition", _("Unfair competition")
        BREACH_OF_CONTRACT = "breach_of_contract", _("Breach of contract")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        OUTSIDE_REMIT = "outside_remit", _("Outside our remit")
        DUPLICATE = "duplicate", _("Duplicate")
        INVESTIGATING = "investigating", _("Investigating")
        MEDIATION = "mediation", _("In mediation")
        UPHELD = "upheld", _("Upheld")
        NOT_UPHELD = "not_upheld", _("Not upheld")
        CLOSED = "closed", _("Closed")

    S = Status
    STATUS_TRANSITIONS = {
        S.SUBMITTED: {S.ACCEPTED, S.OUTSIDE_REMIT, S.DUPLICATE},
        S.ACCEPTED: {S.INVESTIGATING},
        S.INVESTIGATING: {S.MEDIATION, S.UPHELD, S.NOT_UPHELD},
        S.MEDIATION: {S.UPHELD, S.NOT_UPHELD},
        S.UPHELD: {S.CLOSED},
        S.NOT_UPHELD: {S.CLOSED},
        # reopened, with a reason, within REOPEN_DAYS of its closing
        S.CLOSED: {S.INVESTIGATING},
    }
    # Still in the association's hands: the time limits run.
    OPEN = (S.SUBMITTED, S.ACCEPTED, S.INVESTIGATING, S.MEDIATION)
    DECIDED = (S.UPHELD, S.NOT_UPHELD)

    association = models.ForeignKey(
        "associations.Association", models.PROTECT, related_name="complaints"
    )
    complainant = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    complainant_enterprise = models.ForeignKey(
        "enterprises.Enterprise", models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The business complained about: a member (then its users may answer) or any business named.
    respondent = models.ForeignKey(
        "enterprises.Enterprise",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints_received",
    )
    respondent_name = models.CharField(_("business complained about"), max_length=200)
    respondent_credit_code = models.CharField(
        _("its unified social credit code, if known"), max_length=18, blank=True
    )
    respondent_region = models.ForeignKey(
        "core.Region", models.PROTECT, related_name="+", verbose_name=_("its region")
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    what_happened = models.TextField(_("what happened"))
    happened_on = models.DateField(_("when"))
    place = models.CharField(_("where"), max_length=200)
    show_identity = models.BooleanField(_("the business may see who complained"), default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    # Triage: where to go instead (outside the remit), or the complaint it repeats.
    referral = models.TextField(_("where to go instead"), blank=True)
    duplicate_of = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="duplicates"
    )
    verify_by = models.DateField(_("looked at by"))
    answer_by = models.DateField(_("first answer by"))
    resolve_by = models.DateField(_("resolved by"))
    extended_at = models.DateTimeField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)
    decision = models.TextField(_("decision"), blank=True)
    # Kept when the complaint is closed: whether it was upheld (a breach of a pledge if signed).
    upheld = models.BooleanField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)  # first answer to the complainant
    respondent_answer = models.TextField(_("the business's answer"), blank=True)
    respondent_answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["association", "status", "created_at"]),
            models.Index(fields=["respondent", "status"]),
            # the staff's queue: the open ones, the nearest time limit first
            models.Index(
                fields=["association", "resolve_by", "created_at", "id"],
                condition=models.Q(
                    status__in=["submitted", "accepted", "investigating", "mediation"]
                ),
                name="complaint_open_queue",
            ),
        ]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")

    def __str__(self) -> str:
        return f"#{self.pk} {self.respondent_name}"

    @property
    def is_overdue(self) -> bool:
        """Past the time limit of the stage it is in: triage, first answer, resolution."""
        if self.status not in self.OPEN:
            return False
        today = timezone.localdate()
        if self.status == self.S.SUBMITTED:
            return today > self.verify_by
        if self.answered_at is None and today > self.answer_by:
            return True
        return today > self.resolve_by


class HandOff(KeptWithItsAssociation):
    """A complaint passed to market regulation: which department, when, under which number
    (with the complaint's association)."""

    association_parent = "complaint"

    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="hand_offs")
    department = models.CharField(_("department"), max_length=200)
    handed_on = models.DateField(_("handed over on"))
    reference = models.CharField(_("reference number"), max_length=100)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.department} {self.reference}"


class Pledge(models.Model):
    """A self-discipline pledge an association asks its members to sign (e.g. on prices during
    the emergency). Its text is versioned: a new version asks every member to sign again."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    STATUS_TRANSITIONS = {
        Status.DRAFT: {Status.PUBLISHED},
        Status.PUBLISHED: {Status.WITHDRAWN},
    }

    association = models.ForeignKey(
        "associations.Association", models.PROTECT, related_name="pledges"
    )
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")

    def __str__(self) -> str:
        return self.title


class PledgeVersion(models.Model):
    pledge = models.ForeignKey(Pledge, models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField(_("text"))
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pledge", "number"]
        constraints = [
            models.UniqueConstraint(fields=["pledge", "number"], name="pledge_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.pledge} v{self.number}"


class PledgeSignature(models.Model):
    """A member's signature of one version, by one of its enterprise users; withdrawn with a
    reason. One standing signature per version and enterprise."""

    version = models.ForeignKey(PledgeVersion, models.PROTECT, related_name="signatures")
    pledge = models.ForeignKey(Pledge, models.PROTECT, related_name="signatures")
    enterprise = models.ForeignKey("enterprises.Enterprise", models.PROTECT, related_name="+")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    signer_name = models.CharField(_("name of the signer"), max_length=100)
    signer_title = models.CharField(_("title of the signer"), max_length=100)
    signed_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdraw_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("pledge signature")
        verbose_name_plural = _("pledge signatures")
        ordering = ["-signed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "enterprise"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="one_standing_signature_per_version",
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} v{self.version_id}"
