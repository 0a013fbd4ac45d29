from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    """What partner systems integrate with: webhooks and the change feed (both read the event
    log as their outbox)."""

    name = "integrations"
    verbose_name = _("Partner integration")
