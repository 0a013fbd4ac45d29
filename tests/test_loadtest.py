"""`make loadtest` without load: every URL its simulated people ask for is one of the portal's,
the forms they fill in are accepted by the real views, and locust loads the locustfile."""

import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from batches.models import Application
from bench.loadtest import endpoints
from bench.loadtest.forms import fill_application, fill_need, form_with
from core.models import User
from reports.services import FILE_FORMATS
from supplies.models import Need
from tests.factories import ApplicationFactory, BatchFactory

LOCUSTFILE = Path(endpoints.__file__).with_name("locustfile.py")
SAMPLES = {"pk": [7], "code": ["440106"], "kind": list(Need.Kind.values), "fmt": FILE_FORMATS}


def _examples(name: str) -> list[dict]:
    examples = [{}]
    for field in endpoints.fields(name):
        examples = [{**example, field: value} for example in examples for value in SAMPLES[field]]
    return examples


@pytest.mark.parametrize("name", sorted(endpoints.ENDPOINTS))
def test_every_url_the_load_test_asks_for_is_the_portals(name):
    for values in _examples(name):
        assert endpoints.path(name, **values) == reverse(name, kwargs=values)


def test_the_locustfile_asks_only_for_named_urls():
    source = LOCUSTFILE.read_text()
    asked = set(re.findall(r'self\.(?:get|post|open_one)\([^)]*?"([a-z:-]+)"', source))
    assert {"need-queue", "need-file", "application-edit", "api:api-events"} <= asked
    assert asked <= set(endpoints.ENDPOINTS)
    assert endpoints.label("need-detail") == "/needs/<pk>/"


@pytest.mark.django_db
def test_the_needs_the_load_test_files_are_accepted(cast, client):
    client.force_login(cast.enterprise_user)
    rng = random.Random(5)
    for kind in Need.Kind.values:
        url = endpoints.path("need-file", kind=kind)
        form = form_with(client.get(url).content.decode(), "urgency")
        answer = client.post(url, fill_need(form, kind, cast.association.pk, rng))
        assert answer.status_code == 302, answer.content.decode()[:2000]
    filed = Need.objects.filter(enterprise=cast.member, association=cast.association)
    assert sorted(filed.values_list("kind", flat=True)) == sorted(Need.Kind.values)


@pytest.mark.django_db
def test_the_application_edit_keeps_its_figures_and_changes_a_note(cast, client):
    batch = BatchFactory(association=cast.association)
    application = ApplicationFactory(
        batch=batch, enterprise=cast.member, status="returned", returning_workers=37
    )
    client.force_login(cast.enterprise_user)
    applying = client.get(endpoints.path("application-new", pk=batch.pk))
    assert applying["Location"] == endpoints.path("application-detail", pk=application.pk)
    url = endpoints.path("application-edit", pk=application.pk)
    form = form_with(client.get(url).content.decode(), "returning_workers")
    answer = client.post(url, fill_application(form, random.Random(5)))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    application = Application.objects.get(pk=application.pk)
    assert application.returning_workers == 37
    assert application.checklist_notes["masks_days"].startswith("库存核对")


def test_locust_loads_the_locustfile_with_its_four_kinds_of_people(tmp_path):
    accounts = tmp_path / "accounts.json"
    accounts.write_text(json.dumps({"password": "x", "enterprise": ["e"], "partner": []}))
    listed = subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--list"],
        env={"LOADTEST_ACCOUNTS": str(accounts), "PATH": "/usr/bin:/bin"},
        cwd=LOCUSTFILE.parents[2],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    people = set(listed.stdout.split())
    assert {"EnterpriseUser", "StaffUser", "OfficialUser", "PartnerUser"} <= people


@pytest.mark.django_db
def test_the_load_tests_accounts_write_beside_the_bench_data_not_into_it(tmp_path, client):
    from associations.models import Membership
    from bench import generate
    from bench.loadtest import accounts

    population = generate.populate_members(200)
    generate.populate_applications(20, population)
    made = accounts.prepare(2, tmp_path / "accounts.json")
    assert accounts.prepare(2, tmp_path / "accounts.json") == made  # kept, keys and all
    sizes = accounts.pool_sizes(50)
    assert (sizes["enterprise"], sizes["staff"], sizes["official"], sizes["partner"]) == (
        21,
        16,
        11,
        6,
    )

    user = User.objects.get(username=made.enterprise[0])
    application = Application.objects.get(batch_id=made.batch_id, enterprise=user.enterprise)
    assert application.status in ("draft", "returned")
    assert Membership.objects.filter(
        enterprise=user.enterprise, association_id=made.association_id, status="active"
    ).exists()
    assert client.login(username=user.username, password=made.password)
    url = endpoints.path("need-file", kind="difficulty")
    form = form_with(client.get(url).content.decode(), "urgency")
    assert "association" in form.choices  # a member of two: asked which
    answer = client.post(url, fill_need(form, "difficulty", made.association_id, random.Random(1)))
    assert answer.status_code == 302
    assert Need.objects.filter(association=population.association).count() == 0
    assert Application.objects.filter(batch_id=made.batch_id).count() == 20

    partner = made.partner[0]
    feed = client.get(
        endpoints.path("api:api-events"), HTTP_AUTHORIZATION=f"Token {partner['key']}"
    )
    assert feed.status_code == 200


@pytest.mark.django_db
def test_the_load_test_asks_for_the_bench_data_first(tmp_path):
    from bench.loadtest import accounts

    with pytest.raises(SystemExit, match="make bench"):
        accounts.prepare(2, tmp_path / "accounts.json")
    assert not (tmp_path / "accounts.json").exists()


def test_the_downloads_of_the_reports_officials_see_are_kept_before_the_clock(cast):
    """As the worker keeps them once a report is made: a file rendered inside a request held a
    gunicorn worker for seconds and made the whole run's slowest twentieth."""
    from bench.loadtest.__main__ import _report_files_kept
    from reports.models import ReportFile
    from tests.reports.sample import ready_report

    guangdong, zhejiang = ready_report(region_id="440000"), ready_report(region_id="330000")
    ReportFile.objects.all().delete()

    _report_files_kept([cast.official.username])

    kept = set(ReportFile.objects.filter(report=guangdong).values_list("format", flat=True))
    assert kept == set(FILE_FORMATS)
    assert not ReportFile.objects.filter(report=zhejiang).exists()  # not on their list
