"""Resumption batches and applications through the REST API.

Reads go through batches.selectors (already scoped to the caller: out of scope answers 404);
every write is one call to batches.services, which checks the rules, keeps the history and
answers the one domain error (400, or 409 for a transition the status does not allow).
"""

import django_filters
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from associations.models import Association
from batches import selectors, services
from batches.models import Application, Batch
from core.access import scope_of
from core.api.filters import IndustryFilter, RegionSubtreeFilter, UpdatedSinceFilterSet
from core.api.serializers_common import (
    EventSerializer,
    IndustryCodeField,
    ReasonSerializer,
    RegionCodeField,
)
from core.errors import DomainError
from core.workflow import history_for

CHECKLIST_KEYS = list(Application.CHECKLIST)

# Batch windows are about the present: outside these years a time is a typing error, and one
# near the ends of the calendar cannot be converted between time zones.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def _plausible_time(value):
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise serializers.ValidationError(
            _("Give a time between the years %(first)d and %(last)d.")
            % {"first": EARLIEST_YEAR, "last": LATEST_YEAR}
        )
    return value


# --- batches ------------------------------------------------------------------------------


@extend_schema_field(
    serializers.ListField(child=serializers.ChoiceField(choices=CHECKLIST_KEYS)),
)
class ChecklistItemsField(serializers.Field):
    """Keys of the readiness checklist, kept in the checklist's own order."""

    default_error_messages = {"not_a_list": gettext_lazy("Give a list of checklist items.")}

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("not_a_list")
        unknown = [
            str(item)
            for item in data
            if not isinstance(item, str) or item not in Application.CHECKLIST
        ]
        if unknown:
            raise serializers.ValidationError(
                _("Unknown checklist items: %(items)s. The items are: %(known)s.")
                % {"items": ", ".join(unknown), "known": ", ".join(CHECKLIST_KEYS)}
            )
        return [key for key in CHECKLIST_KEYS if key in data]

    def to_representation(self, value):
        return list(value or [])


class BatchSerializer(serializers.ModelSerializer):
    association = serializers.PrimaryKeyRelatedField(
        queryset=Association.objects.all(),
        required=False,
        help_text="The organising association (id), set on creation; needed only if you work "
        "for several.",
    )
    association_name = serializers.CharField(source="association.name", read_only=True)
    regions = RegionCodeField(
        many=True, help_text="GB/T 2260 codes at any level; each covers its whole subtree."
    )
    industries = IndustryCodeField(
        many=True, help_text="GB/T 4754-2017 section (e.g. C) or division (e.g. 39) codes."
    )
    mandatory_items = ChecklistItemsField(
        required=False,
        help_text="Checklist items an application must have before it can be submitted.",
    )

    class Meta:
        model = Batch
        fields = [
            "id",
            "name",
            "association",
            "association_name",
            "status",
            "regions",
            "industries",
            "opens_at",
            "closes_at",
            "planned_start",
            "capacity",
            "approved_count",
            "prevention_requirements",
            "mandatory_items",
            "review_days",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "status", "approved_count", "created_at", "updated_at"]

    def validate_opens_at(self, value):
        return _plausible_time(value)

    def validate_closes_at(self, value):
        return _plausible_time(value)


class BatchFilterSet(UpdatedSinceFilterSet):
    # By id, without checking that it exists: an unknown association finds nothing.
    association = django_filters.NumberFilter(
        field_name="association_id", label=gettext_lazy("Association id")
    )

    class Meta:
        model = Batch
        fields = ["status"]


class ProgressQuerySerializer(serializers.Serializer):
    by = serializers.ChoiceField(
        choices=["region", "industry"],
        default="region",
        help_text="Rows per region (one level below `within`, provinces without it) or per "
        "industry section.",
    )
    within = RegionCodeField(
        required=False,
        allow_null=True,
        help_text="Only enterprises inside this region (GB/T 2260 code, any level).",
    )


class ProgressFiguresSerializer(serializers.Serializer):
    eligible = serializers.IntegerField(
        help_text="Active members of the association inside the batch's regions and industries"
    )
    applied = serializers.IntegerField(help_text="Enterprises that handed in an application")
    approved = serializers.IntegerField(help_text="Enterprises approved (resumed included)")
    rejected = serializers.IntegerField()
    resumed = serializers.IntegerField()
    returning_workers = serializers.IntegerField(
        help_text="Workers returning to approved and resumed enterprises"
    )
    rate = serializers.FloatField(
        allow_null=True,
        help_text="Resumption rate: resumed ÷ eligible, as a fraction (0.25 is 25%); null when "
        "no enterprise is eligible.",
    )


