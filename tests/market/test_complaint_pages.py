"""Complaints as people meet them: the business complained about reads the complaint and answers
without learning who complained (unless allowed) or seeing the evidence; a refused step says what
to fix at its field; the API tells the same."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.attachments import attachments_of
from market import complaints as svc
from market.models import Complaint
from tests.conftest import api_as

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _filed(cast, **values) -> Complaint:
    cast.outsider.first_name = "举报人甲"
    cast.outsider.save()
    return svc.complaint_file(
        actor=cast.outsider,
        respondent_name=cast.member.name,
        respondent_credit_code=cast.member.uscc,
        respondent_region="440106",
        category="price_gouging",
        what_happened="口罩一盒两百元",
        happened_on=date(2020, 2, 3),
        place="天河区",
        attachments=[SimpleUploadedFile("小票.pdf", PDF)],
        **values,
    )


def test_the_business_answers_without_learning_who_complained(cast):
    complaint = _filed(cast)
    evidence = attachments_of(complaint).get()
    member = _client(cast.enterprise_user)
    page = member.get(f"/complaints/{complaint.pk}/").content.decode()
    assert "举报人甲" not in page and "小票.pdf" not in page
    assert member.get(f"/complaints/{complaint.pk}/evidence/{evidence.pk}/").status_code == 404
    assert (
        api_as(cast.enterprise_user)
        .get(f"/api/v1/complaints/{complaint.pk}/")
        .json()["complainant"]
        is None
    )
    history = api_as(cast.enterprise_user).get(f"/api/v1/complaints/{complaint.pk}/history/")
    assert all(
        event["actor"] in (None, "") or "举报人甲" not in event["actor"] for event in history.json()
    )
    staff_page = _client(cast.staff).get(f"/complaints/{complaint.pk}/").content.decode()
    assert "举报人甲" in staff_page and "小票.pdf" in staff_page
    assert (
        _client(cast.staff).get(f"/complaints/{complaint.pk}/evidence/{evidence.pk}/").status_code
        == 200
    )
    answer = member.post(f"/complaints/{complaint.pk}/answer/", {"answer": "进货价上涨三倍"})
    assert answer.status_code == 302
    assert (
        "进货价上涨三倍"
        in _client(cast.outsider).get(f"/complaints/{complaint.pk}/").content.decode()
    )


def test_a_complainant_may_let_the_business_see_its_name(cast):
    complaint = _filed(cast, show_identity=True)
    page = _client(cast.enterprise_user).get(f"/complaints/{complaint.pk}/").content.decode()
    assert "举报人甲" in page


def test_outside_the_remit_without_where_to_go_is_refused_at_the_field(cast):
    complaint = _filed(cast)
    answer = _client(cast.staff).post(
        f"/complaints/{complaint.pk}/triage/", {"outcome": "outside_remit", "referral": ""}
    )
    assert answer.status_code == 400 and 'class="field-error"' in answer.content.decode()
    assert Complaint.objects.get(pk=complaint.pk).status == "submitted"
    _client(cast.staff).post(
        f"/complaints/{complaint.pk}/triage/",
        {"outcome": "outside_remit", "referral": "请拨打12315"},
    )
    page = _client(cast.outsider).get(f"/complaints/{complaint.pk}/").content.decode()
    assert 'data-testid="referral"' in page and "12315" in page


def test_filing_on_the_page_with_a_member_code_goes_to_its_association(cast):
    answer = _client(cast.other_staff).post(
        "/complaints/new/",
        {
            "respondent_name": cast.member.name,
            "respondent_credit_code": cast.member.uscc,
            "respondent_region": "440106",
            "category": "hoarding",
            "what_happened": "囤积消毒液",
            "happened_on": "2020-02-05",
            "place": "天河区",
        },
    )
    complaint = Complaint.objects.get()
    assert answer.status_code == 302 and complaint.association == cast.association
    # the filer follows it although it is another association's
    assert _client(cast.other_staff).get(f"/complaints/{complaint.pk}/").status_code == 200
    assert (
        "triage"
        not in api_as(cast.other_staff)
        .get(f"/api/v1/complaints/{complaint.pk}/")
        .json()["allowed_actions"]
    )


def test_the_members_page_shows_its_complaints_by_outcome_to_staff_only(cast):
    complaint = _filed(cast)
    svc.complaint_triage(
        actor=cast.staff, complaint_id=complaint.pk, outcome="outside_remit", referral="12315"
    )
    _filed(cast)
    page = _client(cast.staff).get(f"/enterprises/{cast.member.pk}/").content.decode()
    panel = page.split('data-testid="enterprise-complaints"')[1].split("</section>")[0]
    assert '<span class="count">2</span>' in panel
    assert panel.count('data-testid="complaint-count"') == 2
    listed = (
        _client(cast.staff)
        .get(f"/complaints/?status=all&respondent={cast.member.pk}")
        .content.decode()
    )
    assert listed.count('data-testid="complaint-row"') == 2
    own = _client(cast.enterprise_user).get(f"/enterprises/{cast.member.pk}/").content.decode()
    assert 'data-testid="enterprise-complaints"' not in own
