"""The administrator's home page."""

from associations.selectors import association_member_counts
from core.models import Region, User


def context(user: User) -> dict:
    return {
        "region_count": Region.objects.count(),
        "associations": association_member_counts(user=user),
    }
