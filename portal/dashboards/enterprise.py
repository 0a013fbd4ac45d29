"""The enterprise user's home page: what to do next, on a phone first."""

from associations.selectors import membership_list_for_enterprise
from batches.models import Application
from batches.selectors import application_list, open_batches_for, with_overdue
from core.models import User
from enterprises.selectors import claim_list, enterprise_list


def context(user: User) -> dict:
    applications = application_list(user=user)
    applied = set(
        applications.filter(status__in=Application.LIVE).values_list("batch_id", flat=True)
    )
    return {
        "enterprise": enterprise_list(user=user).first(),
        "memberships": membership_list_for_enterprise(user=user),
        "claims": claim_list(user=user)[:10],
        "open_batches": [b for b in open_batches_for(user=user) if b.pk not in applied],
        "applications": with_overdue(applications).order_by("-updated_at", "-id")[:10],
    }