class ProgressRowSerializer(ProgressFiguresSerializer):
    code = serializers.CharField(help_text="Region or industry section code")
    name = serializers.CharField()
    drill = serializers.BooleanField(help_text="Whether the region has regions below it")


class ProgressSerializer(serializers.Serializer):
    by = serializers.ChoiceField(choices=["region", "industry"])
    within = serializers.CharField(allow_null=True, help_text="The region code asked for")
    rows = ProgressRowSerializer(many=True)
    totals = ProgressFiguresSerializer()


class BatchViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Resumption batches: who may apply (regions, industries), when, and how many may be
    approved.

    Staff of the organising association create and edit batches and open, close and complete
    them; enterprise users see the published batches of associations they are active members
    of; officials those of associations inside their jurisdiction. A transition not allowed from
    the current status answers 409 with `current_status`."""

    serializer_class = BatchSerializer
    filterset_class = BatchFilterSet
    ordering_fields = ["id", "name", "opens_at", "closes_at", "planned_start", "updated_at"]
    ordering = ["-opens_at", "-id"]
    permission_actions = {
        "list": "batch.view",
        "retrieve": "batch.view",
        "history": "batch.view",
        "progress": "progress.view",
        "create": "batch.manage",
        "partial_update": "batch.manage",
        "open": "batch.manage",
        "close": "batch.manage",
        "complete": "batch.manage",
    }

    def get_queryset(self):
        return selectors.batch_list(user=self.request.user).prefetch_related(
            "regions", "industries"
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        association = data.pop("association", None)
        serializer.instance = services.batch_create(
            actor=self.request.user,
            association_id=scope_of(self.request.user).acting_association(
                association.pk if association else None
            ),
            regions=data.pop("regions"),
            industries=data.pop("industries"),
            **data,
        )

    # PATCH only: a batch is never replaced whole.
    def partial_update(self, request, *args, **kwargs):
        """Change some of the batch's fields (not once it is completed)."""
        batch = self.get_object()
        serializer = self.get_serializer(batch, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        association = data.pop("association", None)
        if association is not None and association.pk != batch.association_id:
            message = _("A batch stays with the association that opened it.")
            raise DomainError(message, fields={"association": [message]})
        batch = services.batch_update(
            actor=request.user,
            batch_id=batch.pk,
            regions=data.pop("regions", None),
            industries=data.pop("industries", None),
            **data,
        )
        return Response(self.get_serializer(batch).data)

    def _transition(self, service):
        serializer = ReasonSerializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        batch = service(
            actor=self.request.user, batch_id=self.get_object().pk, **serializer.validated_data
        )
        return Response(self.get_serializer(batch).data)

    @extend_schema(request=ReasonSerializer, responses=BatchSerializer)
    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        """Open the batch for applications (from draft, or again once closed)."""
        return self._transition(services.batch_open)

    @extend_schema(request=ReasonSerializer, responses=BatchSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Stop taking applications; those handed in can still be decided."""
        return self._transition(services.batch_close)

    @extend_schema(request=ReasonSerializer, responses=BatchSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Mark a closed batch as done; it can no longer be edited."""
        return self._transition(services.batch_complete)

    @extend_schema(parameters=[ProgressQuerySerializer], responses=ProgressSerializer)
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def progress(self, request, pk=None):
        """Resumption progress of the batch: eligible, applied, approved, rejected and resumed
        enterprises, returning workers and the resumption rate, per region or industry section
        and in total."""
        batch = self.get_object()
        query = ProgressQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        within = query.validated_data.get("within")
        figures = selectors.progress(batch=batch, by=query.validated_data["by"], within=within)
        figures["within"] = within.code if within is not None else None
        return Response(ProgressSerializer(figures).data)

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        """Every status change of the batch: who, when, from, to and why."""
        return Response(EventSerializer(history_for(self.get_object()), many=True).data)


# --- applications -------------------------------------------------------------------------


class ApplicationSerializer(serializers.ModelSerializer):
    batch_name = serializers.CharField(source="batch.name", read_only=True)
    association = serializers.IntegerField(
        source="batch.association_id",
        read_only=True,
        help_text="The association that runs the batch",
    )
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    region = serializers.CharField(
        source="enterprise.region_id", read_only=True, help_text="GB/T 2260 code"
    )
    industry = serializers.CharField(
        source="enterprise.industry_id", read_only=True, help_text="GB/T 4754-2017 division code"
    )
    overdue = serializers.BooleanField(
        read_only=True,
        help_text="Submitted and still waiting for a decision past `review_due_at`",
    )

    class Meta:
        model = Application
        fields = [
            "id",
            "batch",
            "batch_name",
            "association",
            "enterprise",
            "enterprise_name",
            "region",
            "industry",
            "status",
            "planned_date",
            "returning_workers",
            "workers_from_other_provinces",
            *CHECKLIST_KEYS,
            "checklist_notes",
            "submitted_at",
            "review_due_at",
            "overdue",
            "decided_at",
            "resumed_on",
            "workers_on_site",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ApplicationUpdateSerializer(serializers.ModelSerializer):
    checklist_notes = serializers.DictField(
        child=serializers.CharField(max_length=1000, allow_blank=True),
        required=False,
        help_text="A note per checklist item, keyed by the item: " + ", ".join(CHECKLIST_KEYS),
    )

    class Meta:
        model = Application
        fields = [
            "planned_date",
            "returning_workers",
            "workers_from_other_provinces",
            *CHECKLIST_KEYS,
            "checklist_notes",
        ]
        validators = []  # the service says what is wrong, in the applicant's words


class ApplicationCreateSerializer(ApplicationUpdateSerializer):
    batch = serializers.PrimaryKeyRelatedField(
        queryset=Batch.objects.none(),
        help_text="The batch (id) to apply to",
        error_messages={
            # Batches the enterprise may not see look exactly like ones that do not exist.
            "does_not_exist": gettext_lazy(
                "There is no batch {pk_value} among those of the associations your enterprise "
                "is an active member of."
            ),
        },
    )

    class Meta(ApplicationUpdateSerializer.Meta):
        fields = ["batch", *ApplicationUpdateSerializer.Meta.fields]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["batch"].queryset = selectors.batch_list(user=request.user)


class RequiredReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000,
        allow_blank=True,
        error_messages={"required": gettext_lazy("Give a reason; the enterprise will see it.")},
    )


class ResumeSerializer(serializers.Serializer):
    resumed_on = serializers.DateField(help_text="The day work resumed (not in the future)")
    workers_on_site = serializers.IntegerField(min_value=0, max_value=2_147_483_647)


class BulkApproveSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2_147_483_647),
        max_length=1000,
        help_text="Submitted applications to approve, all or none",
    )


