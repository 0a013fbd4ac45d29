"""The demo's notices: receipts in every state, a withdrawn notice, a corrected one, a draft, a
policy for the demo enterprise; the pages that show them to the demo logins."""

import pytest
from django.test import Client

from core.models import User
from demo.data import load_demo_data
from notices import selectors
from notices.models import Notice, NoticeRecipient

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEMO_MODE = True
    load_demo_data()


def test_notices_with_receipts_in_every_state(demo):
    assert set(Notice.objects.values_list("status", flat=True)) == {
        "draft",
        "published",
        "withdrawn",
    }
    assert Notice.objects.filter(previous__isnull=False, status="published").exists()
    policy = Notice.objects.get(is_policy=True)
    rows = NoticeRecipient.objects.filter(notice=policy)
    assert rows.filter(read_at__isnull=True).exists()  # unread
    assert rows.filter(read_at__isnull=False, signed_at__isnull=True).exists()  # read only
    assert rows.exclude(reply="").exists()  # signed with a reply
    assert selectors.receipt_figures(policy)["overdue"] > 0
    assert policy.last_reminded_at is not None


def test_the_demo_logins_see_their_notices(demo):
    for username in ("staff", "enterprise", "official"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        listed = client.get("/notices/")
        assert listed.status_code == 200
        assert listed.content.decode().count('data-testid="notice-row"') >= 1, username
    client = Client()
    client.force_login(User.objects.get(username="enterprise"))
    enterprise = User.objects.get(username="enterprise").enterprise
    page = client.get(f"/enterprises/{enterprise.pk}/").content.decode()
    assert 'data-testid="policy"' in page
