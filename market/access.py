"""Who may do what with complaints and self-discipline pledges.

- Anyone logged in files a complaint and follows their own (the complainant).
- The staff side of the association the complaint was filed with handles it: triage, investigate,
  mediate, decide, close, extend the time limit once, record a hand-off to market regulation.
- The respondent, when it is a member named by its record, is told: its enterprise users read the
  complaint (without the complainant's identity unless the complainant allowed it) and answer.
- A closed complaint is reopened, with a reason, within 30 days by its complainant or the staff.
- Officials see no complaint by name: the reports count them (category × region × section).
- Pledges are written, published, revised and withdrawn by the staff side of their association;
  a member signs through its enterprise users; anyone, even without logging in, reads a
  published pledge and its signatories.
"""

from datetime import timedelta

from django.db.models import Model
from django.utils import timezone

from core.access import EVERYONE, STAFF_SIDE, allowed, can, register, scope_of
from core.models import Role
from core.workflow import may_move
from market.models import REOPEN_DAYS, Complaint

register(
    {
        "complaint.file": EVERYONE,
        "complaint.view": EVERYONE - {Role.OFFICIAL},
        "complaint.handle": STAFF_SIDE,
        "complaint.answer": frozenset({Role.ENTERPRISE}),
        "pledge.view": EVERYONE,
        "pledge.manage": STAFF_SIDE,
        "pledge.sign": frozenset({Role.ENTERPRISE}),
    }
)

S = Complaint.Status

# The association's side: API action name → the status it moves the complaint to ("triage" and
# "decide" choose among several).
HANDLING = {
    "start": S.INVESTIGATING,
    "mediate": S.MEDIATION,
    "close": S.CLOSED,
}


def is_complainant(user, complaint: Complaint) -> bool:
    return user.is_authenticated and complaint.complainant_id == user.pk


def handles(user, complaint: Complaint) -> bool:
    return can(user, "complaint.handle") and scope_of(user).works_for(complaint.association_id)


def is_respondent(user, complaint: Complaint) -> bool:
    return (
        can(user, "complaint.answer")
        and complaint.respondent_id is not None
        and scope_of(user).owns(complaint.respondent_id)
    )


def may_reopen(complaint: Complaint, now=None) -> bool:
    """Closed, and closed less than REOPEN_DAYS ago."""
    now = now or timezone.now()
    return (
        complaint.status == S.CLOSED
        and complaint.closed_at is not None
        and now - complaint.closed_at <= timedelta(days=REOPEN_DAYS)
    )


def complaint_actions(user, complaint: Complaint) -> list[str]:
    handling = handles(user, complaint)
    return allowed(
        {
            "triage": handling and complaint.status == S.SUBMITTED,
            **{name: handling and may_move(complaint, to) for name, to in HANDLING.items()},
            "decide": handling and complaint.status in (S.INVESTIGATING, S.MEDIATION),
            "extend": handling
            and complaint.status in Complaint.OPEN
            and complaint.extended_at is None,
            "hand-off": handling and complaint.status not in (S.OUTSIDE_REMIT, S.DUPLICATE),
            "answer": is_respondent(user, complaint) and complaint.status in Complaint.OPEN,
            "reopen": (handling or is_complainant(user, complaint)) and may_reopen(complaint),
        }
    )


def allowed_actions(user, obj: Model) -> list[str]:
    if isinstance(obj, Complaint):
        return complaint_actions(user, obj)
    raise TypeError(f"No access rules for {type(obj).__name__}")
