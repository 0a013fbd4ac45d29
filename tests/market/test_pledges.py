"""Self-discipline pledges: versions that ask members to sign again, signatures by members'
users (once per version), withdrawal with a reason, and a breach shown beside a signature."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.errors import Conflict, DomainError, TransitionNotAllowed
from core.models import Event, Notification
from market import complaints, pledges
from market.models import PledgeSignature
from market.selectors import signatories
from tests.factories import EnterpriseFactory, MembershipFactory

pytestmark = pytest.mark.django_db

TEXT = "疫情期间不哄抬价格、不囤积居奇、不制售假冒伪劣产品。"


def _published(cast):
    pledge = pledges.pledge_create(
        actor=cast.staff, association_id=cast.association.pk, title="稳价承诺", text=TEXT
    )
    pledges.pledge_publish(actor=cast.staff, pledge_id=pledge.pk)
    return pledge


def _sign(cast, pledge):
    return pledges.pledge_sign(
        actor=cast.enterprise_user, pledge_id=pledge.pk, signer_name="王伟", signer_title="总经理"
    )


def test_staff_publish_and_members_are_asked_to_sign(cast, django_capture_on_commit_callbacks):
    with pytest.raises(PermissionDenied):
        pledges.pledge_create(
            actor=cast.other_staff, association_id=cast.association.pk, title="x", text="y"
        )
    with pytest.raises(DomainError) as refused:
        pledges.pledge_create(
            actor=cast.staff, association_id=cast.association.pk, title="稳价承诺", text=" "
        )
    assert "text" in refused.value.fields
    with django_capture_on_commit_callbacks(execute=True):
        pledge = _published(cast)
    told = Notification.objects.filter(user=cast.enterprise_user, link__contains=str(pledge.pk))
    assert told.count() == 1
    with pytest.raises(TransitionNotAllowed):
        pledges.pledge_publish(actor=cast.staff, pledge_id=pledge.pk)


def test_a_member_signs_once_per_version_and_signs_again_a_new_version(
    cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pledge = _published(cast)
    first = _sign(cast, pledge)
    with pytest.raises(Conflict):
        _sign(cast, pledge)
    with django_capture_on_commit_callbacks(execute=True):
        pledges.pledge_revise(actor=cast.staff, pledge_id=pledge.pk, text=TEXT + "明码标价。")
    assert Notification.objects.filter(user=cast.enterprise_user).count() == 2
    [standing] = signatories(pledge)
    assert standing.pk == first.pk and standing.version.number == 1  # signed the old one
    second = _sign(cast, pledge)
    [standing] = signatories(pledge)
    assert standing.pk == second.pk and standing.version.number == 2
    assert Event.objects.filter(action="pledgesignature.signed").count() == 2


def test_only_members_sign_and_signatures_are_withdrawn_with_a_reason(cast):
    pledge = _published(cast)
    stranger = EnterpriseFactory()
    MembershipFactory(enterprise=stranger, association=cast.other_association, status="active")
    cast.outsider.enterprise = stranger
    cast.outsider.save()
    with pytest.raises(PermissionDenied):
        pledges.pledge_sign(
            actor=cast.outsider, pledge_id=pledge.pk, signer_name="李", signer_title="经理"
        )
    with pytest.raises(DomainError) as refused:
        pledges.pledge_sign(
            actor=cast.enterprise_user, pledge_id=pledge.pk, signer_name="", signer_title=""
        )
    assert set(refused.value.fields) == {"signer_name", "signer_title"}
    signature = _sign(cast, pledge)
    with pytest.raises(DomainError):
        pledges.signature_withdraw(actor=cast.enterprise_user, signature_id=signature.pk, reason="")
    with pytest.raises(PermissionDenied):
        pledges.signature_withdraw(actor=cast.staff, signature_id=signature.pk, reason="x")
    pledges.signature_withdraw(
        actor=cast.enterprise_user, signature_id=signature.pk, reason="已停业"
    )
    assert signatories(pledge) == []
    _sign(cast, pledge)  # and may sign again
    assert PledgeSignature.objects.filter(withdrawn_at__isnull=True).count() == 1


def test_an_upheld_complaint_after_signing_is_a_breach_beside_the_signature(cast):
    pledge = _published(cast)
    _sign(cast, pledge)

    def upheld_complaint(happened_on, upheld=True):
        complaint = complaints.complaint_file(
            actor=cast.outsider,
            respondent_name=cast.member.name,
            respondent_credit_code=cast.member.uscc,
            respondent_region="440106",
            category="price_gouging",
            what_happened="加价",
            happened_on=happened_on,
            place="天河区",
        )
        complaints.complaint_triage(actor=cast.staff, complaint_id=complaint.pk, outcome="accepted")
        complaints.complaint_move(actor=cast.staff, complaint_id=complaint.pk, to="investigating")
        complaints.complaint_decide(
            actor=cast.staff, complaint_id=complaint.pk, upheld=upheld, decision="查实"
        )
        return complaint

    before = upheld_complaint(date(2020, 1, 1))  # before the signature: no breach of it
    not_upheld = upheld_complaint(timezone.localdate(), upheld=False)
    breach = upheld_complaint(timezone.localdate())
    complaints.complaint_move(actor=cast.staff, complaint_id=breach.pk, to="closed")
    [signature] = signatories(pledge)
    assert [c.pk for c in signature.breaches] == [breach.pk]
    assert before.pk != breach.pk != not_upheld.pk
    # reopened, it is no breach until decided again
    complaints.complaint_reopen(actor=cast.outsider, complaint_id=breach.pk, reason="复核")
    [signature] = signatories(pledge)
    assert signature.breaches == []
