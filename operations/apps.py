from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Running the portal: the audit viewer, the platform's administration, personal data and
    retention. It reads every app below it, so it sits on the top floor."""

    name = "operations"
    verbose_name = _("Operations")
