"""No page has inline code the Content-Security-Policy would block (script-src and style-src are
'self' only): no <script> without src, no <style>, no style="" and no on…="" attribute, no
javascript: URL. Data for a script goes in data- attributes or json_script, which is a
<script type="application/json"> that the browser never runs.

Every page of the permissions matrices is opened as each role; a page that answers 200 with HTML
is checked. A page added to a matrix is checked here too.
"""

from collections import Counter
from html.parser import HTMLParser

import pytest
from django.test import Client

from enterprises.models import ImportJob
from tests.batches.test_permissions_matrix import PAGE_ROWS as FOLLOW_UP_PAGES
from tests.cases.test_permissions_matrix import PAGE_ROWS as CASE_PAGES
from tests.core.test_token_permissions_matrix import PAGE_ROWS as TOKEN_PAGES
from tests.integrations.test_permissions_matrix import PAGE_ROWS as WEBHOOK_PAGES
from tests.market.test_permissions_matrix import PAGE_ROWS as COMPLAINT_PAGES
from tests.matrix import ROLES
from tests.notices.test_permissions_matrix import PAGE_ROWS as NOTICE_PAGES
from tests.notifications.test_permissions_matrix import PAGE_ROWS as NOTIFICATION_PAGES
from tests.relief.test_permissions_matrix import PAGE_ROWS as RELIEF_PAGES
from tests.reports.sample import quiet_tasks
from tests.reports.test_permissions_matrix import PAGE_ROWS as REPORT_PAGES
from tests.services.test_permissions_matrix import PAGE_ROWS as SERVICE_PAGES
from tests.supplies.test_permissions_matrix import PAGE_ROWS as NEED_PAGES
from tests.test_permissions_matrix import OBJECTS, _Ids
from tests.test_permissions_matrix import PAGE_ROWS as CORE_PAGES

pytestmark = pytest.mark.django_db

DATA_TYPES = {"application/json", "application/ld+json"}


def _running_import_job(cast) -> int:
    """An import still running: its page polls with static/core/import_progress.js."""
    return ImportJob.objects.create(
        association=cast.association,
        created_by=cast.staff,
        file_name="members.csv",
        content=b"",
        status=ImportJob.Status.RUNNING,
        total_rows=10,
    ).pk


OBJECTS["running_import_job"] = _running_import_job

# Pages not in the matrices: the login page and the API's documentation (Swagger UI).
MORE_PAGES = ["/login/", "/members/import/{running_import_job}/", "/api/v1/docs/"]
PAGES = [
    url
    for url, *_ in CORE_PAGES
    + NEED_PAGES
    + REPORT_PAGES
    + FOLLOW_UP_PAGES
    + SERVICE_PAGES
    + COMPLAINT_PAGES
    + RELIEF_PAGES
    + CASE_PAGES
    + NOTICE_PAGES
    + NOTIFICATION_PAGES
    + TOKEN_PAGES
    + WEBHOOK_PAGES
] + MORE_PAGES


class InlineCode(HTMLParser):
    """Collects each piece of inline code of a page, as a short description."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.script_tags = 0

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def _check(self, tag, attrs):
        values = dict(attrs)
        shown = self.get_starttag_text()[:120]
        if tag == "script":
            self.script_tags += 1
            if not values.get("src") and (values.get("type") or "").lower() not in DATA_TYPES:
                self.found.append(f"inline script: {shown}")
        if tag == "style":
            self.found.append(f"<style> block: {shown}")
        for name, value in attrs:
            if name == "style":
                self.found.append(f"style attribute: {shown}")
            elif name.startswith("on"):
                self.found.append(f"{name} handler: {shown}")
            elif (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: URL: {shown}")


def inline_code(html: str) -> InlineCode:
    parser = InlineCode()
    parser.feed(html)
    parser.close()
    return parser


def test_the_checker_finds_each_kind_of_inline_code():
    """The check below can fail: each form of inline code is seen, and data blocks are not."""
    html = (
        '<script>alert(1)</script><script type="module">x()</script><style>p{}</style>'
        '<p style="color: red" onclick="go()"><a href="javascript:go()">x</a></p>'
        '<svg><rect onload="go()" width="3"/></svg>'
        '<script src="/static/core/x.js"></script>'
        '<script id="data" type="application/json">{"a": 1}</script>'
        '<span data-style="x" data-onclick="y" class="bar"></span>'
    )
    found = inline_code(html).found
    assert [entry.split(":")[0] for entry in found] == [
        "inline script",
        "inline script",
        "<style> block",
        "style attribute",
        "onclick handler",
        "javascript",
        "onload handler",
    ]


@pytest.mark.parametrize("role", ROLES)
def test_no_page_has_inline_code(cast, monkeypatch, role):
    quiet_tasks(monkeypatch)  # the report pages' objects queue nothing
    client = Client()
    if (user := cast.by_role(role)) is not None:
        client.force_login(user)

    ids = _Ids(cast)  # each object made once, however many pages show it
    checked, problems = [], []
    for page in PAGES:
        path = page.format_map(ids)
        response = client.get(path)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        checked.append(path)
        problems += [f"{path}: {entry}" for entry in inline_code(response.content.decode()).found]

    assert checked, f"no page answered {role} with HTML"
    assert not problems, "\n".join(problems)


class Ids(HTMLParser):
    """Every id="" of a page, as often as it occurs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: Counter = Counter()

    def handle_starttag(self, tag, attrs):
        self.ids.update(value for name, value in attrs if name == "id" and value)

    handle_startendtag = handle_starttag


def duplicate_ids(html: str) -> list[str]:
    parser = Ids()
    parser.feed(html)
    parser.close()
    return sorted(value for value, count in parser.ids.items() if count > 1)


def test_the_id_checker_finds_an_id_used_twice():
    html = '<form><input id="id_day"></form><form><input id="id_day"><svg id="c"/></form>'
    assert duplicate_ids(html) == ["id_day"]


@pytest.mark.parametrize("role", ROLES)
def test_no_page_has_an_element_id_twice(cast, monkeypatch, role):
    """A label points to its field by id, and a script finds its element by id: the same id on
    two elements (two forms of one page, say) sends both to the first."""
    quiet_tasks(monkeypatch)
    client = Client()
    if (user := cast.by_role(role)) is not None:
        client.force_login(user)

    ids = _Ids(cast)
    checked, problems = [], []
    for page in PAGES:
        path = page.format_map(ids)
        response = client.get(path)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        checked.append(path)
        problems += [f"{path}: id={value!r}" for value in duplicate_ids(response.content.decode())]

    assert checked, f"no page answered {role} with HTML"
    assert not problems, "\n".join(problems)


def test_the_pages_checked_include_scripts_and_bars(cast, monkeypatch):
    """The pages above do render what used to be inline: script tags and progress bars."""
    quiet_tasks(monkeypatch)
    client = Client()
    client.force_login(cast.staff)
    ids = _Ids(cast)
    job = client.get("/members/import/{running_import_job}/".format_map(ids)).content.decode()
    assert inline_code(job).script_tags == 1
    assert 'src="/static/core/import_progress.js"' in job
    progress = client.get("/batches/{batch}/progress/".format_map(ids)).content.decode()
    assert '<div class="bar" aria-hidden="true"><svg' in progress
