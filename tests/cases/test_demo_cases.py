"""The demo's practice-case library: thirty-odd cases of both associations, mostly published, some
in review, members' suggestions and an archived one, found by Chinese words on the pages."""

import re

import pytest
from django.test import Client

from cases.models import Case
from core.models import User
from demo.data import load_demo_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEMO_MODE = True
    load_demo_data()


def _as(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_the_demo_library_has_cases_in_every_state_with_tags_and_figures(demo):
    cases = Case.objects.all()
    assert cases.count() >= 30
    assert cases.filter(status="published").count() >= 25
    assert set(cases.values_list("status", flat=True)) == {
        "draft",
        "reviewed",
        "published",
        "archived",
    }
    assert cases.filter(suggested_by__isnull=False).count() == 2
    assert len(set(cases.values_list("association_id", flat=True))) == 2
    tags = set(cases.values_list("tags__tag", flat=True))
    assert {"shared_staffing", "contactless_delivery", "online_sales", "remote_work"} <= tags
    assert all(re.search(r"\d", case.results) for case in cases)
    assert cases.filter(helped_count__gt=0).count() >= 10
    # the search vector is filled by the services
    assert not cases.filter(search_vector__isnull=True).exists()


def test_the_demo_logins_find_cases_by_chinese_words(demo):
    member = _as("enterprise")
    page = member.get("/cases/", {"q": "共享用工"}).content.decode()
    assert page.count('data-testid="case-row"') >= 3 and "<mark>" in page
    page = member.get("/cases/", {"q": "无接触配送"}).content.decode()
    assert page.count('data-testid="case-row"') >= 3
    assert 'data-testid="own-suggestion"' in member.get("/cases/").content.decode()
    queue = _as("staff").get("/cases/review/").content.decode()
    assert 'data-testid="suggestion"' in queue
    assert 'data-testid="queue-row"' in _as("staff2").get("/cases/review/").content.decode()
    for case in Case.objects.filter(status="published")[:5]:
        assert _as("official").get(f"/cases/{case.pk}/").status_code == 200


def test_loading_the_demo_again_adds_no_case(demo):
    before = Case.objects.count()
    load_demo_data()
    assert Case.objects.count() == before