class ApplicationFilterSet(UpdatedSinceFilterSet):
    batch = django_filters.NumberFilter(field_name="batch_id", label=gettext_lazy("Batch id"))
    association = django_filters.NumberFilter(
        field_name="batch__association_id", label=gettext_lazy("Association id")
    )
    enterprise = django_filters.NumberFilter(
        field_name="enterprise_id", label=gettext_lazy("Enterprise id")
    )
    region = RegionSubtreeFilter(
        field_name="enterprise__region", label=gettext_lazy("Region code (any level)")
    )
    industry = IndustryFilter(
        field_name="enterprise__industry", label=gettext_lazy("Industry section or division")
    )
    overdue = django_filters.BooleanFilter(
        field_name="overdue", label=gettext_lazy("Waiting for a decision past its deadline")
    )

    class Meta:
        model = Application
        fields = ["status"]


class ApplicationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Applications to resume in a batch, with the readiness checklist.

    An enterprise user applies for their enterprise (a draft), edits it while it is a draft or
    returned, submits, withdraws, and confirms resumption once approved; staff of the
    association running the batch approve, reject or return it (a reason is required for the
    last two). A transition not allowed from the current status answers 409 with
    `current_status`; an approval past the batch's capacity answers 409 `batch_full`."""

    serializer_class = ApplicationSerializer
    filterset_class = ApplicationFilterSet
    ordering_fields = ["id", "submitted_at", "review_due_at", "planned_date", "updated_at"]
    ordering = ["submitted_at", "id"]
    permission_actions = {
        "list": "application.view",
        "retrieve": "application.view",
        "history": "application.view",
        "create": "application.apply",
        "partial_update": "application.apply",
        "submit": "application.apply",
        "withdraw": "application.apply",
        "resume": "application.apply",
        "approve": "application.decide",
        "reject": "application.decide",
        "return_": "application.decide",
        "bulk_approve": "application.decide",
    }

    def get_queryset(self):
        return selectors.with_overdue(selectors.application_list(user=self.request.user))

    def _answer(self, application: Application, **kwargs) -> Response:
        """The application as the caller now sees it (status, deadline, overdue)."""
        fresh = self.get_queryset().get(pk=application.pk)
        return Response(ApplicationSerializer(fresh).data, **kwargs)

    @extend_schema(
        request=ApplicationCreateSerializer,
        responses={
            201: ApplicationSerializer,
            400: OpenApiResponse(
                description="Not valid, or the enterprise may not apply to this batch now "
                "(code `not_eligible`, with the reason)"
            ),
            409: OpenApiResponse(description="The enterprise already applied to this batch"),
        },
    )
    def create(self, request, *args, **kwargs):
        """Start an application (a draft) for the caller's enterprise."""
        if not request.user.enterprise_id:
            message = _("Your account does not act for an enterprise yet: register or claim it.")
            raise DomainError(message)
        serializer = ApplicationCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        application = services.application_create(
            actor=request.user, batch_id=data.pop("batch").pk, **data
        )
        return self._answer(application, status=status.HTTP_201_CREATED)

    @extend_schema(request=ApplicationUpdateSerializer, responses=ApplicationSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Change a draft or returned application."""
        serializer = ApplicationUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        application = services.application_update(
            actor=request.user, application_id=self.get_object().pk, **serializer.validated_data
        )
        return self._answer(application)

    def _transition(self, service, serializer_class=ReasonSerializer):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        application = service(
            actor=self.request.user,
            application_id=self.get_object().pk,
            **serializer.validated_data,
        )
        return self._answer(application)

    @extend_schema(request=ReasonSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Hand the application in for review (again, after it was returned). Every checklist
        item the batch makes mandatory must be there."""
        return self._transition(services.application_submit)

    @extend_schema(request=ReasonSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Take the application back before it is decided."""
        return self._transition(services.application_withdraw)

    @extend_schema(request=ResumeSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """Confirm that the enterprise has resumed: the day and the workers on site."""
        return self._transition(services.application_resume, ResumeSerializer)

    @extend_schema(request=ReasonSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve a submitted application: 409 `batch_full` when the batch has no place
        left."""
        return self._transition(services.application_approve)

    @extend_schema(request=RequiredReasonSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject a submitted application, saying why."""
        return self._transition(services.application_reject, RequiredReasonSerializer)

    @extend_schema(request=RequiredReasonSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        """Send a submitted application back to the enterprise to revise, saying what to
        change."""
        return self._transition(services.application_return, RequiredReasonSerializer)

    @extend_schema(
        request=BulkApproveSerializer,
        responses={
            200: ApplicationSerializer(many=True),
            409: OpenApiResponse(
                description="One of them cannot be approved (its status, or the batch is "
                "full): none is"
            ),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk-approve",
        pagination_class=None,
        filterset_class=None,
    )
    def bulk_approve(self, request):
        """Approve several submitted applications at once, all or none."""
        serializer = BulkApproveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids = set(serializer.validated_data["ids"])
        # Applications the caller may not see look exactly like ones that do not exist.
        unknown = ids - set(self.get_queryset().filter(pk__in=ids).values_list("pk", flat=True))
        if unknown:
            message = _("There are no applications %(ids)s among yours.") % {
                "ids": ", ".join(str(pk) for pk in sorted(unknown))
            }
            raise DomainError(message, fields={"ids": [message]})
        approved = services.application_bulk_approve(actor=request.user, application_ids=ids)
        fresh = self.get_queryset().filter(pk__in=[a.pk for a in approved]).order_by("id")
        return Response(ApplicationSerializer(fresh, many=True).data)

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        """Every status change of the application: who, when, from, to and why."""
        return Response(EventSerializer(history_for(self.get_object()), many=True).data)
