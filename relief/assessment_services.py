"""Every write on hardship assessments. Each locks its row (or, for a new assessment, the
membership it is made under, so that two people making the same month's assessment at once are
serialised and the second is told which one exists), checks relief.access, and appends its event
to the log (core.workflow) in the same transaction; evidence files go with it (core.attachments).
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from associations.models import Membership
from core.attachments import attach
from core.errors import Conflict, DomainError, required_reason
from core.models import User
from core.workflow import change_status, not_allowed, record_event, record_status
from relief import access
from relief.models import Grade, HardshipAssessment

ASSESSMENT_FIELDS = (
    "revenue_drop_percent",
    "months_of_cash",
    "orders_lost",
    "workers_not_back",
    "rent_burden_percent",
    "cause",
)
REQUIRED_FIELDS = ("revenue_drop_percent", "months_of_cash", "cause")
PERCENT_FIELDS = ("revenue_drop_percent", "rent_burden_percent")
COUNT_FIELDS = ("orders_lost", "workers_not_back")
MAX_MONTHS_OF_CASH = Decimal("9999.9")
MAX_COUNT = 2_147_483_647

# The rule as people read it on the pages (the same words as grade_for's docstring).
GRADE_RULE = gettext_lazy(
    "Severe: revenue fell by half or more, or less than 2 months of cash are left. "
    "Moderate: revenue fell by a fifth or more, less than 4 months of cash are left, or rent "
    "takes 30 per cent of revenue or more. Mild: otherwise."
)


def grade_for(assessment: HardshipAssessment) -> str:
    """The documented rule (docs/decisions/0018-relief.md): severe if revenue fell by half or
    more or less than two months of cash are left; moderate if revenue fell by a fifth or more,
    less than four months of cash are left or rent takes 30 % of revenue or more; mild else."""
    drop = Decimal(assessment.revenue_drop_percent)
    cash = Decimal(assessment.months_of_cash)
    if drop >= 50 or cash < 2:
        return Grade.SEVERE
    if drop >= 20 or cash < 4 or Decimal(assessment.rent_burden_percent) >= 30:
        return Grade.MODERATE
    return Grade.MILD


# --- checking what is given -----------------------------------------------------------------


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None


def _field_problems(values: dict) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for name in REQUIRED_FIELDS:
        if values.get(name) in (None, ""):
            problems[name] = [_("This field is required.")]
    for name in PERCENT_FIELDS:
        if name in problems or values.get(name) in (None, ""):
            continue
        number = _decimal(values[name])
        if number is None or not Decimal(0) <= number <= Decimal(100):
            problems[name] = [_("Give a percentage from 0 to 100.")]
    cash = values.get("months_of_cash")
    if "months_of_cash" not in problems and cash not in (None, ""):
        number = _decimal(cash)
        if number is None or not Decimal(0) <= number <= MAX_MONTHS_OF_CASH:
            problems["months_of_cash"] = [_("Give the months of cash left: 0 or more.")]
    for name in COUNT_FIELDS:
        count = values.get(name)
        if count in (None, ""):
            continue
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= MAX_COUNT:
            problems[name] = [_("Give a whole number, 0 or more.")]
    cause = values.get("cause")
    if "cause" not in problems and cause not in HardshipAssessment.Cause.values:
        problems["cause"] = [_("Choose one of the causes.")]
    return problems


def _checked(values: dict, *, period: date | None) -> tuple[dict, date]:
    """The figures with their defaults and the period as the first of its month, or a
    DomainError naming every field that is wrong."""
    unknown = set(values) - set(ASSESSMENT_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    problems = _field_problems(values)
    if period is None:
        problems["period"] = [_("This field is required.")]
    else:
        period = period.replace(day=1)
        if period > timezone.localdate().replace(day=1):
            problems["period"] = [_("The month cannot be in the future.")]
    if problems:
        raise DomainError(_("Some values are not valid; see each field."), fields=problems)
    cleaned = {name: value for name, value in values.items() if value not in (None, "")}
    for name in ("revenue_drop_percent", "months_of_cash", "rent_burden_percent"):
        if name in cleaned:
            cleaned[name] = _decimal(cleaned[name])
    return cleaned, period


def _check_valid_until(valid_until: date | None, period: date) -> None:
    if valid_until is None:
        message = _("Say until when the grade holds.")
        raise DomainError(message, fields={"valid_until": [message]})
    if valid_until < period:
        message = _("The grade cannot end before the month it is about.")
        raise DomainError(message, fields={"valid_until": [message]})


def _chosen_grade(grade: str, computed: str, reason: str) -> tuple[str, str]:
    """The grade given (the rule's when none) and the reason kept for another grade."""
    grade = grade or computed
    if grade not in Grade.values:
        raise DomainError(_("Unknown grade."), fields={"grade": [_("Unknown grade.")]})
    if grade == computed:
        return grade, ""
    reason = (reason or "").strip()
    if not reason:
        message = _("Say why the grade differs from the rule's (%(computed)s).") % {
            "computed": Grade(computed).label
        }
        raise DomainError(message, fields={"reason": [message]})
    return grade, reason


def _lock_membership(enterprise_id: int, association_id: int, statuses, *, field: str) -> None:
    """Lock the membership the assessment is made under (serialising two makers of the same
    month), or refuse naming `field` when the enterprise is not a member in `statuses`."""
    found = (
        Membership.objects.select_for_update()
        .filter(enterprise_id=enterprise_id, association_id=association_id, status__in=statuses)
        .exists()
    )
    if not found:
        if field == "association":
            message = _("Your enterprise is not an active member of this association.")
        else:
            message = _("This enterprise is not a member of the association.")
        raise DomainError(message, fields={field: [message]})


def _check_none_for_month(enterprise_id: int, association_id: int, period: date) -> None:
    existing = (
        HardshipAssessment.objects.filter(
            enterprise_id=enterprise_id, association_id=association_id, period=period
        )
        .exclude(status=HardshipAssessment.Status.REFUSED)
        .first()
    )
    if existing is not None:
        message = _(
            "An assessment for %(month)s already exists (#%(id)d, %(status)s); "
            "only a refused one may be made again."
        ) % {
            "month": f"{period:%Y-%m}",
            "id": existing.pk,
            "status": existing.get_status_display(),
        }
        raise Conflict(
            message,
            fields={"period": [message]},
            existing_id=existing.pk,
            existing_status=existing.status,
        )


def _attach_evidence(assessment: HardshipAssessment, files, *, actor: User) -> list[str]:
    return [stored.name for stored in attach(assessment, files, actor=actor)]


# --- the writes -----------------------------------------------------------------------------


@transaction.atomic
def assessment_request(
    *,
    actor: User,
    enterprise_id: int,
    association_id: int,
    period: date,
    attachments=(),
    **values,
) -> HardshipAssessment:
    """The enterprise asks an association it is an active member of to assess a month."""
    if not access.may_request(actor, enterprise_id):
        raise PermissionDenied
    values, period = _checked(values, period=period)
    _lock_membership(
        enterprise_id, association_id, (Membership.Status.ACTIVE,), field="association"
    )
    _check_none_for_month(enterprise_id, association_id, period)
    assessment = HardshipAssessment(
        enterprise_id=enterprise_id,
        association_id=association_id,
        period=period,
        requested_by=actor,
        **values,
    )
    assessment.computed_grade = grade_for(assessment)
    assessment.save()
    record_status(assessment, from_status="", to_status=assessment.status, actor=actor)
    names = _attach_evidence(assessment, attachments, actor=actor)
    if names:
        record_event(
            assessment,
            "hardshipassessment.evidence_added",
            actor=actor,
            changes={"attachments": [None, names]},
        )
    return assessment


@transaction.atomic
def assessment_record(
    *,
    actor: User,
    enterprise_id: int,
    association_id: int,
    period: date,
    valid_until: date | None,
    grade: str = "",
    reason: str = "",
    attachments=(),
    **values,
) -> HardshipAssessment:
    """Staff assess a member directly: created and graded in one go (the rule's grade, or
    another one with a reason; the event keeps both)."""
    if not access.may_assess(actor, association_id):
        raise PermissionDenied
    values, period = _checked(values, period=period)
    _check_valid_until(valid_until, period)
    _lock_membership(enterprise_id, association_id, Membership.MEMBER, field="enterprise")
    _check_none_for_month(enterprise_id, association_id, period)
    assessment = HardshipAssessment(
        enterprise_id=enterprise_id,
        association_id=association_id,
        period=period,
        requested_by=actor,
        status=HardshipAssessment.Status.ASSESSED,
        valid_until=valid_until,
        **values,
    )
    computed = grade_for(assessment)
    grade, reason = _chosen_grade(grade, computed, reason)
    assessment.computed_grade = computed
    assessment.grade = grade
    assessment.override_reason = reason
    assessment.save()
    names = _attach_evidence(assessment, attachments, actor=actor)
    changes = {"grade": [computed, grade]}
    if names:
        changes["attachments"] = [None, names]
    record_event(
        assessment,
        "hardshipassessment.recorded",
        actor=actor,
        to_status=assessment.status,
        reason=reason,
        changes=changes,
    )
    return assessment


def _locked_assessment(assessment_id: int) -> HardshipAssessment:
    return HardshipAssessment.objects.select_for_update().get(pk=assessment_id)


@transaction.atomic
def assessment_assess(
    *,
    actor: User,
    assessment_id: int,
    valid_until: date | None,
    grade: str = "",
    reason: str = "",
) -> HardshipAssessment:
    """Grade by the rule, or by staff's own judgement with a reason; the event keeps both."""
    assessment = _locked_assessment(assessment_id)
    if not access.may_assess(actor, assessment.association_id):
        raise PermissionDenied
    if assessment.status != HardshipAssessment.Status.REQUESTED:
        raise not_allowed(assessment)
    _check_valid_until(valid_until, assessment.period)
    computed = grade_for(assessment)
    grade, reason = _chosen_grade(grade, computed, reason)
    assessment.computed_grade = computed
    assessment.grade = grade
    assessment.override_reason = reason
    assessment.valid_until = valid_until
    change_status(
        assessment,
        to=HardshipAssessment.Status.ASSESSED,
        actor=actor,
        reason=reason,
        update_fields=("computed_grade", "grade", "override_reason", "valid_until"),
        changes={"grade": [computed, grade]},
    )
    return assessment


@transaction.atomic
def assessment_refuse(*, actor: User, assessment_id: int, reason: str) -> HardshipAssessment:
    assessment = _locked_assessment(assessment_id)
    if not access.may_assess(actor, assessment.association_id):
        raise PermissionDenied
    if assessment.status != HardshipAssessment.Status.REQUESTED:
        raise not_allowed(assessment)
    change_status(
        assessment,
        to=HardshipAssessment.Status.REFUSED,
        actor=actor,
        reason=required_reason(reason),
    )
    return assessment


@transaction.atomic
def assessment_attach(*, actor: User, assessment_id: int, attachments) -> HardshipAssessment:
    """More evidence: from the enterprise while its request waits, from the association's staff
    side until the assessment is refused."""
    assessment = _locked_assessment(assessment_id)
    if not access.may_add_evidence(actor, assessment):
        if access.may_assess(actor, assessment.association_id) or access.may_request(
            actor, assessment.enterprise_id
        ):
            raise not_allowed(assessment)
        raise PermissionDenied
    if not attachments:
        message = _("Choose at least one file.")
        raise DomainError(message, fields={"attachments": [message]})
    names = _attach_evidence(assessment, attachments, actor=actor)
    record_event(
        assessment,
        "hardshipassessment.evidence_added",
        actor=actor,
        changes={"attachments": [None, names]},
    )
    return assessment
