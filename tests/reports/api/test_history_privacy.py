"""Government reads an association's report, not its drafts nor who did what."""

import pytest

from reports import services
from tests.conftest import api_as
from tests.reports.sample import quiet_tasks, ready_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(cast, monkeypatch):
    quiet_tasks(monkeypatch)
    report = ready_report(association=cast.association, remarks="")
    services.report_update_remarks(
        actor=cast.staff, report_id=report.pk, remarks="内部草稿：会员A拖欠会费，勿上报"
    )
    services.report_update_remarks(actor=cast.staff, report_id=report.pk, remarks="正式说明")
    services.report_submit(actor=cast.manager, report_id=report.pk)
    services.report_revise(
        actor=cast.staff, report_id=report.pk, reason="数据有误，会员张三 13800138000 反映"
    )
    return report


def test_an_official_reads_the_status_changes_only(cast, submitted):
    response = api_as(cast.official).get(f"/api/v1/reports/{submitted.pk}/history/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "勿上报" not in body and "13800138000" not in body
    events = response.json()
    assert events and all(event["to_status"] for event in events)
    assert {event["actor"] for event in events} == {None}
    assert "submitted" in {event["to_status"] for event in events}


def test_the_association_reads_its_whole_history(cast, submitted):
    response = api_as(cast.staff).get(f"/api/v1/reports/{submitted.pk}/history/")

    body = response.content.decode()
    assert "report.updated" in {event["action"] for event in response.json()}
    assert "正式说明" in body
