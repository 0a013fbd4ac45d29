"""The members through the REST API: memberships (with their filters, decisions and history)
and the spreadsheet import."""

from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from associations import access
from associations import services as membership_services
from associations.models import Membership
from associations.selectors import invitations_to_answer, membership_list
from core.access import scope_of
from core.api.errors import error_body
from core.api.serializers_common import EventSerializer, ReasonSerializer
from enterprises.models import ImportJob
from members import imports
from members.filters import MembershipFilterSet
from members.selectors import import_job_list, membership_history


class MembershipSerializer(serializers.ModelSerializer):
    # The enterprise as the association knows it: as it was when the membership ended, and
    # only these three while it is invited (`Membership.enterprise_as_known`).
    enterprise_name = serializers.CharField(source="enterprise_as_known.name", read_only=True)
    enterprise_uscc = serializers.CharField(source="enterprise_as_known.uscc", read_only=True)
    enterprise_region = serializers.CharField(
        source="enterprise_as_known.region_id", read_only=True, help_text="GB/T 2260 code"
    )
    association_name = serializers.CharField(source="association.name", read_only=True)
    note = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=2000)
    allowed_actions = serializers.SerializerMethodField(
        help_text="The decisions you may take on the membership now (`associations.access`): "
        'any of "approve", "reject", "suspend", "reinstate", "leave", and on an invitation '
        '"accept", "decline".'
    )

    class Meta:
        model = Membership
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "enterprise_uscc",
            "enterprise_region",
            "association",
            "association_name",
            "status",
            "member_number",
            "annual_dues",
            "joined_on",
            "left_on",
            "note",
            "created_at",
            "updated_at",
            "allowed_actions",
        ]
        read_only_fields = [
            "id",
            "status",
            "annual_dues",
            "joined_on",
            "left_on",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "enterprise": {"required": False},
            "member_number": {"required": False},
        }
        validators = []  # a repeated pair is answered by the service, with what to do instead

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, membership) -> list[str]:
        return access.allowed_actions(self.context["request"].user, membership)


class MembershipUpdateSerializer(serializers.Serializer):
    member_number = serializers.CharField(max_length=32, allow_blank=True)
    annual_dues = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        allow_null=True,
        help_text="Yuan a year; null when not recorded. A relief scheme waiving dues grants "
        "this amount (or half of it).",
    )


class ApproveSerializer(serializers.Serializer):
    member_number = serializers.CharField(max_length=32, required=False, allow_blank=True)


class MembershipViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Memberships of enterprises in associations.

    Staff add members: an enterprise their association registered (with no users of its own) is
    active at once, any other is `invited` until it accepts (`accept`/`decline`, by the
    enterprise's users or, while it has none, the association that registered it). An
    enterprise user asks to join (pending) and staff decide. Transitions are POST actions; one
    not allowed from the current status answers 409 with `current_status`."""

    serializer_class = MembershipSerializer
    filterset_class = MembershipFilterSet
    ordering_fields = ["id", "joined_on", "updated_at", "enterprise__name", "member_number"]
    ordering = ["id"]
    permission_actions = {
        "list": "membership.view",
        "retrieve": "membership.view",
        "history": "membership.view",
        "create": "membership.create",
        "partial_update": "membership.decide",
        "approve": "membership.decide",
        "reject": "membership.decide",
        "suspend": "membership.decide",
        "reinstate": "membership.decide",
        "leave": "membership.leave",
        "accept": "membership.answer",
        "decline": "membership.answer",
        "invitations": "membership.view",
    }

    def get_queryset(self):
        user = self.request.user
        if self.action == "invitations":
            return invitations_to_answer(user=user)
        if self.action in ("retrieve", "history", "accept", "decline"):
            # An invitation is also read and answered by the association that keeps the
            # enterprise's record.
            return Membership.objects.select_related("association", "enterprise").filter(
                Q(pk__in=membership_list(user=user).values("pk"))
                | Q(pk__in=invitations_to_answer(user=user).values("pk"))
            )
        return membership_list(user=user)

    @extend_schema(responses=MembershipSerializer(many=True))
    @action(detail=False, methods=["get"])
    def invitations(self, request):
        """Invitations waiting for you to accept or decline: to your enterprise, or (staff) to
        enterprises your association registered that have no users of their own."""
        return self.list(request)

    def _detail(self, membership: Membership) -> dict:
        return MembershipSerializer(membership, context=self.get_serializer_context()).data

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if scope_of(request.user).is_enterprise:
            membership = membership_services.membership_request(
                actor=request.user,
                association_id=data["association"].pk,
                note=data.get("note", ""),
            )
        else:
            if "enterprise" not in data:
                message = _("Say which enterprise to add (its id).")
                return Response(
                    error_body("invalid", message, fields={"enterprise": [message]}),
                    status=status.HTTP_400_BAD_REQUEST,
                )
            membership = membership_services.membership_add(
                actor=request.user,
                association_id=data["association"].pk,
                enterprise_id=data["enterprise"].pk,
                member_number=data.get("member_number", ""),
            )
        return Response(self._detail(membership), status=status.HTTP_201_CREATED)

    @extend_schema(request=MembershipUpdateSerializer, responses=MembershipSerializer)
    def partial_update(self, request, *args, **kwargs):
        # A PATCH names only what changes: a field left out keeps its value.
        serializer = MembershipUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        membership = self.get_object()
        membership = membership_services.membership_update(
            actor=request.user,
            membership_id=membership.pk,
            member_number=serializer.validated_data.get("member_number"),
            annual_dues=serializer.validated_data.get("annual_dues", membership_services.UNCHANGED),
        )
        return Response(self._detail(membership))

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        """Everything that happened to the membership, oldest first: each status change (who,
        when, from, to and why) and each change of its member number (old and new)."""
        events = membership_history(user=request.user, membership=self.get_object())
        return Response(EventSerializer(events, many=True).data)

    def _transition(self, service, serializer_class=ReasonSerializer):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        membership = service(
            actor=self.request.user,
            membership_id=self.get_object().pk,
            **serializer.validated_data,
        )
        return Response(self._detail(membership))

    @extend_schema(request=ApproveSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._transition(membership_services.membership_approve, ApproveSerializer)

    @extend_schema(request=ReasonSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._transition(membership_services.membership_reject)

    @extend_schema(request=ReasonSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        return self._transition(membership_services.membership_suspend)

    @extend_schema(request=ReasonSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def reinstate(self, request, pk=None):
        return self._transition(membership_services.membership_reinstate)

    @extend_schema(request=ReasonSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        return self._transition(membership_services.membership_leave)

    @extend_schema(request=ReasonSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept the association's invitation: the enterprise becomes an active member."""
        return self._transition(membership_services.membership_accept)

    @extend_schema(request=ReasonSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Decline the association's invitation."""
        return self._transition(membership_services.membership_decline)


class ImportJobSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()
    processed_rows = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "association",
            "file_name",
            "status",
            "total_rows",
            "processed_rows",
            "progress",
            "created",
            "updated",
            "invited",
            "errors",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_processed_rows(self, job) -> int:
        return imports.live_processed_rows(job)

    def get_progress(self, job) -> int:
        if job.status in (ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED):
            return 100
        total = job.total_rows or 0
        return int(100 * imports.live_processed_rows(job) / total) if total else 0


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (UTF-8) or XLSX, first row a header")
    association = serializers.IntegerField(
        required=False, help_text="Needed if you work for several associations"
    )


class ImportJobViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Member spreadsheet imports (CSV or XLSX; see the template at /members/import/template.csv).

    A small file is imported at once: 200 with `created` and `updated`, or 400 with `errors`
    ({row, column, message}, nothing written). A large one answers 202 with a job to poll at
    /api/v1/enterprises/import/{id}/ until its status is `succeeded` or `failed`."""

    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser, FormParser]
    ordering = ["-created_at"]
    permission_actions = {
        "list": "enterprise.import",
        "retrieve": "enterprise.import",
        "create": "enterprise.import",
    }

    def get_queryset(self):
        return import_job_list(user=self.request.user)

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={
            200: ImportJobSerializer,
            202: ImportJobSerializer,
            400: OpenApiResponse(description="The file was refused; `errors` lists each problem"),
        },
    )
    def create(self, request, *args, **kwargs):
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        uploaded = upload.validated_data["file"]
        association = scope_of(request.user).acting_association(
            upload.validated_data.get("association")
        )
        try:
            imports.check_size(uploaded.size)
            job = imports.start_import(
                actor=request.user,
                association_id=association,
                file_name=uploaded.name,
                content=uploaded.read(),
            )
        except imports.ImportRefused as refused:
            return _refused(refused)
        data = ImportJobSerializer(job).data
        if job.status == ImportJob.Status.FAILED:
            return Response(
                error_body(
                    "invalid_file", job.errors[0]["message"], errors=job.errors[1:], job=job.pk
                ),
                status=status.HTTP_400_BAD_REQUEST,
            )
        if job.status == ImportJob.Status.SUCCEEDED:
            return Response(data, status=status.HTTP_200_OK)
        return Response(data, status=status.HTTP_202_ACCEPTED)


def _refused(refused: "imports.ImportRefused") -> Response:
    return Response(
        error_body("invalid_file", refused.detail, errors=refused.errors),
        status=status.HTTP_400_BAD_REQUEST,
    )
