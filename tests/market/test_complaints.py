"""Complaints: filing about a member or any business, triage (an "outside remit" must say where
to go), the workflow with its history, the time limits in working days with the one extension,
reopening within 30 days, the hand-off to market regulation and the member's answer."""

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.errors import DomainError, TransitionNotAllowed
from core.models import Event
from core.workdays import add_working_days
from market import complaints as svc
from market.access import complaint_actions
from market.models import Complaint

pytestmark = pytest.mark.django_db


def _file(cast, user=None, **values) -> Complaint:
    data = {
        "respondent_name": cast.member.name,
        "respondent_credit_code": cast.member.uscc,
        "respondent_region": "440106",
        "category": "price_gouging",
        "what_happened": "口罩一盒卖到两百元",
        "happened_on": date(2020, 2, 3),
        "place": "天河区某药店",
    }
    data.update(values)
    return svc.complaint_file(actor=user or cast.outsider, **data)


def test_a_complaint_about_a_member_goes_to_its_association_and_the_member_may_answer(cast):
    complaint = _file(cast)
    assert complaint.association == cast.association and complaint.respondent == cast.member
    assert complaint_actions(cast.enterprise_user, complaint) == ["answer"]
    svc.complaint_answer(actor=cast.enterprise_user, complaint_id=complaint.pk, answer="进价上涨")
    with pytest.raises(PermissionDenied):
        svc.complaint_answer(actor=cast.other_staff, complaint_id=complaint.pk, answer="x")


def test_a_non_member_is_named_and_the_complainant_chooses_the_association(cast):
    with pytest.raises(DomainError) as refused:
        _file(cast, respondent_name="某超市", respondent_credit_code="")
    assert "association" in refused.value.fields
    complaint = _file(
        cast,
        respondent_name="某超市",
        respondent_credit_code="",
        association_id=cast.other_association.pk,
    )
    assert complaint.respondent is None and complaint.association == cast.other_association


def test_bad_input_names_each_field(cast):
    with pytest.raises(DomainError) as refused:
        _file(
            cast,
            respondent_name=" ",
            what_happened="",
            category="rumour",
            respondent_region="999999",
            happened_on=timezone.localdate() + timedelta(days=1),
        )
    assert set(refused.value.fields) == {
        "respondent_name",
        "what_happened",
        "category",
        "respondent_region",
        "happened_on",
    }
    assert not Complaint.objects.exists()


def test_outside_the_remit_must_say_where_to_go(cast):
    complaint = _file(cast)
    with pytest.raises(DomainError) as refused:
        svc.complaint_triage(actor=cast.staff, complaint_id=complaint.pk, outcome="outside_remit")
    assert "referral" in refused.value.fields
    svc.complaint_triage(
        actor=cast.staff,
        complaint_id=complaint.pk,
        outcome="outside_remit",
        referral="请向天河区市场监督管理局投诉，或拨打12315",
    )
    complaint.refresh_from_db()
    assert complaint.status == "outside_remit" and "12315" in complaint.referral


def test_a_duplicate_names_another_complaint_of_the_association(cast):
    first = _file(cast)
    second = _file(cast)
    other = _file(cast, respondent_credit_code="", association_id=cast.other_association.pk)
    for wrong in (None, second.pk, other.pk):
        with pytest.raises(DomainError):
            svc.complaint_triage(
                actor=cast.staff, complaint_id=second.pk, outcome="duplicate", duplicate_of=wrong
            )
    svc.complaint_triage(
        actor=cast.staff, complaint_id=second.pk, outcome="duplicate", duplicate_of=first.pk
    )
    assert Complaint.objects.get(pk=second.pk).duplicate_of == first


