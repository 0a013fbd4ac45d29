"""Reads of reports, scoped to the user: who sees which report is reports.access's rule (staff
their associations' reports; officials the reports on regions inside their jurisdiction and the
submitted reports of associations there; admins all)."""

from datetime import date

from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from associations.models import Association
from core.access import scope_of
from reports import access
from reports.models import Report, Rollup
from reports.periods import local_midnight, period_of


def report_list(*, user) -> QuerySet[Report]:
    """The reports `user` may see (who sees which: reports.access.visible)."""
    return access.visible(
        user, Report.objects.select_related("region", "association").defer("data")
    )


def with_data(reports: QuerySet[Report]) -> QuerySet[Report]:
    return reports.defer(None)


def completeness(*, user, period_type: str, day: date) -> dict:
    """Which associations in the official's jurisdiction submitted their report for the period,
    on time or late, and which did not (one query for all associations)."""
    start, end = period_of(period_type, day)
    due = local_midnight(end + Report.DUE_AFTER[period_type])
    associations = access.completeness_scope(user, Association.objects.order_by("name"))
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


def rollup_list(*, user) -> QuerySet[Rollup]:
    """The rollup rows a user may read: admins all; officials (and partners bound to a
    jurisdiction) the rows of regions inside it, of all associations together and of each;
    staff (and partners bound to associations) the rows of their associations. Rows of all
    associations together count other associations' members, so staff do not read them."""
    return scope_of(user).filter(
        Rollup.objects.all(), association="association_id", region="region__path"
    )
