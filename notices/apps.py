from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = _("Notices")

    def ready(self) -> None:
        from core.panels import register
        from notices.panels import policies_for_you

        register("enterprise", policies_for_you)
