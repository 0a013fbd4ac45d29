"""Telling an enterprise what was decided on its application, and why.

Called by the decision's service, in the decision's transaction: the notices are kept with the
decision or not at all, and their e-mails leave after the commit (core.notifications).
"""

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from batches.models import Application
from core.models import Event, Notification
from core.notifications import notify
from core.text import without_closing_punctuation


def tell_decision(application: Application, decision: Event) -> None:
    """Each active user of the applicant, once per decision: the message is built from the
    decision's own event, so that it names this decision even when told later (a message
    queued before the notices were written with the decision)."""
    with translation.override("zh-hans"):
        title = _("%(batch)s: your application is %(status)s") % {
            "batch": without_closing_punctuation(application.batch.name),
            "status": decision.to_label,
        }
    link = reverse("application-detail", args=[application.pk])
    key = f"application:{application.pk}:change:{decision.pk}"
    rejected = decision.to_status == Application.Status.REJECTED
    for user in application.enterprise.users.filter(is_active=True):
        notify(
            user=user,
            title=title,
            body=decision.reason,
            link=link,
            key=key,
            kind=Notification.Kind.DECISION,
            urgent=rejected,
        )
