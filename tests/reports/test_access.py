"""Who may do what to a report, answered in one place (reports.access): the API's
`allowed_actions`, the buttons of the report page and what the services accept all agree."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from core.errors import DomainError
from core.models import Region
from reports import access, services
from reports.models import Report
from tests.conftest import api_as
from tests.reports.sample import queued_report, quiet_tasks, ready_report, submitted_report
from tests.test_permissions_matrix import ROLES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_tasks(monkeypatch):
    quiet_tasks(monkeypatch)


def _corrected(cast) -> Report:
    """The association's report of two weeks ago, submitted, then corrected as version 2."""
    report = submitted_report(cast, weeks_ago=2)
    services.report_revise(actor=cast.staff, report_id=report.pk, reason="漏报")
    return report


def _failed(cast) -> Report:
    report = queued_report(association=cast.association, weeks_ago=3)
    services.mark_failed(report.pk, "boom")
    return report


REPORTS = {
    # the association's report of this week, ready for its side to review and submit
    "ready": lambda cast: ready_report(association=cast.association),
    # last week's, submitted: its side may correct it, government reads it
    "submitted": lambda cast: submitted_report(cast, weeks_ago=1),
    # a submitted version with a newer version: correct the newer one instead
    "superseded": _corrected,
    # narrowed to Guangzhou: reviewed, never sent to government
    "narrowed": lambda cast: ready_report(association=cast.association, region_id="440100"),
    "queued": lambda cast: queued_report(association=cast.association, weeks_ago=4),
    "failed": _failed,
    # on a region: read and downloaded, reviewed by nobody
    "guangdong": lambda cast: ready_report(region_id="440000"),
}

REVIEWERS = ("staff", "manager", "partner", "admin")

EXPECTED = {
    ("ready", REVIEWERS): ["remarks", "submit", "download"],
    ("submitted", REVIEWERS): ["revise", "download"],
    ("submitted", ("official",)): ["download"],
    ("superseded", REVIEWERS): ["download"],
    ("narrowed", REVIEWERS): ["remarks", "download"],
    ("queued", REVIEWERS): [],
    ("failed", REVIEWERS): [],
    ("guangdong", ("official", "admin")): ["download"],
}


def _expected_cases():
    for (name, roles), actions in EXPECTED.items():
        for role in roles:
            yield pytest.param(name, role, actions, id=f"{name}-{role}")


@pytest.mark.parametrize(("name", "role", "actions"), list(_expected_cases()))
def test_allowed_actions_follow_the_side_the_status_and_the_version(cast, name, role, actions):
    report = REPORTS[name](cast)
    report.refresh_from_db()
    assert access.allowed_actions(cast.by_role(role), report) == actions


# The page's buttons: each one names its action (history rows name events, not buttons).
BUTTON = re.compile(r'<(?:button|a)\b[^>]*\bdata-action="([^"]+)"')


def page_actions(client: Client, report: Report) -> list[str]:
    response = client.get(reverse("report-detail", args=[report.pk]))
    assert response.status_code == 200
    return sorted(set(BUTTON.findall(response.content.decode())))


@pytest.mark.parametrize("name", list(REPORTS))
@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_the_page_shows_exactly_the_buttons_of_the_api_s_allowed_actions(cast, role, name):
    report = REPORTS[name](cast)
    user = cast.by_role(role)
    response = api_as(user).get(f"/api/v1/reports/{report.pk}/")
    client = Client()
    client.force_login(user)
    if response.status_code != 200:
        # Not seen through the API: not through the page either.
        assert client.get(reverse("report-detail", args=[report.pk])).status_code in (403, 404)
        return
    allowed = response.json()["allowed_actions"]
    assert page_actions(client, report) == sorted(allowed)


def test_a_staff_reviewer_is_offered_the_review_and_government_only_the_download(cast):
    report = submitted_report(cast, weeks_ago=1)
    staff = api_as(cast.staff).get(f"/api/v1/reports/{report.pk}/").json()
    official = api_as(cast.official).get(f"/api/v1/reports/{report.pk}/").json()
    assert (staff["allowed_actions"], official["allowed_actions"]) == (
        ["revise", "download"],
        ["download"],
    )


def test_who_may_ask_for_which_scope(cast):
    guangdong, zhejiang = Region.objects.get(code="440000"), Region.objects.get(code="330000")
    assert access.asks_on(cast.admin) == access.ANY_SCOPE
    assert access.asks_on(cast.official) == access.REGIONS
    assert access.asks_on(cast.staff) == access.ASSOCIATIONS
    assert access.asks_on(cast.enterprise_user) == ""
    access.check_request(cast.official, guangdong, None)
    access.check_request(cast.staff, None, cast.association)
    access.check_request(cast.admin, None, None)
    with pytest.raises(DomainError) as refused:
        access.check_request(cast.official, zhejiang, None)
    assert list(refused.value.fields) == ["region"]
    with pytest.raises(PermissionDenied):
        access.check_request(cast.staff, None, cast.other_association)
    with pytest.raises(PermissionDenied):
        access.check_request(cast.enterprise_user, None, cast.association)


def test_officials_see_regions_in_their_jurisdiction_and_submitted_association_reports(cast):
    draft = ready_report(association=cast.association)
    submitted = submitted_report(cast, weeks_ago=1)
    narrowed = ready_report(association=cast.association, region_id="440100", weeks_ago=1)
    guangdong = ready_report(region_id="440000")
    zhejiang = ready_report(region_id="330000")
    national = ready_report()
    everything = Report.objects.all()
    seen = {
        role: set(access.visible(cast.by_role(role), everything).values_list("pk", flat=True))
        for role in ("official", "other_official", "staff", "other_staff", "admin", "outsider")
    }
    assert seen == {
        "official": {submitted.pk, guangdong.pk},
        "other_official": {zhejiang.pk},
        "staff": {draft.pk, submitted.pk, narrowed.pk},
        "other_staff": set(),
        "admin": {draft.pk, submitted.pk, narrowed.pk, guangdong.pk, zhejiang.pk, national.pk},
        "outsider": set(),
    }
