"""The demo's support services and relief: requests in every state, providers with a record,
assessments requested, graded (one otherwise, with its reason) and refused, a dues-waiver scheme
with granted, revoked and proposed grants, and the demo logins' pages showing them."""

import pytest
from django.test import Client

from core.models import User
from demo.data import load_demo_data
from relief.models import HardshipAssessment, ReliefGrant
from relief.selectors import ledger, schemes_for
from services.models import ServiceRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEMO_MODE = True
    load_demo_data()


def test_requests_in_every_state_and_relief_in_every_step(demo):
    assert set(ServiceRequest.objects.values_list("status", flat=True)) == set(
        ServiceRequest.Status.values
    )
    assert any(r.is_overdue for r in ServiceRequest.objects.all())
    assert ServiceRequest.objects.filter(rating=5).exists()
    assert set(HardshipAssessment.objects.values_list("status", flat=True)) == {
        "requested",
        "assessed",
        "refused",
    }
    assert set(HardshipAssessment.objects.values_list("grade", flat=True)) >= {
        "severe",
        "moderate",
        "mild",
    }
    assert HardshipAssessment.objects.exclude(override_reason="").exists()
    assert set(ReliefGrant.objects.values_list("status", flat=True)) == {
        "granted",
        "revoked",
        "proposed",
    }
    staff = User.objects.get(username="staff")
    for row in ledger(schemes_for(staff)):
        assert row["granted"] + row["remaining"] == row["budget"]


def test_the_demo_logins_see_services_and_relief(demo):
    pages = {
        "staff": [
            "/services/",
            "/services/requests/",
            "/services/providers/",
            "/relief/",
            "/relief/assessments/",
            "/relief/hardest-hit/",
        ],
        "manager": ["/relief/"],
        "enterprise": ["/services/", "/services/requests/", "/relief/mine/"],
        "official": ["/relief/hardest-hit/"],
    }
    for username, urls in pages.items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        for url in urls:
            assert client.get(url).status_code == 200, (username, url)
    client = Client()
    client.force_login(User.objects.get(username="enterprise"))
    mine = client.get("/relief/mine/").content.decode()
    assert 'data-testid="grant-row"' in mine
    own = client.get("/services/requests/").content.decode()
    assert own.count('data-testid="request-row"') == 3
