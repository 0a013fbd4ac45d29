"""What a staff user of the populated association asks for over 100,000 members: the API's
enterprise list and the member list page. Server time is measured in-process through Django's
test client (middleware, view, queries, rendering; no network)."""

import gc
import json
import statistics
import time

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from bench.report import figure, heading, median_ms, note

RUNS = 5
API_URL = "/api/v1/enterprises/"
API_PAGE_TARGET_MS = 500  # a 1000-row page for a partner's sync
API_RATIO_TARGET = 2.5  # a 1000-row API page against .values() + json.dumps of its rows
RATIO_RUNS = 15
PAGE_TARGET_MS = 300  # a page a person waits for


def _get(client: Client, url: str, params: dict):
    response = client.get(url, params)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} {params} answered {response.status_code}")
    return response


def _queries(client: Client, url: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        _get(client, url, params)
    return len(captured.captured_queries)


def _timed(label: str, client: Client, url: str, params: dict, target_ms: int) -> None:
    _get(client, url, params)  # warm: connection, templates, translations
    median, _response = median_ms(lambda: _get(client, url, params), RUNS)
    figure(label, f"{median:,.0f} ms", f"< {target_ms} ms", median < target_ms)


def bench_api(client: Client, members: int) -> None:
    heading(f"GET {API_URL} as staff of an association with {members:,} members")
    first = _get(client, API_URL, {"page_size": 1000}).json()
    note(f"count answered: {first['count']:,}; rows on the page: {len(first['results']):,}")
    counts = {size: _queries(client, API_URL, {"page_size": size}) for size in (10, 100, 1000)}
    for size, count in counts.items():
        figure(f"SQL queries, page_size={size}", str(count))
    constant = len(set(counts.values())) == 1
    figure(
        "query count constant in page size",
        "yes" if constant else "no",
        "yes (no query per row)",
        constant,
    )
    _timed(
        f"median server time, page_size=1000, page 1 ({RUNS} runs)",
        client,
        API_URL,
        {"page_size": 1000},
        API_PAGE_TARGET_MS,
    )
    _timed(
        f"median server time, page_size=1000, page 50 ({RUNS} runs)",
        client,
        API_URL,
        {"page_size": 1000, "page": 50},
        API_PAGE_TARGET_MS,
    )
    from enterprises.selectors import enterprise_list

    staff = client.get(API_URL, {"page_size": 1}).wsgi_request.user
    api_ratio(client, API_URL, {}, enterprise_list(user=staff).order_by("id"))


def api_ratio(client: Client, url: str, params: dict, queryset, runs: int = RUNS) -> None:
    """A 1000-row API page (the whole request: middleware, count, serializers, rendering)
    against the least a page can cost: `.values()` of the same rows and columns and
    `json.dumps` of them, both measured in this run. The API's count is kept for a few seconds
    (core.api.pagination), as it is while a partner pages through: the first call pays it."""
    params = {**params, "page_size": 1000}
    first = _get(client, url, params).json()["results"]
    shown = set(first[0]) if first else set()
    columns = [
        f.attname
        for f in queryset.model._meta.concrete_fields
        if f.name in shown or f.attname in shown
    ]
    rows = queryset[:1000]

    def plain() -> str:
        return json.dumps(list(rows.values(*columns)), cls=DjangoJSONEncoder)

    plain()
    # The two taken in turn, each after a collection of what the last one left, and many
    # times: in a process holding the bench's data a collection can fall in either and double
    # the cheaper one (16–34 ms for the same `plain()` over five runs).
    times: dict[str, list[float]] = {"api": [], "plain": []}
    for _ in range(max(runs, RATIO_RUNS)):
        for name, action in (("api", lambda: _get(client, url, params)), ("plain", plain)):
            gc.collect()
            started = time.perf_counter()
            action()
            times[name].append((time.perf_counter() - started) * 1000)
    api_ms, plain_ms = statistics.median(times["api"]), statistics.median(times["plain"])
    ratio = api_ms / plain_ms
    note(
        f"1000 rows: API {api_ms:,.0f} ms, .values() + json.dumps {plain_ms:,.0f} ms "
        f"(medians of {len(times['api'])} runs, taken in turn)"
    )
    figure(
        "ratio API page / values + json.dumps",
        f"{ratio:.1f}x",
        f"<= {API_RATIO_TARGET}x",
        ratio <= API_RATIO_TARGET,
    )


def bench_member_list(client: Client, members: int) -> None:
    heading(f"Member list page (staff) over {members:,} members")
    try:
        url = reverse("member-list")
    except NoReverseMatch:
        note("member list page: not available yet")
        return
    for label, params in (
        ("first page", {}),
        ("?region=440000&size=small", {"region": "440000", "size": "small"}),
    ):
        try:
            queries = _queries(client, url, params)
        except RuntimeError as exc:
            note(f"{label}: {exc}")
            continue
        figure(f"SQL queries, {label}", str(queries))
        _timed(f"median server time, {label} ({RUNS} runs)", client, url, params, PAGE_TARGET_MS)


def run(staff, members: int) -> None:
    client = Client()
    client.force_login(staff)
    bench_api(client, members)
    bench_member_list(client, members)
