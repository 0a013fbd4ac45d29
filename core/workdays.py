"""Working days: the time limits of requests and complaints are counted Monday to Friday.

Public holidays and make-up working weekends are not known to the portal yet, so a limit that
spans a holiday is a day or more too short; that errs on the side of the person waiting.
"""

from datetime import date, timedelta


def add_working_days(start: date, days: int) -> date:
    """`start` plus `days` working days, Monday to Friday."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current
