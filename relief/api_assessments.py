"""The REST API of relief: hardship assessments and the hardest-hit list.

`/api/v1/hardship-assessments/`: an enterprise user reads its own and asks for one (POST);
the staff side reads their associations', records one directly (POST with `enterprise`),
grades a request (`assess/`) or refuses it (`refuse/`), and adds evidence (`attachments/`,
multipart). Officials read none by name: `hardest-hit/` answers them the severely hit
enterprises of their jurisdiction (without phone numbers), and the staff side their
associations'.

Reads go through relief.assessment_selectors (out of scope answers 404); every write is one
call to relief.assessment_services, whose DomainError answers 400 naming the field, or 409
(a transition the status does not allow, or an assessment of that month that exists).
"""

import django_filters
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.access import can, scope_of
from core.api.filters import IndustryFilter, RegionSubtreeFilter
from core.api.serializers_common import EventSerializer
from core.attachments import AttachmentSerializer, AttachmentsField, attachments_of, serve
from core.errors import DomainError
from core.filters import IdFilter
from enterprises.selectors import with_contact_visible
from relief import access, assessment_selectors, assessment_services
from relief.models import Grade, HardshipAssessment

CONFLICT = OpenApiResponse(
    description="Not allowed from the current status (`current_status` says which)"
)
CREATE_CONFLICT = OpenApiResponse(
    description="An assessment of this enterprise, association and month exists and is not "
    "refused (`existing_id` and `existing_status` say which)"
)


class AssessmentSerializer(serializers.ModelSerializer):
    enterprise = serializers.IntegerField(
        source="enterprise_id",
        required=False,
        help_text="The enterprise's id. Staff give it to record an assessment; an enterprise "
        "user's is their own.",
    )
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    association = serializers.IntegerField(
        source="association_id",
        required=False,
        help_text="The association that assesses: for an enterprise user one it is an active "
        "member of; staff of a single association may leave it out.",
    )
    association_name = serializers.CharField(source="association.name", read_only=True)
    period = serializers.DateField(
        help_text="The month the figures are about: any day of it (kept as the first); not "
        "after this month."
    )
    revenue_drop_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, help_text="Against the same month of last year, 0-100."
    )
    months_of_cash = serializers.DecimalField(
        max_digits=5, decimal_places=1, help_text="Months the cash at hand pays the costs, >= 0."
    )
    orders_lost = serializers.IntegerField(
        required=False, default=0, help_text="Orders cancelled or not placed, >= 0."
    )
    workers_not_back = serializers.IntegerField(
        required=False, default=0, help_text="Workers who have not come back, >= 0."
    )
    rent_burden_percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        required=False,
        default=0,
        help_text="Rent as a share of revenue, 0-100.",
    )
    cause = serializers.ChoiceField(
        choices=HardshipAssessment.Cause.choices, help_text="What hit the enterprise."
    )
    grade = serializers.ChoiceField(
        choices=[("", ""), *Grade.choices],
        required=False,
        allow_blank=True,
        default="",
        help_text="The grade. Staff recording one may give another than the rule's "
        "(`computed_grade`) with a `reason`; empty until graded.",
    )
    computed_grade = serializers.CharField(
        read_only=True, help_text="The grade by the documented rule (`grade_rule`)."
    )
    grade_rule = serializers.SerializerMethodField(help_text="The rule the grade follows.")
    reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=2000,
        default="",
        help_text="Staff recording: why the grade differs from the rule's.",
    )
    override_reason = serializers.CharField(
        read_only=True, help_text="Why staff graded otherwise than the rule."
    )
    valid_until = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Staff recording: the last day the grade holds (not before the month).",
    )
    attachments = AttachmentsField()
    allowed_actions = serializers.SerializerMethodField(
        help_text="The actions the caller may take on this assessment now."
    )

    class Meta:
        model = HardshipAssessment
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "association",
            "association_name",
            "period",
            "revenue_drop_percent",
            "months_of_cash",
            "orders_lost",
            "workers_not_back",
            "rent_burden_percent",
            "cause",
            "computed_grade",
            "grade_rule",
            "grade",
            "reason",
            "override_reason",
            "valid_until",
            "status",
            "created_at",
            "attachments",
            "allowed_actions",
        ]
        read_only_fields = ["status", "created_at"]

    def get_grade_rule(self, obj) -> str:
        return str(assessment_services.GRADE_RULE)

    def get_allowed_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return access.assessment_actions(request.user, obj) if request is not None else []


