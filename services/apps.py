from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = _("Support services")

    def ready(self) -> None:
        from core.panels import register
        from services.panels import requests_of

        register("enterprise", requests_of)
