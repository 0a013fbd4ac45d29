"""Demand reports through the REST API: list and read them, ask for one, follow its generation,
download it (CSV, XLSX, PDF), the association's review (remarks, submission, a correction as a
new version) and, for officials, which associations reported.

Reads go through reports.selectors (already scoped to the caller: out of scope answers 404);
every write is one call to reports.services, whose one domain error answers 400, or 409 for
what the report's status does not allow.
"""

import django_filters
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.settings import api_settings

from associations.models import Association
from core.api.filters import RegionCodeField as RegionCodeFormField
from core.api.filters import UpdatedSinceFilterSet
from core.api.serializers_common import EventSerializer, ReasonSerializer, RegionCodeField
from core.errors import Conflict, DomainError
from core.filters import IdFilter
from core.replica import replica_reads
from core.workflow import history_for
from reports import access, rendering, selectors, services
from reports.figures import mask_personal
from reports.models import Report
from supplies.api.filters import AliasOrderingFilter

FORMATS = services.FILE_FORMATS  # downloads, rendered once (services.stored_file)
# Reports are about the recent past: outside these years a day is a typing error, and one near
# the ends of the calendar has no period around it.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
CONFLICT = OpenApiResponse(
    description="Not allowed from the report's current status (`current_status` says which)"
)


def _plausible_day(value):
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise serializers.ValidationError(
            _("Give a day between the years %(first)d and %(last)d.")
            % {"first": EARLIEST_YEAR, "last": LATEST_YEAR}
        )
    return value


# --- serializers --------------------------------------------------------------------------


class PreparingSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(help_text="`preparing`")


class GenerationProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField(help_text="Sections computed so far")
    total = serializers.IntegerField(help_text="Sections in a report")


class ReportSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="This report in the API")
    title = serializers.CharField(read_only=True)
    region = serializers.CharField(
        source="region_id",
        read_only=True,
        allow_null=True,
        help_text="GB/T 2260 code of the region reported on; null for the whole country, or "
        "for an association's report (all its members)",
    )
    region_name = serializers.CharField(
        source="region.name", read_only=True, allow_null=True, default=None
    )
    association = serializers.IntegerField(
        source="association_id",
        read_only=True,
        allow_null=True,
        help_text="The association reported on (id); null for a report on a region",
    )
    association_name = serializers.CharField(
        source="association.name", read_only=True, allow_null=True, default=None
    )
    progress = serializers.SerializerMethodField()
    remarks = serializers.SerializerMethodField(help_text="The association's remarks")
    suggestions = serializers.SerializerMethodField(help_text="Its policy suggestions")
    downloads = serializers.SerializerMethodField(
        help_text="Where to download the report, by format, once it is ready"
    )

    class Meta:
        model = Report
        fields = [
            "id",
            "url",
            "title",
            "region",
            "region_name",
            "association",
            "association_name",
            "period_type",
            "period_start",
            "period_end",
            "version",
            "status",
            "progress",
            "checksum",
            "generated_at",
            "submitted_at",
            "remarks",
            "suggestions",
            "downloads",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "period_end": {"help_text": "The day after the period's last day"},
            "checksum": {"help_text": "SHA-256 of the figures (`data`), as in every download"},
        }

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_url(self, report: Report) -> str:
        return self._absolute(reverse("api:report-detail", args=[report.pk]))

    @extend_schema_field(GenerationProgressSerializer)
    def get_progress(self, report: Report) -> dict:
        return services.progress_of(report)

    # Free text is masked as in the downloads: a report never shows a phone or ID number.
    def get_remarks(self, report: Report) -> str:
        return mask_personal(report.remarks)

    def get_suggestions(self, report: Report) -> str:
        return mask_personal(report.suggestions)

    @extend_schema_field(
        serializers.DictField(child=serializers.URLField(), help_text="csv, xlsx and pdf")
    )
    def get_downloads(self, report: Report) -> dict:
        if report.status not in Report.DONE:
            return {}
        path = reverse("api:report-download", args=[report.pk])
        return {name: self._absolute(f"{path}?format={name}") for name in FORMATS}


