"""The REST side of the notification centre: `/api/v1/notifications/` (the caller's own, filters
`kind` and `unread`; `POST {id}/read/`, `POST read-all/`) and
`/api/v1/me/notification-preferences/` (how the e-mails of each kind come). Another user's
notification is not found (404). Reads and writes are core.notification_centre's."""

import django_filters
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core import notification_centre as centre
from core.api.filters import BooleanFilter
from core.models import Delivery, Notification


class NotificationFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Notification.Kind.choices)
    unread = BooleanFilter(
        field_name="read_at",
        lookup_expr="isnull",
        label=gettext_lazy("true: not read yet; false: read"),
    )

    class Meta:
        model = Notification
        fields = ["kind", "unread"]


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "urgent", "title", "body", "link", "created_at", "read_at"]
        read_only_fields = fields


class ReadAllSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=Notification.Kind.choices,
        required=False,
        help_text="Only the notifications of this kind (default: all).",
    )


class ReadCountSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many notifications were marked read")


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """The caller's own notifications, newest first (every role has its own)."""

    queryset = Notification.objects.none()  # the schema's model; get_queryset is the caller's
    serializer_class = NotificationSerializer
    lookup_value_regex = r"[0-9]+"
    filterset_class = NotificationFilterSet
    ordering_fields = ["created_at"]
    permission_actions = {
        "list": "notification.view",
        "retrieve": "notification.view",
        "read": "notification.view",
        "read_all": "notification.view",
    }

    def get_queryset(self):
        return centre.notification_list(user=self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark it read (once: the time of the first reading stays)."""
        try:
            notification = centre.notification_mark_read(user=request.user, notification_id=pk)
        except Notification.DoesNotExist as exc:
            raise Http404 from exc
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=ReadAllSerializer, responses=ReadCountSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark every unread notification read (of `kind`, if given); answers how many."""
        given = ReadAllSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        count = centre.notifications_mark_all_read(
            user=request.user, kind=given.validated_data.get("kind")
        )
        return Response({"count": count})


class PreferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Notification.Kind.choices)
    delivery = serializers.ChoiceField(
        choices=Delivery.choices,
        help_text="`immediate`: e-mailed at once; `daily`: in one e-mail after midnight with the "
        "previous day's (Asia/Shanghai); `none`: in the portal only. Urgent notifications (a "
        "government's answer, a rejection) are e-mailed at once whatever is chosen.",
    )


class NotificationPreferencesView(APIView):
    """How the caller's e-mails of each kind of notification come: one entry per kind (no
    choice made: `immediate`). `PUT` sets them all (kinds left out go back to `immediate`),
    `PATCH` only those sent. The in-app notification is always written."""

    permission_actions = {
        "get": "notification.view",
        "put": "notification.view",
        "patch": "notification.view",
    }

    @extend_schema(responses=PreferenceSerializer(many=True))
    def get(self, request):
        return Response(_entries(centre.preferences_of(request.user)))

    @extend_schema(
        request=PreferenceSerializer(many=True), responses=PreferenceSerializer(many=True)
    )
    def put(self, request):
        choices = dict.fromkeys(Notification.Kind.values, Delivery.IMMEDIATE)
        choices.update(_choices(request.data))
        return Response(_entries(centre.preferences_set(user=request.user, choices=choices)))

    @extend_schema(
        request=PreferenceSerializer(many=True), responses=PreferenceSerializer(many=True)
    )
    def patch(self, request):
        choices = _choices(request.data)
        return Response(_entries(centre.preferences_set(user=request.user, choices=choices)))


def _entries(preferences: list[dict]) -> list[dict]:
    return [{"kind": p["kind"], "delivery": p["delivery"]} for p in preferences]


def _choices(data) -> dict[str, str]:
    """{kind: delivery} from a list of {kind, delivery}; errors named by field (`kind`,
    `delivery`), each message saying which entry."""
    if not isinstance(data, list):
        raise serializers.ValidationError(
            {"non_field_errors": [_("Send a list of {kind, delivery}.")]}
        )
    errors: dict[str, list[str]] = {}
    choices: dict[str, str] = {}
    for position, item in enumerate(data, start=1):
        entry = PreferenceSerializer(data=item if isinstance(item, dict) else {})
        if not entry.is_valid():
            for field, messages in entry.errors.items():
                errors.setdefault(field, []).extend(
                    _("Entry %(n)d: %(message)s") % {"n": position, "message": m} for m in messages
                )
            continue
        kind = entry.validated_data["kind"]
        if kind in choices:
            errors.setdefault("kind", []).append(
                _("Entry %(n)d: %(kind)s is given twice.") % {"n": position, "kind": kind}
            )
        choices[kind] = entry.validated_data["delivery"]
    if errors:
        raise serializers.ValidationError(errors)
    return choices
