"""The assessment pages as each role uses them: the enterprise asks (with evidence) and reads
its assessment and history; staff grade (another grade only with a reason), refuse, record one
directly; the hardest-hit list and its CSV and XLSX downloads, with phones for the staff side
and none for officials; evidence downloaded only by those who see the assessment."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from core.attachments import attachments_of
from relief.models import HardshipAssessment
from tests.factories import EnterpriseFactory, MembershipFactory
from tests.relief.test_assessment_selectors import assessed, grant

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def month_text() -> str:
    return timezone.localdate().strftime("%Y-%m")


def later() -> str:
    return (timezone.localdate() + timedelta(days=120)).isoformat()


def ask_on_the_page(cast, **more):
    return client_of(cast.enterprise_user).post(
        "/relief/assessments/ask/",
        {
            "association": cast.association.pk,
            "period": month_text(),
            "revenue_drop_percent": "15",
            "months_of_cash": "6",
            "orders_lost": "3",
            "workers_not_back": "2",
            "rent_burden_percent": "10",
            "cause": "supply_chain",
            **more,
        },
    )


def test_the_enterprise_asks_with_evidence_and_reads_its_request_and_history(cast):
    answer = ask_on_the_page(cast, attachments=[SimpleUploadedFile("订单取消.pdf", PDF)])
    assessment = HardshipAssessment.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"/relief/assessments/{assessment.pk}/"
    assert assessment.period == timezone.localdate().replace(day=1)
    mine = client_of(cast.enterprise_user)
    listing = mine.get("/relief/assessments/").content.decode()
    assert f'data-id="{assessment.pk}"' in listing
    page = mine.get(f"/relief/assessments/{assessment.pk}/").content.decode()
    assert "订单取消.pdf" in page
    assert 'data-action="hardshipassessment.created"' in page
    assert 'data-action="assess"' not in page  # grading is the staff's
    [evidence] = attachments_of(assessment)
    download = mine.get(f"/relief/assessments/{assessment.pk}/attachments/{evidence.pk}/")
    assert b"".join(download.streaming_content) == PDF


def test_a_wrong_figure_is_shown_at_its_field_and_what_was_typed_stays(cast):
    answer = ask_on_the_page(cast, revenue_drop_percent="150")
    assert answer.status_code == 200
    form = answer.context["form"]
    assert "revenue_drop_percent" in form.errors
    assert 'value="150"' in answer.content.decode()
    assert not HardshipAssessment.objects.exists()


def test_asking_twice_for_a_month_says_which_assessment_exists(cast):
    ask_on_the_page(cast)
    first = HardshipAssessment.objects.get()
    answer = ask_on_the_page(cast)
    assert f"#{first.pk}" in " ".join(answer.context["form"].errors["period"])
    assert HardshipAssessment.objects.count() == 1


def test_staff_grade_otherwise_only_with_a_reason_and_the_page_shows_both_grades(cast):
    ask_on_the_page(cast)
    assessment = HardshipAssessment.objects.get()
    staff = client_of(cast.staff)
    page = staff.get(f"/relief/assessments/{assessment.pk}/").content.decode()
    assert 'data-testid="grade-rule"' in page
    url = f"/relief/assessments/{assessment.pk}/assess/"
    refused = staff.post(url, {"grade": "severe", "valid_until": later(), "reason": ""})
    assert refused.status_code == 400
    assert "reason" in refused.context["assess_form"].errors
    done = staff.post(url, {"grade": "severe", "valid_until": later(), "reason": "下游停工"})
    assert done.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.grade, assessment.computed_grade) == ("severe", "mild")
    page = client_of(cast.enterprise_user).get(f"/relief/assessments/{assessment.pk}/")
    text = page.content.decode()
    assert 'data-testid="override-reason">下游停工' in text
    assert 'data-action="hardshipassessment.assessed"' in text


def test_staff_refuse_with_a_reason_the_enterprise_reads(cast):
    ask_on_the_page(cast)
    assessment = HardshipAssessment.objects.get()
    staff = client_of(cast.staff)
    url = f"/relief/assessments/{assessment.pk}/refuse/"
    assert staff.post(url, {"reason": ""}).status_code == 400
    assert staff.post(url, {"reason": "请补充银行流水"}).status_code == 302
    page = client_of(cast.enterprise_user).get(f"/relief/assessments/{assessment.pk}/")
    assert "请补充银行流水" in page.content.decode()


def test_other_association_staff_cannot_grade_and_an_outsider_cannot_download_evidence(cast):
    ask_on_the_page(cast, attachments=[SimpleUploadedFile("账本.pdf", PDF)])
    assessment = HardshipAssessment.objects.get()
    [evidence] = attachments_of(assessment)
    for user in (cast.other_staff, cast.outsider, cast.official):
        client = client_of(user)
        url = f"/relief/assessments/{assessment.pk}/"
        assert client.get(f"{url}attachments/{evidence.pk}/").status_code == 404
        assert client.post(f"{url}assess/", {"valid_until": later()}).status_code in (403, 404)
    assessment.refresh_from_db()
    assert assessment.status == "requested"


def test_staff_record_an_assessment_for_a_member_by_its_credit_code(cast):
    answer = client_of(cast.staff).post(
        "/relief/assessments/record/",
        {
            "association": cast.association.pk,
            "enterprise": cast.member.uscc,
            "period": month_text(),
            "revenue_drop_percent": "55",
            "months_of_cash": "3",
            "cause": "flood",
            "valid_until": later(),
            "attachments": [SimpleUploadedFile("受灾照片.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)],
        },
    )
    assert answer.status_code == 302, answer.context["form"].errors
    assessment = HardshipAssessment.objects.get()
    assert (assessment.enterprise, assessment.grade, assessment.status) == (
        cast.member,
        "severe",
        "assessed",
    )
    # the other association's member is not found among ours
    answer = client_of(cast.staff).post(
        "/relief/assessments/record/",
        {
            "association": cast.association.pk,
            "enterprise": cast.other_member.uscc,
            "period": month_text(),
            "revenue_drop_percent": "55",
            "months_of_cash": "3",
            "cause": "flood",
            "valid_until": later(),
        },
    )
    assert "enterprise" in answer.context["form"].errors


def test_the_staff_queue_filters_by_status_and_grade(cast):
    severe = assessed(cast.member, cast.association, period=date(2026, 9, 1))
    mild = assessed(cast.member, cast.association, period=date(2026, 10, 1), grade="mild")
    staff = client_of(cast.staff)

    def ids(query):
        page = staff.get(f"/relief/assessments/?{query}").context["page"]
        return [a.pk for a in page]

    assert ids("grade=severe") == [severe.pk]
    assert set(ids("")) == {severe.pk, mild.pk}
    assert ids("status=requested") == []
    assert (
        client_of(cast.other_staff).get("/relief/assessments/").context["page"].paginator.count == 0
    )


def _severe_pair(cast):
    """Both cast members severely hit, each with relief from its association."""
    assessed(cast.member, cast.association, valid_until=timezone.localdate() + timedelta(days=9))
    assessed(
        cast.other_member,
        cast.other_association,
        valid_until=timezone.localdate() + timedelta(days=9),
    )
    grant(cast.member, cast.association, "1250.50", name="会费全免")
    grant(cast.other_member, cast.other_association, "800.00", name="浙江补贴")


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_staff_download_their_association_s_hardest_hit_with_phones(cast):
    _severe_pair(cast)
    staff = client_of(cast.staff)
    header, *rows = _csv_rows(staff.get("/relief/hardest-hit.csv"))
    assert len(rows) == 1
    values = rows[0]
    assert cast.member.name in values and cast.other_member.name not in values
    assert "1250.50" in values and "会费全免" in values
    assert any("138" in value for value in values)  # the contact phone
    assert len(header) == 18


def test_officials_download_their_jurisdiction_without_phones_as_csv_and_xlsx(cast):
    _severe_pair(cast)
    official = client_of(cast.official)
    header, *rows = _csv_rows(official.get("/relief/hardest-hit.csv"))
    assert len(header) == 16  # no contact person, no phone
    [values] = rows
    assert cast.member.name in values
    assert not any("138" in value for value in values)
    workbook = load_workbook(
        io.BytesIO(b"".join(official.get("/relief/hardest-hit.xlsx").streaming_content))
    )
    sheet = workbook.active
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert len(table) == 2
    assert cast.member.name in table[1]
    assert Decimal(str(table[1][14])) == Decimal("1250.50")
    other = client_of(cast.other_official)
    _header, *their_rows = _csv_rows(other.get("/relief/hardest-hit.csv"))
    assert [r[0] for r in their_rows] == [cast.other_member.name]


def test_the_hardest_hit_page_shows_the_total_granted_and_no_phones_to_officials(cast):
    _severe_pair(cast)
    page = client_of(cast.official).get("/relief/hardest-hit/")
    text = page.content.decode()
    assert 'data-testid="hardest-hit-row"' in text
    assert "tel:" not in text
    assert "1,250.50" in text or "1250.50" in text
    staff_page = client_of(cast.staff).get("/relief/hardest-hit/").content.decode()
    assert "tel:" in staff_page
    assert cast.other_member.name not in staff_page
    assert client_of(cast.enterprise_user).get("/relief/hardest-hit/").status_code == 403


def _hardest_hit_reads(client, query: str = "") -> tuple[object, int]:
    """The page, and how many of its queries read the assessments."""
    with CaptureQueriesContext(connection) as seen:
        page = client.get(f"/relief/hardest-hit/{query}")
    reads = [q for q in seen.captured_queries if '"relief_hardshipassessment"' in q["sql"]]
    return page, len(reads)


def test_the_hardest_hit_page_counts_totals_and_offers_its_associations_from_one_pass(cast):
    """The count, the total granted and the associations the list may be narrowed to come from
    one grouped pass over the list, beside the page's own rows (at national scale each pass
    reads a province's enterprises): two reads of the assessments where there were four."""
    _severe_pair(cast)
    page, reads = _hardest_hit_reads(client_of(cast.admin))
    assert page.context["page"].paginator.count == 2
    assert page.context["relief_total"] == Decimal("2050.50")
    offered = [label for value, label in page.context["form"].fields["association"].choices]
    assert offered[1:] == sorted([cast.association.name, cast.other_association.name])
    assert reads == 2
    narrowed, reads = _hardest_hit_reads(
        client_of(cast.admin), f"?association={cast.other_association.pk}"
    )
    assert [row.enterprise for row in narrowed.context["rows"]] == [cast.other_member]
    assert (narrowed.context["page"].paginator.count, narrowed.context["relief_total"]) == (
        1,
        Decimal("800.00"),
    )


def test_who_just_recorded_a_severe_assessment_sees_it_counted_at_once(cast):
    """The list's figures are kept for a few seconds for everyone else; staff who have just
    recorded an assessment count afresh, so their new row and the count agree."""
    _severe_pair(cast)
    staff = client_of(cast.staff)
    assert staff.get("/relief/hardest-hit/").context["page"].paginator.count == 1
    newcomer = EnterpriseFactory(region_id="440106")
    MembershipFactory(enterprise=newcomer, association=cast.association)
    answer = staff.post(
        "/relief/assessments/record/",
        {
            "association": cast.association.pk,
            "enterprise": newcomer.uscc,
            "period": month_text(),
            "revenue_drop_percent": "80",
            "months_of_cash": "1",
            "cause": "flood",
            "valid_until": later(),
        },
    )
    assert answer.status_code == 302, answer.context["form"].errors
    page = staff.get("/relief/hardest-hit/")
    assert page.context["page"].paginator.count == 2
    assert newcomer in [row.enterprise for row in page.context["rows"]]