class ReportDetailSerializer(ReportSerializer):
    data = serializers.JSONField(
        read_only=True,
        help_text="The figures, as computed when the report was generated: sections "
        "progress, needs, supplies, services, relief, complaints, urgent, headline, names and "
        "meta (reports made before support services, relief and complaints were counted have "
        "no such sections). `complaints`: by category, the business's region and section "
        "(blank for a non-member), filed, upheld for the first time and handed to market "
        "regulation in the period (docs/decisions/0022). `services`: requests made and "
        "resolved for the first time in the period; "
        "`relief`: per scheme, the enterprises and yuan of grants held at the period's end and "
        "of those revoked in it, amounts as text with two decimals (docs/decisions/0019); "
        "`names.schemes` names each scheme, its kind and its association. Each figure is defined "
        "in docs/decisions/0002 (memberships and applications as at the period's end, from "
        "their history; `resumed` counts members only and `resumed_not_members` the others; "
        "`rate` = resumed ÷ members as text to four decimal places, half to even). `urgent` "
        "names at most 200 needs with `total` the number there are; the CSV and XLSX downloads "
        "list all of them.",
    )
    allowed_actions = serializers.SerializerMethodField(
        help_text="What the caller may do to this report now, by action name: `remarks`, "
        "`submit`, `revise` (the association's side, as the report's status and version "
        "allow) and `download` (once it is generated)"
    )

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "data", "allowed_actions"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, report: Report) -> list[str]:
        return access.allowed_actions(self.context["request"].user, report)


class ReportRequestSerializer(serializers.Serializer):
    period_type = serializers.ChoiceField(choices=Report.PeriodType.choices)
    day = serializers.DateField(
        help_text="Any day of the period; the period must have ended (yesterday at the latest)"
    )
    region = RegionCodeField(
        required=False,
        allow_null=True,
        help_text="GB/T 2260 code of the region to report on (officials: inside the "
        "jurisdiction, which is the default)",
    )
    association = serializers.PrimaryKeyRelatedField(
        queryset=Association.objects.all(),
        required=False,
        allow_null=True,
        help_text="The association to report on (id); staff: one of theirs",
    )

    def validate_day(self, value):
        return _plausible_day(value)


class RemarksSerializer(serializers.Serializer):
    remarks = serializers.CharField(
        required=False, allow_blank=True, max_length=10000, help_text="Left as it is if absent"
    )
    suggestions = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=10000,
        help_text="Policy suggestions; left as they are if absent",
    )


class CompletenessQuerySerializer(serializers.Serializer):
    period_type = serializers.ChoiceField(choices=Report.PeriodType.choices)
    day = serializers.DateField(help_text="Any day of the period")

    def validate_day(self, value):
        return _plausible_day(value)


class CompletenessRowSerializer(serializers.Serializer):
    association = serializers.IntegerField(source="association.pk")
    association_name = serializers.CharField(source="association.name")
    region = serializers.CharField(source="association.region_id", help_text="GB/T 2260 code")
    state = serializers.ChoiceField(choices=["on_time", "late", "not_submitted"])
    submitted_at = serializers.DateTimeField(allow_null=True)
    generated = serializers.BooleanField(help_text="Its report for the period has been made")
    overdue = serializers.BooleanField(help_text="Not submitted, and the due time has passed")


class CompletenessCountsSerializer(serializers.Serializer):
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    not_submitted = serializers.IntegerField()


class CompletenessSerializer(serializers.Serializer):
    period_type = serializers.ChoiceField(choices=Report.PeriodType.choices)
    start = serializers.DateField()
    end = serializers.DateField(help_text="The day after the period's last day")
    due = serializers.DateTimeField(help_text="When an association's report is due")
    total = serializers.IntegerField(help_text="Associations in the jurisdiction")
    counts = CompletenessCountsSerializer()
    rate = serializers.FloatField(
        allow_null=True, help_text="Share submitted on time (0.5 is 50%); null without any"
    )
    rows = CompletenessRowSerializer(many=True)


# --- filters and negotiation --------------------------------------------------------------


