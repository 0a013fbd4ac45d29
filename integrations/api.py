"""The change feed (`GET /api/v1/events/`) and webhook endpoints (`/api/v1/webhooks/`).

`API_ROUTES` lists (prefix, viewset, basename) for the API's router; `EventFeedView` is a path of
its own (resumption_portal/api_urls.py). Reads are scoped (an endpoint out of sight answers 404);
writes go through integrations.services.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import DomainError
from core.models import User
from integrations import access, feed, services
from integrations.models import Attempt, Delivery, Endpoint


class FeedObjectSerializer(serializers.Serializer):
    object_type = serializers.CharField(help_text="`need`, `membership`, `enterprise`…")
    object_id = serializers.IntegerField()
    from_status = serializers.CharField(allow_blank=True)
    to_status = serializers.CharField(allow_blank=True)
    object = serializers.DictField(
        allow_null=True,
        help_text="The object as the API lists it to you now; null in a `left_scope` message.",
    )


class FeedMessageSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The same as the webhook's `webhook-id`.")
    type = serializers.CharField(help_text="`need.resolved`, `enterprise.left_scope`…")
    timestamp = serializers.DateTimeField()
    cursor = serializers.CharField()
    data = FeedObjectSerializer()


class FeedPageSerializer(serializers.Serializer):
    results = FeedMessageSerializer(many=True)
    next_cursor = serializers.CharField(help_text="Give it as `after` for the next page.")
    has_more = serializers.BooleanField(
        help_text="More events are already waiting: ask again at once (otherwise poll later)."
    )


class EventFeedView(APIView):
    """The events you may see, in the order they were committed: a page after `after`.

    Keep `next_cursor` and give it as `after` next time; an event committed late is never
    behind a cursor you already have. A page may hold fewer messages than `limit` (even none)
    and still have `has_more`: the events in between were not for you. `<object>.left_scope`
    messages say an object went out of your sight (a membership ended, an enterprise moved out
    of your jurisdiction): drop your copy.
    """

    permission_actions = {"get": "event.feed"}

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "after",
                OpenApiTypes.STR,
                description="`next_cursor` of the previous page; `now` to start at the end; "
                "nothing to start at the beginning.",
            ),
            OpenApiParameter(
                "types",
                OpenApiTypes.STR,
                description="Comma-separated patterns: `need.*,membership.*,report.submitted`.",
            ),
            OpenApiParameter(
                "limit",
                OpenApiTypes.INT,
                description=f"At most this many messages ({feed.PAGE_SIZE} unless given; "
                f"{feed.MAX_PAGE_SIZE} at most).",
            ),
        ],
        responses={200: FeedPageSerializer},
    )
    def get(self, request):
        after = feed.Cursor.parse(request.query_params.get("after"))
        types = request.query_params.get("types")
        patterns = feed.check_patterns(types.split(","), field="types") if types else None
        limit = request.query_params.get("limit") or str(feed.PAGE_SIZE)
        if not limit.isdigit() or not 1 <= int(limit) <= feed.MAX_PAGE_SIZE:
            message = _("Give limit as a whole number from 1 to %(max)d.") % {
                "max": feed.MAX_PAGE_SIZE
            }
            raise DomainError(message, fields={"limit": [message]})
        return Response(feed.page(request.user, after=after, patterns=patterns, limit=int(limit)))


class EndpointSerializer(serializers.ModelSerializer):
    account = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        required=False,
        help_text="Whose eyes the payloads see with (default: you). A manager may name a partner "
        "account of an association they manage.",
    )
    event_types = serializers.ListField(
        child=serializers.CharField(max_length=80),
        help_text="`*`, `need.*`, `report.submitted`, `enterprise.left_scope`…",
    )

    class Meta:
        model = Endpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "account",
            "association",
            "is_active",
            "disabled",
            "disabled_at",
            "failing_since",
            "created_at",
        ]
        read_only_fields = [
            "association",
            "disabled",
            "disabled_at",
            "failing_since",
            "created_at",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Only accounts the caller may register for exist, as far as this field tells.
            self.fields["account"].queryset = access.accounts_for(request.user)


class EndpointWithSecretSerializer(EndpointSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="Shown this once: keep it to verify the signatures."
    )

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attempt
        fields = [
            "number",
            "at",
            "request_body",
            "status_code",
            "response_start",
            "duration_ms",
            "error",
        ]


class DeliverySerializer(serializers.ModelSerializer):
    message_id = serializers.CharField(read_only=True)
    log = AttemptSerializer(many=True, read_only=True, source="attempt_log")

    class Meta:
        model = Delivery
        fields = [
            "id",
            "message_id",
            "event",
            "event_type",
            "status",
            "attempts",
            "due_at",
            "last_status_code",
            "created_at",
            "finished_at",
            "log",
        ]
        read_only_fields = fields


class RedeliverSerializer(serializers.Serializer):
    delivery = serializers.IntegerField(required=False, help_text="One delivery again…")
    since = serializers.DateTimeField(
        required=False, help_text="…or every delivery given up from this moment…"
    )
    until = serializers.DateTimeField(required=False, help_text="…to this one.")


class RedeliveredSerializer(serializers.Serializer):
    redelivered = serializers.IntegerField()


class EndpointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Webhook endpoints: the events you choose, signed by the Standard Webhooks specification
    (`webhook-id`, `webhook-timestamp`, `webhook-signature`), retried with back-off for about
    three days, in event order per endpoint."""

    serializer_class = EndpointSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    permission_actions = dict.fromkeys(
        (
            "list",
            "retrieve",
            "create",
            "partial_update",
            "destroy",
            "rotate_secret",
            "ping",
            "deliveries",
            "redeliver",
        ),
        "webhook.manage",
    )

    def get_queryset(self):
        return access.visible(self.request.user).select_related("account").order_by("-id")

    @extend_schema(responses={201: EndpointWithSecretSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        endpoint = services.endpoint_register(
            actor=request.user,
            url=data["url"],
            event_types=data["event_types"],
            account=data.get("account"),
            description=data.get("description", ""),
        )
        return Response(EndpointWithSecretSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        endpoint = self.get_object()
        serializer = self.get_serializer(endpoint, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "account" in data and data["account"] != endpoint.account:
            message = _("An endpoint keeps its account: register a new one for another account.")
            raise DomainError(message, fields={"account": [message]})
        values = {k: v for k, v in data.items() if k in services.EDITABLE}
        endpoint = services.endpoint_update(actor=request.user, endpoint_id=endpoint.pk, **values)
        if "is_active" in data:
            endpoint = services.endpoint_switch(
                actor=request.user, endpoint_id=endpoint.pk, active=data["is_active"]
            )
        return Response(self.get_serializer(endpoint).data)

    def update(self, request, *args, **kwargs):  # PUT is not offered (http_method_names)
        return self.partial_update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        services.endpoint_delete(actor=request.user, endpoint_id=self.get_object().pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: EndpointWithSecretSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        """A new secret, shown this once; for 24 hours messages are signed with both."""
        endpoint = services.endpoint_rotate_secret(
            actor=request.user, endpoint_id=self.get_object().pk
        )
        return Response(EndpointWithSecretSerializer(endpoint).data)

    @extend_schema(request=None, responses={200: DeliverySerializer})
    @action(detail=True, methods=["post"])
    def ping(self, request, pk=None):
        """A `webhook.ping` message sent now; the answer shows what the receiver said."""
        message = services.ping(actor=request.user, endpoint_id=self.get_object().pk)
        return Response(DeliverySerializer(Delivery.objects.get(pk=message.pk)).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=[s.value for s in Delivery.Status])
        ],
        responses={200: DeliverySerializer(many=True)},
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """The delivery log of the last 30 days, newest first, with each attempt."""
        endpoint = self.get_object()
        deliveries = Delivery.objects.filter(endpoint=endpoint).prefetch_related("attempt_log")
        wanted = request.query_params.get("status")
        if wanted:
            if wanted not in Delivery.Status.values:
                message = _("Give status as one of: %(values)s.") % {
                    "values": ", ".join(Delivery.Status.values)
                }
                raise DomainError(message, fields={"status": [message]})
            deliveries = deliveries.filter(status=wanted)
        page = self.paginate_queryset(deliveries.order_by("-created_at", "-id"))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(
        request=RedeliverSerializer,
        responses={
            200: RedeliveredSerializer,
            400: OpenApiResponse(description="Neither a delivery nor a time range"),
        },
    )
    @action(detail=True, methods=["post"])
    def redeliver(self, request, pk=None):
        """One delivery again, or every one given up in a time range."""
        endpoint = self.get_object()
        serializer = RedeliverSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if (
            "delivery" in data
            and not Delivery.objects.filter(endpoint=endpoint, pk=data["delivery"]).exists()
        ):
            raise Http404
        count = services.redeliver(
            actor=request.user,
            endpoint_id=endpoint.pk,
            delivery_id=data.get("delivery"),
            since=data.get("since"),
            until=data.get("until"),
        )
        return Response({"redelivered": count})


API_ROUTES: list[tuple] = [("webhooks", EndpointViewSet, "webhook")]
