"""What the API reads and writes for the supply catalogue, needs, offers and their coordination.

Serializers only parse and render: the rules (membership, the item's unit, dates, quantities
left) are the services'. Where a field can be checked here, its message is the service's own, so
that a partner reads the same sentence whichever side caught the mistake.
"""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.plain import PlainListSerializer
from core.api.serializers_common import RegionCodeField
from core.models import in_active_language
from supplies import access
from supplies.models import (
    QUANTITY,
    Escalation,
    Match,
    Need,
    NeedMessage,
    Placement,
    SupplyItem,
    SupplyOffer,
    Unit,
)

MAX_ID = 2_147_483_647  # the largest id PostgreSQL's integer holds
QUANTITY_ERRORS = {
    "required": _("Give the quantity as a number, e.g. 500 or 12.5."),
    "null": _("Give the quantity as a number, e.g. 500 or 12.5."),
    "invalid": _("Give the quantity as a number, e.g. 500 or 12.5."),
    "min_value": _("The quantity must be more than 0."),
    "max_digits": _("The quantity is too large."),
    "max_whole_digits": _("The quantity is too large."),
    "max_string_length": _("The quantity is too large."),
    "max_decimal_places": _("Give the quantity with at most 3 decimal places."),
}


def quantity_field(**kwargs) -> serializers.DecimalField:
    """A quantity as a string with up to 3 decimals ("12.5"); a JSON number is accepted too."""
    return serializers.DecimalField(
        **QUANTITY,
        min_value=Decimal("0.001"),
        error_messages=QUANTITY_ERRORS,
        help_text=kwargs.pop(
            "help_text", "More than 0, at most 3 decimal places, in the item's unit"
        ),
        **kwargs,
    )


