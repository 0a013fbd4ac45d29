# ruff: noqa: S311 - the simulated people's choices are not secrets
"""What each simulated person does in `make loadtest` (locust; started by bench/loadtest/__main__).

Four kinds of people, in the proportions of their `weight`, each logging in once and then
waiting one to three seconds between steps:
- an enterprise user looks at their dashboard and needs, files needs (every kind) and edits
  their application in the bench batch: the writes;
- association staff work the queues: needs (first page, the next, a need), applications under
  review, members;
- officials open their dashboards (own region and those below), the escalated needs, the reports
  and download them;
- partner systems sync the change feed and list pages of the API with a token.

Figures count once everybody has logged in. A request counts as an error when it is answered
4xx or 5xx, or when a form comes back refused (200 instead of the redirect that follows a
save). Accounts come from the file named by LOADTEST_ACCOUNTS (bench/loadtest/accounts.py).
"""

import itertools
import json
import os
import random
import re
from pathlib import Path

import gevent
from locust import HttpUser, between, task

from bench.loadtest.endpoints import WEIGHTS, label, path
from bench.loadtest.forms import fill_application, fill_need, form_with

ACCOUNTS = json.loads(Path(os.environ.get("LOADTEST_ACCOUNTS", "/dev/null")).read_text() or "{}")
THINK_TIME = between(1, 3)
_next_account = {role: itertools.count() for role in ("enterprise", "staff", "official", "partner")}
_ready = itertools.count(1)


SECONDS = int(os.environ.get("LOADTEST_SECONDS") or 120)


def counting_starts_when_all_are_ready(user: HttpUser) -> None:
    """Figures count from the moment every simulated person has logged in, for SECONDS: fifty
    password checks at once (the hasher's work, by design) are not the pages' times."""
    runner = user.environment.runner
    if next(_ready) == runner.target_user_count:
        runner.stats.reset_all()
        gevent.spawn_later(SECONDS, runner.quit)


NEED_LINK = re.compile(r'href="/needs/(\d+)/"')
APPLICATION_LINK = re.compile(r'href="/applications/(\d+)/"')
MEMBERSHIP_LINK = re.compile(r'href="/memberships/(\d+)/"')
REPORT_LINK = re.compile(r'href="/reports/(\d+)/"')
DOWNLOAD_LINK = re.compile(r'href="/reports/(\d+)/download\.(\w+)"')
NEXT_LINK = re.compile(r'<a href="([^"]*)"[^>]*rel="next"')
APPLICATION_REDIRECT = re.compile(r"/applications/(\d+)/$")


