"""The home page of an association's staff and managers: what needs them today."""

from django.db.models import Count, Q
from django.db.models.functions import Now

from associations.selectors import association_member_counts
from batches.models import Application
from batches.selectors import application_list
from core.access import scope_of
from core.models import User
from enterprises.models import EnterpriseClaim
from enterprises.selectors import claim_list


def context(user: User) -> dict:
    submitted = Q(status=Application.Status.SUBMITTED)
    return {
        "associations": association_member_counts(user=user),
        "managed_ids": scope_of(user).managed_association_ids,
        "pending_claims": claim_list(user=user)
        .filter(status=EnterpriseClaim.Status.PENDING)
        .count(),
        "queue": application_list(user=user).aggregate(
            submitted=Count("id", filter=submitted),
            overdue=Count("id", filter=submitted & Q(review_due_at__lt=Now())),
        ),
    }
