"""The report page's support service and relief sections at a desk (1280 px) and on a phone
(390 px): shown, with their totals to the fen, every table inside its box and no sideways
scrolling."""

import pytest
from playwright.sync_api import expect

from core.models import Role
from tests.browser.conftest import ARTIFACTS
from tests.conftest import PASSWORD
from tests.factories import UserFactory
from tests.reports.test_services_relief_figures import (  # noqa: F401 (the fixtures)
    _quiet,
    hand_computed,
    story,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = """() => [...document.querySelectorAll('main table')].map(table => ({
  key: table.closest('[data-key]')?.dataset.key,
  table: table.scrollWidth,
  box: table.parentElement.clientWidth,
  shown: table.getClientRects().length > 0,
}))"""


@pytest.mark.parametrize("width", [1280, 390])
def test_services_and_relief_show_and_fit(live_server, browser, hand_computed, width):  # noqa: F811
    report = hand_computed.report(association=False)
    UserFactory(username="gd_official", role=Role.OFFICIAL, jurisdiction_id="440000")
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", "gd_official")
        page.fill("#id_password", PASSWORD)
        page.locator("form button[type=submit].primary").click()
        page.wait_for_url(f"{live_server.url}/dashboard/")
        page.goto(f"{live_server.url}/reports/{report.pk}/")
        relief = page.locator('[data-key="relief"]')
        expect(relief).to_be_visible()
        expect(relief.locator("tfoot")).to_contain_text("9135.81")
        expect(page.locator('[data-key="services"] tfoot')).to_contain_text("4")
        relief.scroll_into_view_if_needed()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"report-relief-{width}.png"), full_page=True)
        relief.screenshot(path=str(ARTIFACTS / f"report-relief-section-{width}.png"))
        widths = page.evaluate(WIDTHS)
        assert {"services", "relief"} <= {w["key"] for w in widths}
        too_wide = [w for w in widths if w["shown"] and w["table"] > w["box"]]
        assert not too_wide, too_wide
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()
