"""Each role's home page: what needs them today, read from the apps below."""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.db.models.functions import Now
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from associations.selectors import association_member_counts, membership_list_for_enterprise
from batches.models import Application
from batches.selectors import application_list, open_batches_for, with_overdue
from core.access import action_required, can, scope_of
from core.models import Region, User
from enterprises.models import Enterprise, EnterpriseClaim
from enterprises.selectors import claim_list, enterprise_list


def _enterprise(user: User) -> dict:
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


def _association(user: User) -> dict:
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


def _jurisdiction(user: User) -> dict:
    by_size = enterprise_list(user=user).values("size").annotate(n=Count("id"))
    labels = dict(Enterprise.Size.choices)
    return {
        "jurisdiction": user.jurisdiction,
        "associations": association_member_counts(user=user),
        "enterprises_by_size": [
            (labels.get(row["size"], row["size"]), row["n"]) for row in by_size.order_by("size")
        ],
    }


def _platform(user: User) -> dict:
    return {
        "region_count": Region.objects.count(),
        "associations": association_member_counts(user=user),
    }


def _partner(user: User) -> dict:
    return {}


# Each role's home page, by the role-table action that gives it (portal/access.py): the first
# the user holds is theirs.
DASHBOARDS: list[tuple[str, str, Callable[[User], dict]]] = [
    ("dashboard.platform", "portal/dashboard_admin.html", _platform),
    ("dashboard.association", "portal/dashboard_staff.html", _association),
    ("dashboard.jurisdiction", "portal/dashboard_official.html", _jurisdiction),
    ("dashboard.enterprise", "portal/dashboard_enterprise.html", _enterprise),
    ("dashboard.partner", "portal/dashboard_partner.html", _partner),
]


@action_required("dashboard.view")
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    for action, template, context in DASHBOARDS:
        if can(user, action):
            return render(request, template, context(user))
    raise PermissionDenied
