"""Compute the daily rollups of past days (a backfill) or of one day: `rollup --days 90`
(the last 90 days up to today), `rollup --from 2026-01-01 --to 2026-03-31`, `rollup --day …`."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reports import rollups


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"{text!r} is not a day (YYYY-MM-DD)") from exc


class Command(BaseCommand):
    help = "Compute the daily rollups of a day or of a range of days (replacing what is there)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="the last N days, today included")
        parser.add_argument("--from", dest="first", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="last", help="last day, YYYY-MM-DD (default: today)")
        parser.add_argument("--day", help="one day, YYYY-MM-DD")

    def handle(self, *args, days=None, first=None, last=None, day=None, **options):
        today = timezone.localdate()
        if day:
            first = last = _day(day)
        elif days:
            if days < 1:
                raise CommandError("--days must be 1 or more")
            first, last = today - timedelta(days=days - 1), today
        elif first:
            first, last = _day(first), _day(last) if last else today
        else:
            raise CommandError("Say which days: --days N, --from DAY [--to DAY] or --day DAY")
        if first > last:
            raise CommandError("--from must not be after --to")
        if last > today:
            raise CommandError(f"{last} has not begun (today is {today})")
        total = 0.0
        for record in rollups.compute_days(first, last):
            total += record.seconds
            at = timezone.localtime(record.computed_at)
            state = "complete" if record.complete else f"as at {at:%H:%M}"
            took = f"{record.rows} rows in {record.seconds:.2f} s"
            self.stdout.write(f"{record.day}: {took} ({state})")
        self.stdout.write(f"{(last - first).days + 1} days in {total:.1f} s")
