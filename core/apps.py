from zoneinfo import ZoneInfo

from django.apps import AppConfig
from django.db.migrations.serializer import BaseSerializer
from django.db.migrations.writer import MigrationWriter
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class ZoneInfoSerializer(BaseSerializer):
    """A time zone in a migration (a constraint on a local date names its zone)."""

    def serialize(self):
        return f"zoneinfo.ZoneInfo({self.value.key!r})", {"import zoneinfo"}


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Portal core")

    def ready(self) -> None:
        # Each app's access module registers its rows of the role table (core.access.register).
        autodiscover_modules("access")
        # Each app's outbox sweeps (core.outbox.register) and backlog gauges (core.metrics).
        autodiscover_modules("sweeps")
        # Each app's menu counts kept in the cache (core.badges.register).
        autodiscover_modules("badges")
        # Celery's signals (the request id in each message, task metrics) are connected in every
        # process, workers included, which load no middleware.
        from core import observability  # noqa: F401

        MigrationWriter.register_serializer(ZoneInfo, ZoneInfoSerializer)
