"""What the home pages' lists of things to do share: an item and a group of items, the latest
event of a row as a subquery, and how long something has waited or when it is due, in words."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Q, Subquery
from django.db.models.expressions import OuterRef
from django.utils import formats, timezone
from django.utils.translation import get_language, ngettext, pgettext
from django.utils.translation import gettext as _

from core.models import Event

# Each group shows this many of its items, with a link to all of them.
LIMIT = 5


@dataclass
class Item:
    """One thing to do, as a link to the page where it is done."""

    url: str
    title: str
    detail: str = ""
    association: str = ""
    # A pill before the title: what kind of thing waits, coloured by the status class(es) named.
    label: str = ""
    status: str = ""
    when: str = ""
    alert: bool = False  # past its due time (or needed-by day)
    flag: str = ""  # a word to notice beside the title: a need's high urgency
    kind: str = ""  # the enterprise's next steps: which kind of step
    # Batches: places taken of the capacity, drawn as a bar with the figure beside it.
    percent: float | None = None
    figure: str = ""
    since: datetime | None = None  # to merge items of two lists by how long they waited


@dataclass
class Group:
    key: str
    title: str
    total: int
    items: list[Item]
    links: list[tuple[str, str]] = field(default_factory=list)  # (text, url) of the full lists
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def urgent(self) -> bool:
        return any(item.alert for item in self.items)


def full_lists(*links: tuple[str, str, int]) -> list[tuple[str, str]]:
    """Links to the full lists, each given as (text with "%(count)d", address, count): those that
    hold something, or the first when none does."""
    shown = [link for link in links if link[2]] or list(links[:1])
    return [(text % {"count": count}, url) for text, url, count in shown]


def latest_event(app_label: str, model: str, value: str, *conditions: Q) -> Subquery:
    """A column of the newest event about each row (`value` of it: "action", "at", "reason"),
    for `annotate`. Matched on the content type's natural key, so that no separate query looks
    up its id."""
    events = Event.objects.filter(
        *conditions,
        content_type__app_label=app_label,
        content_type__model=model,
        object_id=OuterRef("pk"),
    ).order_by("-at", "-id")
    return Subquery(events.values(value)[:1])


def duration(delta: timedelta) -> str:
    """ "2 days", "5 hours", "12 minutes": the largest whole unit, never less than a minute."""
    seconds = max(int(delta.total_seconds()), 60)
    if seconds >= 86400:
        days = seconds // 86400
        return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    if seconds >= 3600:
        hours = seconds // 3600
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    minutes = seconds // 60
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def waited(since: datetime | None, now: datetime) -> str:
    """ "Waiting 3 days" ("已等 3 天")."""
    if since is None:
        return ""
    return _("Waiting %(time)s") % {"time": duration(now - since)}


def ago(moment: datetime | None, now: datetime) -> str:
    """ "2 days ago" ("2 天前")."""
    if moment is None:
        return ""
    return _("%(time)s ago") % {"time": duration(now - moment)}


def due(moment: datetime | None, now: datetime) -> str:
    """When something is due, as a person reads it: "Overdue by 2 days" ("逾期 2 天"), "Before
    17:00 today" ("今天 17:00 前"), "Before 17:00 tomorrow", "Before March 5 17:00"."""
    if moment is None:
        return ""
    if moment <= now:
        return _("Overdue by %(time)s") % {"time": duration(now - moment)}
    local = timezone.localtime(moment)
    day, clock = local.date(), local.strftime("%H:%M")
    if clock == "00:00":
        # Due at midnight is due by the end of the day before (a report's due time).
        day, clock = day - timedelta(days=1), "24:00"
    today = timezone.localdate(now)
    if day == today:
        return _("Before %(time)s today") % {"time": clock}
    if day == today + timedelta(days=1):
        return _("Before %(time)s tomorrow") % {"time": clock}
    return _("Before %(day)s %(time)s") % {"day": month_day(day), "time": clock}


def month_day(day: date) -> str:
    """ "March 5" ("3月5日")."""
    # A date format of its own: Django's Chinese one pads the month ("03月5日").
    return formats.date_format(day, pgettext("month and day, a date format", "F j"))


def listed(names: list[str]) -> str:
    """Names one after another: "口罩、体温计" in Chinese, "masks, thermometers" in English."""
    separator = "、" if (get_language() or "").startswith("zh") else ", "
    return separator.join(str(name) for name in names)
