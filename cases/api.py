"""The REST side of the practice-case library: `/api/v1/cases/` with search (`?search=`, Chinese
words), filters by tag, industry, region and size, the workflow actions and "this helped me".
Reads go through cases.selectors (scoped: out of scope answers 404); writes are cases.services."""

import django_filters
from django.http import Http404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from cases import access, selectors, services
from cases.models import Case, Tag
from cases.search import snippet
from core.access import can, scope_of
from core.api.serializers_common import EventSerializer, ReasonSerializer
from core.attachments import AttachmentsField, attachments_of, serve
from core.filters import IdFilter
from core.models import Industry, Region
from core.workflow import history_for
from enterprises.models import Enterprise

CONFLICT = OpenApiResponse(
    description="Not allowed from the current status (`current_status` says which)"
)


class CaseFilterSet(django_filters.FilterSet):
    tag = django_filters.ChoiceFilter(choices=Tag.choices, method="filter_tag")
    industry = django_filters.CharFilter(
        method="filter_industry", label="Industry code (a section A–T takes its divisions too)"
    )
    region = django_filters.CharFilter(
        method="filter_region", label="Region code (its subtree too)"
    )
    size = django_filters.ChoiceFilter(choices=Enterprise.Size.choices)
    status = django_filters.ChoiceFilter(choices=Case.Status.choices)
    association = IdFilter(field_name="association_id", label="Association id")

    class Meta:
        model = Case
        fields = ["tag", "industry", "region", "size", "status", "association"]

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__tag=value) if value else queryset

    def filter_industry(self, queryset, name, value):
        return selectors.by_path(queryset, "industry", Industry, value)

    def filter_region(self, queryset, name, value):
        return selectors.by_path(queryset, "region", Region, value)


class CaseSerializer(serializers.ModelSerializer):
    tags = serializers.ListField(
        child=serializers.ChoiceField(choices=Tag.choices), required=False, source="tag_values"
    )
    industry = serializers.PrimaryKeyRelatedField(
        queryset=Industry.objects.all(), required=False, allow_null=True
    )
    region = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(), required=False, allow_null=True
    )
    association = serializers.IntegerField(
        source="association_id",
        required=False,
        help_text="The association writing it (staff of several associations).",
    )
    attachments = AttachmentsField(required=False, write_only=True)
    snippet = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "association",
            "title",
            "enterprise_name",
            "summary",
            "problem",
            "actions",
            "results",
            "tags",
            "industry",
            "region",
            "size",
            "status",
            "helped_count",
            "published_at",
            "created_at",
            "updated_at",
            "snippet",
            "allowed_actions",
            "attachments",
        ]
        read_only_fields = ["status", "helped_count", "published_at", "created_at", "updated_at"]

    def get_snippet(self, obj) -> str:
        """The summary or the text around the searched words, HTML-escaped, words in <mark>."""
        request = self.context.get("request")
        text = request.query_params.get("search", "") if request else ""
        if not text:
            return ""
        for field in (obj.title, obj.summary, obj.body):
            found = snippet(field, text)
            if "<mark>" in found:
                return str(found)
        return str(snippet(obj.summary, text))

    def get_allowed_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return access.allowed_actions(request.user, obj) if request else []


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("search", str, description="Words to look for (Chinese)")]
    )
)
class CaseViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Practice cases. Every signed-in role reads the published ones; the association's staff
    side writes, reviews, publishes and archives its cases; an enterprise user's POST suggests a
    case (a draft its association reviews) and `helped/` counts once per person."""

    serializer_class = CaseSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_class = CaseFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]
    permission_actions = {
        "list": "case.view",
        "retrieve": "case.view",
        "history": "case.view",
        "attachment": "case.view",
        "create": "case.view",
        "partial_update": "case.write",
        "review": "case.write",
        "publish": "case.write",
        "archive": "case.write",
        "redraft": "case.write",
        "helped": "case.helped",
    }

    def get_queryset(self):
        text = self.request.query_params.get("search", "") if self.action == "list" else ""
        return selectors.library(self.request.user, text=text)

    def _answer(self, case, **kwargs) -> Response:
        fresh = access.visible(self.request.user).get(pk=case.pk)
        return Response(self.get_serializer(fresh).data, **kwargs)

    @staticmethod
    def _data(validated: dict) -> dict:
        return {k: v for k, v in validated.items() if k in services.FIELDS}

    def create(self, request, *args, **kwargs):
        """Staff: write a case (a draft). An enterprise user: suggest one."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        common = {
            "actor": request.user,
            "data": self._data(data),
            "tags": data.get("tag_values") or [],
            "files": data.get("attachments") or [],
        }
        if access.may_suggest(request.user):
            case = services.case_suggest(**common, association_id=data.get("association_id"))
        elif can(request.user, "case.write"):
            association_id = scope_of(request.user).acting_association(data.get("association_id"))
            case = services.case_create(**common, association_id=association_id)
        else:
            raise PermissionDenied
        return self._answer(case, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        case = self.get_object()
        serializer = self.get_serializer(case, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = services.case_update(
            case,
            actor=request.user,
            data=self._data(data),
            tags=data.get("tag_values"),
            files=data.get("attachments") or [],
        )
        return self._answer(case)

    def _transition(self, name):
        serializer = ReasonSerializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        case = services.case_transition(
            self.get_object(),
            name,
            actor=self.request.user,
            reason=serializer.validated_data.get("reason", ""),
        )
        return self._answer(case)

    @extend_schema(request=ReasonSerializer, responses={200: CaseSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """The draft is checked: ready to publish."""
        return self._transition("review")

    @extend_schema(request=ReasonSerializer, responses={200: CaseSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Every member sees it."""
        return self._transition("publish")

    @extend_schema(request=ReasonSerializer, responses={200: CaseSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        """Withdrawn from the library."""
        return self._transition("archive")

    @extend_schema(request=ReasonSerializer, responses={200: CaseSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def redraft(self, request, pk=None):
        """Back to draft: a reviewed case sent back, or an archived one to write again."""
        return self._transition("redraft")

    @extend_schema(request=None, responses={200: CaseSerializer})
    @action(detail=True, methods=["post"])
    def helped(self, request, pk=None):
        """ "This helped me": counted once per person."""
        case, _created = services.mark_helped(self.get_object(), actor=request.user)
        return self._answer(case)

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None):
        """Every change of the case: who, when, from, to."""
        return Response(EventSerializer(history_for(self.get_object()), many=True).data)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>\d+)",
        pagination_class=None,
    )
    def attachment(self, request, pk=None, attachment_id=None):
        """One image or document of the case, as a download."""
        found = attachments_of(self.get_object()).filter(pk=attachment_id).first()
        if found is None:
            raise Http404
        return serve(found)


API_ROUTES: list[tuple] = [("cases", CaseViewSet, "case")]
