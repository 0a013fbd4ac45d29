"""The supply catalogue, needs (supply, labour, difficulties), offers and their coordination
through the REST API.

Reads go through supplies.selectors (already scoped to the caller: out of scope answers 404);
every write is one call to supplies.services, which checks the rules, keeps the history and
answers the one domain error (400, or 409 for a transition the status does not allow).
"""

from django.db.models import Case, F, IntegerField, Value, When
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.access import can
from core.api.serializers_common import EventSerializer, ReasonSerializer
from core.errors import DomainError
from core.workflow import history_for
from supplies import selectors, services
from supplies.api.filters import (
    AliasOrderingFilter,
    NeedFilterSet,
    SupplyItemFilterSet,
    SupplyOfferFilterSet,
)
from supplies.api.serializers import (
    DifficultySerializer,
    EscalateSerializer,
    EscalationSerializer,
    InformationSerializer,
    LabourRequestSerializer,
    MatchCreateSerializer,
    MatchSerializer,
    NeedMessageSerializer,
    PlacementCreateSerializer,
    PlacementSerializer,
    QuestionSerializer,
    ReplySerializer,
    SupplyItemSerializer,
    SupplyOfferSerializer,
    SupplyRequestSerializer,
)
from supplies.models import Need

CONFLICT = OpenApiResponse(
    description="Not allowed from the current status (`current_status` says which)"
)


def _acts_for_an_enterprise(user) -> None:
    if not user.enterprise_id:
        message = _("Your account does not act for an enterprise yet: register or claim it.")
        raise DomainError(message)


# --- the catalogue ------------------------------------------------------------------------


class SupplyItemViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The supply catalogue: prevention supplies and production materials, each counted in one
    unit. Everyone reads it; the staff side adds and edits items (an item's unit cannot change
    once needs or offers use it). Items are referred to by their code."""

    serializer_class = SupplyItemSerializer
    filterset_class = SupplyItemFilterSet
    lookup_field = "code"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    ordering_fields = ["code", "name_zh", "name_en", "category", "updated_at"]
    ordering = ["category", "code"]
    permission_actions = {
        "list": "supply_item.view",
        "retrieve": "supply_item.view",
        "create": "supply_item.manage",
        "partial_update": "supply_item.manage",
    }

    def get_queryset(self):
        return selectors.item_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.item_create(
            actor=self.request.user, **serializer.validated_data
        )

    # PATCH only: an item is never replaced whole, nor deleted (needs and offers refer to it).
    def partial_update(self, request, *args, **kwargs):
        """Change some of the item's fields; retire it with `is_active: false`."""
        item = self.get_object()
        serializer = self.get_serializer(item, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        item = services.item_update(
            actor=request.user, item_id=item.pk, **serializer.validated_data
        )
        return Response(self.get_serializer(item).data)


# --- needs --------------------------------------------------------------------------------


class NeedViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """What every kind of need shares: filing, the coordination actions, the history, the
    messages and the escalations to government. A subclass names its `kind` and serializer."""

    kind: str
    filterset_class = NeedFilterSet
    filter_backends = [DjangoFilterBackend, AliasOrderingFilter]
    ordering_fields = ["id", "created_at", "updated_at", "needed_by", "urgency", "rank"]
    # `rank` is the queue's order: urgency counts as weeks already waited (see Need.rank_at).
    ordering_aliases = {"rank": "rank_at", "urgency": "urgency_weight"}
    ordering = ["-created_at", "-id"]
    permission_actions = {
        "list": "need.view",
        "retrieve": "need.view",
        "history": "need.view",
        "messages": "need.view",
        "escalations": "need.view",
        "create": "need.file",
        "add_info": "need.file",
        "cancel": "need.file",
        "take": "need.coordinate",
        "ask_info": "need.coordinate",
        "resolve": "need.coordinate",
        "escalate": "need.coordinate",
        "reply": "need.reply",
    }

    def get_queryset(self):
        weight = Case(
            *(When(urgency=urgency, then=Value(w)) for urgency, w in Need.URGENCY_WEIGHT.items()),
            default=Value(1),
            output_field=IntegerField(),
        )
        needs = selectors.need_list(user=self.request.user, kind=self.kind)
        if self.action == "list":
            # What a list row reads besides its own columns: the enterprise's name (and its
            # region's path, for an official's `reply`) and the item's code and names, as
            # columns of the row (four model instances per row were most of a 1000-row page).
            needs = needs.select_related(None).annotate(enterprise_name=F("enterprise__name"))
            if can(self.request.user, "need.reply"):
                needs = needs.annotate(enterprise_region_path=F("enterprise__region__path"))
            if self.kind == Need.Kind.SUPPLY:
                needs = needs.annotate(
                    item_code=F("item__code"),
                    item_name_zh=F("item__name_zh"),
                    item_name_en=F("item__name_en"),
                )
        return needs.alias(urgency_weight=weight)

    def _answer(self, need: Need, **kwargs) -> Response:
        """The need as the caller now sees it."""
        fresh = self.get_queryset().get(pk=need.pk)
        return Response(self.get_serializer(fresh).data, **kwargs)

    def create(self, request, *args, **kwargs):
        """File a need for the caller's enterprise with one of its associations."""
        _acts_for_an_enterprise(request.user)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        need = services.need_file(
            actor=request.user,
            kind=self.kind,
            association_id=data.pop("association_id", None),
            **data,
        )
        return self._answer(need, status=status.HTTP_201_CREATED)

    def _transition(self, service, serializer_class=ReasonSerializer):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        need = service(
            actor=self.request.user, need_id=self.get_object().pk, **serializer.validated_data
        )
        return self._answer(need)

    @extend_schema(request=ReasonSerializer)
    @action(detail=True, methods=["post"])
    def take(self, request, pk=None):
        """Staff start working on the need (open, or answered by government)."""
        return self._transition(services.need_take)

    @extend_schema(request=QuestionSerializer)
    @action(detail=True, methods=["post"], url_path="ask-info", url_name="ask-info")
    def ask_info(self, request, pk=None):
        """Ask the enterprise for more information; the need waits for its answer."""
        return self._transition(services.need_ask_info, QuestionSerializer)

    @extend_schema(request=InformationSerializer)
    @action(detail=True, methods=["post"], url_path="add-info", url_name="add-info")
    def add_info(self, request, pk=None):
        """The enterprise adds information; a need waiting for it goes back to work."""
        return self._transition(services.need_add_info, InformationSerializer)

    @extend_schema(request=ReasonSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Close the need as met, saying how."""
        return self._transition(services.need_resolve)

    @extend_schema(request=ReasonSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """The enterprise withdraws its need."""
        return self._transition(services.need_cancel)

    @extend_schema(request=EscalateSerializer)
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        """Put the need before the government of the enterprise's region, with a summary."""
        return self._transition(services.need_escalate, EscalateSerializer)

    @extend_schema(request=ReplySerializer)
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        """An official answers the escalated need (reply and outcome); the association and the
        enterprise see the answer under `escalations`."""
        serializer = ReplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        need = self.get_object()
        services.need_reply(actor=request.user, need_id=need.pk, **serializer.validated_data)
        return self._answer(need)

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        """Every status change of the need: who, when, from, to and why."""
        return Response(EventSerializer(history_for(self.get_object()), many=True).data)

    @extend_schema(responses=NeedMessageSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def messages(self, request, pk=None):
        """The association's questions and the information the enterprise added, oldest
        first."""
        messages = self.get_object().messages.select_related("author")
        return Response(NeedMessageSerializer(messages, many=True).data)

    @extend_schema(responses=EscalationSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def escalations(self, request, pk=None):
        """Each time the need was put before government, with the official's reply and
        outcome once answered."""
        escalations = self.get_object().escalations.select_related("escalated_by", "replied_by")
        return Response(EscalationSerializer(escalations, many=True).data)


class SupplyRequestViewSet(NeedViewSet):
    """Supply requests: a catalogue item, a quantity in the item's unit, a needed-by date and an
    urgency. Staff match them with offers of the same item, in part or in full; fully matched,
    a request is resolved.

    An enterprise user files and follows its enterprise's requests; staff of the association
    coordinate them; officials see those escalated inside their jurisdiction and reply. A
    transition not allowed from the current status answers 409 with `current_status`."""

    kind = Need.Kind.SUPPLY
    serializer_class = SupplyRequestSerializer
    permission_actions = NeedViewSet.permission_actions | {
        "match": "need.coordinate",
        "matches": "need.view",
    }

    @extend_schema(
        request=MatchCreateSerializer,
        responses={
            201: MatchSerializer,
            400: OpenApiResponse(
                description="Not valid; code `over_allocation` when the quantity exceeds what "
                "the offer has left (`available`) or what the request still needs (`needed`)"
            ),
            409: OpenApiResponse(
                description="The request is closed, or the offer withdrawn, used up or expired"
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def match(self, request, pk=None):
        """Allocate a quantity of an offer to this request."""
        serializer = MatchCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        match = services.match_create(
            actor=request.user,
            need_id=self.get_object().pk,
            offer_id=data["offer"],
            quantity=data["quantity"],
            note=data["note"],
        )
        return Response(MatchSerializer(match).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=MatchSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def matches(self, request, pk=None):
        """The offers matched with this request and the quantities, oldest first."""
        matches = self.get_object().matches.select_related(
            "offer__enterprise", "offer__item", "matched_by"
        )
        return Response(MatchSerializer(matches, many=True).data)


class LabourRequestViewSet(NeedViewSet):
    """Labour requests: a trade or position, a headcount, where and by when. Staff record the
    workers placed; fully staffed, a request is resolved. Visibility and workflow as for supply
    requests."""

    kind = Need.Kind.LABOUR
    serializer_class = LabourRequestSerializer
    permission_actions = NeedViewSet.permission_actions | {
        "place": "need.coordinate",
        "placements": "need.view",
    }

    @extend_schema(
        request=PlacementCreateSerializer,
        responses={
            201: PlacementSerializer,
            400: OpenApiResponse(
                description="Not valid; code `over_allocation` when the headcount exceeds what "
                "the request still needs"
            ),
            409: CONFLICT,
        },
    )
    @action(detail=True, methods=["post"])
    def place(self, request, pk=None):
        """Record workers placed with this request."""
        serializer = PlacementCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        placement = services.placement_create(
            actor=request.user, need_id=self.get_object().pk, **serializer.validated_data
        )
        return Response(PlacementSerializer(placement).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=PlacementSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def placements(self, request, pk=None):
        """The workers placed with this request, oldest first."""
        placements = self.get_object().placements.select_related("recorded_by")
        return Response(PlacementSerializer(placements, many=True).data)


class DifficultyViewSet(NeedViewSet):
    """Difficulties: energy, transport and logistics, finance, policy or other, described in
    words. Staff help or escalate them to government. Visibility and workflow as for supply
    requests."""

    kind = Need.Kind.DIFFICULTY
    serializer_class = DifficultySerializer


# --- offers -------------------------------------------------------------------------------


class SupplyOfferViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Offers of supplies by member enterprises to their association's members.

    An enterprise user posts and withdraws its enterprise's offers; staff of the association see
    them (to match them with requests) and may withdraw them."""

    serializer_class = SupplyOfferSerializer
    filterset_class = SupplyOfferFilterSet
    filter_backends = [DjangoFilterBackend, AliasOrderingFilter]
    ordering_fields = ["id", "created_at", "updated_at", "available_until", "remaining_quantity"]
    ordering = ["-created_at", "-id"]
    permission_actions = {
        "list": "offer.view",
        "retrieve": "offer.view",
        "history": "offer.view",
        "create": "offer.post",
        "withdraw": "offer.withdraw",
    }

    def get_queryset(self):
        return selectors.offer_list(user=self.request.user)

    def _answer(self, offer, **kwargs) -> Response:
        fresh = self.get_queryset().get(pk=offer.pk)
        return Response(self.get_serializer(fresh).data, **kwargs)

    def create(self, request, *args, **kwargs):
        """Offer a quantity of a catalogue item to the members of one of the enterprise's
        associations."""
        _acts_for_an_enterprise(request.user)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        offer = services.offer_create(
            actor=request.user, association_id=data.pop("association_id", None), **data
        )
        return self._answer(offer, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReasonSerializer, responses={200: SupplyOfferSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Take the offer back; what was matched already stays matched."""
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        offer = services.offer_withdraw(
            actor=request.user, offer_id=self.get_object().pk, **serializer.validated_data
        )
        return self._answer(offer)

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        """Every status change of the offer: who, when, from, to and why."""
        return Response(EventSerializer(history_for(self.get_object()), many=True).data)
