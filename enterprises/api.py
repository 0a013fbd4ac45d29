from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.access import scope_of
from core.api.errors import error_body
from core.api.serializers_common import (
    IndustryCodeField,
    ReasonSerializer,
    RegionCodeField,
)
from core.models import Role
from enterprises import imports, services
from enterprises.filters import ClaimFilterSet, EnterpriseFilterSet
from enterprises.models import Enterprise, EnterpriseClaim, ImportJob
from enterprises.selectors import (
    claim_list,
    enterprise_list,
    import_job_list,
    may_see_contact_details,
)


class EnterpriseSerializer(serializers.ModelSerializer):
    region = RegionCodeField()
    industry = IndustryCodeField()
    association = serializers.IntegerField(
        write_only=True,
        required=False,
        help_text="Staff: the association the new enterprise joins (needed if you work for "
        "several). Enterprise users: an association to ask to join (optional).",
    )
    member_number = serializers.CharField(write_only=True, required=False, allow_blank=True)

    class Meta:
        model = Enterprise
        fields = [
            "id",
            *Enterprise.EDITABLE_FIELDS,
            "association",
            "member_number",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        # Uniqueness of the credit code is the service's business (with a message that says
        # what to do instead); spaces and lower case are the service's to compact.
        extra_kwargs = {"uscc": {"validators": [], "max_length": 40}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and not may_see_contact_details(request.user):
            data["contact_phone"] = None
        return data


class EnterpriseViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Enterprises the caller may see: members of the caller's associations, the caller's own
    enterprise, or those inside the caller's jurisdiction (without phone numbers).

    Staff create an enterprise as a new active member of their association; an enterprise user
    registers their own enterprise (and may ask to join an association at once)."""

    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilterSet
    permission_actions = {
        "list": "enterprise.view",
        "retrieve": "enterprise.view",
        "create": "enterprise.create",
        "update": "enterprise.edit",
        "partial_update": "enterprise.edit",
        "claim": "enterprise.claim",
    }
    ordering_fields = ["id", "name", "uscc", "employees", "updated_at"]
    ordering = ["id"]

    def get_queryset(self):
        return enterprise_list(user=self.request.user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        association = data.pop("association", None)
        member_number = data.pop("member_number", "")
        user = self.request.user
        if user.role == Role.ENTERPRISE:
            serializer.instance = services.enterprise_register(
                actor=user, association_id=association, **data
            )
        else:
            serializer.instance = services.enterprise_create_member(
                actor=user,
                association_id=scope_of(user).acting_association(association),
                member_number=member_number,
                **data,
            )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("association", None)
        data.pop("member_number", None)
        serializer.instance = services.enterprise_update(
            actor=self.request.user, enterprise_id=serializer.instance.pk, **data
        )

    @extend_schema(
        request=inline_serializer(
            "ClaimRequest",
            {
                "uscc": serializers.CharField(max_length=32),
                "note": serializers.CharField(required=False, allow_blank=True, max_length=2000),
            },
        ),
        responses={201: OpenApiResponse(description="The claim, waiting for staff approval")},
    )
    @action(detail=False, methods=["post"])
    def claim(self, request):
        """An enterprise user asks to act for an enterprise already registered (by its credit
        code). Staff of an association it belongs to approve or reject the claim."""
        serializer = ClaimCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim = services.claim_request(actor=request.user, **serializer.validated_data)
        return Response(ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)


class ClaimCreateSerializer(serializers.Serializer):
    uscc = serializers.CharField(max_length=32)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ClaimSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = EnterpriseClaim
        fields = [
            "id",
            "user",
            "enterprise",
            "enterprise_name",
            "status",
            "note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ClaimViewSet(viewsets.ReadOnlyModelViewSet):
    """Claims to act for an enterprise: the claimant sees theirs; staff of an association the
    enterprise belongs to see and decide them."""

    serializer_class = ClaimSerializer
    filterset_class = ClaimFilterSet
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at"]
    permission_actions = {
        "list": "claim.view",
        "retrieve": "claim.view",
        "approve": "claim.decide",
        "reject": "claim.decide",
    }

    def get_queryset(self):
        return claim_list(user=self.request.user)

    @extend_schema(request=None, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        claim = services.claim_approve(actor=request.user, claim_id=self.get_object().pk)
        return Response(ClaimSerializer(claim).data)

    @extend_schema(request=ReasonSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim = services.claim_reject(
            actor=request.user,
            claim_id=self.get_object().pk,
            reason=serializer.validated_data.get("reason", ""),
        )
        return Response(ClaimSerializer(claim).data)


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
            "linked",
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
