"""The REST side of notices: `/api/v1/notices/` with the staff side's writing, publishing,
correcting, withdrawing and reminding, the receipts (`GET {id}/receipts/`, filtered by read and
signed), and the enterprise users' `read/` and `sign/`. Reads go through notices.selectors
(scoped: out of scope answers 404); writes are notices.services."""

import django_filters
from django.http import Http404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.access import scope_of
from core.api.filters import BooleanFilter
from core.api.serializers_common import EventSerializer, ReasonSerializer
from core.attachments import (
    AttachmentSerializer,
    AttachmentsField,
    attachments_by_object,
    attachments_of,
    serve,
)
from core.filters import IdFilter
from core.models import Industry, Region
from core.workflow import history_for
from enterprises.models import Enterprise
from notices import access, selectors, services, text
from notices.models import Notice, NoticeRecipient

CONFLICT = OpenApiResponse(
    description="Not allowed from the current status (`current_status` says which)"
)
# Who a notice is for: shown to the association's side only (a hand-picked list names other
# members).
TARGETING = (
    "member_statuses",
    "regions",
    "industries",
    "sizes",
    "picked",
    "policy_regions",
    "policy_industries",
    "policy_sizes",
)


class NoticeFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Notice.Status.choices)
    category = django_filters.ChoiceFilter(choices=Notice.Category.choices)
    association = IdFilter(field_name="association_id", label="Association id")
    is_policy = BooleanFilter()

    class Meta:
        model = Notice
        fields = ["status", "category", "association", "is_policy"]


class ReceiptFiguresSerializer(serializers.Serializer):
    """Empty for a draft and for an enterprise user."""

    total = serializers.IntegerField(required=False)
    read = serializers.IntegerField(required=False)
    signed = serializers.IntegerField(required=False)
    overdue = serializers.IntegerField(required=False)
    unread = serializers.IntegerField(required=False)
    unsigned = serializers.IntegerField(required=False)
    read_rate = serializers.IntegerField(
        required=False, help_text="Per cent of recipients who read it"
    )


class OwnReceiptSerializer(serializers.ModelSerializer):
    class Meta:
        model = NoticeRecipient
        fields = ["read_at", "signed_at", "reply"]


class NoticeSerializer(serializers.ModelSerializer):
    association = serializers.IntegerField(
        source="association_id",
        required=False,
        help_text="The association sending it (staff of several associations).",
    )
    body_html = serializers.SerializerMethodField(help_text="The text rendered (Markdown)")
    member_statuses = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(services.MEMBER_STATUSES)), required=False
    )
    sizes = serializers.ListField(
        child=serializers.ChoiceField(choices=Enterprise.Size.choices), required=False
    )
    policy_sizes = serializers.ListField(
        child=serializers.ChoiceField(choices=Enterprise.Size.choices), required=False
    )
    regions = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(), many=True, required=False, help_text="Region codes"
    )
    industries = serializers.PrimaryKeyRelatedField(
        queryset=Industry.objects.all(), many=True, required=False, help_text="Industry codes"
    )
    policy_regions = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(), many=True, required=False
    )
    policy_industries = serializers.PrimaryKeyRelatedField(
        queryset=Industry.objects.all(), many=True, required=False
    )
    picked = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.all(),
        many=True,
        required=False,
        help_text="Only these members (enterprise ids), instead of the rules",
    )
    attachments = AttachmentsField(required=False, write_only=True)
    files = serializers.SerializerMethodField()
    figures = serializers.SerializerMethodField(
        help_text="Recipients, read, signed, overdue: all of them for the association's side, "
        "those inside the jurisdiction for an official; empty for an enterprise"
    )
    my_receipt = serializers.SerializerMethodField(
        help_text="An enterprise user's: when its enterprise read and signed it"
    )
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = [
            "id",
            "association",
            "title",
            "document_number",
            "body",
            "body_html",
            "category",
            "valid_until",
            "status",
            "needs_sign_off",
            "sign_by",
            *TARGETING,
            "is_policy",
            "previous",
            "version",
            "published_at",
            "recipients_total",
            "withdrawn_at",
            "withdraw_reason",
            "last_reminded_at",
            "files",
            "figures",
            "my_receipt",
            "allowed_actions",
            "attachments",
        ]
        read_only_fields = [
            "status",
            "previous",
            "version",
            "published_at",
            "recipients_total",
            "withdrawn_at",
            "withdraw_reason",
            "last_reminded_at",
        ]

    def _user(self):
        request = self.context.get("request")
        return request.user if request else None

    def get_body_html(self, obj) -> str:
        return str(text.render(obj.body))

    def _of_page(self, name: str):
        """What NoticeViewSet.list read for the whole page (`name`: files, figures, receipts,
        by notice id), or None for one notice on its own."""
        return self.context.get("page", {}).get(name)

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_files(self, obj) -> list[dict]:
        page = self._of_page("files")
        files = page.get(obj.pk, []) if page is not None else attachments_of(obj)
        return AttachmentSerializer(files, many=True).data

    @extend_schema_field(ReceiptFiguresSerializer)
    def get_figures(self, obj) -> dict:
        user = self._user()
        if user is None or obj.status == Notice.Status.DRAFT:
            return {}
        page = self._of_page("figures")
        return page.get(obj.pk, {}) if page is not None else selectors.figures_for(user, obj)

    def _receipt(self, user, obj) -> NoticeRecipient | None:
        page = self._of_page("receipts")
        return page.get(obj.pk) if page is not None else access.recipient_of(user, obj)

    @extend_schema_field(OwnReceiptSerializer(allow_null=True))
    def get_my_receipt(self, obj) -> dict | None:
        user = self._user()
        recipient = self._receipt(user, obj) if user else None
        return OwnReceiptSerializer(recipient).data if recipient else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, obj) -> list[str]:
        user = self._user()
        return access.allowed_actions(user, obj, self._receipt(user, obj)) if user else []

    def to_representation(self, instance):
        data = super().to_representation(instance)
        user = self._user()
        if not (user and access.writes(user, instance)):
            for name in TARGETING:
                data.pop(name, None)
        return data


class ReceiptSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    read_by = serializers.CharField(source="read_by.get_full_name", default="", read_only=True)
    signed_by = serializers.CharField(source="signed_by.get_full_name", default="", read_only=True)

    class Meta:
        model = NoticeRecipient
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "region",
            "region_name",
            "read_at",
            "read_by",
            "signed_at",
            "signed_by",
            "reply",
        ]


class ReceiptFilterSet(django_filters.FilterSet):
    read = BooleanFilter(field_name="read_at", lookup_expr="isnull", exclude=True)
    signed = BooleanFilter(field_name="signed_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = NoticeRecipient
        fields = ["read", "signed"]


class NoticeSignSerializer(serializers.Serializer):
    reply = serializers.CharField(
        required=False, allow_blank=True, max_length=services.REPLY_MAX, default=""
    )


class NoticeViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Notices and policy documents of associations to their members. The association's side
    writes a draft with who it is for (all members, or by region, industry, size and membership
    status, or a hand-picked list), publishes it (the recipients are fixed then), corrects it
    (a new version) or withdraws it, reads the receipts and reminds (once a day). Enterprise
    users read (`read/`) and sign (`sign/`) for their enterprise; officials see the notices
    addressed to members in their jurisdiction and the read rates there."""

    serializer_class = NoticeSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_class = NoticeFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]
    permission_actions = {
        "list": "notice.view",
        "retrieve": "notice.view",
        "history": "notice.view",
        "attachment": "notice.view",
        "create": "notice.write",
        "partial_update": "notice.write",
        "publish": "notice.write",
        "withdraw": "notice.write",
        "correct": "notice.write",
        "remind": "notice.write",
        "receipts": "notice.write",
        "read": "notice.sign",
        "sign": "notice.sign",
    }

    def get_queryset(self):
        notices = selectors.notices_for(self.request.user)
        if self.action == "list":
            # whom each is for, read once for the page (shown to the association's side), and
            # whether it was corrected (its allowed actions)
            return notices.prefetch_related(
                "corrections",
                "regions",
                "industries",
                "picked",
                "policy_regions",
                "policy_industries",
            )
        return notices

    def list(self, request, *args, **kwargs):
        """A page of notices with their files, receipt figures and the user's own receipts
        read once for the page: the same queries for 5 notices or 100."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        user = request.user
        context = self.get_serializer_context()
        context["page"] = {
            "files": attachments_by_object(page),
            "figures": selectors.figures_of(user, page),
            "receipts": selectors.receipts_of(user, page),
        }
        serializer = self.get_serializer_class()(page, many=True, context=context)
        return self.get_paginated_response(serializer.data)

    def _answer(self, notice, **kwargs) -> Response:
        fresh = access.visible(self.request.user).get(pk=notice.pk)
        return Response(self.get_serializer(fresh).data, **kwargs)

    @staticmethod
    def _data(validated: dict) -> dict:
        return {
            k: v for k, v in validated.items() if k in services.FIELDS or k in services.RELATIONS
        }

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        association_id = scope_of(request.user).acting_association(data.get("association_id"))
        notice = services.notice_create(
            actor=request.user,
            association_id=association_id,
            data=self._data(data),
            files=data.get("attachments") or [],
        )
        return self._answer(notice, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        notice = self.get_object()
        serializer = self.get_serializer(notice, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        notice = services.notice_update(
            actor=request.user,
            notice_id=notice.pk,
            data=self._data(data),
            files=data.get("attachments") or [],
        )
        return self._answer(notice)

    def update(self, request, *args, **kwargs):  # PUT is not offered (http_method_names)
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=None, responses={200: NoticeSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Published now; its recipients are fixed by a task (`recipients_total` once done)."""
        notice = services.notice_publish(actor=request.user, notice_id=self.get_object().pk)
        return self._answer(notice)

    @extend_schema(request=ReasonSerializer, responses={200: NoticeSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdrawn, with a reason: it stays with its recipients, marked withdrawn."""
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        notice = services.notice_withdraw(
            actor=request.user,
            notice_id=self.get_object().pk,
            reason=serializer.validated_data.get("reason", ""),
        )
        return self._answer(notice)

    @extend_schema(request=None, responses={201: NoticeSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        """A draft of a corrected version (pointing to this one), to edit and publish."""
        fresh = services.notice_correct(actor=request.user, notice_id=self.get_object().pk)
        return self._answer(fresh, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: NoticeSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def remind(self, request, pk=None):
        """Remind those who have not read (or signed), in-app and by e-mail: once a day."""
        notice = services.notice_remind(actor=request.user, notice_id=self.get_object().pk)
        return self._answer(notice)

    @extend_schema(
        responses=ReceiptSerializer(many=True),
        parameters=[
            OpenApiParameter("read", bool, description="Only those who read it (or not)"),
            OpenApiParameter("signed", bool, description="Only those who signed (or not)"),
        ],
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def receipts(self, request, pk=None):
        """Who read and signed, per recipient enterprise (the association's side only)."""
        notice = self.get_object()
        if not access.writes(request.user, notice):
            raise PermissionDenied
        found = ReceiptFilterSet(request.query_params, selectors.receipts(notice))
        if not found.is_valid():
            raise ValidationError(found.errors)
        rows = found.qs
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ReceiptSerializer(page, many=True).data)

    @extend_schema(request=None, responses={200: NoticeSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """The caller's enterprise has read it (the first time counts)."""
        notice = self.get_object()
        if access.recipient_of(request.user, notice) is None:
            raise Http404
        services.mark_read(actor=request.user, notice=notice)
        return self._answer(notice)

    @extend_schema(request=NoticeSignSerializer, responses={200: NoticeSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        """The caller signs for its enterprise (签收), with an optional short reply."""
        serializer = NoticeSignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        notice = self.get_object()
        services.notice_sign(
            actor=request.user, notice_id=notice.pk, reply=serializer.validated_data["reply"]
        )
        return self._answer(notice)

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        """Every change of the notice (the association's side)."""
        notice = self.get_object()
        if not access.writes(request.user, notice):
            raise PermissionDenied
        return Response(EventSerializer(history_for(notice), many=True).data)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>\d+)",
        pagination_class=None,
        filterset_class=None,
    )
    def attachment(self, request, pk=None, attachment_id=None):
        """One document of the notice, as a download."""
        found = attachments_of(self.get_object()).filter(pk=attachment_id).first()
        if found is None:
            raise Http404
        return serve(found)


API_ROUTES: list[tuple] = [("notices", NoticeViewSet, "notice")]