def read_quantity(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(**QUANTITY, read_only=True, **kwargs)


class SupplyItemCodeField(serializers.SlugRelatedField):
    """A catalogue item, referred to by its code (`mask-medical`). Read from the `item_code` a
    list annotates (supplies.api.views) when there is one, else through the relation."""

    default_error_messages = {
        "does_not_exist": _(
            "There is no item “{value}” in the catalogue; /api/v1/supply-items/ lists the codes."
        ),
        "invalid": _("Give the item as its code, e.g. mask-medical."),
        "required": _("Choose an item of the catalogue."),
        "null": _("Choose an item of the catalogue."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", SupplyItem.objects.all())
        super().__init__(slug_field="code", **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data.strip().lower())

    def get_attribute(self, instance):
        code = instance.__dict__.get("item_code")
        return code if code is not None else super().get_attribute(instance)

    def to_representation(self, value):
        return value if isinstance(value, str) else super().to_representation(value)


class EnterpriseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


@extend_schema_field(
    {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
        "required": ["id", "name"],
    }
)
class EnterpriseRefField(serializers.Field):
    """The enterprise of the object, as {id, name}: from the row's own `enterprise_id` and the
    `enterprise_name` a list annotates (supplies.api.views), else through the relation."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value):
        name = value.__dict__.get("enterprise_name")
        if name is None:
            name = value.enterprise.name
        return {"id": value.enterprise_id, "name": name}


class AllowedActionsMixin:
    """`allowed_actions`: what the caller may do to the object now (supplies.access), the same
    list the object's page draws its buttons from."""

    # Who the caller is is worked out once per serializer: a list page asks for every row.

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        rules = self.__dict__.get("_need_rules")
        if rules is None:
            rules = self._need_rules = access.NeedRules(request.user)
        return access.allowed_actions(request.user, obj, rules)


NEED_FIELDS = [
    "id",
    "kind",
    "enterprise",
    "association",
    "status",
    "urgency",
    "needed_by",
    "overdue",
    "description",
    "created_at",
    "updated_at",
    "escalated_at",
    "closed_at",
    "allowed_actions",
]


def _required(message) -> dict:
    return {"required": message, "null": message, "blank": message}


# --- the catalogue ------------------------------------------------------------------------


class SupplyItemSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="The name in the request's language")
    association = serializers.IntegerField(
        source="association_id",
        required=False,
        allow_null=True,
        min_value=1,
        help_text="The association keeping the item (its staff edit it); null for the "
        "platform's own items. On POST, staff working for several associations say which.",
    )

    class Meta:
        model = SupplyItem
        fields = [
            "code",
            "name",
            "association",
            "name_zh",
            "name_en",
            "category",
            "unit",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # A code already taken is the service's to say, with what to do instead.
        extra_kwargs = {"code": {"validators": []}}


# --- needs --------------------------------------------------------------------------------


class NeedSerializer(AllowedActionsMixin, serializers.ModelSerializer):
    """The fields every kind of need has."""

    enterprise = EnterpriseRefField()
    association = serializers.IntegerField(
        source="association_id",
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="The association asked to help (id); needed on filing only if the enterprise "
        "is an active member of several.",
    )
    overdue = serializers.SerializerMethodField(
        help_text="Still waiting past its needed-by date",
    )
    allowed_actions = serializers.SerializerMethodField(
        help_text="What the caller may do to the need now, by action name (the POST "
        "endpoints below it): `take`, `ask-info`, `resolve`, `escalate`, `match` (supply "
        "requests), `place` (labour requests) for the association's side; `add-info`, `cancel` "
        "for the enterprise; `reply` for an official of the enterprise's region"
    )

    def get_overdue(self, need) -> bool:
        return need.overdue_on(self._once("today", timezone.localdate))

    def _once(self, name: str, work):
        """A value the same for every row the serializer renders (the day, the language),
        worked out for the first (each asks a context-local setting)."""
        kept = self.__dict__.setdefault("_kept", {})
        if name not in kept:
            kept[name] = work()
        return kept[name]

    class Meta:
        model = Need
        fields = NEED_FIELDS
        list_serializer_class = PlainListSerializer  # a partner's 1000-row pages
        read_only_fields = [
            "id",
            "kind",
            "status",
            "created_at",
            "updated_at",
            "escalated_at",
            "closed_at",
        ]
        extra_kwargs = {
            "needed_by": {"help_text": "Today or later (YYYY-MM-DD)"},
            "urgency": {"help_text": "low, normal (the default), high or critical"},
        }


class SupplyRequestSerializer(NeedSerializer):
    item = SupplyItemCodeField(help_text="The catalogue item's code, e.g. mask-medical")
    item_name = serializers.SerializerMethodField()
    unit = serializers.ChoiceField(
        choices=Unit.choices,
        required=False,
        allow_blank=True,
        help_text="Optional on filing; if given, it must be the item's unit",
    )
    quantity = quantity_field()
    fulfilled_quantity = read_quantity(help_text="Matched with offers so far")
    remaining_quantity = read_quantity(help_text="Still needed")

    def get_item_name(self, need) -> str:
        """The item's name in the request's language."""
        if "item_name_zh" not in need.__dict__:
            return need.item.name
        language = self._once("language", get_language)
        return in_active_language(need.item_name_zh, need.item_name_en, language)

    class Meta(NeedSerializer.Meta):
        model = Need
        fields = [
            *NEED_FIELDS,
            "item",
            "item_name",
            "unit",
            "quantity",
            "fulfilled_quantity",
            "remaining_quantity",
        ]
        extra_kwargs = NeedSerializer.Meta.extra_kwargs | {
            "needed_by": {
                "required": True,
                "allow_null": False,
                "help_text": "Today or later (YYYY-MM-DD)",
                "error_messages": _required(_("Say by when it is needed.")),
            },
        }


class LabourRequestSerializer(NeedSerializer):
    trade = serializers.CharField(
        max_length=100,
        error_messages=_required(_("Say which trade or position is needed.")),
    )
    headcount = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        error_messages={
            **_required(_("The headcount must be 1 or more.")),
            "min_value": _("The headcount must be 1 or more."),
        },
    )
    filled_headcount = serializers.IntegerField(read_only=True)
    remaining_headcount = serializers.IntegerField(read_only=True)
    work_region = RegionCodeField(
        required=False,
        allow_null=True,
        help_text="GB/T 2260 code of where the work is; the enterprise's region if not given",
    )

    class Meta(NeedSerializer.Meta):
        model = Need
        fields = [
            *NEED_FIELDS,
            "trade",
            "headcount",
            "filled_headcount",
            "remaining_headcount",
            "work_region",
        ]
        extra_kwargs = SupplyRequestSerializer.Meta.extra_kwargs


class DifficultySerializer(NeedSerializer):
    difficulty_kind = serializers.ChoiceField(
        choices=Need.DifficultyKind.choices,
        error_messages=_required(_("Choose a kind: energy, transport, finance, policy or other.")),
    )
    description = serializers.CharField(
        error_messages=_required(_("Describe the difficulty.")),
        help_text="What the difficulty is",
    )

    class Meta(NeedSerializer.Meta):
        model = Need
        fields = [*NEED_FIELDS, "difficulty_kind"]


# --- actions on a need --------------------------------------------------------------------


class QuestionSerializer(serializers.Serializer):
    question = serializers.CharField(
        max_length=5000,
        help_text="What the enterprise should add; it sees the question",
        error_messages=_required(_("Write what the enterprise should add.")),
    )


class InformationSerializer(serializers.Serializer):
    body = serializers.CharField(
        max_length=5000,
        help_text="The information added (answers a question if one was asked)",
        error_messages=_required(_("Write the information to add.")),
    )


class EscalateSerializer(serializers.Serializer):
    summary = serializers.CharField(
        max_length=5000,
        help_text="For government: what is needed and what was tried",
        error_messages=_required(
            _("Write a summary for government: what is needed and what was tried.")
        ),
    )


class ReplySerializer(serializers.Serializer):
    reply = serializers.CharField(max_length=5000, error_messages=_required(_("Write the reply.")))
    outcome = serializers.ChoiceField(
        choices=Escalation.Outcome.choices,
        error_messages=_required(
            _("Choose an outcome: resolved, partly resolved, cannot help or referred.")
        ),
    )
    referred_to = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="The department it was referred to (required with the outcome `referred`)",
    )


class MatchCreateSerializer(serializers.Serializer):
    offer = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        help_text="An open offer (id) of the same association and item",
        error_messages={"invalid": _("Give the offer as its id, a whole number.")},
    )
    quantity = quantity_field(help_text="How much of the offer goes to this request")
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class PlacementCreateSerializer(serializers.Serializer):
    headcount = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        error_messages={
            **_required(_("The headcount must be 1 or more.")),
            "min_value": _("The headcount must be 1 or more."),
        },
    )
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class MatchSerializer(serializers.ModelSerializer):
    supplier = EnterpriseRefSerializer(source="offer.enterprise", read_only=True)
    item = serializers.CharField(source="offer.item.code", read_only=True)
    unit = serializers.CharField(source="offer.unit", read_only=True)
    quantity = read_quantity()
    matched_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Match
        fields = [
            "id",
            "need",
            "offer",
            "supplier",
            "item",
            "unit",
            "quantity",
            "note",
            "matched_by",
            "matched_at",
        ]
        read_only_fields = fields


