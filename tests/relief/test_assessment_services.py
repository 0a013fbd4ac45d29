"""Hardship assessments written: asked by the enterprise, recorded or graded by staff, refused;
each change in the history, the figures checked field by field, one assessment per enterprise,
association and month (even when two people make it at once), and evidence files."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from associations.models import Membership
from core.attachments import attachments_of
from core.errors import Conflict, DomainError, TransitionNotAllowed
from core.models import Role
from core.workflow import history_for
from relief import assessment_services
from relief.models import HardshipAssessment
from tests.concurrency import run_together
from tests.factories import AssociationFactory, MembershipFactory, UserFactory, staff_of

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"
FIGURES = {
    "revenue_drop_percent": Decimal("30"),
    "months_of_cash": Decimal("5"),
    "cause": HardshipAssessment.Cause.EPIDEMIC,
}


def this_month() -> date:
    return timezone.localdate().replace(day=1)


def later(days: int = 120) -> date:
    return timezone.localdate() + timedelta(days=days)


def member(status: str = Membership.Status.ACTIVE):
    """A member, its enterprise user and a staff member of its association."""
    membership = MembershipFactory(status=status)
    owner = UserFactory(role=Role.ENTERPRISE, enterprise=membership.enterprise)
    return membership, owner, staff_of(membership.association)


def ask(owner, membership, period=None, **figures):
    return assessment_services.assessment_request(
        actor=owner,
        enterprise_id=membership.enterprise_id,
        association_id=membership.association_id,
        period=period or this_month(),
        **{**FIGURES, **figures},
    )


def record(staff, membership, period=None, valid_until=None, **more):
    return assessment_services.assessment_record(
        actor=staff,
        enterprise_id=membership.enterprise_id,
        association_id=membership.association_id,
        period=period or this_month(),
        valid_until=valid_until or later(),
        **{**FIGURES, **more},
    )


def test_staff_record_an_assessment_graded_by_the_rule_at_once_with_its_event():
    membership, _owner, staff = member()
    assessment = record(staff, membership, revenue_drop_percent=Decimal("72.5"))
    assert (assessment.status, assessment.grade, assessment.computed_grade) == (
        "assessed",
        "severe",
        "severe",
    )
    [event] = history_for(assessment)
    assert (event.action, event.to_status, event.actor) == (
        "hardshipassessment.recorded",
        "assessed",
        staff,
    )
    assert event.changes["grade"] == ["severe", "severe"]


def test_a_grade_other_than_the_rule_s_needs_a_reason_and_the_history_keeps_both():
    membership, _owner, staff = member()
    with pytest.raises(DomainError) as refused:
        record(staff, membership, grade="severe")
    assert "reason" in refused.value.fields
    assert not HardshipAssessment.objects.exists()
    assessment = record(staff, membership, grade="severe", reason="唯一客户破产")
    assert (assessment.grade, assessment.computed_grade) == ("severe", "moderate")
    assert assessment.override_reason == "唯一客户破产"
    [event] = history_for(assessment)
    assert event.changes["grade"] == ["moderate", "severe"]
    assert event.reason == "唯一客户破产"


def test_grading_a_request_by_the_rule_keeps_no_reason_and_its_history_reads_in_order():
    membership, owner, staff = member()
    assessment = ask(owner, membership, months_of_cash=Decimal("1.5"))
    assessment_services.assessment_assess(
        actor=staff, assessment_id=assessment.pk, valid_until=later(), reason="按规则"
    )
    assessment.refresh_from_db()
    assert (assessment.grade, assessment.override_reason) == ("severe", "")
    actions = [(e.action, e.actor) for e in history_for(assessment)]
    assert actions == [
        ("hardshipassessment.created", owner),
        ("hardshipassessment.assessed", staff),
    ]


def test_grading_needs_a_valid_until_not_before_the_month():
    membership, owner, staff = member()
    assessment = ask(owner, membership)
    for valid_until in (None, this_month() - timedelta(days=1)):
        with pytest.raises(DomainError) as refused:
            assessment_services.assessment_assess(
                actor=staff, assessment_id=assessment.pk, valid_until=valid_until
            )
        assert list(refused.value.fields) == ["valid_until"]


def test_an_assessment_decided_once_cannot_be_graded_or_refused_again():
    membership, owner, staff = member()
    assessment = ask(owner, membership)
    assessment_services.assessment_refuse(
        actor=staff, assessment_id=assessment.pk, reason="材料不全"
    )
    with pytest.raises(TransitionNotAllowed):
        assessment_services.assessment_assess(
            actor=staff, assessment_id=assessment.pk, valid_until=later()
        )
    with pytest.raises(TransitionNotAllowed):
        assessment_services.assessment_refuse(
            actor=staff, assessment_id=assessment.pk, reason="again"
        )


def test_refusing_needs_a_reason_the_enterprise_reads_in_the_history():
    membership, owner, staff = member()
    assessment = ask(owner, membership)
    with pytest.raises(DomainError) as refused:
        assessment_services.assessment_refuse(actor=staff, assessment_id=assessment.pk, reason=" ")
    assert "reason" in refused.value.fields
    assessment_services.assessment_refuse(
        actor=staff, assessment_id=assessment.pk, reason="材料不全"
    )
    last = list(history_for(assessment))[-1]
    assert (last.to_status, last.reason) == ("refused", "材料不全")


def test_each_wrong_figure_is_named_with_its_own_message():
    membership, owner, _staff = member()
    with pytest.raises(DomainError) as refused:
        ask(
            owner,
            membership,
            period=this_month() + timedelta(days=40),
            revenue_drop_percent=Decimal("120"),
            months_of_cash=Decimal("-1"),
            rent_burden_percent=Decimal("-5"),
            orders_lost=-2,
            cause="war",
        )
    assert set(refused.value.fields) == {
        "period",
        "revenue_drop_percent",
        "months_of_cash",
        "rent_burden_percent",
        "orders_lost",
        "cause",
    }
    assert not HardshipAssessment.objects.exists()


def test_an_enterprise_asks_only_an_association_it_is_an_active_member_of():
    membership, owner, _staff = member(status=Membership.Status.SUSPENDED)
    with pytest.raises(DomainError) as refused:
        ask(owner, membership)
    assert "association" in refused.value.fields
    stranger = AssociationFactory()
    with pytest.raises(DomainError):
        assessment_services.assessment_request(
            actor=owner,
            enterprise_id=membership.enterprise_id,
            association_id=stranger.pk,
            period=this_month(),
            **FIGURES,
        )


def test_an_enterprise_cannot_ask_for_another_enterprise():
    membership, _owner, _staff = member()
    _other, other_owner, _ = member()
    with pytest.raises(PermissionDenied):
        ask(other_owner, membership)


def test_staff_record_only_for_members_of_their_own_association():
    membership, _owner, staff = member()
    with pytest.raises(PermissionDenied):
        record(staff_of(AssociationFactory()), membership)
    outsider = MembershipFactory()  # a member of another association
    with pytest.raises(DomainError) as refused:
        assessment_services.assessment_record(
            actor=staff,
            enterprise_id=outsider.enterprise_id,
            association_id=membership.association_id,
            period=this_month(),
            valid_until=later(),
            **FIGURES,
        )
    assert "enterprise" in refused.value.fields


def test_one_assessment_a_month_unless_refused_and_the_answer_says_which_exists():
    membership, owner, staff = member()
    first = ask(owner, membership)
    with pytest.raises(Conflict) as clash:
        record(staff, membership)
    assert clash.value.http_status == 409
    assert clash.value.extra["existing_id"] == first.pk
    assert f"#{first.pk}" in clash.value.fields["period"][0]
    assessment_services.assessment_refuse(actor=staff, assessment_id=first.pk, reason="重报")
    again = ask(owner, membership)
    assert again.pk != first.pk
    # another month is another assessment
    ask(owner, membership, period=this_month() - timedelta(days=1))


@pytest.mark.django_db(transaction=True)
def test_two_people_making_the_same_month_at_once_make_one_assessment():
    membership, owner, staff = member()
    outcomes = run_together([lambda: ask(owner, membership), lambda: record(staff, membership)])
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["error", "ok"]
    [error] = [value for kind, value in outcomes if kind == "error"]
    assert isinstance(error, Conflict)
    assert HardshipAssessment.objects.count() == 1


def test_evidence_goes_with_the_request_and_is_in_its_history():
    membership, owner, _staff = member()
    assessment = assessment_services.assessment_request(
        actor=owner,
        enterprise_id=membership.enterprise_id,
        association_id=membership.association_id,
        period=this_month(),
        attachments=[SimpleUploadedFile("流水.pdf", PDF)],
        **FIGURES,
    )
    assert [a.name for a in attachments_of(assessment)] == ["流水.pdf"]
    assert list(history_for(assessment))[-1].changes["attachments"] == [None, ["流水.pdf"]]


def test_a_file_of_another_kind_or_too_large_is_refused_and_nothing_is_kept(settings):
    membership, owner, _staff = member()
    settings.ATTACHMENT_MAX_BYTES = 1024
    for upload in (
        SimpleUploadedFile("流水.pdf", b"<html>not a pdf</html>"),
        SimpleUploadedFile("大.pdf", PDF + b"0" * 2048),
    ):
        with pytest.raises(DomainError) as refused:
            assessment_services.assessment_request(
                actor=owner,
                enterprise_id=membership.enterprise_id,
                association_id=membership.association_id,
                period=this_month(),
                attachments=[upload],
                **FIGURES,
            )
        assert upload.name in refused.value.fields["attachments"][0]
    assert not HardshipAssessment.objects.exists()


def test_the_enterprise_adds_evidence_only_while_waiting_and_staff_until_refused():
    membership, owner, staff = member()
    assessment = ask(owner, membership)
    assessment_services.assessment_attach(
        actor=owner, assessment_id=assessment.pk, attachments=[SimpleUploadedFile("a.pdf", PDF)]
    )
    assessment_services.assessment_assess(
        actor=staff, assessment_id=assessment.pk, valid_until=later()
    )
    with pytest.raises(TransitionNotAllowed):
        assessment_services.assessment_attach(
            actor=owner,
            assessment_id=assessment.pk,
            attachments=[SimpleUploadedFile("b.pdf", PDF)],
        )
    assessment_services.assessment_attach(
        actor=staff, assessment_id=assessment.pk, attachments=[SimpleUploadedFile("c.pdf", PDF)]
    )
    with pytest.raises(PermissionDenied):
        assessment_services.assessment_attach(
            actor=staff_of(AssociationFactory()),
            assessment_id=assessment.pk,
            attachments=[SimpleUploadedFile("d.pdf", PDF)],
        )
    assert [a.name for a in attachments_of(assessment)] == ["a.pdf", "c.pdf"]
