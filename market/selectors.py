"""Reads of complaints, scoped to who asks: a complainant its own; the respondent (a member's
enterprise users) those about its enterprise; the staff side their associations'; admins all.
Officials read none by name: the reports count them."""

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.access import scope_of
from core.models import User
from market.models import Complaint, Pledge, PledgeSignature


def visible_complaints(user: User) -> QuerySet[Complaint]:
    complaints = Complaint.objects.select_related(
        "association", "respondent", "respondent_region", "complainant", "duplicate_of"
    )
    if not user.is_authenticated:
        return complaints.none()
    scope = scope_of(user)
    if scope.is_admin:
        return complaints
    seen = Q(complainant=user)
    if scope.association_ids:
        seen |= Q(association_id__in=scope.association_ids)
    if scope.is_enterprise and scope.enterprise_id:
        seen |= Q(respondent_id=scope.enterprise_id)
    return complaints.filter(seen)


def overdue_q(today=None) -> Q:
    """Past the time limit of its stage (Complaint.is_overdue in one filter)."""
    today = today or timezone.localdate()
    return (
        Q(status="submitted", verify_by__lt=today)
        | Q(status__in=Complaint.OPEN, answered_at__isnull=True, answer_by__lt=today)
        | Q(status__in=Complaint.OPEN, resolve_by__lt=today)
    )


def queue(user: User) -> QuerySet[Complaint]:
    """The open complaints of the user's associations (all of them for an admin), the nearest
    time limit first: read through the partial index of open complaints."""
    scope = scope_of(user)
    complaints = Complaint.objects.select_related(
        "association", "respondent", "respondent_region", "complainant", "duplicate_of"
    ).filter(status__in=Complaint.OPEN)
    if not scope.is_admin:
        complaints = complaints.filter(association_id__in=scope.association_ids)
    return complaints.order_by("resolve_by", "created_at", "id")


def outcomes_about(enterprise_id: int, user: User) -> dict[str, int]:
    """Complaints about a member by outcome, for its page (staff of its associations)."""
    from django.db.models import Count

    rows = (
        visible_complaints(user)
        .filter(respondent_id=enterprise_id)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["status"]: row["n"] for row in rows}


# --- pledges ------------------------------------------------------------------------------


def visible_pledges(user) -> QuerySet[Pledge]:
    """Published and withdrawn pledges for everyone (no login needed); drafts for the staff side
    of their association."""
    pledges = Pledge.objects.select_related("association")
    shown = Q(status__in=[Pledge.Status.PUBLISHED, Pledge.Status.WITHDRAWN])
    if user.is_authenticated:
        scope = scope_of(user)
        if scope.is_admin:
            return pledges
        if scope.association_ids:
            shown |= Q(association_id__in=scope.association_ids)
    return pledges.filter(shown)


def signatories(pledge) -> list:
    """The standing signatures of the pledge (each enterprise's newest), with the version signed
    and the complaints upheld against the enterprise about something that happened after it
    signed: breaches. Two queries."""
    standing = PledgeSignature.objects.filter(
        pledge=pledge, withdrawn_at__isnull=True
    ).select_related("enterprise", "version")
    if connection.features.can_distinct_on_fields:
        signatures = list(
            standing.order_by("enterprise_id", "-version__number", "-signed_at").distinct(
                "enterprise_id"
            )
        )
    else:  # SQLite (make run): the newest per enterprise in Python
        newest = {}
        for signature in standing.order_by("-version__number", "-signed_at"):
            newest.setdefault(signature.enterprise_id, signature)
        signatures = list(newest.values())
    breaches = {}
    upheld = Complaint.objects.filter(
        respondent_id__in=[s.enterprise_id for s in signatures],
        upheld=True,
        status__in=[Complaint.Status.UPHELD, Complaint.Status.CLOSED],
    ).order_by("decided_at", "id")
    for complaint in upheld:
        breaches.setdefault(complaint.respondent_id, []).append(complaint)
    for signature in signatures:
        signed_on = timezone.localtime(signature.signed_at).date()
        signature.breaches = [
            c for c in breaches.get(signature.enterprise_id, []) if c.happened_on >= signed_on
        ]
    return sorted(signatures, key=lambda s: (s.signed_at, s.pk))


def pledges_signed_by(enterprise_id: int) -> list:
    """The pledges an enterprise stands by (for a complaint's page: a breach links back)."""
    return list(
        PledgeSignature.objects.filter(enterprise_id=enterprise_id, withdrawn_at__isnull=True)
        .select_related("pledge", "version")
        .order_by("signed_at")
    )
