"""Every write on complaints. Each is atomic on the locked row, checks market.access, and
appends its event to the log (core.workflow) in the same transaction.

Time limits are working days from the filing (core.workdays): triage within 1, a first answer to
the complainant within 3, resolution within 15, which the staff may extend once, with a reason,
to 30.
"""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from associations.models import Association, Membership
from core.access import can
from core.attachments import attach
from core.errors import DomainError, required_reason
from core.models import Region, User
from core.workdays import add_working_days
from core.workflow import change_status, not_allowed, record_event, record_status
from enterprises.models import Enterprise
from market import access
from market.models import EXTENDED_RESOLVE_DAYS, Complaint, HandOff
from market.notifications import tell_complaint_change

VERIFY_DAYS, ANSWER_DAYS, RESOLVE_DAYS = 1, 3, 15
S = Complaint.Status


def _field_error(field: str, message: str) -> DomainError:
    return DomainError(message, fields={field: [message]})


def _handling_association(respondent: Enterprise | None, association_id: int | None) -> int:
    """A member's complaint goes to its association (the one named, when it has several); a
    non-member's to the association the complainant chooses."""
    if respondent is not None:
        member_of = set(
            Membership.objects.filter(
                enterprise=respondent, status=Membership.Status.ACTIVE
            ).values_list("association_id", flat=True)
        )
        if association_id in member_of:
            return association_id
        if association_id is None and len(member_of) == 1:
            return next(iter(member_of))
        if member_of:
            raise _field_error(
                "association", _("The business is a member of several associations; choose one.")
            )
    if association_id is None:
        raise _field_error(
            "association", _("Choose the association that should handle the complaint.")
        )
    if not Association.objects.filter(pk=association_id).exists():
        raise _field_error("association", _("No such association."))
    return association_id


def complaint_file(
    *,
    actor: User,
    respondent_name: str,
    respondent_region: str,
    category: str,
    what_happened: str,
    happened_on: date,
    place: str,
    respondent_credit_code: str = "",
    association_id: int | None = None,
    show_identity: bool = False,
    attachments=(),
) -> Complaint:
    """File a complaint about a named business. A credit code of a member links the complaint to
    it (its users are told and may answer) and to its association."""
    if not can(actor, "complaint.file"):
        raise PermissionDenied
    problems = {}
    if not (respondent_name or "").strip():
        problems["respondent_name"] = [_("Name the business.")]
    if not (what_happened or "").strip():
        problems["what_happened"] = [_("Say what happened.")]
    if not (place or "").strip():
        problems["place"] = [_("Say where it happened.")]
    if category not in Complaint.Category.values:
        problems["category"] = [_("Choose a category.")]
    if happened_on and happened_on > timezone.localdate():
        problems["happened_on"] = [_("The day it happened cannot be in the future.")]
    region = Region.objects.filter(code=respondent_region).first()
    if region is None:
        problems["respondent_region"] = [_("Give the business's region (e.g. 440106).")]
    if problems:
        raise DomainError(_("Some values are not valid; see each field."), fields=problems)
    code = (respondent_credit_code or "").strip().upper()
    respondent = Enterprise.objects.filter(uscc=code).first() if code else None
    association_id = _handling_association(respondent, association_id)
    if (
        respondent is not None
        and not Membership.objects.filter(
            enterprise=respondent, association_id=association_id, status=Membership.Status.ACTIVE
        ).exists()
    ):
        respondent = None  # not a member of the association handling it: named only
    today = timezone.localdate()
    with transaction.atomic():
        complaint = Complaint.objects.create(
            association_id=association_id,
            complainant=actor,
            complainant_enterprise_id=actor.enterprise_id,
            respondent=respondent,
            respondent_name=respondent_name.strip(),
            respondent_credit_code=code,
            respondent_region=region,
            category=category,
            what_happened=what_happened.strip(),
            happened_on=happened_on,
            place=place.strip(),
            show_identity=show_identity,
            verify_by=add_working_days(today, VERIFY_DAYS),
            answer_by=add_working_days(today, ANSWER_DAYS),
            resolve_by=add_working_days(today, RESOLVE_DAYS),
        )
        record_status(complaint, from_status="", to_status=complaint.status, actor=actor)
        attach(complaint, attachments, actor=actor)
    return complaint


def _locked(complaint_id: int) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint_id)


def _handled(actor: User, complaint_id: int) -> Complaint:
    complaint = _locked(complaint_id)
    if not access.handles(actor, complaint):
        raise PermissionDenied
    return complaint


def _answered(complaint: Complaint) -> list[str]:
    """The staff's first move after triage is the first answer to the complainant."""
    if complaint.answered_at is None:
        complaint.answered_at = timezone.now()
        return ["answered_at"]
    return []


@transaction.atomic
def complaint_triage(
    *,
    actor: User,
    complaint_id: int,
    outcome: str,
    referral: str = "",
    duplicate_of: int | None = None,
    reason: str = "",
) -> Complaint:
    """Accept it, say it is outside the remit — and where to go instead, which is required —
    or mark it a duplicate of another complaint of the association."""
    complaint = _handled(actor, complaint_id)
    if complaint.status != S.SUBMITTED:
        raise not_allowed(complaint)
    fields = []
    if outcome == S.OUTSIDE_REMIT:
        referral = (referral or "").strip()
        if not referral:
            raise _field_error(
                "referral",
                _(
                    "Say where the complainant should go instead (e.g. the market regulation "
                    "bureau of the district, 12315)."
                ),
            )
        complaint.referral = referral
        fields.append("referral")
    elif outcome == S.DUPLICATE:
        original = (
            Complaint.objects.filter(pk=duplicate_of, association_id=complaint.association_id)
            .exclude(pk=complaint.pk)
            .first()
            if duplicate_of
            else None
        )
        if original is None:
            raise _field_error(
                "duplicate_of", _("Give the number of the association's complaint it repeats.")
            )
        complaint.duplicate_of = original
        fields.append("duplicate_of")
    elif outcome != S.ACCEPTED:
        raise _field_error(
            "outcome", _("Accept it, or say it is outside the remit or a duplicate.")
        )
    fields += _answered(complaint)
    event = change_status(complaint, to=outcome, actor=actor, reason=reason, update_fields=fields)
    tell_complaint_change(complaint, event)
    return complaint