class PlacementSerializer(serializers.ModelSerializer):
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Placement
        fields = ["id", "need", "headcount", "note", "recorded_by", "recorded_at"]
        read_only_fields = fields


class NeedMessageSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = NeedMessage
        fields = ["id", "author", "body", "created_at"]
        read_only_fields = fields


class EscalationSerializer(serializers.ModelSerializer):
    escalated_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    # Null until an official replies.
    replied_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    outcome = serializers.ChoiceField(
        choices=Escalation.Outcome.choices,
        read_only=True,
        allow_null=True,
        help_text="Null until an official replies",
    )

    class Meta:
        model = Escalation
        fields = [
            "id",
            "summary",
            "escalated_by",
            "escalated_at",
            "reply",
            "outcome",
            "referred_to",
            "replied_by",
            "replied_at",
        ]
        read_only_fields = fields

    def to_representation(self, escalation):
        data = super().to_representation(escalation)
        data["outcome"] = data["outcome"] or None  # kept as "" until the reply
        return data


# --- offers -------------------------------------------------------------------------------


class SupplyOfferSerializer(AllowedActionsMixin, serializers.ModelSerializer):
    enterprise = EnterpriseRefSerializer(read_only=True)
    association = serializers.IntegerField(
        source="association_id",
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="The association whose members are offered to (id); needed only if the "
        "enterprise is an active member of several.",
    )
    item = SupplyItemCodeField(help_text="The catalogue item's code, e.g. mask-medical")
    item_name = serializers.CharField(source="item.name", read_only=True)
    unit = serializers.ChoiceField(
        choices=Unit.choices,
        required=False,
        allow_blank=True,
        help_text="Optional; if given, it must be the item's unit",
    )
    quantity = quantity_field(help_text="Offered in all, in the item's unit")
    remaining_quantity = read_quantity(help_text="Not matched yet")
    delivery_region = RegionCodeField(
        required=False,
        allow_null=True,
        help_text="GB/T 2260 code of where it is delivered; the enterprise's region if not given",
    )
    available = serializers.BooleanField(
        source="is_available",
        read_only=True,
        help_text="Open, something left, and not past its date",
    )
    allowed_actions = serializers.SerializerMethodField(
        help_text="What the caller may do to the offer now: `withdraw` (its enterprise or its "
        "association's side, while it is open)"
    )

    class Meta:
        model = SupplyOffer
        fields = [
            "id",
            "enterprise",
            "association",
            "item",
            "item_name",
            "unit",
            "quantity",
            "remaining_quantity",
            "delivery_region",
            "available_until",
            "note",
            "status",
            "available",
            "created_at",
            "updated_at",
            "allowed_actions",
        ]
        read_only_fields = ["id", "status", "created_at", "updated_at"]
        extra_kwargs = {
            "available_until": {
                "help_text": "The last day the offer stands, today or later (YYYY-MM-DD)",
                "error_messages": _required(_("Say until when the offer stands.")),
            },
            "note": {"max_length": 5000},
        }
