"""The REST side of market order: complaints and their handling. `API_ROUTES` lists (prefix,
viewset, basename) for the API's router (resumption_portal/api_urls.py).

Reads go through market.selectors (scoped: out of scope answers 404); every write is one call to
market.complaints; its DomainError answers 400 naming the field, or 409 for a transition the
status does not allow.
"""

import django_filters
from django.db import models
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.access import scope_of
from core.api.filters import BooleanFilter
from core.api.serializers_common import EventSerializer, ReasonSerializer, RegionCodeField
from core.attachments import AttachmentsField
from core.filters import IdFilter
from core.workflow import history_for, read_from_outside
from market import access, complaints, pledges, selectors
from market.models import Complaint, HandOff, Pledge, PledgeSignature, PledgeVersion

CONFLICT = OpenApiResponse(
    description="Not allowed from the current status (`current_status` says which)"
)


class ComplaintFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Complaint.Status.choices)
    category = django_filters.ChoiceFilter(choices=Complaint.Category.choices)
    association = IdFilter(field_name="association_id", label="Association id")
    respondent = IdFilter(field_name="respondent_id", label="Respondent (enterprise id)")
    overdue = BooleanFilter(
        method="filter_overdue", label="Only those past a time limit (true) or not (false)"
    )

    class Meta:
        model = Complaint
        fields = ["status", "category", "association", "respondent", "overdue"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = selectors.overdue_q()
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class HandOffSerializer(serializers.ModelSerializer):
    class Meta:
        model = HandOff
        fields = ["id", "department", "handed_on", "reference", "recorded_at"]
        read_only_fields = ["recorded_at"]


class ComplaintSerializer(serializers.ModelSerializer):
    respondent_region = RegionCodeField(help_text="The business's region (GB/T 2260 code).")
    association = serializers.IntegerField(
        source="association_id",
        required=False,
        allow_null=True,
        help_text="The association to handle it: needed for a business that is not a member "
        "(or a member of several).",
    )
    complainant = serializers.SerializerMethodField(
        help_text="Who complained: null for the business complained about, unless allowed."
    )
    is_overdue = serializers.BooleanField(read_only=True)
    hand_offs = HandOffSerializer(many=True, read_only=True)
    attachments = AttachmentsField(help_text="Evidence files, as multipart.")
    allowed_actions = serializers.SerializerMethodField(
        help_text="The actions the caller may take on the complaint now."
    )

    class Meta:
        model = Complaint
        fields = [
            "id",
            "association",
            "respondent",
            "respondent_name",
            "respondent_credit_code",
            "respondent_region",
            "category",
            "what_happened",
            "happened_on",
            "place",
            "show_identity",
            "complainant",
            "status",
            "referral",
            "duplicate_of",
            "verify_by",
            "answer_by",
            "resolve_by",
            "extended_at",
            "extension_reason",
            "is_overdue",
            "decision",
            "decided_at",
            "closed_at",
            "respondent_answer",
            "respondent_answered_at",
            "hand_offs",
            "created_at",
            "attachments",
            "allowed_actions",
        ]
        read_only_fields = [
            "respondent",
            "status",
            "referral",
            "duplicate_of",
            "verify_by",
            "answer_by",
            "resolve_by",
            "extended_at",
            "extension_reason",
            "decision",
            "decided_at",
            "closed_at",
            "respondent_answer",
            "respondent_answered_at",
            "created_at",
        ]

    def _user(self):
        return self.context["request"].user

    def get_complainant(self, obj) -> str | None:
        user = self._user()
        if access.handles(user, obj) or access.is_complainant(user, obj) or obj.show_identity:
            return obj.complainant.username
        return None

    def get_allowed_actions(self, obj) -> list[str]:
        return access.complaint_actions(self._user(), obj)


class TriageOutcome(models.TextChoices):
    ACCEPTED = "accepted", "accepted"
    OUTSIDE_REMIT = "outside_remit", "outside the remit"
    DUPLICATE = "duplicate", "duplicate"


TRIAGE_OUTCOMES = TriageOutcome.choices


class TriageSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=TRIAGE_OUTCOMES,
        help_text="accepted; outside_remit (with `referral`: where to go instead); duplicate "
        "(with `duplicate_of`).",
    )
    referral = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    duplicate_of = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class DecideSerializer(serializers.Serializer):
    upheld = serializers.BooleanField(help_text="Whether the complaint is upheld.")
    decision = serializers.CharField(max_length=4000, help_text="What was found and decided.")


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=4000, help_text="The business's side.")


class HandOffCreateSerializer(serializers.Serializer):
    department = serializers.CharField(max_length=200)
    handed_on = serializers.DateField()
    reference = serializers.CharField(max_length=100)


class ComplaintViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Complaints about businesses. Anyone logged in files one (evidence as multipart) and follows
    it; the member complained about reads it (without the complainant's name unless allowed) and
    answers; the staff side of the handling association triages, investigates, mediates, decides,
    closes, extends once and records hand-offs to market regulation. Officials read the reports'
    counts, not complaints."""

    serializer_class = ComplaintSerializer
    filterset_class = ComplaintFilterSet
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    ordering_fields = ["id", "created_at", "resolve_by"]
    ordering = ["-created_at", "-id"]
    permission_actions = {
        "list": "complaint.view",
        "retrieve": "complaint.view",
        "history": "complaint.view",
        "create": "complaint.file",
        "triage": "complaint.view",
        "start": "complaint.view",
        "mediate": "complaint.view",
        "decide": "complaint.view",
        "close": "complaint.view",
        "extend": "complaint.view",
        "hand_off": "complaint.view",
        "answer": "complaint.view",
        "reopen": "complaint.view",
    }

    def get_queryset(self):
        return selectors.visible_complaints(self.request.user).prefetch_related("hand_offs")

    def _answer(self, complaint, **kwargs) -> Response:
        fresh = self.get_queryset().get(pk=complaint.pk)
        return Response(self.get_serializer(fresh).data, **kwargs)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        created = complaints.complaint_file(
            actor=request.user,
            association_id=data.pop("association_id", None),
            respondent_region=data.pop("respondent_region").code,
            attachments=data.pop("attachments", None) or [],
            **data,
        )
        return self._answer(created, status=status.HTTP_201_CREATED)

    def _run(self, serializer_class, perform):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        complaint = self.get_object()
        perform(complaint, serializer.validated_data)
        return self._answer(complaint)

    @extend_schema(request=TriageSerializer, responses={200: ComplaintSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def triage(self, request, pk=None):
        """Accept, or say it is outside the remit (and where to go), or a duplicate."""
        return self._run(
            TriageSerializer,
            lambda c, data: complaints.complaint_triage(
                actor=request.user, complaint_id=c.pk, **data
            ),
        )

    def _move(self, to):
        return self._run(
            ReasonSerializer,
            lambda c, data: complaints.complaint_move(
                actor=self.request.user, complaint_id=c.pk, to=to, reason=data["reason"]
            ),
        )

    @extend_schema(request=ReasonSerializer, responses={200: ComplaintSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """Start investigating an accepted complaint."""
        return self._move(Complaint.Status.INVESTIGATING)

    @extend_schema(request=ReasonSerializer, responses={200: ComplaintSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def mediate(self, request, pk=None):
        """Move to mediation between the complainant and the business."""
        return self._move(Complaint.Status.MEDIATION)

    @extend_schema(request=ReasonSerializer, responses={200: ComplaintSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close a decided complaint (it may be reopened within 30 days)."""
        return self._move(Complaint.Status.CLOSED)

    @extend_schema(request=DecideSerializer, responses={200: ComplaintSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Upheld or not upheld, with what was found."""
        return self._run(
            DecideSerializer,
            lambda c, data: complaints.complaint_decide(
                actor=request.user, complaint_id=c.pk, **data
            ),
        )

    @extend_schema(request=ReasonSerializer, responses={200: ComplaintSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        """Once, with a reason: resolve within 30 working days of the filing."""
        return self._run(
            ReasonSerializer,
            lambda c, data: complaints.complaint_extend(
                actor=request.user, complaint_id=c.pk, reason=data["reason"]
            ),
        )

    @extend_schema(request=ReasonSerializer, responses={200: ComplaintSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """The complainant or the staff reopen a closed complaint within 30 days, saying why."""
        return self._run(
            ReasonSerializer,
            lambda c, data: complaints.complaint_reopen(
                actor=request.user, complaint_id=c.pk, reason=data["reason"]
            ),
        )

    @extend_schema(request=AnswerSerializer, responses={200: ComplaintSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """The member complained about gives its side."""
        return self._run(
            AnswerSerializer,
            lambda c, data: complaints.complaint_answer(
                actor=request.user, complaint_id=c.pk, **data
            ),
        )

    @extend_schema(request=HandOffCreateSerializer, responses={201: HandOffSerializer})
    @action(detail=True, methods=["post"], url_path="hand-off", url_name="hand-off")
    def hand_off(self, request, pk=None):
        """Record that the complaint went to market regulation."""
        serializer = HandOffCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        hand_off = complaints.complaint_hand_off(
            actor=request.user, complaint_id=self.get_object().pk, **serializer.validated_data
        )
        return Response(HandOffSerializer(hand_off).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None):
        """Every step of the complaint. The business complained about reads the steps only."""
        complaint = self.get_object()
        events = list(history_for(complaint))
        if not (
            access.handles(request.user, complaint)
            or access.is_complainant(request.user, complaint)
        ):
            events = read_from_outside(events, names=False, statuses_only=True)
        return Response(EventSerializer(events, many=True).data)


# --- pledges -----------------------------------------------------------------------------


class PledgeVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PledgeVersion
        fields = ["number", "text", "published_at"]


class PledgeSerializer(serializers.ModelSerializer):
    association = serializers.IntegerField(
        source="association_id",
        required=False,
        help_text="The association (needed only by staff of several associations).",
    )
    text = serializers.CharField(
        write_only=True, max_length=10000, help_text="The text of the first version."
    )
    current_version = serializers.SerializerMethodField(
        help_text="The version members sign now (null while a draft)."
    )
    versions = PledgeVersionSerializer(many=True, read_only=True)

    class Meta:
        model = Pledge
        fields = [
            "id",
            "association",
            "title",
            "status",
            "text",
            "current_version",
            "versions",
            "created_at",
        ]
        read_only_fields = ["status", "created_at"]

    def get_current_version(self, obj) -> int | None:
        version = pledges.current_version(obj)
        return version.number if version else None


class SignatureSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = PledgeSignature
        fields = [
            "id",
            "pledge",
            "version",
            "enterprise",
            "enterprise_name",
            "signer_name",
            "signer_title",
            "signed_at",
            "withdrawn_at",
            "withdraw_reason",
        ]
        read_only_fields = fields


class SignSerializer(serializers.Serializer):
    signer_name = serializers.CharField(max_length=100, help_text="Who signs for the member.")
    signer_title = serializers.CharField(max_length=100, help_text="Their title, e.g. 总经理.")


class ReviseSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=10000, help_text="The new version's text.")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class PledgeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Self-discipline pledges of associations. Everyone logged in reads published ones (the
    public page needs no login); the staff side writes, publishes (members are asked to sign),
    revises (a new version: members sign again) and withdraws; a member's enterprise user signs
    the current version."""

    serializer_class = PledgeSerializer
    permission_actions = {
        "list": "pledge.view",
        "retrieve": "pledge.view",
        "create": "pledge.manage",
        "publish": "pledge.manage",
        "revise": "pledge.manage",
        "withdraw": "pledge.manage",
        "sign": "pledge.sign",
    }

    def get_queryset(self):
        return selectors.visible_pledges(self.request.user).prefetch_related("versions")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        association_id = scope_of(self.request.user).acting_association(
            data.pop("association_id", None)
        )
        serializer.instance = pledges.pledge_create(
            actor=self.request.user, association_id=association_id, **data
        )

    def _answer(self, pledge) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=pledge.pk)).data)

    @extend_schema(request=None, responses={200: PledgeSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish the draft: every member is asked to sign."""
        pledge = pledges.pledge_publish(actor=request.user, pledge_id=self.get_object().pk)
        return self._answer(pledge)

    @extend_schema(request=ReviseSerializer, responses={200: PledgeSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        """A new version, published at once: members sign again."""
        serializer = ReviseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pledge = self.get_object()
        pledges.pledge_revise(actor=request.user, pledge_id=pledge.pk, **serializer.validated_data)
        return self._answer(pledge)

    @extend_schema(request=ReasonSerializer, responses={200: PledgeSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw the pledge, saying why."""
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pledge = pledges.pledge_withdraw(
            actor=request.user, pledge_id=self.get_object().pk, **serializer.validated_data
        )
        return self._answer(pledge)

    @extend_schema(request=SignSerializer, responses={201: SignatureSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        """The caller's enterprise (an active member) signs the current version; 409 if it has
        signed this version already."""
        serializer = SignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        signature = pledges.pledge_sign(
            actor=request.user, pledge_id=self.get_object().pk, **serializer.validated_data
        )
        return Response(SignatureSerializer(signature).data, status=status.HTTP_201_CREATED)


class SignatureFilterSet(django_filters.FilterSet):
    pledge = IdFilter(field_name="pledge_id", label="Pledge id")
    enterprise = IdFilter(field_name="enterprise_id", label="Enterprise id")

    class Meta:
        model = PledgeSignature
        fields = ["pledge", "enterprise"]


class SignatureViewSet(viewsets.ReadOnlyModelViewSet):
    """Signatures of the pledges the caller may read (withdrawn ones included, marked); a member's
    enterprise user withdraws its enterprise's signature with a reason."""

    serializer_class = SignatureSerializer
    filterset_class = SignatureFilterSet
    permission_actions = {
        "list": "pledge.view",
        "retrieve": "pledge.view",
        "withdraw": "pledge.sign",
    }

    def get_queryset(self):
        return PledgeSignature.objects.filter(
            pledge__in=selectors.visible_pledges(self.request.user)
        ).select_related("enterprise", "version")

    @extend_schema(request=ReasonSerializer, responses={200: SignatureSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw the enterprise's signature, saying why."""
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        signature = pledges.signature_withdraw(
            actor=request.user, signature_id=self.get_object().pk, **serializer.validated_data
        )
        return Response(SignatureSerializer(signature).data)


API_ROUTES: list[tuple] = [
    ("complaints", ComplaintViewSet, "complaint"),
    ("pledges", PledgeViewSet, "pledge"),
    ("pledge-signatures", SignatureViewSet, "pledge-signature"),
]
