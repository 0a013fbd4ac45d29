"""The demo's market order: complaints in every state, a pledge with two versions, signatures of
both, one withdrawn, and a breach beside a signature; pages that show them."""

import pytest
from django.test import Client

from core.models import User
from demo.data import load_demo_data
from market.models import Complaint, Pledge, PledgeSignature
from market.selectors import signatories

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEMO_MODE = True
    load_demo_data()


def test_complaints_in_every_state_and_a_pledge_with_a_breach(demo):
    states = set(Complaint.objects.values_list("status", flat=True))
    # every state but "upheld", which the upheld one left when it was closed
    assert states >= {
        "submitted",
        "accepted",
        "outside_remit",
        "duplicate",
        "investigating",
        "mediation",
        "not_upheld",
        "closed",
    }
    assert any(c.is_overdue for c in Complaint.objects.all())
    assert Complaint.objects.filter(hand_offs__isnull=False, extended_at__isnull=False).exists()
    pledge = Pledge.objects.get()
    assert pledge.versions.count() == 2 and pledge.status == "published"
    assert PledgeSignature.objects.filter(withdrawn_at__isnull=False).count() == 1
    standing = signatories(pledge)
    assert {s.version.number for s in standing} == {1, 2}
    assert sum(len(s.breaches) for s in standing) == 1


def test_the_demo_logins_see_the_market_pages(demo):
    anonymous = Client()
    pledge = Pledge.objects.get()
    public = anonymous.get(f"/pledges/{pledge.pk}/").content.decode()
    assert public.count('data-testid="signature-row"') == len(signatories(pledge))
    assert 'data-testid="breach"' in public
    for username in ("staff", "enterprise"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        listed = client.get("/complaints/").content.decode()
        assert 'data-testid="complaint-row"' in listed, username
    client = Client()
    client.force_login(User.objects.get(username="enterprise"))
    own = User.objects.get(username="enterprise").enterprise_id
    own_complaint = Complaint.objects.get(status="accepted", respondent_id=own)
    assert 'data-action="answer"' in client.get(f"/complaints/{own_complaint.pk}/").content.decode()
