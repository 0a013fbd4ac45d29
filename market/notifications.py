"""Telling the people concerned what happened to a complaint, in the transaction of the change
(the e-mails leave after the commit: core.notifications).

- The complainant hears of each decision on it: the triage's outcome, the decision, the closing.
- The member complained about hears when the complaint is accepted (it may answer) and of the
  decision; never who complained, unless allowed.
"""

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from core.models import Event, Notification, own_users_of
from core.notifications import notify
from market.models import Complaint

S = Complaint.Status
TOLD_TO_COMPLAINANT = {S.ACCEPTED, S.OUTSIDE_REMIT, S.DUPLICATE, S.UPHELD, S.NOT_UPHELD, S.CLOSED}
TOLD_TO_RESPONDENT = {S.ACCEPTED, S.UPHELD, S.NOT_UPHELD}
# The complaint is not taken up: the complainant is told at once (an urgent notification).
TURNED_DOWN = {S.OUTSIDE_REMIT, S.DUPLICATE}


def tell_complaint_change(complaint: Complaint, event: Event) -> None:
    link = reverse("complaint-detail", args=[complaint.pk])
    with translation.override("zh-hans"):
        status = S(event.to_status).label
        to_complainant = _("Your complaint about %(business)s: %(status)s") % {
            "business": complaint.respondent_name,
            "status": status,
        }
        to_respondent = (
            _("A complaint about your enterprise was accepted: you may answer it")
            if event.to_status == S.ACCEPTED
            else _("The complaint about your enterprise: %(status)s") % {"status": status}
        )
    if event.to_status in TOLD_TO_COMPLAINANT and complaint.complainant.is_active:
        notify(
            user=complaint.complainant,
            title=to_complainant,
            body=complaint.referral or complaint.decision,
            link=link,
            key=f"complaint-event:{event.pk}",
            kind=Notification.Kind.COMPLAINT,
            urgent=event.to_status in TURNED_DOWN,
        )
    if event.to_status in TOLD_TO_RESPONDENT and complaint.respondent_id:
        for user in own_users_of(complaint.respondent_id):
            notify(
                user=user,
                title=to_respondent,
                body=complaint.decision,
                link=link,
                key=f"complaint-event:{event.pk}",
                kind=Notification.Kind.COMPLAINT,
            )
