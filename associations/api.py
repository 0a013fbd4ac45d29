from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from associations import access, services
from associations.models import Association
from associations.selectors import association_list
from core.api.filters import RegionSubtreeFilter, UpdatedSinceFilterSet
from core.api.serializers_common import IndustryCodeField, RegionCodeField


class AssociationSerializer(serializers.ModelSerializer):
    region = RegionCodeField()
    industries = IndustryCodeField(many=True, required=False)
    allowed_actions = serializers.SerializerMethodField(
        help_text='What you may do to the association now: "edit", "invite" (its staff).'
    )

    class Meta:
        model = Association
        fields = [
            "id",
            "name",
            "kind",
            "uscc",
            "region",
            "industries",
            "contact_name",
            "contact_phone",
            "email",
            "created_at",
            "updated_at",
            "allowed_actions",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"uscc": {"validators": []}}

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, association) -> list[str]:
        return access.association_actions(self.context["request"].user, association)


class AssociationFilterSet(UpdatedSinceFilterSet):
    region = RegionSubtreeFilter(field_name="region")

    class Meta:
        model = Association
        fields = ["kind"]


class InviteSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]{3,150}$", max_length=150)
    email = serializers.EmailField()
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    is_manager = serializers.BooleanField(required=False, default=False)


class InvitedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class AssociationViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """The directory of associations and chambers of commerce. Admins create them; a manager
    edits their own and invites staff."""

    serializer_class = AssociationSerializer
    filterset_class = AssociationFilterSet
    search_fields = ["name"]
    ordering_fields = ["id", "name", "updated_at"]
    ordering = ["id"]
    permission_actions = {
        "list": "association.view",
        "retrieve": "association.view",
        "create": "association.create",
        "update": "association.edit",
        "partial_update": "association.edit",
        "invite": "association.invite_staff",
        "resend_invitation": "association.invite_staff",
    }

    def get_queryset(self):
        return association_list(user=self.request.user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        industries = data.pop("industries", [])
        serializer.instance = services.association_create(
            actor=self.request.user, industries=industries, **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.association_update(
            actor=self.request.user,
            association_id=serializer.instance.pk,
            industries=data.pop("industries", None),
            **data,
        )

    @extend_schema(request=InviteSerializer, responses={201: None})
    @action(detail=True, methods=["post"])
    def invite(self, request, pk=None):
        """Create a staff account for this association; its owner gets an e-mail with a link to
        set a password."""
        serializer = InviteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.staff_invite(
            actor=request.user,
            association_id=self.get_object().pk,
            base_url=request.build_absolute_uri("/").rstrip("/"),
            **serializer.validated_data,
        )
        return Response({"id": user.pk, "username": user.username}, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: InvitedSerializer},
        parameters=[OpenApiParameter("user_id", int, OpenApiParameter.PATH)],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"staff/(?P<user_id>[0-9]+)/resend-invitation",
        url_name="resend-invitation",
    )
    def resend_invitation(self, request, pk=None, user_id=None):
        """E-mail again the link to set a password to staff invited to this association who have
        not set one yet. Refused (403) for any other account."""
        user = services.staff_invitation_resend(
            actor=request.user,
            association_id=self.get_object().pk,
            user_id=int(user_id),
            base_url=request.build_absolute_uri("/").rstrip("/"),
        )
        return Response(InvitedSerializer(user).data)
