from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.relations import PKOnlyObject

from core.models import Event, Industry, Region


class _CodeField(serializers.SlugRelatedField):
    """A reference by its code, which is the foreign key's own value (regions and industries are
    keyed by code): read from the row's column, without loading the related row."""

    renders_foreign_key = True  # core.api.plain reads the column itself

    def use_pk_only_optimization(self):
        return True

    def to_representation(self, value):
        if isinstance(value, PKOnlyObject):
            return value.pk
        return super().to_representation(value)


class RegionCodeField(_CodeField):
    default_error_messages = {
        "does_not_exist": _("Unknown region code {value} (GB/T 2260)."),
        "invalid": _("Give the region as its code, e.g. 440106."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Region.objects.all())
        super().__init__(slug_field="code", **kwargs)


class IndustryCodeField(_CodeField):
    default_error_messages = {
        "does_not_exist": _("Unknown industry code {value} (GB/T 4754-2017)."),
        "invalid": _("Give the industry as its code, e.g. 39."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Industry.objects.all())
        super().__init__(slug_field="code", **kwargs)

    def to_internal_value(self, data):
        return super().to_internal_value(data.strip().upper() if isinstance(data, str) else data)


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField(
        help_text="Who did it (null: the system). The association's own side reads their login "
        "names; a reader outside the association their name and role, or their role alone."
    )

    class Meta:
        model = Event
        fields = ["id", "action", "from_status", "to_status", "actor", "reason", "changes", "at"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor(self, event: Event) -> str | None:
        # Set by core.workflow.read_from_outside for a reader outside the association.
        label = getattr(event, "actor_label", None)
        if label is not None:
            return label or None
        return event.actor.username if event.actor is not None else None


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
