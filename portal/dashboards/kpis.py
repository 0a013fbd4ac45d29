"""An association's key figures with their last 30 days, for its staff (and partner systems
bound to it): from the daily rollups of their associations, for the whole country."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from batches.figures import RESUMED_OF_MEMBERS, percent_text
from core.charts import sparkline
from core.models import User
from reports import rollups
from reports.models import ROLLUP_FIGURES
from reports.selectors import rollup_list

DAYS = 30
# (figure, what it is called, the list behind it, whether more is worse)
KPIS = (
    ("members", _("Members"), "member-list", ""),
    ("applied", _("Applied"), "application-list", ""),
    ("resumed", _("Resumed"), "association-progress", ""),
    ("rate", RESUMED_OF_MEMBERS.label, "association-progress", ""),
    ("needs_open", _("Needs open"), "need-queue", ""),
    ("needs_overdue", _("Needs overdue"), "need-queue", "overdue=on"),
    ("headcount_filled", _("Workers placed today"), "need-queue", "kind=labour"),
)


def kpis(user: User) -> dict:
    """Each key figure of the user's associations today (as at the last rollup) with its last
    30 days; an enterprise in two of the user's associations counts in each."""
    rollups.ask_for_fresh_figures()
    record = rollups.latest_day()
    today = record.day if record else timezone.localdate()
    rows = rollup_list(user=user).totals().filter(region__isnull=True)
    series = rollups.by_day(rows, today - timedelta(days=DAYS - 1), today)
    now = series[-1][1] or rollups.with_rates(dict.fromkeys(ROLLUP_FIGURES, 0))
    figures = []
    for name, label, page, query in KPIS:
        percent = name == "rate"
        value = now[name]
        points = [(day, row[name] if row else None) for day, row in series]
        figures.append(
            {
                "name": name,
                "label": label,
                "value": value,
                "text": (percent_text(value) or "—") if percent else str(value),
                "href": reverse(page) + (f"?{query}" if query else ""),
                "points": [{"day": day, "value": v} for day, v in points],
                "sparkline": sparkline(points, label=str(label), percent=percent),
            }
        )
    return {"record": record, "day": today, "figures": figures, "days": DAYS}
