from celery import shared_task
from django.db import OperationalError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from batches.models import Application
from core.models import Event
from core.notifications import notify
from core.workflow import history_for


@shared_task(
    name="batches.tasks.notify_application_decision",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def notify_application_decision(application_id: int) -> None:
    """Tell the enterprise's users what was decided on their application, and why."""
    application = Application.objects.select_related("batch", "enterprise").get(pk=application_id)
    decision: Event | None = history_for(application).last()
    link = reverse("application-detail", args=[application.pk])
    for user in application.enterprise.users.filter(is_active=True):
        with translation.override("zh-hans"):
            title = _("%(batch)s: your application is %(status)s") % {
                "batch": application.batch.name,
                "status": application.get_status_display(),
            }
            body = decision.reason if decision and decision.reason else ""
        key = f"application:{application.pk}:change:{decision.pk if decision else 0}"
        notify(user=user, title=title, body=body, link=link, key=key)
