"""Every list's first page as each role opens it: each list of the REST API, and each page of
each role's menu (`make bench ONLY=lists`; at national scale over the national set).

The roles are the bench's own accounts: staff of the bench association, a partner system bound
to it, the officials of Guangdong and of one of its counties, and an enterprise user of a bench
member. For each list: the first request with no count kept (core.pagination keeps a long
list's count for a few seconds; cleared first), then the median of three more (the figure set
beside the target, as in the other sections), and the queries of a page of 50 beside a page of
100 (the API) — the same number, or the page reads per row. (Not a page of 5: it may skip
the prefetch of a relation none of its five rows has.)
"""

import statistics
import time

import redis
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from bench.generate import Population
from bench.needs import BENCH_APPLICANT, OFFICIALS, _people
from bench.report import figure, heading, note
from bench.webhooks import _partner
from core.models import Role, User

TARGET_MS = 300
PAGE = 100
FEW = 50  # rows of the page whose queries are compared with a page of PAGE
RUNS = 3


def _forget_kept_counts() -> None:
    """Forget the counts and figures kept for a few seconds (core.pagination.kept_for_a_while),
    so that a first request computes them."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(client.scan_iter(f"{settings.CACHE_KEY_PREFIX}:*kept-figure:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


def api_lists() -> list[str]:
    """The API's list addresses (`…-list` routes without a parameter)."""
    from resumption_portal import api_urls

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern.name or ""

    return sorted(
        {
            "/api/v1/" + route.replace("^", "").replace("$", "")
            for route, name in walk(api_urls.urlpatterns)
            if name.endswith("-list")
            and "<" not in route
            and "(?P" not in route
            and "\\." not in route
        }
    )


def _timed(client, path: str, params: dict | None = None) -> tuple[float, int, int]:
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(path, params or {})
    return (time.perf_counter() - started) * 1000, len(queries), answer.status_code


def _measure(client, path: str, params: dict | None = None) -> tuple[float, float, int, int]:
    """(the first request with no kept count, the median of RUNS more, queries, status)."""
    _forget_kept_counts()
    first, queries, status = _timed(client, path, params)
    again = [_timed(client, path, params)[0] for _ in range(RUNS)]
    return first, statistics.median(again), queries, status


def _people_of(population: Population) -> dict[str, User]:
    applicant, officials = _people(population)
    partner = _partner(population)
    province, county = (officials[name] for name in OFFICIALS)
    return {
        "staff": population.staff,
        "partner": partner,
        "official (province)": province,
        "official (county)": county,
        BENCH_APPLICANT: applicant,
    }


def bench_api(people: dict[str, User]) -> list[str]:
    heading(f"Every API list's first page ({PAGE} rows) as each role")
    note("ms: the first request with no count kept / the median of 3 more (the figure)")
    note(f"queries: of a page of {FEW} / of a page of {PAGE}, each with no count kept")
    slow = []
    for role, user in people.items():
        client = APIClient()
        client.force_authenticate(user)
        for path in api_lists():
            first, median, queries, status = _measure(client, path, {"page_size": PAGE})
            if status != 200:
                continue  # not this role's list
            # Queries of each size counted alike: no count kept, after the requests above (the
            # first request of a role also reads its scope into the cache).
            _forget_kept_counts()
            few = _timed(client, path, {"page_size": FEW})[1]
            _forget_kept_counts()
            queries = _timed(client, path, {"page_size": PAGE})[1]
            met = median < TARGET_MS and few == queries
            if not met:
                slow.append(f"{role} {path}")
            figure(
                f"{role[:18]:<18} {path.removeprefix('/api/v1/')[:24]:<24} {few}/{queries} q",
                f"{first:,.0f} / {median:,.0f} ms",
                f"< {TARGET_MS} ms, same queries",
                met,
            )
    return slow


def _menu(user: User) -> list[str]:
    """The home page and every page of the user's menu (portal.context_processors)."""
    from django.test import RequestFactory

    from portal.context_processors import navigation

    request = RequestFactory().get("/dashboard/")
    request.user = user
    items = navigation(request)["nav_items"]
    urls = ["/dashboard/"] + [url for _label, url, _count in items]
    return list(dict.fromkeys(url for url in urls if not url.startswith("/admin/")))


def bench_pages(people: dict[str, User]) -> list[str]:
    heading("Every page of each role's menu, first page")
    note("ms: the first request with no count kept / the median of 3 more (the figure);")
    note("the menu's own counts are cached per association (core.badges)")
    slow = []
    for role, user in people.items():
        if user.role == Role.PARTNER:
            continue
        client = Client()
        client.force_login(user)
        for path in _menu(user):
            first, median, queries, status = _measure(client, path)
            if status != 200:
                continue
            met = median < TARGET_MS
            if not met:
                slow.append(f"{role} {path}")
            figure(
                f"{role[:18]:<18} {path[:26]:<26} {queries} q",
                f"{first:,.0f} / {median:,.0f} ms",
                f"< {TARGET_MS} ms",
                met,
            )
    return slow


def run(population: Population) -> None:
    people = _people_of(population)
    slow = bench_api(people) + bench_pages(people)
    note(f"{len(slow)} over {TARGET_MS} ms (or reading per row): {', '.join(slow) or 'none'}")
