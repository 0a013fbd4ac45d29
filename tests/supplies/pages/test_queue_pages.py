"""The staff queue and the officials' escalated list page by page (core.keyset): every need
once while needs are filed between two pages, the filters kept on each page, a cut or forged
page link answered with the first page (never an error, never another association's needs), the
same number of queries on a deep page as on the first, and the menu's count right after a change.
"""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import keyset
from supplies.models import Need
from tests.supplies.conftest import need_in

pytestmark = pytest.mark.django_db

QUEUE = "/needs/queue/"
ESCALATED = "/needs/escalated/"


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    monkeypatch.setattr("supplies.views.queues.PER_PAGE", 3)


@pytest.fixture
def web(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def shown(response) -> list[int]:
    assert response.status_code == 200
    rows = r'data-testid="(?:queue|escalated)-row" data-id="(\d+)"'
    return [int(i) for i in re.findall(rows, _html(response))]


def _html(response) -> str:
    return unescape(response.content.decode())


def link(response, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}"', _html(response))
    return found and found.group(1)


def aged(cast, days: int, **fields) -> Need:
    """An open need filed `days` ago (its rank follows its age)."""
    need = need_in(cast, fields.pop("status", Need.Status.OPEN), **fields)
    Need.objects.filter(pk=need.pk).update(
        created_at=timezone.now() - timedelta(days=days),
        rank_at=need.rank_at - timedelta(days=days),
    )
    return need


def walk(client, url: str, params: dict | None = None) -> list[list[int]]:
    """The rows of each page from the first, following "Next"."""
    response = client.get(url, params or {})
    pages = [shown(response)]
    while (after := link(response, "next")) is not None:
        response = client.get(url + after)
        pages.append(shown(response))
    return pages


def test_the_queue_shows_every_need_once_while_needs_are_filed_between_pages(web, cast):
    needs = [aged(cast, days) for days in (9, 8, 7, 6, 5, 4, 3)]
    web.force_login(cast.staff)
    first = web.get(QUEUE)
    assert shown(first) == [n.pk for n in needs[:3]]
    # Filed while the staff read the first page: one ranks before it, one at the end.
    earlier, later = aged(cast, 20), aged(cast, 1)
    second = web.get(QUEUE + link(first, "next"))
    third = web.get(QUEUE + link(second, "next"))
    assert shown(second) == [n.pk for n in needs[3:6]]
    assert shown(third) == [needs[6].pk, later.pk]
    assert link(third, "next") is None
    # Back from the third page: the pages before it, until fewer than a page are left before
    # the cursor: then the first page as it is now (the need filed meanwhile heads it).
    back = web.get(QUEUE + link(third, "prev"))
    assert shown(back) == shown(second)
    back = web.get(QUEUE + link(back, "prev"))
    assert shown(back) == [n.pk for n in needs[:3]]
    start = web.get(QUEUE + link(back, "prev"))
    assert shown(start) == [earlier.pk, *[n.pk for n in needs[:2]]]
    assert link(start, "prev") is None


def test_each_page_keeps_the_filters(web, cast):
    labour = [aged(cast, days, kind=Need.Kind.LABOUR) for days in (9, 7, 5, 3)]
    for days in (8, 6, 4):
        aged(cast, days)
    web.force_login(cast.staff)
    pages = walk(web, QUEUE, {"kind": "labour"})
    assert pages == [[n.pk for n in labour[:3]], [labour[3].pk]]
    assert "kind=labour" in link(web.get(QUEUE, {"kind": "labour"}), "next")


def test_a_cut_or_forged_page_link_shows_the_first_page(web, cast):
    needs = [aged(cast, days) for days in (6, 5, 4, 3)]
    web.force_login(cast.staff)
    after = link(web.get(QUEUE), "next")
    cursor = after.split("cursor=")[1]
    escalated_cursor = keyset._encode(keyset.FORWARD, ["2020-01-01T00:00:00+00:00", 1], "x")
    for forged in ("garbage", cursor[:-3], cursor[:-3] + "abc", escalated_cursor, "", "%00"):
        response = web.get(QUEUE, {"cursor": forged})
        assert shown(response) == [n.pk for n in needs[:3]]
    refused = web.get(QUEUE, {"cursor": "garbage"})
    assert "That page link is not valid any more" in _html(refused)


def test_a_page_link_of_another_association_shows_only_ones_own_needs(web, cast):
    ours = [aged(cast, days) for days in (6, 5, 4, 3)]
    theirs = [
        aged(cast, days, enterprise=cast.other_member, association=cast.other_association)
        for days in (9, 8, 7, 2)
    ]
    web.force_login(cast.other_staff)
    their_link = link(web.get(QUEUE), "next")
    web.force_login(cast.staff)
    seen = shown(web.get(QUEUE + their_link))
    assert seen and set(seen) <= {n.pk for n in ours}
    assert not set(seen) & {n.pk for n in theirs}


def test_a_deep_page_runs_the_queries_of_the_first(web, cast):
    for days in range(12, 0, -1):
        aged(cast, days)
    web.force_login(cast.staff)
    first = web.get(QUEUE)
    with CaptureQueriesContext(connection) as on_first:
        web.get(QUEUE)
    deep = QUEUE + link(web.get(QUEUE + link(first, "next")), "next")
    with CaptureQueriesContext(connection) as on_deep:
        assert len(shown(web.get(deep))) == 3
    assert len(on_deep.captured_queries) == len(on_first.captured_queries)
    assert not [q for q in on_deep.captured_queries if "OFFSET" in q["sql"]]


def test_the_count_is_capped_past_a_thousand(web, cast, monkeypatch):
    monkeypatch.setattr(keyset, "COUNT_CAP", 4)
    for days in range(6, 0, -1):
        aged(cast, days)
    aged(cast, 7, kind=Need.Kind.LABOUR)
    aged(cast, 8, kind=Need.Kind.LABOUR)
    web.force_login(cast.staff)
    assert "4+ active needs" in _html(web.get(QUEUE))
    assert "2 active needs" in _html(web.get(QUEUE, {"kind": "labour"}))


def test_the_escalated_list_pages_newest_escalation_first(web, cast):
    escalated = []
    for hours in range(7, 0, -1):
        need = need_in(cast, Need.Status.ESCALATED)
        Need.objects.filter(pk=need.pk).update(escalated_at=timezone.now() - timedelta(hours=hours))
        escalated.append(need)
    web.force_login(cast.official)
    pages = walk(web, ESCALATED)
    newest_first = [n.pk for n in reversed(escalated)]
    assert pages == [newest_first[:3], newest_first[3:6], newest_first[6:]]
    web.force_login(cast.other_official)
    assert walk(web, ESCALATED) == [[]]


def nav_count(response, label: str) -> int | None:
    found = re.search(
        rf">{label} <span class=\"count\" data-testid=\"nav-count\">(\d+)</span>", _html(response)
    )
    return int(found.group(1)) if found else None


def test_the_menu_counts_open_needs_right_after_a_change(web, cast):
    needs = [aged(cast, days) for days in (3, 2, 1)]
    aged(cast, 5, enterprise=cast.other_member, association=cast.other_association)
    web.force_login(cast.staff)
    assert nav_count(web.get(QUEUE), "Needs queue") == 3
    response = web.post(reverse("need-action", args=[needs[0].pk, "take"]))
    assert response.status_code == 302
    assert nav_count(web.get(QUEUE), "Needs queue") == 2
    web.force_login(cast.enterprise_user)
    web.post(
        reverse("need-file", args=["difficulty"]),
        {"difficulty_kind": "transport", "description": "货车无法通行", "urgency": "high"},
    )
    web.force_login(cast.staff)
    assert nav_count(web.get(QUEUE), "Needs queue") == 3
    web.force_login(cast.other_staff)
    assert nav_count(web.get(QUEUE), "Needs queue") == 1


def test_the_menu_counts_the_needs_awaiting_an_official_up_to_the_cap(web, cast, monkeypatch):
    """An official's menu counts the escalated needs awaiting a reply as the list counts its
    rows: up to the cap, and past it "1,000+" (here with a cap of 3)."""
    monkeypatch.setattr("portal.context_processors.COUNT_CAP", 3)
    for _ in range(3):
        need_in(cast, Need.Status.ESCALATED)
    web.force_login(cast.official)
    assert nav_count(web.get(ESCALATED), "Escalated needs") == 3

    need_in(cast, Need.Status.ESCALATED)
    html = _html(web.get(ESCALATED))
    assert '>Escalated needs <span class="count" data-testid="nav-count">3+</span>' in html


def test_an_administrators_menu_counts_the_countrys_open_needs_up_to_the_cap(
    web, cast, monkeypatch
):
    """An administrator's menu counts the open needs of every association as a list counts its
    rows: up to the cap, and past it "3+" (here with a cap of 3), so that a page does not count
    a whole country's needs."""
    monkeypatch.setattr("portal.context_processors.COUNT_CAP", 3)
    for _ in range(3):
        need_in(cast, Need.Status.OPEN)
    need_in(cast, Need.Status.IN_PROGRESS)  # not untouched: not counted
    web.force_login(cast.admin)
    assert nav_count(web.get("/dashboard/"), "Needs queue") == 3

    need_in(cast, Need.Status.OPEN)
    html = _html(web.get("/dashboard/"))
    assert '>Needs queue <span class="count" data-testid="nav-count">3+</span>' in html
