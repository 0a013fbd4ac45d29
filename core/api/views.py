import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import filters, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.filters import BooleanFilter
from core.api.serializers import (
    IndustrySerializer,
    MeSerializer,
    RegionSerializer,
)
from core.models import Industry, Region


class ReferenceFilterSet(django_filters.FilterSet):
    parent = django_filters.CharFilter(field_name="parent_id", label=_("Parent code"))
    within = django_filters.CharFilter(
        method="filter_within", label=_("Code of a node: it and everything below it")
    )
    search = django_filters.CharFilter(method="filter_search", label=_("Code or name contains"))

    def filter_within(self, queryset, name, value):
        node = queryset.model.objects.filter(code=value).only("path").first()
        return queryset.subtree(node) if node else queryset.none()

    def filter_search(self, queryset, name, value):
        return queryset.filter(
            Q(code__startswith=value) | Q(name_zh__icontains=value) | Q(name_en__icontains=value)
        )


class RegionFilterSet(ReferenceFilterSet):
    current = BooleanFilter(
        field_name="successor", lookup_expr="isnull", label=_("Current codes only (not withdrawn)")
    )

    class Meta:
        model = Region
        fields = ["level"]


class IndustryFilterSet(ReferenceFilterSet):
    class Meta:
        model = Industry
        fields = ["level"]


class ReferenceViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "code"
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, filters.OrderingFilter]
    ordering_fields = ["code", "name_zh", "name_en"]
    ordering = ["code"]
    permission_actions = {"list": "reference.view", "retrieve": "reference.view"}


class RegionViewSet(ReferenceViewSet):
    """GB/T 2260 administrative divisions: provinces, prefectures and counties."""

    queryset = Region.objects.select_related("parent", "successor")
    serializer_class = RegionSerializer
    filterset_class = RegionFilterSet


class IndustryViewSet(ReferenceViewSet):
    """GB/T 4754-2017 industries: sections (A–T) and divisions (01–97)."""

    queryset = Industry.objects.select_related("parent")
    serializer_class = IndustrySerializer
    filterset_class = IndustryFilterSet


class MeView(APIView):
    """The authenticated account: its role and the scope it acts in."""

    permission_actions = {"get": "profile.view"}

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)
