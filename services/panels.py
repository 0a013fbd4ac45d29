"""What support services add to an enterprise's page: for the association's side, the member's
service requests (open ones and all), linked to the list."""

from django.db.models import Count, Q
from django.urls import reverse

from core.access import can, scope_of
from services.selectors import OPEN, visible_requests


def requests_of(request, enterprise):
    user = request.user
    if not (
        can(user, "service_request.handle")
        and (scope_of(user).association_ids or scope_of(user).is_admin)
    ):
        return None
    counts = (
        visible_requests(user)
        .filter(enterprise=enterprise)
        .aggregate(total=Count("id"), open=Count("id", filter=Q(status__in=OPEN)))
    )
    return (
        "services/_enterprise_requests.html",
        {
            **counts,
            "link": reverse("service-request-list") + f"?enterprise={enterprise.pk}&status=",
        },
    )
