"""The few report figures the dashboards show: reports waiting for the staff's review, and how
completely the associations in an official's jurisdiction reported yesterday."""

from datetime import timedelta

from django import template
from django.utils import timezone

from core.access import can
from reports import selectors
from reports.models import Report

register = template.Library()


@register.simple_tag
def report_figures(user) -> dict:
    figures: dict = {}
    if can(user, "report.review"):
        figures["waiting"] = (
            selectors.report_list(user=user)
            .filter(status=Report.Status.READY, association__isnull=False)
            .count()
        )
    if can(user, "report.completeness"):
        yesterday = timezone.localdate() - timedelta(days=1)
        found = selectors.completeness(user=user, period_type=Report.PeriodType.DAY, day=yesterday)
        total = found["total"]
        submitted = found["counts"]["on_time"] + found["counts"]["late"]
        figures["completeness"] = {
            "day": yesterday,
            "total": total,
            "submitted": submitted,
            "on_time": found["counts"]["on_time"],
            "percent": submitted * 100 / total if total else None,
        }
    return figures
