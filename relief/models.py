"""Hardship assessments, relief schemes and the grants made under them, in batches."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}


class Grade(models.TextChoices):
    SEVERE = "severe", _("Severe")
    MODERATE = "moderate", _("Moderate")
    MILD = "mild", _("Mild")


class HardshipAssessment(models.Model):
    """How hard an enterprise is hit in a month: asked for by the enterprise, graded by staff."""

    class Cause(models.TextChoices):
        EPIDEMIC = "epidemic", _("Epidemic")
        FLOOD = "flood", _("Flood")
        EARTHQUAKE = "earthquake", _("Earthquake")
        SUPPLY_CHAIN = "supply_chain", _("Supply chain")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ASSESSED = "assessed", _("Assessed")
        REFUSED = "refused", _("Refused")

    STATUS_TRANSITIONS = {Status.REQUESTED: {Status.ASSESSED, Status.REFUSED}}

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", models.PROTECT, related_name="hardship_assessments"
    )
    association = models.ForeignKey(
        "associations.Association", models.PROTECT, related_name="hardship_assessments"
    )
    period = models.DateField(_("month"), help_text=_("The first day of the month."))
    revenue_drop_percent = models.DecimalField(
        _("revenue drop (%)"), max_digits=5, decimal_places=2
    )
    months_of_cash = models.DecimalField(_("months of cash left"), max_digits=5, decimal_places=1)
    orders_lost = models.PositiveIntegerField(_("orders lost"), default=0)
    workers_not_back = models.PositiveIntegerField(_("workers not back"), default=0)
    rent_burden_percent = models.DecimalField(
        # xgettext:no-python-format
        _("rent burden (% of revenue)"),
        max_digits=5,
        decimal_places=2,
        default=0,
    )
    cause = models.CharField(_("cause"), max_length=16, choices=Cause.choices)
    computed_grade = models.CharField(max_length=8, choices=Grade.choices, blank=True)
    grade = models.CharField(_("grade"), max_length=8, choices=Grade.choices, blank=True)
    override_reason = models.TextField(_("reason for another grade"), blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period", "-id"]
        indexes = [
            # An enterprise's latest assessed assessment with an association
            # (relief.selectors.latest_assessments), probed once per enterprise.
            models.Index(
                fields=["association", "enterprise", "-period"],
                name="hardship_latest",
                condition=models.Q(status="assessed"),
            ),
            # The hardest-hit list's first page, read in its order (worst revenue drop, least
            # cash) rather than sorting every severe assessment (relief.assessment_selectors).
            models.Index(
                fields=["-revenue_drop_percent", "months_of_cash"],
                name="hardship_hardest",
                condition=models.Q(status="assessed", grade="severe"),
            ),
        ]
        verbose_name = _("hardship assessment")
        verbose_name_plural = _("hardship assessments")

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.period:%Y-%m}"


class ReliefScheme(models.Model):
    """An association's relief: what it gives, to whom, and how much money it may spend."""

    class Kind(models.TextChoices):
        DUES_WAIVED_FULL = "dues_full", _("Dues waived in full")
        DUES_WAIVED_HALF = "dues_half", _("Dues waived by half")
        DUES_DEFERRED = "dues_deferred", _("Dues deferred")
        RENT_REFERRAL = "rent_referral", _("Rent reduction referral")
        LOAN = "loan", _("Loan facilitation")
        PRIORITY_MATCHING = "priority", _("Priority matching")
        SUBSIDY = "subsidy", _("Subsidy")

    association = models.ForeignKey(
        "associations.Association", models.PROTECT, related_name="relief_schemes"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    grades = models.JSONField(_("eligible grades"), default=list)
    sizes = models.JSONField(_("eligible sizes"), default=list, blank=True)
    regions = models.ManyToManyField("core.Region", related_name="+", blank=True)
    industries = models.ManyToManyField("core.Industry", related_name="+", blank=True)
    budget = models.DecimalField(_("budget (yuan)"), **MONEY)
    # For dues schemes: the member's annual dues (or half of them) is the amount.
    amount_per_grant = models.DecimalField(_("amount per grant (yuan)"), **MONEY)
    active_from = models.DateField(_("active from"))
    active_to = models.DateField(_("active to"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-active_from", "-id"]
        verbose_name = _("relief scheme")
        verbose_name_plural = _("relief schemes")

    def __str__(self) -> str:
        return self.name


class ReliefGrantBatch(models.Model):
    """Grants proposed together by staff and approved or rejected together by a manager."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    STATUS_TRANSITIONS = {Status.PROPOSED: {Status.APPROVED, Status.REJECTED}}

    scheme = models.ForeignKey(ReliefScheme, models.PROTECT, related_name="grant_batches")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.scheme_id} #{self.pk}"


class ReliefGrant(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        GRANTED = "granted", _("Granted")
        REVOKED = "revoked", _("Revoked")
        REJECTED = "rejected", _("Rejected")

    STATUS_TRANSITIONS = {
        Status.PROPOSED: {Status.GRANTED, Status.REJECTED},
        Status.GRANTED: {Status.REVOKED},
    }

    batch = models.ForeignKey(ReliefGrantBatch, models.PROTECT, related_name="grants")
    scheme = models.ForeignKey(ReliefScheme, models.PROTECT, related_name="grants")
    enterprise = models.ForeignKey("enterprises.Enterprise", models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    revoke_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("relief grant")
        verbose_name_plural = _("relief grants")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.enterprise_id}: {self.amount}"