class ScopeRegionFilter(django_filters.Filter):
    """`?region=440000`: reports on exactly that region (not the regions below it)."""

    field_class = RegionCodeFormField

    def filter(self, qs, value):
        return qs if value is None else qs.filter(region=value)


class ReportFilterSet(UpdatedSinceFilterSet):
    period_start_from = django_filters.DateFilter(
        field_name="period_start", lookup_expr="gte", label=gettext_lazy("Periods from this day")
    )
    period_start_to = django_filters.DateFilter(
        field_name="period_start",
        lookup_expr="lte",
        label=gettext_lazy("Periods starting on or before this day"),
    )
    region = ScopeRegionFilter(label=gettext_lazy("Region reported on (GB/T 2260 code)"))
    association = IdFilter(
        field_name="association_id", label=gettext_lazy("Association reported on (id)")
    )

    class Meta:
        model = Report
        fields = ["period_type", "period_start", "status", "version"]


class _NoFormatOverride:
    """DRF's settings, except that `?format=` does not choose a renderer: on the download it
    names the file format instead."""

    URL_FORMAT_OVERRIDE = None

    def __getattr__(self, name):
        return getattr(api_settings, name)


class DownloadNegotiation(DefaultContentNegotiation):
    settings = _NoFormatOverride()


# --- the view -----------------------------------------------------------------------------


