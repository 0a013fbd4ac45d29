"""A staff member imports a spreadsheet in a real Chromium: a refused file lists its problems by
line; a large file goes to a real Celery worker and the page follows its progress until done."""

import pytest

from associations.models import Membership
from tests.browser.test_login_as_each_role import log_in
from tests.factories import valid_uscc
from tests.workers import in_process_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "统一社会信用代码,企业名称,行政区划代码,行业代码,企业规模,从业人数,联系人,联系电话"


def spreadsheet(tmp_path, rows: list[str]):
    path = tmp_path / "members.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8-sig")
    return path


def test_a_refused_file_lists_each_problem_by_line(live_server, cast, page, tmp_path, screenshot):
    log_in(page, live_server.url, "staff", english=False)
    page.goto(f"{live_server.url}/members/import/")
    page.set_input_files(
        "#id_file",
        spreadsheet(
            tmp_path,
            [
                f"{valid_uscc()},好企业,440106,39,小型,10,李明,13800138000",
                "91440106MA59C8XK3Q,坏代码,440100,39,小型,10,李明,13800138000",
            ],
        ),
    )
    page.locator("form button[type=submit].primary").click()
    page.wait_for_load_state()
    errors = page.get_by_test_id("import-errors")
    assert errors.locator("tbody tr").count() == 2
    assert "校验位" in errors.inner_text()
    assert "440100" in errors.inner_text()
    screenshot("import-refused")
    assert Membership.objects.filter(association=cast.association).count() == 1


def test_a_large_file_is_imported_in_the_background_and_the_page_follows_it(
    live_server, cast, page, tmp_path, settings, screenshot
):
    settings.IMPORT_BACKGROUND_ROWS = 5
    rows = [
        f"{valid_uscc()},第{n}号精密制造有限公司,440106,33,小型,{n},李明,13800138000"
        for n in range(1, 31)
    ]
    log_in(page, live_server.url, "staff", english=False)
    page.goto(f"{live_server.url}/members/import/")
    page.set_input_files("#id_file", spreadsheet(tmp_path, rows))
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url("**/members/import/*/")
    # No worker yet: the job waits, and the page says so.
    assert page.get_by_test_id("job-status").inner_text() == "等待中"
    with in_process_worker():
        # The page polls the job and reloads itself once the worker has finished it.
        page.get_by_test_id("job-created").wait_for(timeout=60_000)
    assert page.get_by_test_id("job-created").inner_text() == "30"
    assert page.get_by_test_id("job-status").inner_text() == "已导入"
    screenshot("import-finished")
    assert Membership.objects.filter(association=cast.association).count() == 31