class PortalUser(HttpUser):
    abstract = True
    wait_time = THINK_TIME
    role = ""

    def on_start(self):
        accounts = ACCOUNTS[self.role]
        self.account = accounts[next(_next_account[self.role]) % len(accounts)]
        self.log_in()
        counting_starts_when_all_are_ready(self)

    def log_in(self):
        page = self.get("login")
        form = form_with(page.text, "csrfmiddlewaretoken") if page.ok else None
        if form is None:
            return
        form.update(username=self.account, password=ACCOUNTS["password"])
        self.post("login", data=form)

    def get(self, name, suffix="", *, params=None, **values):
        """GET a page; an answer of 400 or more is an error, named by its status."""
        with self.client.get(
            path(name, **values),
            params=params,
            name=label(name, suffix),
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code >= 400 or response.status_code == 0:
                response.failure(f"HTTP {response.status_code}")
            else:
                response.success()
        return response

    def post(self, name, *, data, **values):
        """POST a form; it is saved when the portal redirects (303/302), refused when the form
        comes back (200): both are told apart from a server error."""
        url = path(name, **values)
        with self.client.post(
            url,
            data=data,
            name=label(name),
            headers={"Referer": self.client.base_url + url},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code in (301, 302, 303):
                response.success()
            elif response.status_code == 200:
                response.failure("form refused (200)")
            else:
                response.failure(f"HTTP {response.status_code}")
        return response

    def open_one(self, html: str, link: re.Pattern, name: str) -> str | None:
        found = link.findall(html)
        if not found:
            return None
        page = self.get(name, pk=random.choice(found))
        return page.text if page.ok else None


class EnterpriseUser(PortalUser):
    weight = WEIGHTS["enterprise"]
    role = "enterprise"
    KINDS = ("supply", "labour", "difficulty")

    @task(3)
    def dashboard(self):
        self.get("dashboard")

    @task(2)
    def my_needs(self):
        page = self.get("need-list")
        if page.ok:
            self.open_one(page.text, NEED_LINK, "need-detail")

    @task(2)
    def file_need(self):
        kind = random.choice(self.KINDS)
        page = self.get("need-file", kind=kind)
        form = form_with(page.text, "urgency") if page.ok else None
        if form is None:
            return
        fill_need(form, kind, ACCOUNTS["association_id"], random)
        self.post("need-file", data=form, kind=kind)

    @task(1)
    def edit_application(self):
        """Applying to the bench batch leads to the enterprise's application (it has one, a
        draft or returned); its notes are changed and saved, its figures kept."""
        answer = self.get("application-new", pk=ACCOUNTS["batch_id"])
        found = APPLICATION_REDIRECT.search(answer.headers.get("Location", ""))
        if not found:
            return
        page = self.get("application-edit", pk=found.group(1))
        form = form_with(page.text, "returning_workers") if page.status_code == 200 else None
        if form is None:
            return
        fill_application(form, random)
        self.post("application-edit", data=form, pk=found.group(1))


class StaffUser(PortalUser):
    weight = WEIGHTS["staff"]
    role = "staff"

    @task(4)
    def needs_queue(self):
        page = self.get("need-queue")
        if not page.ok:
            return
        deeper = NEXT_LINK.search(page.text)
        if deeper and random.random() < 0.5:
            query = deeper.group(1).replace("&amp;", "&").lstrip("?")
            self.get("need-queue", " (next page)", params=query)
        self.open_one(page.text, NEED_LINK, "need-detail")

    @task(3)
    def applications_review(self):
        page = self.get("application-list")
        if page.ok:
            self.open_one(page.text, APPLICATION_LINK, "application-detail")

    @task(2)
    def members(self):
        params = random.choice((None, {"region": "440100"}, {"size": "small"}))
        page = self.get("member-list", " (filtered)" if params else "", params=params)
        if page.ok:
            self.open_one(page.text, MEMBERSHIP_LINK, "membership-detail")

    @task(1)
    def dashboard(self):
        self.get("dashboard")


class OfficialUser(PortalUser):
    weight = WEIGHTS["official"]
    role = "official"

    def on_start(self):
        super().on_start()
        self.regions = ACCOUNTS["official_regions"][self.account]

    @task(3)
    def dashboard(self):
        self.get("dashboard")

    @task(2)
    def region_dashboard(self):
        self.get("dashboard-region", code=random.choice(self.regions))

    @task(2)
    def escalated_needs(self):
        page = self.get("need-escalated")
        if page.ok:
            self.open_one(page.text, NEED_LINK, "need-detail")

    @task(2)
    def reports(self):
        page = self.get("report-list")
        detail = self.open_one(page.text, REPORT_LINK, "report-detail") if page.ok else None
        downloads = DOWNLOAD_LINK.findall(detail or "")
        if downloads:
            pk, fmt = random.choice(downloads)
            self.get("report-download", pk=pk, fmt=fmt)


class PartnerUser(HttpUser):
    """A partner system: no login, a token; it follows the change feed page after page."""

    weight = WEIGHTS["partner"]
    wait_time = THINK_TIME
    role = "partner"

    def on_start(self):
        accounts = ACCOUNTS[self.role]
        account = accounts[next(_next_account[self.role]) % len(accounts)]
        self.client.headers["Authorization"] = f"Token {account['key']}"
        self.cursor = None
        counting_starts_when_all_are_ready(self)

    def get(self, name, params):
        with self.client.get(
            path(name), params=params, name=label(name), catch_response=True
        ) as response:
            if response.status_code >= 400 or response.status_code == 0:
                response.failure(f"HTTP {response.status_code}")
            else:
                response.success()
        return response

    @task(4)
    def sync_events(self):
        params = {"limit": 100, **({"after": self.cursor} if self.cursor else {})}
        response = self.get("api:api-events", params)
        if response.ok:
            self.cursor = response.json().get("next_cursor") or self.cursor

    @task(2)
    def supply_requests(self):
        self.get("api:supply-request-list", {"page_size": 100})

    @task(1)
    def enterprises(self):
        self.get("api:enterprise-list", {"page_size": 100})