class ReportViewSet(viewsets.ReadOnlyModelViewSet):
    """Demand reports to government: resumption progress, needs, supplies, urgent and escalated
    items and the change against the previous period, per region or per association, daily,
    weekly or monthly.

    Staff see their associations' reports, review them (remarks) and submit them; a submitted
    report does not change, and a correction is a new version. Officials see the reports on
    regions inside their jurisdiction and the submitted reports of associations there. Anyone
    who sees a report may ask for one (`POST`, answered 202 while it is generated: follow
    `url` until `status` is `ready`) and download it as CSV, XLSX or PDF. A report's detail
    names what the caller may do to it now (`allowed_actions`)."""

    filterset_class = ReportFilterSet
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, AliasOrderingFilter]
    ordering_fields = ["id", "period_start", "version", "generated_at", "updated_at"]
    ordering = ["-period_start", "period_type", "association_id", "region_id", "-version", "id"]
    lookup_value_regex = r"\d+"
    permission_actions = {
        "list": "report.view",
        "retrieve": "report.view",
        "download": "report.view",
        "history": "report.view",
        "create": "report.request",
        "remarks": "report.review",
        "submit": "report.review",
        "revise": "report.review",
        "completeness": "report.completeness",
    }

    def get_queryset(self):
        reports = selectors.report_list(user=self.request.user)
        if self.action in ("retrieve", "download"):
            return selectors.with_data(reports)
        return reports

    # Lists, reports and their files are read from the replica when it is fit (core.replica);
    # asking for a report and the review are writes, on the primary.
    @replica_reads
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @replica_reads
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    def get_serializer_class(self):
        return ReportDetailSerializer if self.action == "retrieve" else ReportSerializer

    def _answer(self, report: Report, **kwargs) -> Response:
        fresh = selectors.report_list(user=self.request.user).filter(pk=report.pk).first()
        serializer = ReportSerializer(fresh or report, context=self.get_serializer_context())
        return Response(serializer.data, **kwargs)

    @extend_schema(
        request=ReportRequestSerializer,
        responses={
            202: OpenApiResponse(
                ReportSerializer, description="Queued or being generated: follow `url`"
            ),
            200: OpenApiResponse(ReportSerializer, description="Ready already"),
            400: OpenApiResponse(description="Not valid (the field says why)"),
        },
    )
    def create(self, request, *args, **kwargs):
        """Ask for the report on a scope and a period that has ended. Asked twice, or by two
        people, it is one report; a report that failed is tried again."""
        serializer = ReportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = services.report_request(actor=request.user, **serializer.validated_data)
        done = report.status in Report.DONE
        response = self._answer(report, status=status.HTTP_200_OK if done else 202)
        response["Location"] = response.data["url"]
        return response

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "format",
                str,
                enum=[*FORMATS],
                required=True,
                description="csv (UTF-8 with BOM), xlsx or pdf",
            )
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, rendering.CONTENT_TYPES["xlsx"]): OpenApiTypes.BINARY,
            (200, "application/pdf"): OpenApiTypes.BINARY,
            400: OpenApiResponse(description="Unknown format"),
            202: OpenApiResponse(
                response=PreparingSerializer,
                description=(
                    "A large report's file is being rendered by a worker: ask again after "
                    "`Retry-After` seconds"
                ),
            ),
            409: OpenApiResponse(description="Not generated yet: try again once it is ready"),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        content_negotiation_class=DownloadNegotiation,
        pagination_class=None,
        filterset_class=None,
    )
    @replica_reads
    def download(self, request, pk=None):
        """The report as a file: `report-<id>-v<version>.<format>`. The same report gives the
        same bytes every time; its checksum is in the file."""
        report = self.get_object()
        file_format = request.query_params.get("format", "")
        if file_format not in FORMATS:
            message = _("Choose a format: csv, xlsx or pdf.")
            raise DomainError(message, fields={"format": [message]})
        if report.status not in Report.DONE:
            raise Conflict(
                _("The report is not ready yet (%(status)s): download it once it is.")
                % {"status": report.get_status_display()},
                code="not_ready",
                current_status=report.status,
            )
        kept = services.file_to_send(report, file_format)
        if kept is None:
            wait = services.PREPARING_RETRY_SECONDS
            message = _("The file is being prepared: ask again in %(seconds)d seconds.")
            response = Response(
                {"detail": message % {"seconds": wait}, "code": "preparing"}, status=202
            )
            response["Retry-After"] = str(wait)
            return response
        response = HttpResponse(
            bytes(kept.content), content_type=rendering.CONTENT_TYPES[file_format]
        )
        response["X-Content-SHA256"] = kept.sha256
        response["Content-Disposition"] = content_disposition_header(
            True, rendering.filename(report, file_format)
        )
        return response

    @extend_schema(request=RemarksSerializer, responses={200: ReportSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def remarks(self, request, pk=None):
        """The association's remarks and policy suggestions on its ready report."""
        serializer = RemarksSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = services.report_update_remarks(
            actor=request.user, report_id=self.get_object().pk, **serializer.validated_data
        )
        return self._answer(report)

    @extend_schema(request=RemarksSerializer, responses={200: ReportSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit the association's ready report to government (with last remarks, if given).
        From then on it does not change: a correction is a new version (`revise`)."""
        serializer = RemarksSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = services.report_submit(
            actor=request.user, report_id=self.get_object().pk, **serializer.validated_data
        )
        return self._answer(report)

    @extend_schema(request=ReasonSerializer, responses={201: ReportSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        """Correct a submitted report: a new version with fresh figures and the same remarks,
        generated now, to review and submit again. The submitted version stays as it was."""
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        revision = services.report_revise(
            actor=request.user, report_id=self.get_object().pk, **serializer.validated_data
        )
        return self._answer(revision, status=status.HTTP_201_CREATED)

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        """What happened to the report, oldest first: who, when, the action, from and to which
        status, why, and the changed fields (remarks are masked as in the report)."""
        report = self.get_object()
        events = EventSerializer(history_for(report), many=True).data
        if report.association_id is not None and not access.may_review(request.user, report):
            # Government reads the association's report, not its drafts nor who did what: the
            # status changes only, as the page shows them none.
            events = [
                {**event, "actor": None, "reason": "", "changes": {}}
                for event in events
                if event["to_status"]
            ]
        return Response(events)

    @extend_schema(parameters=[CompletenessQuerySerializer], responses=CompletenessSerializer)
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    @replica_reads
    def completeness(self, request):
        """Which associations in the jurisdiction submitted their report for a period: on time,
        late, or not (yet)."""
        query = CompletenessQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        figures = selectors.completeness(user=request.user, **query.validated_data)
        figures["due"] = timezone.localtime(figures["due"])
        return Response(CompletenessSerializer(figures).data)
