"""`manage.py check_heartbeat`: exit 0 when beat's heartbeat (core.health) is younger than
READY_HEARTBEAT_SECONDS, 1 otherwise — the health check of the beat container."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core import health


class Command(BaseCommand):
    help = "Exit 0 if beat's heartbeat is recent, 1 if it is missing or too old."

    def handle(self, *args, **options) -> None:
        age = health.heartbeat_age()
        if age is None:
            raise CommandError("No heartbeat: beat, the broker or every worker is not running.")
        if age > settings.READY_HEARTBEAT_SECONDS:
            raise CommandError(f"The last heartbeat ran {int(age)} s ago.")
        self.stdout.write(f"Heartbeat {age:.0f} s ago.")
