"""Report periods in local time (Asia/Shanghai): a day, an ISO week (Monday to Sunday), a month."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

DAY, WEEK, MONTH = "day", "week", "month"


def period_of(period_type: str, day: date) -> tuple[date, date]:
    """The period of `period_type` holding `day`: its first day and the day after its last."""
    if period_type == DAY:
        return day, day + timedelta(days=1)
    if period_type == WEEK:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    if period_type == MONTH:
        start = day.replace(day=1)
        following = (start + timedelta(days=32)).replace(day=1)
        return start, following
    raise ValueError(f"Unknown period type {period_type!r}")


def previous_period(period_type: str, start: date) -> tuple[date, date]:
    return period_of(period_type, start - timedelta(days=1))


def last_complete_period(period_type: str, today: date | None = None) -> tuple[date, date]:
    """The latest period that has ended: yesterday, last week, last month."""
    today = today or timezone.localdate()
    return previous_period(period_type, period_of(period_type, today)[0])


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def period_label(period_type: str, start: date) -> str:
    if period_type == DAY:
        return start.isoformat()
    if period_type == WEEK:
        year, week, _weekday = start.isocalendar()
        return _("%(year)d week %(week)02d") % {"year": year, "week": week}
    return start.strftime("%Y-%m")
