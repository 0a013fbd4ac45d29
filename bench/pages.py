"""What a staff user of the populated association asks for over 100,000 members: the API's
enterprise list and the member list page. Server time is measured in-process through Django's
test client (middleware, view, queries, rendering; no network)."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from bench.report import figure, heading, median_ms, note

RUNS = 5
API_URL = "/api/v1/enterprises/"
API_PAGE_TARGET_MS = 500  # a 1000-row page for a partner's sync
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