class AssessSerializer(serializers.Serializer):
    grade = serializers.ChoiceField(
        choices=[("", ""), *Grade.choices],
        required=False,
        allow_blank=True,
        default="",
        help_text="Leave empty for the rule's grade; another one needs a `reason`.",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        default="",
        help_text="Why the grade differs from the rule's.",
    )
    valid_until = serializers.DateField(
        help_text="The last day the grade holds (not before the assessment's month)."
    )


class RefuseSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000, help_text="Why the request is refused; the enterprise reads it."
    )


class EvidenceSerializer(serializers.Serializer):
    attachments = AttachmentsField(required=True)


class HardestHitSerializer(serializers.ModelSerializer):
    enterprise = serializers.IntegerField(source="enterprise_id", help_text="The enterprise's id.")
    enterprise_name = serializers.CharField(source="enterprise.name")
    uscc = serializers.CharField(source="enterprise.uscc", help_text="Unified social credit code.")
    region = serializers.CharField(source="enterprise.region_id", help_text="GB/T 2260 code.")
    region_name = serializers.CharField(source="enterprise.region.name")
    industry = serializers.CharField(
        source="enterprise.industry_id", allow_null=True, help_text="GB/T 4754-2017 code."
    )
    association = serializers.IntegerField(source="association_id")
    association_name = serializers.CharField(source="association.name")
    grade = serializers.CharField(help_text="The grade: severe, on this list.")
    computed_grade = serializers.CharField(help_text="The grade by the documented rule.")
    relief_total = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text="Yuan granted to the enterprise and not revoked (the association's own for "
        "its staff; every association's for officials).",
    )
    relief_grants = serializers.IntegerField(help_text="How many grants that is.")
    relief_schemes = serializers.ListField(
        child=serializers.CharField(), help_text="The names of those grants' schemes."
    )
    contact_name = serializers.SerializerMethodField(
        help_text="Null for readers who may not see the enterprise's people (officials)."
    )
    contact_phone = serializers.SerializerMethodField(
        help_text="Null for readers who may not see the enterprise's people (officials)."
    )

    class Meta:
        model = HardshipAssessment
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "uscc",
            "region",
            "region_name",
            "industry",
            "association",
            "association_name",
            "period",
            "grade",
            "computed_grade",
            "cause",
            "revenue_drop_percent",
            "months_of_cash",
            "valid_until",
            "relief_total",
            "relief_grants",
            "relief_schemes",
            "contact_name",
            "contact_phone",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_contact_name(self, obj) -> str | None:
        return obj.enterprise.contact_name if obj.contact_visible else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_contact_phone(self, obj) -> str | None:
        return obj.enterprise.contact_phone if obj.contact_visible else None


class AssessmentFilter(django_filters.FilterSet):
    period = django_filters.DateFilter(help_text="The month, as its first day (YYYY-MM-01).")
    association = IdFilter(field_name="association_id", label="Association id")
    enterprise = IdFilter(field_name="enterprise_id", label="Enterprise id")

    class Meta:
        model = HardshipAssessment
        fields = ["status", "grade", "cause", "association", "enterprise", "period"]


class HardestHitFilter(django_filters.FilterSet):
    association = IdFilter(field_name="association_id", label="One association's id.")
    region = RegionSubtreeFilter(
        field_name="enterprise__region", help_text="A region's code: it and all below it."
    )
    industry = IndustryFilter(
        field_name="enterprise__industry",
        help_text="A section (all its divisions) or a division of GB/T 4754-2017.",
    )
    cause = django_filters.ChoiceFilter(choices=HardshipAssessment.Cause.choices)

    class Meta:
        model = HardshipAssessment
        fields = ["association", "region", "industry", "cause"]


class HardshipAssessmentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Hardship assessments: how hard an enterprise is hit in a month, graded severe, moderate
    or mild by the documented rule (`grade_rule`) or by staff with a reason. An enterprise
    user asks (POST); staff record one directly (POST with `enterprise`), grade a request
    (`assess/`) or refuse it (`refuse/`). A transition the status does not allow answers 409."""

    serializer_class = AssessmentSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_class = AssessmentFilter
    ordering_fields = ["id", "period", "created_at"]
    ordering = ["-period", "-id"]
    permission_actions = {
        "list": "hardship.view",
        "retrieve": "hardship.view",
        "history": "hardship.view",
        "attachments": "hardship.view",
        "attachment": "hardship.view",
        "create": "hardship.view",
        "assess": "hardship.assess",
        "refuse": "hardship.assess",
        "hardest_hit": "hardship.hardest_hit",
    }

    def get_queryset(self):
        return assessment_selectors.visible_assessments(self.request.user)

    def _answer(self, assessment, **kwargs) -> Response:
        fresh = self.get_queryset().get(pk=assessment.pk)
        return Response(self.get_serializer(fresh).data, **kwargs)

    @extend_schema(responses={201: AssessmentSerializer, 409: CREATE_CONFLICT})
    def create(self, request, *args, **kwargs):
        """An enterprise user asks its association to assess a month (its figures, evidence as
        multipart `attachments`); staff record one for a member, graded at once."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        files = data.pop("attachments", None) or []
        enterprise_id = data.pop("enterprise_id", None)
        association_id = data.pop("association_id", None)
        period = data.pop("period")
        grade, reason = data.pop("grade", ""), data.pop("reason", "")
        valid_until = data.pop("valid_until", None)
        scope = scope_of(request.user)
        if scope.is_enterprise:
            if not scope.enterprise_id:
                raise DomainError(
                    _("Your account does not act for an enterprise yet: register or claim it.")
                )
            if enterprise_id not in (None, scope.enterprise_id):
                message = _("You may ask only for your own enterprise.")
                raise DomainError(message, fields={"enterprise": [message]})
            if association_id is None:
                message = _("Say which association (its id).")
                raise DomainError(message, fields={"association": [message]})
            created = assessment_services.assessment_request(
                actor=request.user,
                enterprise_id=scope.enterprise_id,
                association_id=association_id,
                period=period,
                attachments=files,
                **data,
            )
        elif can(request.user, "hardship.assess"):
            if enterprise_id is None:
                message = _("Say which enterprise (its id).")
                raise DomainError(message, fields={"enterprise": [message]})
            created = assessment_services.assessment_record(
                actor=request.user,
                enterprise_id=enterprise_id,
                association_id=scope.acting_association(association_id),
                period=period,
                valid_until=valid_until,
                grade=grade,
                reason=reason,
                attachments=files,
                **data,
            )
        else:
            raise PermissionDenied
        return self._answer(created, status=status.HTTP_201_CREATED)

    def _transition(self, perform, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        done = perform(
            actor=self.request.user,
            assessment_id=self.get_object().pk,
            **serializer.validated_data,
        )
        return self._answer(done)

    @extend_schema(request=AssessSerializer, responses={200: AssessmentSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def assess(self, request, pk=None):
        """Grade a requested assessment: by the rule, or another grade with a `reason` (the
        history keeps both)."""
        return self._transition(assessment_services.assessment_assess, AssessSerializer)

    @extend_schema(request=RefuseSerializer, responses={200: AssessmentSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        """Refuse a requested assessment, with a reason the enterprise reads."""
        return self._transition(assessment_services.assessment_refuse, RefuseSerializer)

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        """Every change of the assessment: who, when, from, to, why and the grades."""
        events = assessment_selectors.assessment_history(request.user, self.get_object())
        return Response(EventSerializer(events, many=True).data)

    @extend_schema(methods=["get"], responses=AttachmentSerializer(many=True))
    @extend_schema(
        methods=["post"],
        request=EvidenceSerializer,
        responses={200: AssessmentSerializer, 409: CONFLICT},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        filterset_class=None,
        url_path="attachments",
    )
    def attachments(self, request, pk=None):
        """GET: the evidence. POST (multipart `attachments`): add evidence, by the enterprise
        while its request waits, or by the association's staff side until it is refused."""
        assessment = self.get_object()
        if request.method == "POST":
            return self._transition(assessment_services.assessment_attach, EvidenceSerializer)
        return Response(AttachmentSerializer(attachments_of(assessment), many=True).data)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>\d+)",
        pagination_class=None,
        filterset_class=None,
    )
    def attachment(self, request, pk=None, attachment_id=None):
        """One piece of evidence, as a download."""
        found = attachments_of(self.get_object()).filter(pk=attachment_id).first()
        if found is None:
            raise Http404
        return serve(found)

    @extend_schema(responses=HardestHitSerializer(many=True))
    @action(
        detail=False,
        methods=["get"],
        url_path="hardest-hit",
        filterset_class=HardestHitFilter,
        filter_backends=[DjangoFilterBackend],
    )
    def hardest_hit(self, request):
        """The enterprises whose latest assessed assessment is severe and still valid, with
        the relief granted: the staff side their associations' (one row per enterprise and
        association), officials their jurisdiction's across associations (one row per
        enterprise, no phone numbers)."""
        rows = self.filter_queryset(assessment_selectors.hardest_hit(request.user))
        rows = with_contact_visible(rows, user=request.user, enterprise="enterprise_id")
        page = self.paginate_queryset(rows)
        listed = assessment_selectors.with_scheme_names(request.user, list(page))
        return self.get_paginated_response(HardestHitSerializer(listed, many=True).data)


API_ROUTES: list[tuple] = [
    ("hardship-assessments", HardshipAssessmentViewSet, "hardship-assessment"),
]
