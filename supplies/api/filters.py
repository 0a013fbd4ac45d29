"""List filters and ordering for the catalogue, needs and offers."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.filters import OrderingFilter

from core.api.filters import (
    BooleanFilter,
    IndustryFilter,
    RegionSubtreeFilter,
    UpdatedSinceFilterSet,
)
from core.filters import IdFilter
from supplies.models import Need, SupplyItem, SupplyOffer


class SupplyItemFilterSet(UpdatedSinceFilterSet):
    code = django_filters.CharFilter(field_name="code", label=_("Item code"))

    class Meta:
        model = SupplyItem
        fields = ["category", "is_active"]


class NeedFilterSet(UpdatedSinceFilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=Need.Status.choices,
        label=_("Status (repeat for several)"),
        distinct=False,  # one row per need already; DISTINCT would sort a million rows
    )
    urgency = django_filters.MultipleChoiceFilter(
        choices=Need.Urgency.choices, label=_("Urgency (repeat for several)"), distinct=False
    )
    # By id, without checking that it exists: an unknown id finds nothing.
    association = IdFilter(field_name="association_id", label=_("Association id"))
    enterprise = IdFilter(field_name="enterprise_id", label=_("Enterprise id"))
    item = django_filters.CharFilter(field_name="item__code", label=_("Item code"))
    region = RegionSubtreeFilter(
        field_name="enterprise__region", label=_("Region code of the enterprise (any level)")
    )
    industry = IndustryFilter(
        field_name="enterprise__industry",
        label=_("Industry section or division of the enterprise"),
    )
    active = BooleanFilter(
        method="filter_active", label=_("Still waiting (not resolved or cancelled)")
    )
    overdue = BooleanFilter(
        method="filter_overdue", label=_("Still waiting past its needed-by date")
    )
    escalated = BooleanFilter(
        field_name="escalated_at",
        lookup_expr="isnull",
        exclude=True,
        label=_("Put before government (at any time)"),
    )

    class Meta:
        model = Need
        fields: list[str] = []

    def filter_active(self, queryset, name, value):
        if value is None:
            return queryset
        active = Q(status__in=Need.ACTIVE)
        return queryset.filter(active) if value else queryset.exclude(active)

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = Q(status__in=Need.ACTIVE, needed_by__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class SupplyOfferFilterSet(UpdatedSinceFilterSet):
    item = django_filters.CharFilter(field_name="item__code", label=_("Item code"))
    association = IdFilter(field_name="association_id", label=_("Association id"))
    enterprise = IdFilter(field_name="enterprise_id", label=_("Supplier (enterprise id)"))
    available = BooleanFilter(
        method="filter_available", label=_("Open, something left, and not past its date")
    )

    class Meta:
        model = SupplyOffer
        fields = ["status"]

    def filter_available(self, queryset, name, value):
        if value is None:
            return queryset
        available = Q(
            status=SupplyOffer.Status.OPEN,
            remaining_quantity__gt=0,
            available_until__gte=timezone.localdate(),
        )
        return queryset.filter(available) if value else queryset.exclude(available)


class AliasOrderingFilter(OrderingFilter):
    """`ordering` whose public names may differ from the columns: a view's
    `ordering_aliases` maps them (`rank` → `rank_at`). Every ordering ends with the id, so that
    pages neither repeat nor skip rows that tie."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if not ordering:
            return ordering
        aliases = getattr(view, "ordering_aliases", {})
        mapped = []
        for term in ordering:
            descending = term.startswith("-")
            name = aliases.get(term.lstrip("-"), term.lstrip("-"))
            mapped.append(f"-{name}" if descending else name)
        if not any(term.lstrip("-") in ("id", "pk") for term in mapped):
            mapped.append("-id" if mapped[0].startswith("-") else "id")
        return mapped

    def get_schema_operation_parameters(self, view):
        names = ", ".join(f"`{name}`" for name in getattr(view, "ordering_fields", []))
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["description"] = (
                f"Order by {names}; several comma-separated, `-` before a name reverses it."
            )
        return parameters
