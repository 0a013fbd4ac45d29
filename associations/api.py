from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from associations import services
from associations.models import Association, Membership
from associations.selectors import association_list, membership_list
from core.api.errors import error_body
from core.api.filters import RegionSubtreeFilter, UpdatedSinceFilterSet
from core.api.serializers_common import (
    EventSerializer,
    IndustryCodeField,
    ReasonSerializer,
    RegionCodeField,
)
from core.models import Role
from core.workflow import history_for
from enterprises.filters import MembershipFilterSet


class AssociationSerializer(serializers.ModelSerializer):
    region = RegionCodeField()
    industries = IndustryCodeField(many=True, required=False)

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
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"uscc": {"validators": []}}


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


class MembershipSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    association_name = serializers.CharField(source="association.name", read_only=True)
    note = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=2000)

    class Meta:
        model = Membership
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "association",
            "association_name",
            "status",
            "member_number",
            "joined_on",
            "left_on",
            "note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "status", "joined_on", "left_on", "created_at", "updated_at"]
        extra_kwargs = {
            "enterprise": {"required": False},
            "member_number": {"required": False},
        }
        validators = []  # a repeated pair is answered by the service, with what to do instead


class MembershipUpdateSerializer(serializers.Serializer):
    member_number = serializers.CharField(max_length=32, allow_blank=True)


class ApproveSerializer(serializers.Serializer):
    member_number = serializers.CharField(max_length=32, required=False, allow_blank=True)


class MembershipViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Memberships of enterprises in associations.

    Staff add members (active at once) and decide requests; an enterprise user asks to join
    (pending). Transitions are POST actions; one not allowed from the current status answers 409
    with `current_status`."""

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
    }

    def get_queryset(self):
        return membership_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if request.user.role == Role.ENTERPRISE:
            membership = services.membership_request(
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
            membership = services.membership_add(
                actor=request.user,
                association_id=data["association"].pk,
                enterprise_id=data["enterprise"].pk,
                member_number=data.get("member_number", ""),
            )
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MembershipUpdateSerializer, responses=MembershipSerializer)
    def partial_update(self, request, *args, **kwargs):
        serializer = MembershipUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_update(
            actor=request.user,
            membership_id=self.get_object().pk,
            member_number=serializer.validated_data["member_number"],
        )
        return Response(MembershipSerializer(membership).data)

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        """Every status change of the membership: who, when, from, to and why."""
        return Response(EventSerializer(history_for(self.get_object()), many=True).data)

    def _transition(self, service, serializer_class=ReasonSerializer):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        membership = service(
            actor=self.request.user,
            membership_id=self.get_object().pk,
            **serializer.validated_data,
        )
        return Response(MembershipSerializer(membership).data)

    @extend_schema(request=ApproveSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._transition(services.membership_approve, ApproveSerializer)

    @extend_schema(request=ReasonSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._transition(services.membership_reject)

    @extend_schema(request=ReasonSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        return self._transition(services.membership_suspend)

    @extend_schema(request=ReasonSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def reinstate(self, request, pk=None):
        return self._transition(services.membership_reinstate)

    @extend_schema(request=ReasonSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        return self._transition(services.membership_leave)
