from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo data set of `make run`, written through the services of every app."""

    name = "demo"
    verbose_name = _("Demo data")
