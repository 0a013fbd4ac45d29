"""Applications to resume through the REST API: the applicant's steps and the association's
decisions, each one call to batches.services."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from batches import selectors, services
from batches.api.common import CHECKLIST_KEYS, AllowedActionsMixin
from batches.models import Application, Batch
from core.api.filters import (
    BooleanFilter,
    IndustryFilter,
    RegionSubtreeFilter,
    UpdatedSinceFilterSet,
)
from core.api.plain import PlainListSerializer
from core.api.serializers_common import EventSerializer, ReasonSerializer
from core.errors import DomainError
from core.filters import IdFilter
from core.workflow import history_for


class ApplicationSerializer(AllowedActionsMixin, serializers.ModelSerializer):
    """An application to resume, with what the caller may do to it now (`allowed_actions`)."""

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
            "allowed_actions",
        ]
        read_only_fields = fields
        list_serializer_class = PlainListSerializer  # a partner's 1000-row pages


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
        min_length=1,
        max_length=1000,
        error_messages={"min_length": gettext_lazy("Select the applications to approve.")},
        help_text="Submitted applications to approve, all or none",
    )


class ApplicationFilterSet(UpdatedSinceFilterSet):
    batch = IdFilter(field_name="batch_id", label=gettext_lazy("Batch id"))
    association = IdFilter(field_name="batch__association_id", label=gettext_lazy("Association id"))
    enterprise = IdFilter(field_name="enterprise_id", label=gettext_lazy("Enterprise id"))
    region = RegionSubtreeFilter(
        field_name="enterprise__region", label=gettext_lazy("Region code (any level)")
    )
    industry = IndustryFilter(
        field_name="enterprise__industry", label=gettext_lazy("Industry section or division")
    )
    overdue = BooleanFilter(
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
        return Response(self.get_serializer(fresh).data, **kwargs)

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
        return Response(self.get_serializer(fresh, many=True).data)

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        """Every status change of the application: who, when, from, to and why."""
        return Response(EventSerializer(history_for(self.get_object()), many=True).data)
