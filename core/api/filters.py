import django_filters
from django.utils.translation import gettext_lazy as _


class UpdatedSinceFilterSet(django_filters.FilterSet):
    """Base of every list filter: `updated_since` (ISO 8601) for partners' incremental sync."""

    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label=_("Changed at or after this ISO 8601 time"),
    )