def test_the_workflow_keeps_its_history_and_other_staff_cannot_act(cast):
    complaint = _file(cast)
    with pytest.raises(PermissionDenied):
        svc.complaint_triage(actor=cast.other_staff, complaint_id=complaint.pk, outcome="accepted")
    svc.complaint_triage(actor=cast.staff, complaint_id=complaint.pk, outcome="accepted")
    svc.complaint_move(actor=cast.staff, complaint_id=complaint.pk, to="investigating")
    svc.complaint_move(actor=cast.staff, complaint_id=complaint.pk, to="mediation")
    with pytest.raises(DomainError) as refused:
        svc.complaint_decide(actor=cast.staff, complaint_id=complaint.pk, upheld=True, decision="")
    assert "decision" in refused.value.fields
    svc.complaint_decide(
        actor=cast.staff, complaint_id=complaint.pk, upheld=True, decision="价格明显高于进价"
    )
    with pytest.raises(TransitionNotAllowed):
        svc.complaint_move(actor=cast.staff, complaint_id=complaint.pk, to="mediation")
    svc.complaint_move(actor=cast.staff, complaint_id=complaint.pk, to="closed")
    actions = list(
        Event.objects.filter(object_id=complaint.pk, action__startswith="complaint.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "complaint.created",
        "complaint.accepted",
        "complaint.investigating",
        "complaint.mediation",
        "complaint.upheld",
        "complaint.closed",
    ]


def test_time_limits_count_working_days_and_extend_once_to_thirty(cast):
    complaint = _file(cast)
    today = timezone.localdate()
    assert (complaint.verify_by, complaint.answer_by, complaint.resolve_by) == (
        add_working_days(today, 1),
        add_working_days(today, 3),
        add_working_days(today, 15),
    )
    assert add_working_days(date(2020, 2, 7), 1) == date(2020, 2, 10)  # Friday → Monday
    # not triaged by the day after: overdue; a triage (the first answer) ends that
    Complaint.objects.filter(pk=complaint.pk).update(verify_by=today - timedelta(days=1))
    assert Complaint.objects.get(pk=complaint.pk).is_overdue
    svc.complaint_triage(actor=cast.staff, complaint_id=complaint.pk, outcome="accepted")
    assert not Complaint.objects.get(pk=complaint.pk).is_overdue
    # filed on Friday 7 February 2020 and past its 15 working days
    filed = timezone.make_aware(datetime(2020, 2, 7, 10))
    Complaint.objects.filter(pk=complaint.pk).update(created_at=filed, resolve_by=date(2020, 2, 28))
    assert Complaint.objects.get(pk=complaint.pk).is_overdue
    with pytest.raises(DomainError):
        svc.complaint_extend(actor=cast.staff, complaint_id=complaint.pk, reason="")
    svc.complaint_extend(actor=cast.staff, complaint_id=complaint.pk, reason="需调取进货单据")
    extended = Complaint.objects.get(pk=complaint.pk)
    assert extended.resolve_by == date(2020, 3, 20)  # 30 working days after the filing
    with pytest.raises(TransitionNotAllowed):
        svc.complaint_extend(actor=cast.staff, complaint_id=complaint.pk, reason="再延")
    event = Event.objects.get(object_id=complaint.pk, action="complaint.extended")
    assert event.changes == {"resolve_by": ["2020-02-28", "2020-03-20"]}


def test_reopen_within_thirty_days_with_a_reason(cast):
    complaint = _file(cast)
    svc.complaint_triage(actor=cast.staff, complaint_id=complaint.pk, outcome="accepted")
    svc.complaint_move(actor=cast.staff, complaint_id=complaint.pk, to="investigating")
    svc.complaint_decide(
        actor=cast.staff, complaint_id=complaint.pk, upheld=False, decision="价格合理"
    )
    svc.complaint_move(actor=cast.staff, complaint_id=complaint.pk, to="closed")
    with pytest.raises(DomainError):
        svc.complaint_reopen(actor=cast.outsider, complaint_id=complaint.pk, reason="")
    with pytest.raises(PermissionDenied):
        svc.complaint_reopen(actor=cast.enterprise_user, complaint_id=complaint.pk, reason="x")
    closed_at = Complaint.objects.get(pk=complaint.pk).closed_at
    Complaint.objects.filter(pk=complaint.pk).update(closed_at=closed_at - timedelta(days=31))
    with pytest.raises(DomainError) as late:
        svc.complaint_reopen(actor=cast.outsider, complaint_id=complaint.pk, reason="新证据")
    assert late.value.code == "reopen_too_late"
    Complaint.objects.filter(pk=complaint.pk).update(closed_at=closed_at - timedelta(days=29))
    svc.complaint_reopen(actor=cast.outsider, complaint_id=complaint.pk, reason="有新证据")
    assert Complaint.objects.get(pk=complaint.pk).status == "investigating"


def test_a_hand_off_to_market_regulation_is_recorded(cast):
    complaint = _file(cast)
    with pytest.raises(DomainError) as refused:
        svc.complaint_hand_off(
            actor=cast.staff,
            complaint_id=complaint.pk,
            department="",
            handed_on=timezone.localdate() + timedelta(days=2),
            reference="",
        )
    assert set(refused.value.fields) == {"department", "reference", "handed_on"}
    svc.complaint_hand_off(
        actor=cast.staff,
        complaint_id=complaint.pk,
        department="天河区市场监督管理局",
        handed_on=timezone.localdate(),
        reference="穗天市监投〔2020〕15号",
    )
    assert complaint.hand_offs.get().reference == "穗天市监投〔2020〕15号"
    assert Event.objects.filter(object_id=complaint.pk, action="complaint.handed_off").exists()


def test_the_complainant_and_the_member_are_told_without_the_complainants_name(cast):
    from core.models import Notification

    cast.outsider.first_name = "举报人甲"
    cast.outsider.save()
    complaint = _file(cast)
    svc.complaint_triage(actor=cast.staff, complaint_id=complaint.pk, outcome="accepted")
    svc.complaint_move(actor=cast.staff, complaint_id=complaint.pk, to="investigating")
    svc.complaint_decide(
        actor=cast.staff, complaint_id=complaint.pk, upheld=True, decision="查实加价"
    )
    told_complainant = list(
        Notification.objects.filter(user=cast.outsider).values_list("title", flat=True)
    )
    told_member = list(
        Notification.objects.filter(user=cast.enterprise_user).values_list("title", "body")
    )
    assert len(told_complainant) == 2  # accepted, upheld (not "investigating")
    assert len(told_member) == 2 and (
        "查实加价" in told_member[1][1] or "查实加价" in told_member[0][1]
    )
    assert not any("举报人甲" in title + body for title, body in told_member)
