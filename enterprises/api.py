from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from core.access import scope_of
from core.api.plain import PlainListSerializer
from core.api.schema import nullable_in_responses
from core.api.serializers_common import (
    EventSerializer,
    IndustryCodeField,
    ReasonSerializer,
    RegionCodeField,
)
from enterprises import access, services
from enterprises.filters import ClaimFilterSet, EnterpriseFilterSet
from enterprises.models import Enterprise, EnterpriseClaim
from enterprises.selectors import CONTACT_FIELDS, claim_list, enterprise_history, enterprise_list


class AllowedActionsMixin(serializers.Serializer):
    """`allowed_actions`: what the requesting user may do to the object now (the access rules of
    `enterprises.access`), the buttons a partner's interface offers."""

    allowed_actions = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, obj) -> list[str]:
        return access.allowed_actions(self.context["request"].user, obj)


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
    registered_by = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="The association that registered it: while the enterprise has no users of its "
        "own, that association's staff keep its record. Null when an enterprise user registered "
        "it.",
    )

    class Meta:
        model = Enterprise
        fields = [
            "id",
            *Enterprise.EDITABLE_FIELDS,
            "association",
            "member_number",
            "registered_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "registered_by", "created_at", "updated_at"]
        list_serializer_class = PlainListSerializer
        # Uniqueness of the credit code is the service's business (with a message that says
        # what to do instead); spaces and lower case are the service's to compact.
        extra_kwargs = {"uscc": {"validators": [], "max_length": 40}}

    def get_fields(self):
        fields = super().get_fields()
        for name in CONTACT_FIELDS:
            nullable_in_responses(fields[name])  # null to those who may not see it (below)
        return fields

    def to_representation(self, instance):
        return self.finish_representation(instance, super().to_representation(instance))

    def finish_representation(self, instance, data):
        if not self._shows_contact_details():
            for name in CONTACT_FIELDS:
                data[name] = None
        return data

    def _shows_contact_details(self) -> bool:
        """Decided once per request (a list page asks for each of its thousand rows)."""
        shown = self.context.get("shows_contact_details")
        if shown is None:
            request = self.context.get("request")
            shown = request is not None and access.may_see_contact_details(request.user)
            self.context["shows_contact_details"] = shown
        return shown


class EnterpriseDetailSerializer(AllowedActionsMixin, EnterpriseSerializer):
    """An enterprise with what you may do to it now: `"edit"`."""

    class Meta(EnterpriseSerializer.Meta):
        fields = [*EnterpriseSerializer.Meta.fields, "allowed_actions"]


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
        "history": "enterprise.view",
    }
    ordering_fields = ["id", "name", "uscc", "employees", "updated_at"]
    ordering = ["id"]

    def get_queryset(self):
        enterprises = enterprise_list(user=self.request.user)
        if self.action == "list":
            # Regions and industries are rendered by their codes, the rows' own columns.
            return enterprises.select_related(None)
        return enterprises

    def get_serializer_class(self):
        if self.action == "retrieve":
            return EnterpriseDetailSerializer
        return EnterpriseSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        association = data.pop("association", None)
        member_number = data.pop("member_number", "")
        user = self.request.user
        if scope_of(user).is_enterprise:
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

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        """Everything that happened to the enterprise, oldest first: who registered it, and each
        change with the old and new value of every field it changed."""
        events = enterprise_history(user=request.user, enterprise=self.get_object())
        if events is None:
            raise PermissionDenied
        return Response(EventSerializer(events, many=True).data)

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
        code). Its own users, or (while it has none) staff of an association it is a member
        of, approve or reject the claim."""
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
