"""The demand report page at a desk (1280 px) and on a phone (390 px), with urgent needs whose
summaries and government replies are long: every table fits the box it is in, so that nothing
(the government's reply, the last column) hides to the right, and the page never scrolls
sideways."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reports import services
from supplies import services as needs
from supplies.models import Need
from tests.browser.conftest import ARTIFACTS
from tests.conftest import PASSWORD
from tests.reports.sample import file_needs, queued_report, quiet_tasks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPLY = (
    "已协调市交通运输局为该企业办理重点物资运输车辆通行证三张，请企业于工作日上午九时至下午五时"
    "携营业执照副本、车辆行驶证和驾驶员健康证明到区政务服务中心二楼综合窗口领取；如需跨市运输，"
    "另请向目的地城市的疫情防控指挥部报备行驶路线和时间。详见 "
    "https://jtys.example.gov.cn/notices/2026/emergency-transport-permits-for-key-enterprises"
)
SUMMARY = "原材料供应商所在工业园区实行交通管制，货车无法进出，企业库存仅够三天生产，请协调通行证"

# Each table's width beside the width of the box it sits in, by the section's key.
WIDTHS = """() => [...document.querySelectorAll('main table')].map(table => ({
  key: table.closest('[data-key]')?.dataset.key || table.closest('[data-chart]')?.dataset.chart,
  table: table.scrollWidth,
  box: table.parentElement.clientWidth,
  shown: table.getClientRects().length > 0,
}))"""


@pytest.fixture
def report(cast, monkeypatch):
    """Guangdong's weekly report with three escalated needs answered at length."""
    quiet_tasks(monkeypatch)
    file_needs(cast)
    for days in range(3):
        need = needs.need_file(
            actor=cast.enterprise_user,
            kind=Need.Kind.DIFFICULTY,
            difficulty_kind="transport",
            description=SUMMARY * 2,
            urgency="critical",
            needed_by=timezone.localdate() + timedelta(days=days),
        )
        needs.need_escalate(actor=cast.staff, need_id=need.pk, summary=SUMMARY)
        needs.need_reply(actor=cast.official, need_id=need.pk, reply=REPLY, outcome="resolved")
    return services.generate(queued_report(region_id="440000").pk)


def _report_page(browser, live_server, report, width: int):
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "official")
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    page.goto(f"{live_server.url}/reports/{report.pk}/")
    return context, page


@pytest.mark.parametrize("width", [1280, 390])
def test_every_table_of_the_report_fits_its_box(live_server, browser, report, width):
    context, page = _report_page(browser, live_server, report, width)
    try:
        reply = page.locator('[data-key="urgent"] td', has_text="营业执照副本").first
        expect(reply).to_be_visible()
        page.locator('[data-testid="about-report"] summary').click()  # the checksum's table
        for details in page.locator("details.chart-data").all():
            details.locator("summary").click()  # and each chart's figures
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"report-{width}.png"), full_page=True)

        widths = page.evaluate(WIDTHS)
        assert {"headline", "progress", "needs", "supplies", "urgent"} <= {w["key"] for w in widths}
        too_wide = [w for w in widths if w["shown"] and w["table"] > w["box"]]
        assert not too_wide, too_wide
        # the government's reply is inside the window, not beyond its right edge
        box = reply.bounding_box()
        assert box["x"] + box["width"] <= width
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()