@transaction.atomic
def complaint_move(*, actor: User, complaint_id: int, to: str, reason: str = "") -> Complaint:
    """Start investigating, move to mediation, or close a decided complaint."""
    complaint = _handled(actor, complaint_id)
    fields = _answered(complaint)
    if to == S.CLOSED:
        complaint.closed_at = timezone.now()
        fields.append("closed_at")
    event = change_status(complaint, to=to, actor=actor, reason=reason, update_fields=fields)
    tell_complaint_change(complaint, event)
    return complaint


@transaction.atomic
def complaint_decide(*, actor: User, complaint_id: int, upheld: bool, decision: str) -> Complaint:
    """Upheld or not upheld, saying why: the complainant and the respondent read it."""
    complaint = _handled(actor, complaint_id)
    decision = (decision or "").strip()
    if not decision:
        raise _field_error("decision", _("Say what was found and decided."))
    complaint.decision = decision
    complaint.upheld = upheld
    complaint.decided_at = timezone.now()
    fields = ["decision", "upheld", "decided_at", *_answered(complaint)]
    event = change_status(
        complaint,
        to=S.UPHELD if upheld else S.NOT_UPHELD,
        actor=actor,
        reason=decision,
        update_fields=fields,
    )
    tell_complaint_change(complaint, event)
    return complaint


@transaction.atomic
def complaint_extend(*, actor: User, complaint_id: int, reason: str) -> Complaint:
    """Once, with a reason: the resolution is then due 30 working days after the filing."""
    complaint = _handled(actor, complaint_id)
    if complaint.status not in Complaint.OPEN or complaint.extended_at is not None:
        raise not_allowed(complaint)
    before = complaint.resolve_by.isoformat()
    complaint.extension_reason = required_reason(reason)
    complaint.extended_at = timezone.now()
    complaint.resolve_by = add_working_days(
        timezone.localtime(complaint.created_at).date(), EXTENDED_RESOLVE_DAYS
    )
    complaint.save(update_fields=["extension_reason", "extended_at", "resolve_by", "updated_at"])
    record_event(
        complaint,
        "complaint.extended",
        actor=actor,
        reason=complaint.extension_reason,
        changes={"resolve_by": [before, complaint.resolve_by.isoformat()]},
    )
    return complaint


@transaction.atomic
def complaint_reopen(*, actor: User, complaint_id: int, reason: str) -> Complaint:
    complaint = _locked(complaint_id)
    if not (access.handles(actor, complaint) or access.is_complainant(actor, complaint)):
        raise PermissionDenied
    if not access.may_reopen(complaint):
        if complaint.status == S.CLOSED:
            raise DomainError(
                _("A complaint can be reopened only within 30 days of its closing."),
                code="reopen_too_late",
            )
        raise not_allowed(complaint)
    complaint.closed_at = None
    complaint.upheld = None  # decided again
    change_status(
        complaint,
        to=S.INVESTIGATING,
        actor=actor,
        reason=required_reason(reason),
        update_fields=["closed_at", "upheld"],
        action="complaint.reopened",
    )
    return complaint


@transaction.atomic
def complaint_hand_off(
    *, actor: User, complaint_id: int, department: str, handed_on: date, reference: str
) -> HandOff:
    """Record that the complaint went to market regulation (department, day, number)."""
    complaint = _handled(actor, complaint_id)
    if complaint.status in (S.OUTSIDE_REMIT, S.DUPLICATE):
        raise not_allowed(complaint)
    problems = {}
    if not (department or "").strip():
        problems["department"] = [_("Name the department (e.g. 天河区市场监督管理局).")]
    if not (reference or "").strip():
        problems["reference"] = [_("Give the department's reference number.")]
    if handed_on is None or handed_on > timezone.localdate():
        problems["handed_on"] = [_("Give the day it was handed over; not a future day.")]
    if problems:
        raise DomainError(_("Some values are not valid; see each field."), fields=problems)
    hand_off = HandOff.objects.create(
        complaint=complaint,
        department=department.strip(),
        handed_on=handed_on,
        reference=reference.strip(),
        recorded_by=actor,
    )
    record_event(
        complaint,
        "complaint.handed_off",
        actor=actor,
        reason=f"{hand_off.department} {hand_off.reference}（{hand_off.handed_on.isoformat()}）",
    )
    return hand_off


@transaction.atomic
def complaint_answer(*, actor: User, complaint_id: int, answer: str) -> Complaint:
    """The member complained about gives its side (once; it may correct it while open)."""
    complaint = _locked(complaint_id)
    if not access.is_respondent(actor, complaint):
        raise PermissionDenied
    if complaint.status not in Complaint.OPEN:
        raise not_allowed(complaint)
    answer = (answer or "").strip()
    if not answer:
        raise _field_error("answer", _("Write your answer."))
    before = complaint.respondent_answer
    complaint.respondent_answer = answer
    complaint.respondent_answered_at = timezone.now()
    complaint.save(update_fields=["respondent_answer", "respondent_answered_at", "updated_at"])
    record_event(
        complaint,
        "complaint.answered",
        actor=actor,
        changes={"respondent_answer": [before or None, answer]},
    )
    return complaint
