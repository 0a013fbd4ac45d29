"""Periodic demand reports to government: a snapshot of the figures for a scope and a period.

A report is unique per (region, association, period type, period start, version). Its figures
are stored as data with a checksum when it is generated, so that a download is the same bytes
tomorrow and a later change in the source data does not change a published report. An
association's staff review its draft, add remarks and submit it; a submitted report is immutable,
and a correction is version 2.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import in_active_language


class Report(models.Model):
    class PeriodType(models.TextChoices):
        DAY = "day", _("Daily")
        WEEK = "week", _("Weekly")
        MONTH = "month", _("Monthly")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being generated")
        READY = "ready", _("Ready")
        SUBMITTED = "submitted", _("Submitted")
        FAILED = "failed", _("Failed")

    # Generation moves queued → running → ready by itself; people only submit.
    STATUS_TRANSITIONS = {Status.READY: {Status.SUBMITTED}}
    DONE = (Status.READY, Status.SUBMITTED)
    # An association's report for a period is due this long after the period ends.
    DUE_AFTER = {
        PeriodType.DAY: timedelta(days=1),
        PeriodType.WEEK: timedelta(days=3),
        PeriodType.MONTH: timedelta(days=5),
    }

    region = models.ForeignKey(
        "core.Region",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
        help_text=_("Empty: the whole country."),
    )
    association = models.ForeignKey(
        "associations.Association",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("association"),
    )
    period_type = models.CharField(_("period"), max_length=5, choices=PeriodType.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end (exclusive)"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    data = models.JSONField(null=True, blank=True, editable=False)
    checksum = models.CharField(max_length=64, blank=True, editable=False)
    remarks = models.TextField(_("remarks"), blank=True)
    suggestions = models.TextField(_("policy suggestions"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    generated_at = models.DateTimeField(_("generated"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-period_start", "period_type", "association_id", "region_id", "-version"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "association", "period_type", "period_start", "version"],
                name="one_report_per_scope_period_and_version",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=models.F("period_start")),
                name="report_period_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["ready", "submitted"]) | Q(data__isnull=False),
                name="report_ready_has_data",
            ),
        ]
        indexes = [
            models.Index(fields=["period_type", "period_start"], name="report_period"),
        ]

    def __str__(self) -> str:
        return self.title

    def scope_names(self) -> tuple[str | None, str | None]:
        """The association's and the region's names: as they were when the figures were
        computed (the snapshot keeps them, so that a renaming does not change a published
        report's downloads), or as they are now for a report not made yet or read without its
        figures."""
        meta = {}
        if "data" not in self.get_deferred_fields() and self.data:
            meta = self.data.get("meta", {})
        association = meta.get("association") or (
            self.association.name if self.association_id else None
        )
        region = None
        if self.region_id:
            names = meta.get("region_name")
            region = in_active_language(*names) if names else self.region.name
        return association, region

    @property
    def title(self) -> str:
        from reports.periods import period_label

        who, region = self.scope_names()
        where = region if self.region_id else str(_("National"))
        scope = f"{who} · {where}" if who and self.region_id else (who or where)
        version = f" v{self.version}" if self.version > 1 else ""
        return f"{scope} {period_label(self.period_type, self.period_start)}{version}"

    @property
    def last_day(self):
        return self.period_end - timedelta(days=1)

    @property
    def is_association_report(self) -> bool:
        return self.association_id is not None


class ReportFile(models.Model):
    """A download of a report, rendered once and kept with its SHA-256: downloads send these
    bytes instead of rendering again (a large report's PDF takes seconds). Kept per format and
    language; `state` is the digest of what the file shows besides the figures (status,
    submission, remarks), so that a file made before the report was submitted is made again."""

    report = models.ForeignKey(Report, models.CASCADE, related_name="files")
    format = models.CharField(max_length=4)
    language = models.CharField(max_length=16)
    state = models.CharField(max_length=64)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    rendered_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "format", "language"], name="one_file_per_format_and_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.report_id}.{self.format} ({self.language})"


# The figures of a rollup row (docs/decisions/0016-daily-rollups.md): the enterprises' figures as
# at the end of the day, then each kind of need's figures of the day, then labour headcounts.
ENTERPRISE_FIGURES = (
    "members",
    "applied",
    "approved",
    "resumed",
    "resumed_not_members",
    "returning_workers",
)
NEED_KINDS = ("supply", "labour", "difficulty")
NEED_FIGURES_BY_KIND = ("new", "open", "resolved", "escalated", "overdue")
HEADCOUNT_FIGURES = ("headcount_asked", "headcount_filled")
NEED_COLUMNS = tuple(f"{kind}_{name}" for kind in NEED_KINDS for name in NEED_FIGURES_BY_KIND)
ROLLUP_FIGURES = (*ENTERPRISE_FIGURES, *NEED_COLUMNS, *HEADCOUNT_FIGURES)


class RollupQuerySet(models.QuerySet):
    def totals(self) -> "RollupQuerySet":
        """Rows of every industry together (`industry` empty): one per region (or the
        country), association (or all of them) and day."""
        return self.filter(industry__isnull=True)

    def across_associations(self) -> "RollupQuerySet":
        """Rows of all associations together, each enterprise counted once."""
        return self.filter(association__isnull=True)


def _figure_fields() -> dict[str, models.Field]:
    return {name: models.PositiveIntegerField(default=0) for name in ROLLUP_FIGURES}


class Rollup(models.Model):
    """One day's figures for one region, industry and association, kept so that dashboards
    and trends read a few rows instead of the whole history.

    The finest rows are an enterprise's region × its industry (a division) × association.
    Rows with no industry add up every industry of a region at each level — county, city,
    province — and of the whole country (no region). Rows with no association count each
    enterprise once across all associations (a member of two associations is one enterprise).
    """

    day = models.DateField(_("day"))
    region = models.ForeignKey(
        "core.Region", models.PROTECT, null=True, blank=True, related_name="+"
    )
    industry = models.ForeignKey(
        "core.Industry", models.PROTECT, null=True, blank=True, related_name="+"
    )
    association = models.ForeignKey(
        "associations.Association", models.CASCADE, null=True, blank=True, related_name="+"
    )
    locals().update(_figure_fields())

    objects = RollupQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["region", "association", "industry", "day"],
                name="one_rollup_per_region_association_industry_day",
                nulls_distinct=False,
            ),
        ]
        indexes = [
            models.Index(fields=["day", "association", "industry"], name="rollup_day"),
            models.Index(fields=["association", "industry", "day"], name="rollup_association"),
        ]

    def __str__(self) -> str:
        where = self.region_id or "country"
        return f"{self.day} {where} {self.industry_id or '*'} {self.association_id or '*'}"


class RollupDay(models.Model):
    """When a day's rollup was computed, and whether the day was over by then (a rollup of
    today is as at its `computed_at`, and is made again until the day is over)."""

    day = models.DateField(primary_key=True)
    computed_at = models.DateTimeField()
    complete = models.BooleanField(default=False)
    rows = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day} ({'complete' if self.complete else 'as at ' + str(self.computed_at)})"
