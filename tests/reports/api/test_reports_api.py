"""Reports through the API: who sees which, asking for one (202 while it is generated),
downloading it, the association's review and submission, and corrections as new versions."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from reports import services
from reports.models import Report
from tests.conftest import api_as
from tests.reports.sample import (
    PHONE,
    file_needs,
    queued_report,
    quiet_tasks,
    ready_report,
    submitted_report,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/"


@pytest.fixture(autouse=True)
def _no_tasks(monkeypatch):
    quiet_tasks(monkeypatch)


@pytest.fixture
def reports(cast) -> dict[str, Report]:
    """This week's reports: each association's (ready), Guangdong's, Guangzhou's and
    Zhejiang's; and last week's report of the cast association, submitted."""
    file_needs(cast)
    return {
        "association": ready_report(association=cast.association, remarks=f"电话 {PHONE}"),
        "other_association": ready_report(association=cast.other_association),
        "guangdong": ready_report(region_id="440000"),
        "guangzhou": ready_report(region_id="440100"),
        "zhejiang": ready_report(region_id="330000"),
        "submitted": submitted_report(cast, weeks_ago=1),
    }


def ids(user, **params) -> set[int]:
    response = api_as(user).get(URL, params)
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def yesterday() -> str:
    return (timezone.localdate() - timedelta(days=1)).isoformat()


# --- who sees what ------------------------------------------------------------------------


def test_each_role_lists_the_reports_of_its_scope(cast, reports):
    r = {name: report.pk for name, report in reports.items()}
    assert ids(cast.staff) == {r["association"], r["submitted"]}
    assert ids(cast.partner) == {r["association"], r["submitted"]}
    assert ids(cast.other_staff) == {r["other_association"]}
    # Officials: regions inside the jurisdiction, and what associations there submitted.
    assert ids(cast.official) == {r["guangdong"], r["guangzhou"], r["submitted"]}
    assert ids(cast.other_official) == {r["zhejiang"]}
    assert ids(cast.admin) == set(r.values())
    assert api_as(cast.enterprise_user).get(URL).status_code == 403
    assert api_as(None).get(URL).status_code == 403


def test_a_report_out_of_scope_is_not_found(cast, reports):
    assert api_as(cast.other_staff).get(f"{URL}{reports['association'].pk}/").status_code == 404
    assert api_as(cast.other_official).get(f"{URL}{reports['guangdong'].pk}/").status_code == 404
    # An association's report reaches government when it is submitted, not before.
    assert api_as(cast.official).get(f"{URL}{reports['association'].pk}/").status_code == 404
    assert api_as(cast.official).get(f"{URL}{reports['submitted'].pk}/").status_code == 200
    for name in ("association", "guangdong"):
        download = f"{URL}{reports[name].pk}/download/?format=csv"
        assert api_as(cast.other_official).get(download).status_code == 404


def test_list_rows_leave_out_the_figures_that_a_single_report_has(cast, reports):
    report = reports["association"]
    row = api_as(cast.staff).get(URL, {"association": cast.association.pk}).json()["results"][0]
    assert "data" not in row
    assert row["progress"] == {"done": 6, "total": 6}
    assert row["checksum"] == report.checksum
    assert row["url"].endswith(f"{URL}{report.pk}/")
    assert set(row["downloads"]) == {"csv", "xlsx", "pdf"}
    assert PHONE not in row["remarks"]

    detail = api_as(cast.staff).get(row["url"]).json()
    assert detail["data"]["needs"]["totals"]["new"] == 3
    assert detail["checksum"] == services.checksum(detail["data"])
    assert detail["association_name"] == "广东省电子行业协会"


def test_lists_filter_and_order(cast, reports):
    r = {name: report.pk for name, report in reports.items()}
    assert ids(cast.admin, region="440000") == {r["guangdong"]}
    assert ids(cast.admin, association=cast.other_association.pk) == {r["other_association"]}
    assert ids(cast.admin, status="submitted") == {r["submitted"]}
    this_week = reports["guangdong"].period_start.isoformat()
    assert r["submitted"] not in ids(cast.admin, period_start_from=this_week)
    assert ids(cast.admin, period_start_to=this_week) == set(r.values())
    assert ids(cast.official, period_start=this_week) == {r["guangdong"], r["guangzhou"]}
    assert ids(cast.admin, period_type="month") == set()
    later = (timezone.now() + timedelta(minutes=1)).isoformat()
    assert ids(cast.admin, updated_since=later) == set()
    rows = api_as(cast.admin).get(URL, {"ordering": "period_start"}).json()["results"]
    assert rows[0]["id"] == r["submitted"]
    assert api_as(cast.admin).get(URL, {"region": "999999"}).status_code == 400
    assert api_as(cast.admin).get(URL, {"period_start_from": "soon"}).status_code == 400


# --- asking for a report and downloading it -----------------------------------------------


def test_asking_queues_a_report_that_can_be_downloaded_once_generated(
    cast, django_capture_on_commit_callbacks, monkeypatch
):
    from reports.tasks import generate_report

    queued = []
    monkeypatch.setattr(generate_report, "delay", queued.append)
    body = {"period_type": "day", "day": yesterday(), "association": cast.association.pk}
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(cast.staff).post(URL, body)
    assert response.status_code == 202, response.content
    report = response.json()
    assert report["status"] == "queued"
    assert response["Location"] == report["url"]
    assert queued == [report["id"]]
    download = f"{URL}{report['id']}/download/"

    not_yet = api_as(cast.staff).get(download, {"format": "pdf"})
    assert not_yet.status_code == 409
    assert not_yet.json()["current_status"] == "queued"

    services.generate(report["id"])
    for file_format, content_type in (
        ("csv", "text/csv; charset=utf-8"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("pdf", "application/pdf"),
    ):
        response = api_as(cast.staff).get(download, {"format": file_format})
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"] == (
            f'attachment; filename="report-{report["id"]}-v1.{file_format}"'
        )
    assert api_as(cast.staff).get(download, {"format": "docx"}).status_code == 400
    assert "format" in api_as(cast.staff).get(download).json()["fields"]

    again = api_as(cast.manager).post(URL, body)
    assert again.status_code == 200
    assert again.json()["id"] == report["id"]


def test_the_download_speaks_the_callers_language(cast, reports):
    download = f"{URL}{reports['guangdong'].pk}/download/?format=csv"
    english = api_as(cast.official).get(download, HTTP_ACCEPT_LANGUAGE="en")
    rows = list(csv.reader(io.StringIO(english.content.decode("utf-8-sig"))))
    assert ["Headline figures"] in rows
    assert "Guangdong" in rows[0][1]


def test_an_official_asks_for_a_report_on_the_jurisdiction(cast):
    last_week = (timezone.localdate() - timedelta(days=7)).isoformat()
    response = api_as(cast.official).post(URL, {"period_type": "week", "day": last_week})
    assert response.status_code == 202, response.content
    assert response.json()["region"] == "440000"
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    assert response.json()["period_start"] == (monday - timedelta(days=7)).isoformat()


@pytest.mark.parametrize(
    ("role", "body", "field"),
    [
        ("staff", {"period_type": "year", "day": "2020-02-10"}, "period_type"),
        ("staff", {"period_type": "day"}, "day"),
        ("staff", {"period_type": "day", "day": "9999-12-31"}, "day"),
        ("staff", {"period_type": "month", "day": "0001-01-01"}, "day"),
        ("official", {"period_type": "day", "day": "2100-01-01"}, "day"),  # not ended yet
        ("official", {"period_type": "day", "day": "2020-02-10", "region": "999999"}, "region"),
        ("official", {"period_type": "day", "day": "2020-02-10", "region": "330000"}, "region"),
        ("official", {"period_type": "day", "day": "2020-02-10", "association": 1}, "association"),
        ("staff", {"period_type": "day", "day": "2020-02-10"}, "association"),
    ],
)
def test_a_request_that_cannot_be_met_says_which_field(cast, role, body, field):
    if body.get("association") == 1:
        body = {**body, "association": cast.association.pk}
    response = api_as(getattr(cast, role)).post(URL, body)
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]


def test_staff_may_not_ask_for_another_associations_report(cast):
    body = {"period_type": "day", "day": yesterday(), "association": cast.other_association.pk}
    assert api_as(cast.staff).post(URL, body).status_code == 403
    assert not Report.objects.exists()


# --- the association's review -------------------------------------------------------------


def test_remarks_then_submission_then_the_report_does_not_change(cast, reports):
    report = reports["association"]
    client = api_as(cast.staff)
    url = f"{URL}{report.pk}/"

    response = client.post(f"{url}remarks/", {"remarks": "进展顺利", "suggestions": "减免租金"})
    assert response.status_code == 200
    assert response.json()["remarks"] == "进展顺利"
    assert api_as(cast.official).get(url).status_code == 404  # not submitted yet

    response = client.post(f"{url}submit/", {"suggestions": "延长贷款期限"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "submitted"
    assert body["remarks"] == "进展顺利" and body["suggestions"] == "延长贷款期限"
    assert api_as(cast.official).get(f"{url}download/?format=pdf").status_code == 200

    assert client.post(f"{url}submit/", {}).status_code == 409
    conflict = client.post(f"{url}remarks/", {"remarks": "改一下"})
    assert conflict.status_code == 409
    assert conflict.json()["current_status"] == "submitted"
    report.refresh_from_db()
    assert report.remarks == "进展顺利"

    history = client.get(f"{url}history/").json()
    assert [(h["from_status"], h["to_status"]) for h in history][-1] == ("ready", "submitted")
    assert history[-1]["actor"] == cast.staff.username


def test_a_correction_is_a_new_version_and_the_submitted_one_stays(cast, reports):
    submitted = reports["submitted"]
    client = api_as(cast.manager)
    response = client.post(f"{URL}{submitted.pk}/revise/", {"reason": "漏报一家企业"})
    assert response.status_code == 201, response.content
    revision = response.json()
    assert revision["version"] == 2 and revision["status"] == "queued"
    assert revision["id"] != submitted.pk

    # Only the latest version is corrected, and only once it is submitted.
    assert client.post(f"{URL}{submitted.pk}/revise/", {}).status_code == 409
    assert client.post(f"{URL}{revision['id']}/revise/", {}).status_code == 409
    assert client.post(f"{URL}{revision['id']}/submit/", {}).status_code == 409

    services.generate(revision["id"])
    assert client.post(f"{URL}{revision['id']}/submit/", {}).status_code == 200
    download = client.get(f"{URL}{revision['id']}/download/", {"format": "csv"})
    assert 'filename="report-' in download["Content-Disposition"]
    assert download["Content-Disposition"].endswith('-v2.csv"')
    assert Report.objects.get(pk=submitted.pk).status == "submitted"


def test_officials_and_other_staff_cannot_review(cast, reports):
    url = f"{URL}{reports['association'].pk}/"
    assert api_as(cast.official).post(f"{url}submit/", {}).status_code == 403
    assert api_as(cast.other_staff).post(f"{url}submit/", {}).status_code == 404
    region_report = f"{URL}{reports['guangdong'].pk}/"
    assert api_as(cast.admin).post(f"{region_report}remarks/", {}).status_code == 403


def test_a_report_not_generated_yet_cannot_be_submitted(cast):
    report = queued_report(association=cast.association)
    response = api_as(cast.staff).post(f"{URL}{report.pk}/submit/", {})
    assert response.status_code == 409
    assert response.json()["current_status"] == "queued"


# --- completeness -------------------------------------------------------------------------


def test_officials_see_which_associations_submitted(cast, reports):
    day = reports["submitted"].period_start.isoformat()
    response = api_as(cast.official).get(f"{URL}completeness/", {"period_type": "week", "day": day})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total"] == 1  # Guangdong: the cast association only
    assert body["rows"][0]["association_name"] == cast.association.name
    assert body["rows"][0]["state"] in ("on_time", "late")
    assert api_as(cast.staff).get(f"{URL}completeness/", {"period_type": "week"}).status_code == 403
    bad = api_as(cast.official).get(f"{URL}completeness/", {"period_type": "week"})
    assert bad.status_code == 400 and "day" in bad.json()["fields"]
