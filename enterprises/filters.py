import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from associations.models import Membership
from associations.selectors import membership_list
from core.api.filters import IndustryFilter, RegionSubtreeFilter, UpdatedSinceFilterSet
from core.filters import IdFilter
from enterprises.models import Enterprise, EnterpriseClaim


def search_enterprises(queryset, prefix: str, value: str):
    value = (value or "").strip()
    if not value:
        return queryset
    return queryset.filter(
        Q(**{f"{prefix}name__icontains": value}) | Q(**{f"{prefix}uscc__startswith": value.upper()})
    )


class EnterpriseFilterSet(UpdatedSinceFilterSet):
    region = RegionSubtreeFilter(field_name="region", label=_("Region code (any level)"))
    industry = IndustryFilter(field_name="industry", label=_("Industry section or division"))
    association = IdFilter(method="filter_membership", label=_("Member of this association (id)"))
    status = django_filters.ChoiceFilter(
        choices=Membership.Status.choices,
        method="filter_membership",
        label=_("Membership status"),
    )
    search = django_filters.CharFilter(method="filter_search", label=_("Name or credit code"))

    class Meta:
        model = Enterprise
        fields = ["size", "ownership"]

    def filter_membership(self, queryset, name, value):
        """`association` and `status` combine: "members of A whose membership is S".

        Only the memberships the user may see count (`membership_list`): staff their own
        associations', so that a filter narrows their list and never tells what another
        association decided; an association out of the user's scope finds nothing."""
        conditions = {}
        association = self.form.cleaned_data.get("association")
        status = self.form.cleaned_data.get("status")
        if association is not None:
            conditions["association_id"] = association
        if status:
            conditions["status"] = status
        if not conditions or (name == "status" and association is not None):
            return queryset  # applied once, by the `association` filter
        user = getattr(self.request, "user", None)
        member = membership_list(user=user).filter(enterprise_id=OuterRef("pk"), **conditions)
        return queryset.filter(Exists(member))

    def filter_search(self, queryset, name, value):
        return search_enterprises(queryset, "", value)


class ClaimFilterSet(UpdatedSinceFilterSet):
    enterprise = IdFilter(field_name="enterprise_id", label=_("Enterprise id"))

    class Meta:
        model = EnterpriseClaim
        fields = ["status"]
