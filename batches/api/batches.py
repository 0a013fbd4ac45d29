"""Resumption batches through the REST API.

Reads go through batches.selectors (already scoped to the caller: out of scope answers 404);
every write is one call to batches.services, which checks the rules, keeps the history and
answers the one domain error (400, or 409 for a transition the status does not allow).
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from associations.models import Association
from batches import selectors, services
from batches.api.common import CHECKLIST_KEYS, AllowedActionsMixin
from batches.api.progress import ProgressQuerySerializer, ProgressSerializer
from batches.figures import RESUMED_OF_ELIGIBLE, progress
from batches.models import Application, Batch
from core.access import scope_of
from core.api.filters import UpdatedSinceFilterSet
from core.api.serializers_common import (
    EventSerializer,
    IndustryCodeField,
    ReasonSerializer,
    RegionCodeField,
)
from core.errors import DomainError
from core.filters import IdFilter
from core.workflow import history_for

# Batch windows are about the present: outside these years a time is a typing error, and one
# near the ends of the calendar cannot be converted between time zones.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def _plausible_time(value):
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise serializers.ValidationError(
            _("Give a time between the years %(first)d and %(last)d.")
            % {"first": EARLIEST_YEAR, "last": LATEST_YEAR}
        )
    return value


@extend_schema_field(
    serializers.ListField(child=serializers.ChoiceField(choices=CHECKLIST_KEYS)),
)
class ChecklistItemsField(serializers.Field):
    """Keys of the readiness checklist, kept in the checklist's own order."""

    default_error_messages = {"not_a_list": gettext_lazy("Give a list of checklist items.")}

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("not_a_list")
        unknown = [
            str(item)
            for item in data
            if not isinstance(item, str) or item not in Application.CHECKLIST
        ]
        if unknown:
            raise serializers.ValidationError(
                _("Unknown checklist items: %(items)s. The items are: %(known)s.")
                % {"items": ", ".join(unknown), "known": ", ".join(CHECKLIST_KEYS)}
            )
        return [key for key in CHECKLIST_KEYS if key in data]

    def to_representation(self, value):
        return list(value or [])


class BatchSerializer(AllowedActionsMixin, serializers.ModelSerializer):
    """A resumption batch, with what the caller may do to it now (`allowed_actions`)."""

    association = serializers.PrimaryKeyRelatedField(
        queryset=Association.objects.all(),
        required=False,
        help_text="The organising association (id), set on creation; needed only if you work "
        "for several.",
    )
    association_name = serializers.CharField(source="association.name", read_only=True)
    regions = RegionCodeField(
        many=True, help_text="GB/T 2260 codes at any level; each covers its whole subtree."
    )
    industries = IndustryCodeField(
        many=True, help_text="GB/T 4754-2017 section (e.g. C) or division (e.g. 39) codes."
    )
    mandatory_items = ChecklistItemsField(
        required=False,
        help_text="Checklist items an application must have before it can be submitted.",
    )

    class Meta:
        model = Batch
        fields = [
            "id",
            "name",
            "association",
            "association_name",
            "status",
            "regions",
            "industries",
            "opens_at",
            "closes_at",
            "planned_start",
            "capacity",
            "approved_count",
            "prevention_requirements",
            "mandatory_items",
            "review_days",
            "created_at",
            "updated_at",
            "allowed_actions",
        ]
        read_only_fields = ["id", "status", "approved_count", "created_at", "updated_at"]

    def validate_opens_at(self, value):
        return _plausible_time(value)

    def validate_closes_at(self, value):
        return _plausible_time(value)


class BatchFilterSet(UpdatedSinceFilterSet):
    # By id, without checking that it exists: an unknown association finds nothing.
    association = IdFilter(field_name="association_id", label=gettext_lazy("Association id"))

    class Meta:
        model = Batch
        fields = ["status"]


class BatchViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Resumption batches: who may apply (regions, industries), when, and how many may be
    approved.

    Staff of the organising association create and edit batches and open, close and complete
    them; enterprise users see the published batches of associations they are active members
    of; officials those of associations inside their jurisdiction. A transition not allowed from
    the current status answers 409 with `current_status`."""

    serializer_class = BatchSerializer
    filterset_class = BatchFilterSet
    ordering_fields = ["id", "name", "opens_at", "closes_at", "planned_start", "updated_at"]
    ordering = ["-opens_at", "-id"]
    permission_actions = {
        "list": "batch.view",
        "retrieve": "batch.view",
        "history": "batch.view",
        "progress": "progress.view",
        "create": "batch.manage",
        "partial_update": "batch.manage",
        "open": "batch.manage",
        "close": "batch.manage",
        "complete": "batch.manage",
    }

    def get_queryset(self):
        return selectors.batch_list(user=self.request.user).prefetch_related(
            "regions", "industries"
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        association = data.pop("association", None)
        serializer.instance = services.batch_create(
            actor=self.request.user,
            association_id=scope_of(self.request.user).acting_association(
                association.pk if association else None
            ),
            regions=data.pop("regions"),
            industries=data.pop("industries"),
            **data,
        )

    # PATCH only: a batch is never replaced whole.
    def partial_update(self, request, *args, **kwargs):
        """Change some of the batch's fields (not once it is completed)."""
        batch = self.get_object()
        serializer = self.get_serializer(batch, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        association = data.pop("association", None)
        if association is not None and association.pk != batch.association_id:
            message = _("A batch stays with the association that opened it.")
            raise DomainError(message, fields={"association": [message]})
        batch = services.batch_update(
            actor=request.user,
            batch_id=batch.pk,
            regions=data.pop("regions", None),
            industries=data.pop("industries", None),
            **data,
        )
        return Response(self.get_serializer(batch).data)

    def _transition(self, service):
        serializer = ReasonSerializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        batch = service(
            actor=self.request.user, batch_id=self.get_object().pk, **serializer.validated_data
        )
        return Response(self.get_serializer(batch).data)

    @extend_schema(request=ReasonSerializer, responses=BatchSerializer)
    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        """Open the batch for applications (from draft, or again once closed)."""
        return self._transition(services.batch_open)

    @extend_schema(request=ReasonSerializer, responses=BatchSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Stop taking applications; those handed in can still be decided."""
        return self._transition(services.batch_close)

    @extend_schema(request=ReasonSerializer, responses=BatchSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Mark a closed batch as done; it can no longer be edited."""
        return self._transition(services.batch_complete)

    @extend_schema(parameters=[ProgressQuerySerializer], responses=ProgressSerializer)
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def progress(self, request, pk=None):
        """Resumption progress of the batch: eligible, applied, approved, rejected and resumed
        enterprises, returning workers and the resumption rate (resumed ÷ eligible), per region
        or industry section and in total."""
        batch = self.get_object()
        query = ProgressQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        within = query.validated_data.get("within")
        figures = progress(batch=batch, by=query.validated_data["by"], within=within)
        figures["within"] = within.code if within is not None else None
        figures["rate_label"] = str(RESUMED_OF_ELIGIBLE.label)
        return Response(ProgressSerializer(figures).data)

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        """Every status change of the batch: who, when, from, to and why."""
        return Response(EventSerializer(history_for(self.get_object()), many=True).data)
