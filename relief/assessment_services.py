"""Every write on hardship assessments. Each locks its row, checks relief.access, and appends its
event to the log (core.workflow) in the same transaction."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError, required_reason
from core.models import User
from core.workflow import change_status, record_status
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


@transaction.atomic
def assessment_request(
    *, actor: User, enterprise_id: int, association_id: int, period: date, **values
) -> HardshipAssessment:
    if not access.may_request(actor, enterprise_id):
        raise PermissionDenied
    unknown = set(values) - set(ASSESSMENT_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    assessment = HardshipAssessment(
        enterprise_id=enterprise_id,
        association_id=association_id,
        period=period.replace(day=1),
        requested_by=actor,
        **values,
    )
    assessment.computed_grade = grade_for(assessment)
    assessment.save()
    record_status(assessment, from_status="", to_status=assessment.status, actor=actor)
    return assessment


def _locked_assessment(assessment_id: int) -> HardshipAssessment:
    return HardshipAssessment.objects.select_for_update().get(pk=assessment_id)


@transaction.atomic
def assessment_assess(
    *, actor: User, assessment_id: int, valid_until: date, grade: str = "", reason: str = ""
) -> HardshipAssessment:
    """Grade by the rule, or by staff's own judgement with a reason; the event keeps both."""
    assessment = _locked_assessment(assessment_id)
    if not access.may_assess(actor, assessment.association_id):
        raise PermissionDenied
    computed = grade_for(assessment)
    grade = grade or computed
    if grade not in Grade.values:
        raise DomainError(_("Unknown grade."), fields={"grade": [_("Unknown grade.")]})
    if grade != computed:
        reason = required_reason(reason)
    assessment.computed_grade = computed
    assessment.grade = grade
    assessment.override_reason = reason if grade != computed else ""
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
    change_status(
        assessment,
        to=HardshipAssessment.Status.REFUSED,
        actor=actor,
        reason=required_reason(reason),
    )
    return assessment
