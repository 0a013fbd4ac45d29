"""The REST API of relief: schemes, their eligible enterprises, and grants proposed in batches,
approved or rejected whole by a manager and revoked with a reason.

Reads are scoped by relief.selectors (out of scope answers 404); every write is one call to
relief.services; its DomainError answers 400 naming the field, or 409 for a transition the status
does not allow. Money is a string with two decimals, in yuan.
"""

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.access import scope_of
from core.api.serializers_common import IndustryCodeField, ReasonSerializer, RegionCodeField
from core.filters import IdFilter
from relief import access, selectors, services
from relief.models import Grade, ReliefGrant, ReliefGrantBatch, ReliefScheme

CONFLICT = OpenApiResponse(
    description="Not allowed from the current status (`current_status` says which)"
)


class CodesField(serializers.ListField):
    """Related rows by their codes, read from a many-to-many relation."""

    def to_representation(self, data):
        return [row.code for row in data.all()]


class SchemeSerializer(serializers.ModelSerializer):
    association = serializers.IntegerField(
        source="association_id",
        required=False,
        help_text="The association (needed only by staff of several associations).",
    )
    grades = serializers.ListField(
        child=serializers.ChoiceField(choices=Grade.choices),
        help_text="The grades of hardship the scheme is for.",
    )
    sizes = serializers.ListField(
        child=serializers.CharField(max_length=8),
        required=False,
        help_text="Enterprise sizes; empty: every size.",
    )
    regions = CodesField(
        child=RegionCodeField(), required=False, help_text="Region codes; empty: everywhere."
    )
    industries = CodesField(
        child=IndustryCodeField(),
        required=False,
        help_text="Sections or divisions; empty: every industry.",
    )
    budget = serializers.DecimalField(max_digits=14, decimal_places=2)
    amount_per_grant = serializers.DecimalField(max_digits=14, decimal_places=2)
    granted = serializers.SerializerMethodField(help_text="Yuan granted and still held.")
    remaining = serializers.SerializerMethodField(help_text="Budget minus granted.")

    class Meta:
        model = ReliefScheme
        fields = [
            "id",
            "association",
            "name",
            "kind",
            "grades",
            "sizes",
            "regions",
            "industries",
            "budget",
            "amount_per_grant",
            "active_from",
            "active_to",
            "granted",
            "remaining",
        ]

    def get_granted(self, obj) -> str:
        return str(services.granted_total(obj.pk))

    def get_remaining(self, obj) -> str:
        return str(obj.budget - services.granted_total(obj.pk))


class EligibleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    region = serializers.CharField(source="region_id")
    industry = serializers.CharField(source="industry_id")
    size = serializers.CharField()
    grade = serializers.CharField()


def _codes(data: dict, key: str) -> list[str] | None:
    rows = data.pop(key, None)
    return None if rows is None else [row.code for row in rows]


class SchemeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Relief schemes of the associations the caller works for: what they give, to which grades,
    sizes, regions and industries, the budget and what is granted of it. `GET {id}/eligible/`
    lists the enterprises a batch may be proposed to now."""

    serializer_class = SchemeSerializer
    permission_actions = {
        "list": "relief.manage",
        "retrieve": "relief.manage",
        "eligible": "relief.manage",
        "create": "relief.manage",
        "partial_update": "relief.manage",
    }

    def get_queryset(self):
        return selectors.schemes_for(self.request.user).prefetch_related("regions", "industries")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        association_id = scope_of(self.request.user).acting_association(
            data.pop("association_id", None)
        )
        serializer.instance = services.scheme_create(
            actor=self.request.user,
            association_id=association_id,
            regions=_codes(data, "regions") or [],
            industries=_codes(data, "industries") or [],
            **data,
        )

    def partial_update(self, request, *args, **kwargs):
        scheme = self.get_object()
        serializer = self.get_serializer(scheme, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("association_id", None)
        scheme = services.scheme_update(
            actor=request.user,
            scheme_id=scheme.pk,
            regions=_codes(data, "regions"),
            industries=_codes(data, "industries"),
            **data,
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=scheme.pk)).data)

    @extend_schema(responses=EligibleSerializer(many=True))
    @action(detail=True, methods=["get"])
    def eligible(self, request, pk=None):
        """The enterprises eligible now, with their grade (paged)."""
        found = selectors.eligible_enterprises(self.get_object())
        page = self.paginate_queryset(found)
        return self.get_paginated_response(EligibleSerializer(page, many=True).data)


class GrantSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    allowed_actions = serializers.SerializerMethodField(
        help_text="The actions the caller may take on the grant now."
    )

    class Meta:
        model = ReliefGrant
        fields = [
            "id",
            "scheme",
            "batch",
            "enterprise",
            "enterprise_name",
            "amount",
            "status",
            "revoke_reason",
            "allowed_actions",
        ]
        read_only_fields = fields

    def get_allowed_actions(self, obj) -> list[str]:
        return access.grant_actions(self.context["request"].user, obj)


class ProposeSerializer(serializers.Serializer):
    scheme = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="The scheme's id."
    )
    enterprises = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        allow_empty=False,
        max_length=10000,
        help_text="Ids of eligible enterprises.",
    )


class GrantBatchSerializer(serializers.ModelSerializer):
    grants = GrantSerializer(many=True, read_only=True)

    class Meta:
        model = ReliefGrantBatch
        fields = ["id", "scheme", "status", "created_at", "grants"]


class GrantBatchDecisionSerializer(serializers.Serializer):
    batch = serializers.IntegerField(help_text="The batch's id.")
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        default="",
        help_text="Required to reject.",
    )


class GrantFilterSet(django_filters.FilterSet):
    scheme = IdFilter(field_name="scheme_id", label="Scheme id")
    batch = IdFilter(field_name="batch_id", label="Batch id")
    enterprise = IdFilter(field_name="enterprise_id", label="Enterprise id")
    status = django_filters.ChoiceFilter(choices=ReliefGrant.Status.choices)

    class Meta:
        model = ReliefGrant
        fields = ["scheme", "batch", "enterprise", "status"]


class GrantViewSet(viewsets.ReadOnlyModelViewSet):
    """Grants: the association's side reads its schemes' grants, an enterprise user those made
    to its enterprise. Staff propose a batch (`POST relief-grants/` with `scheme` and
    `enterprises`, each eligible now); a manager approves it whole
    (`POST relief-grants/approve-batch/`, refused whole when the budget would be exceeded) or
    rejects it (`reject-batch/`, with a reason), and revokes a grant (`{id}/revoke/`)."""

    serializer_class = GrantSerializer
    filterset_class = GrantFilterSet
    permission_actions = {
        "list": "relief.view",
        "retrieve": "relief.view",
        "create": "relief.manage",
        "approve_batch": "relief.decide",
        "reject_batch": "relief.decide",
        "revoke": "relief.decide",
    }

    def get_queryset(self):
        return selectors.grants_for(self.request.user).order_by("-id")

    def _batch(self, batch_id: int) -> ReliefGrantBatch:
        from django.http import Http404

        batch = selectors.batches_for(self.request.user).filter(pk=batch_id).first()
        if batch is None:
            raise Http404
        return batch

    @extend_schema(
        request=ProposeSerializer,
        responses={
            201: GrantBatchSerializer,
            404: OpenApiResponse(description="No such scheme among the caller's associations'"),
        },
    )
    def create(self, request, *args, **kwargs):
        serializer = ProposeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        scheme = (
            selectors.schemes_for(request.user)
            .filter(pk=serializer.validated_data["scheme"])
            .first()
        )
        if scheme is None:
            from django.http import Http404

            raise Http404
        batch = services.grant_batch_propose(
            actor=request.user,
            scheme_id=scheme.pk,
            enterprise_ids=serializer.validated_data["enterprises"],
        )
        return Response(
            GrantBatchSerializer(batch, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=GrantBatchDecisionSerializer, responses={200: GrantBatchSerializer, 409: CONFLICT}
    )
    @action(detail=False, methods=["post"], url_path="approve-batch", url_name="approve-batch")
    def approve_batch(self, request):
        """Approve every grant of the batch, or none (400 when the budget would be passed)."""
        serializer = GrantBatchDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        batch = services.grant_batch_approve(
            actor=request.user, batch_id=self._batch(serializer.validated_data["batch"]).pk
        )
        return Response(GrantBatchSerializer(batch, context=self.get_serializer_context()).data)

    @extend_schema(
        request=GrantBatchDecisionSerializer, responses={200: GrantBatchSerializer, 409: CONFLICT}
    )
    @action(detail=False, methods=["post"], url_path="reject-batch", url_name="reject-batch")
    def reject_batch(self, request):
        """Reject every grant of the batch, saying why."""
        serializer = GrantBatchDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        batch = services.grant_batch_reject(
            actor=request.user,
            batch_id=self._batch(serializer.validated_data["batch"]).pk,
            reason=serializer.validated_data["reason"],
        )
        return Response(GrantBatchSerializer(batch, context=self.get_serializer_context()).data)

    @extend_schema(request=ReasonSerializer, responses={200: GrantSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Revoke a grant that holds, saying why; its amount goes back to the budget."""
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        grant = services.grant_revoke(
            actor=request.user, grant_id=self.get_object().pk, **serializer.validated_data
        )
        return Response(self.get_serializer(grant).data)


API_ROUTES: list[tuple] = [
    ("relief-schemes", SchemeViewSet, "relief-scheme"),
    ("relief-grants", GrantViewSet, "relief-grant"),
]
