from rest_framework import serializers, viewsets

from core.api.filters import UpdatedSinceFilterSet
from enterprises.models import Enterprise
from enterprises.selectors import enterprise_list, may_see_contact_details


class EnterpriseSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    industry = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "name",
            "uscc",
            "region",
            "industry",
            "size",
            "ownership",
            "employees",
            "revenue_band",
            "legal_representative",
            "contact_name",
            "contact_phone",
            "address",
            "created_at",
            "updated_at",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and not may_see_contact_details(request.user):
            data["contact_phone"] = None
        return data


class EnterpriseFilterSet(UpdatedSinceFilterSet):
    class Meta:
        model = Enterprise
        fields = ["size"]


class EnterpriseViewSet(viewsets.ReadOnlyModelViewSet):
    """Enterprises the caller may see (members of the caller's associations, the caller's own
    enterprise, or those inside the caller's jurisdiction)."""

    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilterSet
    permission_actions = {"list": "enterprise.view", "retrieve": "enterprise.view"}
    ordering_fields = ["name", "id", "updated_at"]
    ordering = ["id"]

    def get_queryset(self):
        return enterprise_list(user=self.request.user)
