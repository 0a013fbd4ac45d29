"""Practice cases: how an enterprise got through the epidemic, written up by its association for
the other members to learn from (issue #16)."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise


class Tag(models.TextChoices):
    ONLINE_SALES = "online_sales", _("Online sales")
    CONTACTLESS_DELIVERY = "contactless_delivery", _("Contactless delivery")
    REMOTE_WORK = "remote_work", _("Remote work")
    SHARED_STAFFING = "shared_staffing", _("Shared staffing")
    DIGITAL_TRANSFORMATION = "digital_transformation", _("Digital transformation")
    ONLINE_EDUCATION = "online_education", _("Online education")
    INTERNET_HEALTHCARE = "internet_healthcare", _("Internet healthcare")
    UNMANNED_SERVICES = "unmanned_services", _("Unmanned services")
    OTHER = "other", _("Other")


class Case(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEWED = "reviewed", _("Reviewed")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    STATUS_TRANSITIONS = {
        Status.DRAFT: {Status.REVIEWED, Status.ARCHIVED},
        Status.REVIEWED: {Status.PUBLISHED, Status.DRAFT, Status.ARCHIVED},
        Status.PUBLISHED: {Status.ARCHIVED},
        Status.ARCHIVED: {Status.DRAFT},
    }

    association = models.ForeignKey(
        "associations.Association", models.PROTECT, related_name="cases"
    )
    title = models.CharField(_("title"), max_length=200)
    enterprise_name = models.CharField(_("enterprise"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), max_length=1000)
    problem = models.TextField(_("the problem"), blank=True)
    actions = models.TextField(_("what the enterprise did"), blank=True)
    results = models.TextField(_("results, with figures"), blank=True)
    industry = models.ForeignKey(
        "core.Industry",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("industry"),
    )
    region = models.ForeignKey(
        "core.Region",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
    )
    size = models.CharField(_("size"), max_length=8, choices=Enterprise.Size.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    helped_count = models.PositiveIntegerField(_("helped"), default=0)
    # The segmented words (space-separated), computed in Python at save: what SQLite's fallback
    # searches (empty on PostgreSQL, where the vector holds them).
    search_text = models.TextField(default="", editable=False)
    # PostgreSQL: setweight(title, A) || summary B || the rest C over `simple`; NULL on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = _("practice case")
        verbose_name_plural = _("practice cases")
        ordering = ("-published_at", "-id")
        # The library's and the API's order, newest first (read backwards): without it a page
        # sorted a million cases of the national set (1.4 s).
        indexes = [models.Index(fields=["published_at", "id"], name="case_newest")]

    def __str__(self) -> str:
        return self.title

    @property
    def tag_values(self) -> list[str]:
        return [t.tag for t in self.tags.all()]

    @property
    def body(self) -> str:
        return "\n".join(x for x in (self.problem, self.actions, self.results) if x)


class CaseTag(models.Model):
    case = models.ForeignKey(Case, models.CASCADE, related_name="tags")
    tag = models.CharField(_("tag"), max_length=32, choices=Tag.choices, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=("case", "tag"), name="case_tag_once")]

    def __str__(self) -> str:
        return self.get_tag_display()


class CaseHelped(models.Model):
    """One person's "this helped me" on a case: once per person."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="helped_marks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=("case", "user"), name="case_helped_once")]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.user_id}"
