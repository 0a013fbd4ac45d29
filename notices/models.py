"""Notices and policy documents an association sends its members, with read receipts and
sign-off (签收): who a notice is for is fixed when it is published, one row per recipient
enterprise (NoticeRecipient)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import KeptWithItsAssociation, unique_with_association
from enterprises.models import Enterprise


class Notice(models.Model):
    class Category(models.TextChoices):
        POLICY = "policy", _("Policy")
        PREVENTION = "prevention", _("Prevention guidance")
        RESUMPTION = "resumption", _("Resumption")
        SUPPLY = "supply", _("Supply")
        MARKET_ORDER = "market_order", _("Market order")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    STATUS_TRANSITIONS = {
        Status.DRAFT: {Status.PUBLISHED},
        Status.PUBLISHED: {Status.WITHDRAWN},
    }

    association = models.ForeignKey(
        "associations.Association", models.PROTECT, related_name="notices"
    )
    title = models.CharField(_("title"), max_length=200)
    document_number = models.CharField(_("document number (文号)"), max_length=64, blank=True)
    # Markdown, rendered on the server with raw HTML escaped (notices.text).
    body = models.TextField(_("text"), max_length=50_000)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # Sign-off: each recipient enterprise acknowledges it (optionally replying), by `sign_by`.
    needs_sign_off = models.BooleanField(_("ask each recipient to sign for it"), default=False)
    sign_by = models.DateField(_("sign by"), null=True, blank=True)

    # Who it is for, applied when it is published: the association's members whose membership
    # has one of `member_statuses`, inside any of the regions, of any of the industries, of any
    # of the sizes (each only when it names any); or only the enterprises hand-picked.
    member_statuses = models.JSONField(_("membership statuses"), default=list, blank=True)
    regions = models.ManyToManyField(
        "core.Region", related_name="+", blank=True, through="NoticeRegion"
    )
    industries = models.ManyToManyField(
        "core.Industry", related_name="+", blank=True, through="NoticeIndustry"
    )
    sizes = models.JSONField(_("sizes"), default=list, blank=True)
    picked = models.ManyToManyField(Enterprise, related_name="+", blank=True, through="NoticePick")

    # A policy: listed on the pages of the enterprises it applies to ("policies for you").
    is_policy = models.BooleanField(_("a policy enterprises may apply for"), default=False)
    policy_regions = models.ManyToManyField(
        "core.Region", related_name="+", blank=True, through="NoticePolicyRegion"
    )
    policy_industries = models.ManyToManyField(
        "core.Industry", related_name="+", blank=True, through="NoticePolicyIndustry"
    )
    policy_sizes = models.JSONField(_("sizes the policy is for"), default=list, blank=True)

    # A correction is a new version pointing to the one it corrects.
    # At most one per notice (`one_correction_per_notice`, with the association: a correction is
    # of a notice of the same association).
    previous = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    version = models.PositiveIntegerField(default=1)

    published_at = models.DateTimeField(null=True, blank=True)
    # Recipients are written by a task after publishing (notices.tasks): how many, and when done.
    recipients_total = models.PositiveIntegerField(null=True, blank=True)
    recipients_written_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdraw_reason = models.TextField(_("why it is withdrawn"), blank=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [models.Index(fields=["association", "status"], name="notice_assoc_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["previous", "association"], name="one_correction_per_notice"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def correction(self) -> "Notice | None":
        """The version that corrects this one, if any (read from `corrections` when fetched
        with the notice)."""
        return next(iter(self.corrections.all()), None)


class NoticeRecipient(KeptWithItsAssociation):
    """One enterprise a published notice is addressed to: whether and when it was read and
    signed for, and by whom (with the notice's association)."""

    association_parent = "notice"

    notice = models.ForeignKey(Notice, models.CASCADE, related_name="recipients")
    enterprise = models.ForeignKey(Enterprise, models.PROTECT, related_name="notices_received")
    # The enterprise's region when the notice was published: what officials count by.
    region = models.ForeignKey("core.Region", models.PROTECT, related_name="+")
    read_at = models.DateTimeField(null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reply = models.TextField(_("reply"), max_length=1000, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = unique_with_association("notice", "enterprise", name="notice_recipient_once")
        indexes = [
            # An enterprise's unread notices (the count in the top bar) without counting the
            # ones it has read.
            models.Index(
                fields=["enterprise"],
                name="notice_unread",
                condition=models.Q(read_at__isnull=True),
            ),
            models.Index(fields=["notice", "region"], name="notice_recipient_region"),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.enterprise_id}"


# Who a notice is for and what a policy covers, one table each (the notice's many-to-many
# relations), every row with the notice's association. Written through `core.models.set_links`.


class OfItsNotice(KeptWithItsAssociation):
    association_parent = "notice"

    notice = models.ForeignKey(Notice, models.CASCADE)

    class Meta:
        abstract = True


class NoticeRegion(OfItsNotice):
    region = models.ForeignKey("core.Region", models.CASCADE)

    class Meta:
        db_table = "notices_notice_regions"
        constraints = unique_with_association("notice", "region", name="notice_region_once")


class NoticeIndustry(OfItsNotice):
    industry = models.ForeignKey("core.Industry", models.CASCADE)

    class Meta:
        db_table = "notices_notice_industries"
        constraints = unique_with_association("notice", "industry", name="notice_industry_once")


class NoticePick(OfItsNotice):
    enterprise = models.ForeignKey(Enterprise, models.CASCADE)

    class Meta:
        db_table = "notices_notice_picked"
        constraints = unique_with_association("notice", "enterprise", name="notice_pick_once")


class NoticePolicyRegion(OfItsNotice):
    region = models.ForeignKey("core.Region", models.CASCADE)

    class Meta:
        db_table = "notices_notice_policy_regions"
        constraints = unique_with_association("notice", "region", name="notice_policy_region_once")


class NoticePolicyIndustry(OfItsNotice):
    industry = models.ForeignKey("core.Industry", models.CASCADE)

    class Meta:
        db_table = "notices_notice_policy_industries"
        constraints = unique_with_association(
            "notice", "industry", name="notice_policy_industry_once"
        )
