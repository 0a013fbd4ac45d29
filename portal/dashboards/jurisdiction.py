"""The official's home page: the jurisdiction's picture across all its associations."""

from django.db.models import Count

from associations.selectors import association_member_counts
from core.models import User
from enterprises.models import Enterprise
from enterprises.selectors import enterprise_list


def context(user: User) -> dict:
    by_size = enterprise_list(user=user).values("size").annotate(n=Count("id"))
    labels = dict(Enterprise.Size.choices)
    return {
        "jurisdiction": user.jurisdiction,
        "associations": association_member_counts(user=user),
        "enterprises_by_size": [
            (labels.get(row["size"], row["size"]), row["n"]) for row in by_size.order_by("size")
        ],
    }
