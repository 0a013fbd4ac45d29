"""The demo's past: each step of the story runs through the services at the moment it happened.

The demo needs a history: members who joined in 2019, applications submitted five days ago (one
of them overdue in the review queue), a need filed a week ago and answered by government three
days ago. Services read the time from `timezone.now()`: they check the present with it (a batch's
window is open, a needed-by date has not passed, a resumption date is not in the future) and
stamp what they do with it (`joined_on`, `submitted_at`, `review_due_at`, `decided_at`,
`escalated_at`, the events' `at`).

So the demo sets the clock back for each step (`happened_at(moment)`) instead of calling the
services at today's date and correcting the dates afterwards. Correcting afterwards was the other
choice, and it is worse: it writes rows by hand behind the services' back, some steps could not
be taken at all today (a need whose needed-by date has passed cannot be filed), and the history
would disagree with the records, for events are never edited (an application "submitted five days
ago" whose history says it was submitted today). With the clock set back, every check holds as
it did for the people of the story and every date agrees with the history.

How: `django.utils.timezone.now` is replaced while a step runs, and so is the default of the
model fields declared `default=timezone.now` (they took the function before it could be
replaced). This is process-wide, which is harmless here: the demo is loaded by a management
command, or by a test, in one thread; the work services queue on commit (notifications) runs
when the load's transaction commits, after the clock is back to the real time.
"""

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date, datetime, time, timedelta
from unittest import mock

from django.apps import apps
from django.utils import timezone

_real_now = timezone.now


def _fields_defaulting_to_now() -> list:
    return [
        field
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.default is _real_now
    ]


@contextmanager
def happened_at(moment: datetime) -> Iterator[datetime]:
    """Run the block as if it were `moment` (an aware datetime in the past)."""

    def now() -> datetime:
        return moment

    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(timezone, "now", now))
        for field in _fields_defaulting_to_now():
            stack.enter_context(mock.patch.object(field, "get_default", now))
        yield moment


def days_ago(days: float, *, hours: float = 0) -> datetime:
    """A moment `days` (and `hours`) before the real now."""
    return _real_now() - timedelta(days=days, hours=hours)


def morning_of(day: date) -> datetime:
    """Ten in the morning, local time, of `day`."""
    return timezone.make_aware(datetime.combine(day, time(10)))
