"""A report whose spreadsheets list more urgent needs than its snapshot (read in full as at the
period's end: seconds at national scale) is not rendered inside the web request when its file is
not kept yet: a worker renders it, the person sees "being prepared" (202) and the page asks again
until the file is there. Quick files (a PDF, a report whose snapshot lists every urgent need) are
rendered at once, as before."""

import io
import time

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports import figures, services
from reports.models import ReportFile
from reports.tasks import store_report_file
from tests.conftest import api_as
from tests.reports.sample import file_needs, quiet_tasks, ready_report
from tests.workers import in_process_worker


@pytest.fixture
def large_report(cast, monkeypatch):
    """The association's report with 3 urgent needs, of which the snapshot lists 2."""
    quiet_tasks(monkeypatch)
    file_needs(cast)
    monkeypatch.setattr(figures, "URGENT_LIMIT", 2)
    report = ready_report(association=cast.association)
    assert (len(report.data["urgent"]["rows"]), report.data["urgent"]["total"]) == (2, 3)
    return report


@pytest.fixture
def asked(monkeypatch) -> list[tuple]:
    calls = []
    monkeypatch.setattr(store_report_file, "delay", lambda *args: calls.append(args))
    return calls


@pytest.mark.django_db
def test_a_large_file_is_prepared_by_a_worker_and_sent_once_kept(cast, large_report, client, asked):
    client.force_login(cast.staff)
    url = reverse("report-download", args=[large_report.pk, "xlsx"])

    waiting = client.get(url)
    assert waiting.status_code == 202
    assert waiting["Refresh"] == waiting["Retry-After"] == "3"
    assert "no-cache" in waiting["Cache-Control"]
    assert b'data-testid="file-preparing"' in waiting.content
    assert asked == [(large_report.pk, "xlsx", "zh-hans")]
    assert client.get(url).status_code == 202
    assert len(asked) == 1  # asked once while it is being prepared
    assert not ReportFile.objects.filter(report=large_report, format="xlsx").exists()

    assert services.store_file(*asked[0])  # what the worker does
    sent = client.get(url)
    assert sent.status_code == 200
    assert sent["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(sent.content))
    urgent = next(s for s in workbook if s.cell(row=1, column=1).value == "编号")
    assert urgent.max_row == 1 + 3  # every urgent need, not the snapshot's two


@pytest.mark.django_db
def test_the_api_answers_202_with_retry_after_while_a_file_is_prepared(cast, large_report, asked):
    api = api_as(cast.staff)
    url = f"/api/v1/reports/{large_report.pk}/download/?format=csv"
    waiting = api.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert waiting.status_code == 202
    assert waiting["Retry-After"] == "3"
    assert waiting.json() == {
        "detail": "The file is being prepared: ask again in 3 seconds.",
        "code": "preparing",
    }
    assert asked == [(large_report.pk, "csv", "en")]
    services.store_file(*asked[0])
    assert api.get(url, HTTP_ACCEPT_LANGUAGE="en").status_code == 200


@pytest.mark.django_db
def test_quick_files_are_rendered_at_once(cast, large_report, client, asked, monkeypatch):
    client.force_login(cast.staff)
    # The PDF shows the snapshot's rows only.
    assert client.get(reverse("report-download", args=[large_report.pk, "pdf"])).status_code == 200
    # A spreadsheet of a report whose snapshot lists every urgent need.
    monkeypatch.setattr(figures, "URGENT_LIMIT", 200)
    small = ready_report(association=cast.association, weeks_ago=1)
    assert client.get(reverse("report-download", args=[small.pk, "csv"])).status_code == 200
    assert asked == []


@pytest.mark.django_db
def test_without_a_broker_the_file_is_rendered_in_the_request(
    cast, large_report, client, monkeypatch
):
    def away(*args):
        raise ConnectionError("broker away")

    monkeypatch.setattr(store_report_file, "delay", away)
    client.force_login(cast.staff)
    sent = client.get(reverse("report-download", args=[large_report.pk, "csv"]))
    assert sent.status_code == 200
    assert ReportFile.objects.filter(report=large_report, format="csv").exists()


@pytest.mark.django_db
def test_another_associations_staff_cannot_ask_for_the_file(cast, large_report, client, asked):
    client.force_login(cast.other_staff)
    response = client.get(reverse("report-download", args=[large_report.pk, "xlsx"]))
    assert response.status_code == 404
    assert asked == []


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_prepares_the_file_the_page_keeps_asking_for(cast, client, monkeypatch):
    from reports.tasks import generate_report, refresh_rollups, store_report_files

    for task in (generate_report, refresh_rollups, store_report_files):
        monkeypatch.setattr(task, "delay", lambda *a, **k: None)
    file_needs(cast)
    monkeypatch.setattr(figures, "URGENT_LIMIT", 2)
    report = ready_report(association=cast.association)
    client.force_login(cast.staff)
    url = reverse("report-download", args=[report.pk, "csv"])

    with in_process_worker():
        assert client.get(url).status_code == 202
        deadline = time.monotonic() + 60
        while (response := client.get(url)).status_code == 202 and time.monotonic() < deadline:
            time.sleep(0.2)
    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").count("\n") > 10
