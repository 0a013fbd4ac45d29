"""What a reader of the report page sees in its headline: a chart per unit (enterprises, needs,
people) on scales of their own, the previous period named by its real last day, the tables laid
out to fit (a card per row on a phone, the urgent list in columns that wrap) and the checksum
kept in the details about the report rather than the headline."""

import re
from datetime import date

import pytest
from django.urls import reverse

from reports import services
from reports.charts import headline_charts
from supplies import services as needs
from supplies.models import Need
from tests.reports.sample import file_needs, quiet_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    quiet_tasks(monkeypatch)


def november_report(cast):
    """Guangdong's report for November 2026: the previous period is October."""
    from core.models import Region

    report = services.ensure(
        region=Region.objects.get(code="440000"),
        association=None,
        period_type="month",
        start=date(2026, 11, 1),
    )
    return services.generate(report.pk)


def weekly_report(cast):
    from tests.reports.sample import ready_report

    return ready_report(region_id="440000")


def page_of(client, user, report, language: str = "zh-hans"):
    client.force_login(user)
    client.cookies["django_language"] = language
    return client.get(reverse("report-detail", args=[report.pk]))


def chart_labels(chart: dict) -> list[str]:
    return [bar["label"] for bar in chart["bars"]]


# --- one scale per unit -------------------------------------------------------------------


def _headline(**current) -> dict:
    rows = [
        {"figure": name, "current": value, "previous": 0, "change": value}
        for name, value in current.items()
    ]
    return {"headline": {"rows": rows}, "needs": {"totals": {}}}


def test_returning_workers_do_not_dwarf_the_counts_of_enterprises():
    charts = headline_charts(_headline(applied=3, approved=2, returning_workers=38, new=5))
    enterprises, needs_chart, people = charts
    assert chart_labels(enterprises) == ["已申请", "已批准"]
    assert chart_labels(needs_chart) == ["新增需求"]
    assert chart_labels(people) == ["返岗人数"]
    # each chart on its own scale: 3 enterprises fill their chart as 38 workers fill theirs
    assert enterprises["bars"][0]["main"]["width"] == 100
    assert people["bars"][0]["main"]["width"] == 100
    assert [chart["unit"] for chart in charts] == ["单位：家", "单位：件", "单位：人"]


def test_the_page_charts_enterprises_needs_and_headcounts_apart(cast, client):
    file_needs(cast)  # a labour request for 12 workers among three needs
    report = weekly_report(cast)
    response = page_of(client, cast.official, report)
    enterprises, needs_chart, people = response.context["charts"]
    assert "已申请" in chart_labels(enterprises) and "新增需求" not in chart_labels(enterprises)
    assert chart_labels(needs_chart) == ["新增需求", "已解决需求", "期末未办结", "上报政府", "超期"]
    assert chart_labels(people) == ["返岗人数", "需求人数", "已落实人数"]
    asked = people["bars"][1]
    assert (asked["main"]["text"], asked["main"]["width"]) == ("12", 100)
    assert asked["compare"]["text"] == "—"  # the report has no previous headcount
    new = needs_chart["bars"][0]
    assert (new["main"]["text"], new["main"]["width"]) == ("3", 100)
    html = response.content.decode()
    assert html.count('data-testid="headline-chart"') == 3
    assert "单位：人" in html and "单位：件" in html and "单位：家" in html


# --- the previous period ------------------------------------------------------------------


def test_the_page_names_the_previous_periods_last_day(cast, client):
    report = november_report(cast)
    html = page_of(client, cast.official, report).content.decode()
    stated = re.search(r'data-testid="previous-period">(.*?)</dd>', html, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", stated).strip() == "2026-10-01 至 2026-10-31"
    assert "上一周期：2026-10-01 至 2026-10-31。" in html
    assert "2026-11-01" not in stated and "前一日" not in html


def test_the_previous_period_reads_right_in_english_too(cast, client):
    report = november_report(cast)
    html = page_of(client, cast.official, report, "en").content.decode()
    stated = re.search(r'data-testid="previous-period">(.*?)</dd>', html, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", stated).strip() == "2026-10-01 to 2026-10-31"
    assert "Previous period: 2026-10-01 to 2026-10-31." in html


# --- the checksum -------------------------------------------------------------------------


def test_the_checksum_is_in_the_details_about_the_report_not_the_headline(cast, client):
    report = weekly_report(cast)
    html = page_of(client, cast.official, report).content.decode()
    assert html.count(report.checksum) == 1
    about = html.index('data-testid="about-report"')
    assert html.index(report.checksum) > about > html.index('data-testid="headline"')
    assert html.rindex("<details", 0, about) > html.rindex("</details>", 0, about)
    assert f'<code class="checksum" data-testid="checksum">{report.checksum}</code>' in html


# --- tables that fit ----------------------------------------------------------------------


def test_the_urgent_list_shows_the_governments_reply_in_six_columns(cast, client):
    file_needs(cast)
    escalated = Need.objects.get(status=Need.Status.ESCALATED)
    needs.need_reply(
        actor=cast.official, need_id=escalated.pk, reply="已协调办理通行证三张", outcome="resolved"
    )
    report = weekly_report(cast)
    response = page_of(client, cast.official, report)
    urgent = next(t for t in response.context["tables"] if t["key"] == "urgent")
    assert [label for label, _numeric in urgent["columns"]] == [
        "编号",
        "企业",
        "需求",
        "紧急程度与时间",
        "上报政府说明",
        "政府答复",
    ]
    replied = next(row for row in urgent["rows"] if row["cells"][5]["lines"])
    assert replied["cells"][5]["lines"] == [("已解决", False), ("已协调办理通行证三张", False)]
    assert any(text.startswith("提交时间：") for text, _aside in replied["cells"][3]["lines"])


def test_every_table_cell_but_a_rows_name_carries_its_column_for_a_phone(cast, client):
    file_needs(cast)
    report = weekly_report(cast)
    html = page_of(client, cast.official, report).content.decode()
    tables = re.findall(r'<table class="cards report-cells">.*?</table>', html, re.S)
    # the headline, progress, needs, supplies, support services, relief, complaints and urgent
    # needs
    assert len(tables) == 8
    for table in tables:
        body = table[table.index("<tbody>") :]
        for cells in re.findall(r"<tr>(.*?)</tr>", body, re.S):
            tds = re.findall(r"<td[^>]*>", cells)
            if len(tds) > 1:
                assert all("data-label=" in td for td in tds[1:]), tds
