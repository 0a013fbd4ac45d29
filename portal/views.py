"""Each role's home page: what needs them today, read from the apps below
(portal/dashboards/, one module per role)."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.access import action_required, can
from core.replica import replica_reads
from portal.dashboards import DASHBOARDS, jurisdiction


@action_required("dashboard.view")
@replica_reads
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    for action, template, context in DASHBOARDS:
        if can(user, action):
            return render(request, template, context(user, request.GET))
    raise PermissionDenied


def home(request: HttpRequest) -> HttpResponse:
    """The portal's address: the signed-in user's home page itself, rather than a redirect to
    /dashboard/ that made every visit two requests; the login page for everyone else."""
    if not request.user.is_authenticated:
        return redirect("login")
    return dashboard(request)


@action_required("dashboard.region")
@replica_reads
def region_dashboard(request: HttpRequest, code: str) -> HttpResponse:
    """The picture of one region inside the user's jurisdiction (the country's, for admins)."""
    context = jurisdiction.picture(request.user, request.GET, code)
    return render(request, "portal/dashboard_region.html", context)
