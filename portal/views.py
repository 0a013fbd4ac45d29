"""Each role's home page: what needs them today, read from the apps below."""

from django.db.models import Count, Q
from django.db.models.functions import Now
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from associations.selectors import association_member_counts, membership_list_for_enterprise
from batches.models import Application
from batches.selectors import application_list, open_batches_for, with_overdue
from core.access import action_required, roles_of
from core.models import Region, Role
from enterprises.models import Enterprise, EnterpriseClaim
from enterprises.selectors import claim_list, enterprise_list

DASHBOARD_TEMPLATES = {
    Role.ENTERPRISE: "portal/dashboard_enterprise.html",
    Role.STAFF: "portal/dashboard_staff.html",
    Role.OFFICIAL: "portal/dashboard_official.html",
    Role.PARTNER: "portal/dashboard_partner.html",
    Role.ADMIN: "portal/dashboard_admin.html",
}


@action_required("dashboard.view")
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    role = Role.ADMIN if Role.ADMIN in roles_of(user) else user.role
    context: dict = {"role": role}
    if role == Role.ENTERPRISE:
        context["enterprise"] = enterprise_list(user=user).first()
        context["memberships"] = membership_list_for_enterprise(user=user)
        context["claims"] = claim_list(user=user)[:10]
        applications = application_list(user=user)
        applied = set(
            applications.filter(status__in=Application.LIVE).values_list("batch_id", flat=True)
        )
        context["open_batches"] = [b for b in open_batches_for(user=user) if b.pk not in applied]
        context["applications"] = with_overdue(applications).order_by("-updated_at", "-id")[:10]
    elif role == Role.STAFF:
        context["associations"] = association_member_counts(user=user)
        context["managed_ids"] = user.managed_association_ids
        context["pending_claims"] = (
            claim_list(user=user).filter(status=EnterpriseClaim.Status.PENDING).count()
        )
        submitted = Q(status=Application.Status.SUBMITTED)
        context["queue"] = application_list(user=user).aggregate(
            submitted=Count("id", filter=submitted),
            overdue=Count("id", filter=submitted & Q(review_due_at__lt=Now())),
        )
    elif role == Role.OFFICIAL:
        context["jurisdiction"] = user.jurisdiction
        context["associations"] = association_member_counts(user=user)
        by_size = enterprise_list(user=user).values("size").annotate(n=Count("id"))
        labels = dict(Enterprise.Size.choices)
        context["enterprises_by_size"] = [
            (labels.get(row["size"], row["size"]), row["n"]) for row in by_size.order_by("size")
        ]
    elif role == Role.ADMIN:
        context["region_count"] = Region.objects.count()
        context["associations"] = association_member_counts(user=user)
    return render(request, DASHBOARD_TEMPLATES[role], context)
