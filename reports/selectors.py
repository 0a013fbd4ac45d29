"""Reads of reports, scoped: staff their associations' reports; officials the reports on regions
inside their jurisdiction and the submitted reports of associations there; admins all."""

from datetime import date

from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from associations.models import Association
from core.models import Role
from reports.models import Report
from reports.periods import local_midnight, period_of


def report_list(*, user) -> QuerySet[Report]:
    reports = Report.objects.select_related("region", "association").defer("data")
    if not user.is_authenticated:
        return reports.none()
    if user.is_superuser or user.role == Role.ADMIN:
        return reports
    if user.role in (Role.OFFICIAL, Role.PARTNER) and user.jurisdiction_id:
        path = user.jurisdiction.path
        return reports.filter(
            Q(association__isnull=True, region__path__startswith=path)
            | Q(
                association__region__path__startswith=path,
                region__isnull=True,  # narrowed to a region: the association's own working copy
                status=Report.Status.SUBMITTED,
            )
        )
    if user.role in (Role.STAFF, Role.PARTNER):
        return reports.filter(association_id__in=user.association_ids)
    return reports.none()


def with_data(reports: QuerySet[Report]) -> QuerySet[Report]:
    return reports.defer(None)


def completeness(*, user, period_type: str, day: date) -> dict:
    """Which associations in the official's jurisdiction submitted their report for the period,
    on time or late, and which did not (one query for all associations)."""
    start, end = period_of(period_type, day)
    due = local_midnight(end + Report.DUE_AFTER[period_type])
    associations = Association.objects.order_by("name")
    if not (user.is_superuser or user.role == Role.ADMIN):
        if not user.jurisdiction_id:
            associations = associations.none()
        else:
            associations = associations.filter(region__path__startswith=user.jurisdiction.path)
    in_period = Q(
        reports__period_type=period_type,
        reports__period_start=start,
        reports__region__isnull=True,
    )
    rows = []
    counts = {"on_time": 0, "late": 0, "not_submitted": 0}
    now = timezone.now()
    for association in associations.select_related("region").annotate(
        first_submitted=Min("reports__submitted_at", filter=in_period),
        drafts=Min("reports__status", filter=in_period),
    ):
        submitted = association.first_submitted
        if submitted is None:
            state = "not_submitted"
        elif submitted <= due:
            state = "on_time"
        else:
            state = "late"
        counts[state] += 1
        rows.append(
            {
                "association": association,
                "state": state,
                "submitted_at": submitted,
                "generated": association.drafts is not None,
                "overdue": state == "not_submitted" and now > due,
            }
        )
    total = len(rows)
    return {
        "period_type": period_type,
        "start": start,
        "end": end,
        "due": due,
        "rows": rows,
        "counts": counts,
        "total": total,
        "rate": counts["on_time"] / total if total else None,
    }
