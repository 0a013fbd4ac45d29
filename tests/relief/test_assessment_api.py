"""/api/v1/hardship-assessments/ as its clients use it: asking with evidence, recording,
grading and refusing (409 from a status that does not allow it, 400 naming the field), the
history, the evidence kept from outsiders, and the hardest-hit list (no phones for officials)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.conftest import api_as
from tests.relief.test_assessment_selectors import assessed, grant

pytestmark = pytest.mark.django_db

API = "/api/v1/hardship-assessments/"
PDF = b"%PDF-1.4\n%%EOF\n"


def later() -> str:
    return (timezone.localdate() + timedelta(days=120)).isoformat()


def asking(cast, **more) -> dict:
    return {
        "association": cast.association.pk,
        "period": timezone.localdate().isoformat(),
        "revenue_drop_percent": "25",
        "months_of_cash": "3.5",
        "cause": "earthquake",
        **more,
    }


def test_an_enterprise_asks_with_evidence_and_a_second_ask_for_the_month_is_409(cast):
    client = api_as(cast.enterprise_user)
    answer = client.post(
        API,
        asking(cast, attachments=SimpleUploadedFile("停工通知.pdf", PDF)),
        format="multipart",
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["status"], body["computed_grade"], body["grade"]) == ("requested", "moderate", "")
    assert body["period"] == timezone.localdate().replace(day=1).isoformat()
    assert body["allowed_actions"] == ["attach"]
    evidence = client.get(f"{API}{body['id']}/attachments/").json()
    assert [e["name"] for e in evidence] == ["停工通知.pdf"]
    again = client.post(API, asking(cast), format="json")
    assert again.status_code == 409
    assert again.json()["existing_id"] == body["id"]
    assert "period" in again.json()["fields"]


def test_a_wrong_value_answers_400_naming_the_field(cast):
    client = api_as(cast.enterprise_user)
    answer = client.post(API, asking(cast, revenue_drop_percent="101"), format="json")
    assert answer.status_code == 400
    assert list(answer.json()["fields"]) == ["revenue_drop_percent"]
    future = (timezone.localdate() + timedelta(days=40)).isoformat()
    assert list(client.post(API, asking(cast, period=future)).json()["fields"]) == ["period"]
    other = asking(cast, association=cast.other_association.pk)
    assert list(client.post(API, other).json()["fields"]) == ["association"]
    not_a_pdf = asking(cast, attachments=SimpleUploadedFile("假.pdf", b"MZ\x90\x00"))
    refused = client.post(API, not_a_pdf, format="multipart")
    assert refused.status_code == 400
    assert "假.pdf" in refused.json()["fields"]["attachments"][0]


def test_staff_record_grading_otherwise_with_a_reason_and_the_history_keeps_both(cast):
    client = api_as(cast.staff)
    body = asking(cast, enterprise=cast.member.pk, valid_until=later(), grade="severe")
    refused = client.post(API, body)
    assert refused.status_code == 400
    assert list(refused.json()["fields"]) == ["reason"]
    created = client.post(API, {**body, "reason": "厂房受损"})
    assert created.status_code == 201
    data = created.json()
    assert (data["grade"], data["computed_grade"], data["override_reason"]) == (
        "severe",
        "moderate",
        "厂房受损",
    )
    [event] = client.get(f"{API}{data['id']}/history/").json()
    assert event["changes"]["grade"] == ["moderate", "severe"]
    assert event["reason"] == "厂房受损"


def test_staff_grade_a_request_once_then_409_with_the_current_status(cast):
    created = api_as(cast.enterprise_user).post(API, asking(cast)).json()
    staff = api_as(cast.staff)
    assert staff.get(f"{API}{created['id']}/").json()["allowed_actions"] == [
        "assess",
        "refuse",
        "attach",
    ]
    graded = staff.post(f"{API}{created['id']}/assess/", {"valid_until": later()})
    assert graded.status_code == 200
    assert graded.json()["grade"] == "moderate"
    again = staff.post(f"{API}{created['id']}/refuse/", {"reason": "晚了"})
    assert again.status_code == 409
    assert again.json()["current_status"] == "assessed"
    assert api_as(cast.other_staff).get(f"{API}{created['id']}/").status_code == 404
    history = staff.get(f"{API}{created['id']}/history/").json()
    assert [e["to_status"] for e in history] == ["requested", "assessed"]
    assert history[1]["actor"] == cast.staff.username
    # the enterprise reads who graded it by name and role, never by login name
    theirs = api_as(cast.enterprise_user).get(f"{API}{created['id']}/history/").json()
    assert theirs[1]["actor"] and cast.staff.username not in theirs[1]["actor"]


def test_evidence_is_kept_from_those_who_do_not_see_the_assessment(cast):
    created = api_as(cast.enterprise_user).post(
        API, asking(cast, attachments=SimpleUploadedFile("合同.pdf", PDF)), format="multipart"
    )
    pk = created.json()["id"]
    [evidence] = api_as(cast.staff).get(f"{API}{pk}/attachments/").json()
    path = f"{API}{pk}/attachments/{evidence['id']}/"
    download = api_as(cast.staff).get(path)
    assert b"".join(download.streaming_content) == PDF
    for user in (cast.outsider, cast.other_staff, cast.official):
        assert api_as(user).get(path).status_code == 404
        assert api_as(user).get(f"{API}{pk}/attachments/").status_code == 404


def test_the_hardest_hit_list_answers_officials_their_jurisdiction_without_phones(cast):
    valid = timezone.localdate() + timedelta(days=9)
    assessed(cast.member, cast.association, valid_until=valid)
    assessed(cast.other_member, cast.other_association, valid_until=valid)
    grant(cast.member, cast.association, "1250.50", name="会费全免")
    official = api_as(cast.official).get(f"{API}hardest-hit/").json()["results"]
    assert [(r["enterprise"], r["contact_phone"]) for r in official] == [(cast.member.pk, None)]
    assert (official[0]["relief_total"], official[0]["relief_schemes"]) == ("1250.50", ["会费全免"])
    staff = api_as(cast.staff).get(f"{API}hardest-hit/").json()["results"]
    assert [r["enterprise"] for r in staff] == [cast.member.pk]
    assert staff[0]["contact_phone"]
    other = api_as(cast.other_official).get(f"{API}hardest-hit/?region=440000").json()
    assert other["results"] == []
    filtered = api_as(cast.official).get(f"{API}hardest-hit/?cause=epidemic").json()
    assert filtered["results"] == []
    # officials read no assessment by name
    assert api_as(cast.official).get(API).json()["results"] == []
