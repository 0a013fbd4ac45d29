"""The administrator's home page: the whole country's picture, and the platform."""

from django.http import QueryDict

from associations.selectors import association_member_counts
from core.models import Region, User
from portal.dashboards import jurisdiction


def context(user: User, query: QueryDict) -> dict:
    return {
        **jurisdiction.picture(user, query),
        "region_count": Region.objects.count(),
        "associations": association_member_counts(user=user),
    }
