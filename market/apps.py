from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketConfig(AppConfig):
    name = "market"
    verbose_name = _("Market order")

    def ready(self) -> None:
        from core.panels import register
        from market.panels import complaints_about

        register("enterprise", complaints_about)
