"""The review queue page by page (core.keyset): oldest handed in first, every application once
while others are handed in between two pages, filters kept, a forged page link answered with
the first page, the menu's count of waiting applications right after a decision."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.conf import settings
from django.utils import timezone

from batches import services
from tests.factories import ApplicationFactory, BatchFactory, EnterpriseFactory, MembershipFactory

pytestmark = pytest.mark.django_db

QUEUE = "/applications/"


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    monkeypatch.setattr("batches.views.applications.QUEUE_PER_PAGE", 3)


@pytest.fixture
def web(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _html(response) -> str:
    assert response.status_code == 200
    return unescape(response.content.decode())


def shown(response) -> list[int]:
    rows = r'data-testid="queue-row" data-id="(\d+)"'
    return [int(i) for i in re.findall(rows, _html(response))]


def link(response, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}"', _html(response))
    return found and found.group(1)


def handed_in(batch, hours_ago: int, **fields):
    enterprise = EnterpriseFactory()
    MembershipFactory(enterprise=enterprise, association=batch.association)
    submitted = timezone.now() - timedelta(hours=hours_ago)
    return ApplicationFactory(
        batch=batch,
        enterprise=enterprise,
        submitted_at=submitted,
        review_due_at=submitted + timedelta(days=3),
        **fields,
    )


def test_the_review_queue_shows_each_application_once_while_others_are_handed_in(web, cast):
    batch = BatchFactory(association=cast.association)
    waiting = [handed_in(batch, hours) for hours in (9, 8, 7, 6, 5)]
    web.force_login(cast.staff)
    first = web.get(QUEUE)
    assert shown(first) == [a.pk for a in waiting[:3]]
    newest = handed_in(batch, 0)
    oldest = handed_in(batch, 30)  # handed in on paper long ago, entered now
    second = web.get(QUEUE + link(first, "next"))
    assert shown(second) == [waiting[3].pk, waiting[4].pk, newest.pk]
    assert link(second, "next") is None
    assert oldest.pk in shown(web.get(QUEUE))


def test_the_review_queue_keeps_its_filters_and_refuses_a_forged_link(web, cast):
    batch = BatchFactory(association=cast.association)
    other = BatchFactory(association=cast.association)
    ours = [handed_in(batch, hours) for hours in (9, 8, 7, 6)]
    for hours in (10, 5, 4):
        handed_in(other, hours)
    web.force_login(cast.staff)
    first = web.get(QUEUE, {"batch": batch.pk})
    assert shown(first) == [a.pk for a in ours[:3]]
    assert f"batch={batch.pk}" in link(first, "next")
    assert shown(web.get(QUEUE + link(first, "next"))) == [ours[3].pk]
    forged = web.get(QUEUE, {"batch": batch.pk, "cursor": link(first, "next")[-20:]})
    assert shown(forged) == [a.pk for a in ours[:3]]
    assert "That page link is not valid any more" in _html(forged)


def test_the_menu_counts_waiting_applications_right_after_a_decision(web, cast):
    batch = BatchFactory(association=cast.association)
    waiting = [handed_in(batch, hours) for hours in (3, 2, 1)]
    handed_in(BatchFactory(association=cast.other_association), 1)
    web.force_login(cast.staff)
    count = r'>Review queue <span class="count" data-testid="nav-count">(\d+)</span>'
    assert re.search(count, _html(web.get(QUEUE))).group(1) == "3"
    services.application_reject(actor=cast.manager, application_id=waiting[0].pk, reason="不符")
    assert re.search(count, _html(web.get(QUEUE))).group(1) == "2"


def test_applications_never_handed_in_come_last_and_once(web, cast):
    """Withdrawn before it was handed in: no submission time, so it sorts after the rest, and
    the pages reach it after the last handed-in one."""
    batch = BatchFactory(association=cast.association)
    handed = [handed_in(batch, hours) for hours in (5, 4, 3, 2)]
    never = [
        ApplicationFactory(batch=batch, enterprise=EnterpriseFactory(), status="withdrawn")
        for _ in range(3)
    ]
    web.force_login(cast.staff)
    first = web.get(QUEUE, {"status": ""})
    pages = [shown(first)]
    response = first
    while (after := link(response, "next")) is not None:
        response = web.get(QUEUE + after)
        pages.append(shown(response))
    seen = [pk for page in pages for pk in page]
    assert seen == [a.pk for a in handed] + sorted(a.pk for a in never)
    back = web.get(QUEUE + link(response, "prev"))
    assert shown(back) == pages[-2]
