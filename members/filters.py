"""The member list's filters: the same query parameters on the page, in its exports and on the
memberships API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from associations.models import Membership
from core.api.filters import IndustryFilter, RegionSubtreeFilter, UpdatedSinceFilterSet
from core.filters import IdFilter
from enterprises.filters import search_enterprises
from enterprises.models import Enterprise


class MembershipFilterSet(UpdatedSinceFilterSet):
    region = RegionSubtreeFilter(
        field_name="enterprise__region", label=_("Region code (any level)")
    )
    industry = IndustryFilter(
        field_name="enterprise__industry", label=_("Industry section or division")
    )
    size = django_filters.ChoiceFilter(
        field_name="enterprise__size", choices=Enterprise.Size.choices, label=_("Size")
    )
    search = django_filters.CharFilter(method="filter_search", label=_("Name or credit code"))

    # By id, without checking that the enterprise or association exists: an out-of-scope id
    # must look exactly like one that does not exist (an empty list), and the rows filtered
    # are the user's memberships already.
    enterprise = IdFilter(field_name="enterprise_id", label=_("Enterprise id"))
    association = IdFilter(field_name="association_id", label=_("Association id"))

    class Meta:
        model = Membership
        fields = ["status"]

    def filter_search(self, queryset, name, value):
        return search_enterprises(queryset, "enterprise__", value)
