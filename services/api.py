"""The REST side of support services: the providers, the catalogue and the requests with their
workflow. `API_ROUTES` lists (prefix, viewset, basename) for the API's router
(resumption_portal/api_urls.py).

Reads go through services.selectors (scoped to the caller: out of scope answers 404); every write
is one call to services.services, which checks the rules and keeps the history; its DomainError
answers 400 naming the field, or 409 for a transition the status does not allow.
"""

import django_filters
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.access import scope_of
from core.api.filters import BooleanFilter
from core.api.serializers_common import EventSerializer, ReasonSerializer, RegionCodeField
from core.attachments import AttachmentSerializer, AttachmentsField, attachments_of, serve
from core.errors import DomainError
from core.filters import IdFilter
from core.models import User
from core.workflow import history_for
from services import access, selectors, services
from services.models import Service, ServiceProvider, ServiceRequest

CONFLICT = OpenApiResponse(
    description="Not allowed from the current status (`current_status` says which)"
)


def _association_for(user, given: int | None) -> int:
    """The association a staff member acts for: the one given, or their only one. The services
    refuse an association the caller does not work for (403)."""
    return scope_of(user).acting_association(given)


class ServiceFilterSet(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=Service.Category.choices)
    status = django_filters.ChoiceFilter(choices=Service.Status.choices)
    fee = django_filters.ChoiceFilter(choices=Service.Fee.choices)
    provider = IdFilter(field_name="provider_id", label="Provider id")

    class Meta:
        model = Service
        fields = ["category", "status", "fee", "provider"]


class ServiceRequestFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ServiceRequest.Status.choices)
    service = IdFilter(field_name="service_id", label="Service id")
    assignee = IdFilter(field_name="assignee_id", label="Assignee (user id)")
    overdue = BooleanFilter(
        method="filter_overdue", label="Only those past their time limit (true) or not (false)"
    )

    class Meta:
        model = ServiceRequest
        fields = ["status", "service", "assignee", "overdue"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        return (
            queryset.filter(selectors.overdue_q())
            if value
            else queryset.exclude(selectors.overdue_q())
        )


class AllowedActionsMixin(serializers.Serializer):
    allowed_actions = serializers.SerializerMethodField(
        help_text="The actions the caller may take on this object now."
    )

    def get_allowed_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return access.allowed_actions(request.user, obj) if request is not None else []


# --- providers ----------------------------------------------------------------------------


class ProviderSerializer(AllowedActionsMixin, serializers.ModelSerializer):
    association = serializers.IntegerField(
        source="association_id",
        required=False,
        help_text="The association it serves (needed only by staff of several associations).",
    )

    class Meta:
        model = ServiceProvider
        fields = ["id", "association", "name", "kind", "contact", "capacity", "allowed_actions"]
        extra_kwargs = {"capacity": {"help_text": "Requests it may have in hand at once."}}


class ProviderViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The association itself and its partner providers (law firms, banks, tax advisers, HR
    agencies, training bodies). Kept by the association's staff side."""

    serializer_class = ProviderSerializer
    permission_actions = {
        "list": "service.manage",
        "retrieve": "service.manage",
        "create": "service.manage",
        "partial_update": "service.manage",
    }

    def get_queryset(self):
        return selectors.providers_for(self.request.user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        association_id = _association_for(self.request.user, data.pop("association_id", None))
        serializer.instance = services.provider_create(
            actor=self.request.user, association_id=association_id, **data
        )

    def partial_update(self, request, *args, **kwargs):
        provider = self.get_object()
        serializer = self.get_serializer(provider, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("association_id", None)
        provider = services.provider_update(actor=request.user, provider_id=provider.pk, **data)
        return Response(self.get_serializer(provider).data)


# --- the catalogue ------------------------------------------------------------------------


class RegionCodesField(serializers.ListField):
    """Regions by their codes, read from a many-to-many relation."""

    def to_representation(self, data):
        return [region.code for region in data.all()]


class SupportServiceSerializer(AllowedActionsMixin, serializers.ModelSerializer):
    association = serializers.IntegerField(
        source="association_id",
        required=False,
        help_text="The association offering it (needed only by staff of several associations).",
    )
    provider = serializers.PrimaryKeyRelatedField(
        queryset=ServiceProvider.objects.all(), help_text="The provider's id."
    )
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    regions = RegionCodesField(
        child=RegionCodeField(),
        required=False,
        help_text="Codes of the regions served (GB/T 2260, any level); empty: everywhere.",
    )
    fee_amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        allow_null=True,
        required=False,
        help_text="Yuan, for a reduced or paid service.",
    )

    class Meta:
        model = Service
        fields = [
            "id",
            "association",
            "provider",
            "provider_name",
            "category",
            "title",
            "description",
            "eligibility",
            "how_to_apply",
            "fee",
            "fee_amount",
            "regions",
            "capacity",
            "status",
            "last_checked_on",
            "respond_days",
            "plan_days",
            "resolve_days",
            "allowed_actions",
        ]

    def validate_provider(self, provider):
        if not scope_of(self.context["request"].user).works_for(provider.association_id):
            raise serializers.ValidationError("Choose one of your association's providers.")
        return provider


class ServiceViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The catalogue of support services. An enterprise user reads the active services of its
    associations that serve its region; the staff side reads and keeps its associations'
    services (any status); officials read every active service."""

    serializer_class = SupportServiceSerializer
    filterset_class = ServiceFilterSet
    permission_actions = {
        "list": "service.view",
        "retrieve": "service.view",
        "create": "service.manage",
        "partial_update": "service.manage",
    }

    def get_queryset(self):
        return selectors.catalogue(self.request.user).prefetch_related("regions")

    @staticmethod
    def _regions(data) -> list[str] | None:
        regions = data.pop("regions", None)
        return None if regions is None else [r.code for r in regions]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        association_id = _association_for(self.request.user, data.pop("association_id", None))
        regions = self._regions(data) or []
        serializer.instance = services.service_create(
            actor=self.request.user, association_id=association_id, regions=regions, **data
        )

    def partial_update(self, request, *args, **kwargs):
        service = self.get_object()
        if not access.may_keep_catalogue(request.user, service.association_id):
            raise Http404
        serializer = self.get_serializer(service, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("association_id", None)
        regions = self._regions(data)
        service = services.service_update(
            actor=request.user, service_id=service.pk, regions=regions, **data
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=service.pk)).data)


# --- requests -----------------------------------------------------------------------------


class ServiceRequestSerializer(AllowedActionsMixin, serializers.ModelSerializer):
    service = serializers.PrimaryKeyRelatedField(
        queryset=Service.objects.all(), help_text="The id of the service asked for."
    )
    service_title = serializers.CharField(source="service.title", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    assignee = serializers.SerializerMethodField(help_text="Who handles it (login name).")
    is_overdue = serializers.BooleanField(read_only=True)
    attachments = AttachmentsField()

    class Meta:
        model = ServiceRequest
        fields = [
            "id",
            "service",
            "service_title",
            "enterprise",
            "enterprise_name",
            "association",
            "description",
            "status",
            "reason",
            "assignee",
            "provider",
            "respond_by",
            "plan_by",
            "resolve_by",
            "is_overdue",
            "resolved_at",
            "rating",
            "rating_comment",
            "created_at",
            "updated_at",
            "attachments",
            "allowed_actions",
        ]
        read_only_fields = [
            "enterprise",
            "association",
            "status",
            "reason",
            "provider",
            "respond_by",
            "plan_by",
            "resolve_by",
            "resolved_at",
            "rating",
            "rating_comment",
            "created_at",
            "updated_at",
        ]

    def get_assignee(self, obj) -> str | None:
        return obj.assignee.username if obj.assignee_id else None

    def validate_service(self, service):
        if not selectors.catalogue(self.context["request"].user).filter(pk=service.pk).exists():
            raise serializers.ValidationError("No such service is offered to your enterprise.")
        return service


class AcceptSerializer(serializers.Serializer):
    assignee = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.all(),
        required=False,
        allow_null=True,
        help_text="The staff member's login name; the caller when left out.",
    )
    to_provider = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Hand the request to the provider's contact person instead of a staff member.",
    )


class RateSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5, help_text="1 to 5; 5 is best.")
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        default="",
        help_text="Required with a rating of 2 or less, which reopens the request.",
    )


class AttachSerializer(serializers.Serializer):
    attachments = AttachmentsField(required=True)


class ServiceRequestViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Requests for support services. An enterprise user asks (with documents, as multipart),
    may withdraw before acceptance and rates once resolved (2 or less reopens it); the staff
    side of the service's association accepts and assigns (within the service's, the
    provider's and the assignee's capacity), starts, resolves, closes, declines with a reason or
    reopens. A transition not allowed from the current status answers 409."""

    serializer_class = ServiceRequestSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_class = ServiceRequestFilterSet
    ordering_fields = ["id", "created_at", "respond_by", "resolve_by"]
    ordering = ["-created_at", "-id"]
    permission_actions = {
        "list": "service_request.view",
        "retrieve": "service_request.view",
        "history": "service_request.view",
        "attachments": "service_request.view",
        "attachment": "service_request.view",
        "attach": "service_request.view",
        "create": "service_request.submit",
        "withdraw": "service_request.submit",
        "rate": "service_request.submit",
        "accept": "service_request.handle",
        "start": "service_request.handle",
        "resolve": "service_request.handle",
        "close": "service_request.handle",
        "decline": "service_request.handle",
        "reopen": "service_request.handle",
    }

    def get_queryset(self):
        return selectors.visible_requests(self.request.user)

    def _answer(self, request_obj, **kwargs) -> Response:
        fresh = self.get_queryset().get(pk=request_obj.pk)
        return Response(self.get_serializer(fresh).data, **kwargs)

    def create(self, request, *args, **kwargs):
        """Ask for a service for the caller's enterprise (documents as multipart
        `attachments`)."""
        if not request.user.enterprise_id:
            raise DomainError(
                "Your account does not act for an enterprise yet: register or claim it."
            )
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        created = services.request_submit(
            actor=request.user,
            service=data["service"],
            description=data["description"],
            attachments=data.get("attachments") or [],
        )
        return self._answer(created, status=status.HTTP_201_CREATED)

    def _transition(self, perform, serializer_class=ReasonSerializer, **extra):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        done = perform(
            actor=self.request.user,
            request_id=self.get_object().pk,
            **serializer.validated_data,
            **extra,
        )
        return self._answer(done)

    @extend_schema(
        request=AcceptSerializer, responses={200: ServiceRequestSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept and assign (to the caller, or to `assignee`); 400 with code `capacity` when
        the service, its provider or the assignee has no room."""
        return self._transition(services.request_accept, AcceptSerializer)

    @extend_schema(
        request=ReasonSerializer, responses={200: ServiceRequestSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """Work starts on the accepted request."""
        return self._transition(services.request_start)

    @extend_schema(
        request=ReasonSerializer, responses={200: ServiceRequestSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """The help is given; the enterprise is asked to rate it."""
        return self._transition(services.request_resolve)

    @extend_schema(
        request=ReasonSerializer, responses={200: ServiceRequestSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close a resolved request."""
        return self._transition(services.request_close)

    @extend_schema(
        request=ReasonSerializer, responses={200: ServiceRequestSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Decline, with a reason the enterprise reads (before work starts)."""
        return self._transition(services.request_decline)

    @extend_schema(
        request=ReasonSerializer, responses={200: ServiceRequestSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Send a resolved request back to work, with a reason."""
        return self._transition(services.request_reopen)

    @extend_schema(
        request=ReasonSerializer, responses={200: ServiceRequestSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """The enterprise withdraws its request before it is accepted."""
        return self._transition(services.request_withdraw)

    @extend_schema(request=RateSerializer, responses={200: ServiceRequestSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        """The enterprise rates the resolved request 1-5; 2 or less reopens it for the staff."""
        return self._transition(services.request_rate, RateSerializer)

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None):
        """Every change of the request: who, when, from, to and why."""
        return Response(EventSerializer(history_for(self.get_object()), many=True).data)

    @extend_schema(methods=["get"], responses=AttachmentSerializer(many=True))
    @extend_schema(methods=["post"], request=AttachSerializer, responses=ServiceRequestSerializer)
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        url_path="attachments",
    )
    def attachments(self, request, pk=None):
        """GET: the request's documents. POST (multipart `attachments`): add documents, by the
        enterprise or the staff handling it, while the request is open."""
        request_obj = self.get_object()
        if request.method == "POST":
            return self._transition(services.request_attach, AttachSerializer)
        return Response(AttachmentSerializer(attachments_of(request_obj), many=True).data)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>\d+)",
        pagination_class=None,
    )
    def attachment(self, request, pk=None, attachment_id=None):
        """One document, as a download."""
        found = attachments_of(self.get_object()).filter(pk=attachment_id).first()
        if found is None:
            raise Http404
        return serve(found)


API_ROUTES: list[tuple] = [
    ("service-providers", ProviderViewSet, "service-provider"),
    ("services", ServiceViewSet, "service"),
    ("service-requests", ServiceRequestViewSet, "service-request"),
]
