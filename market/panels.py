"""What market order adds to an enterprise's page: for the association's side, the complaints
about the member by outcome, linked to the list."""

from django.urls import reverse

from core.access import can
from market.models import Complaint
from market.selectors import outcomes_about


def complaints_about(request, enterprise):
    user = request.user
    if not can(user, "complaint.handle"):
        return None
    counts = outcomes_about(enterprise.pk, user)
    labels = dict(Complaint.Status.choices)
    rows = [(labels[status], counts[status]) for status in labels if counts.get(status)]
    return (
        "market/_enterprise_complaints.html",
        {
            "rows": rows,
            "total": sum(counts.values()),
            "link": reverse("complaint-list") + f"?status=all&respondent={enterprise.pk}",
        },
    )
