"""A resumption batch of the populated association with 20,000 applications: what its staff ask
for every day. The review queue (page and API) and the progress figures (the selector itself and
its page) must run a constant number of SQL queries, the progress as a handful of grouped
queries, whatever the number of members and applications.

Pages are measured in-process through Django's test client, like bench.pages; the selector is
called directly, so that its own time is seen without a template around it.
"""

from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from batches.models import Application, Batch
from batches.selectors import progress, review_queue
from batches.views.applications import QUEUE_PER_PAGE
from bench.report import figure, heading, median_ms, note
from core.keyset import cursor_after
from core.models import Region

RUNS = 5
QUEUE_TARGET_MS = 300  # a page a person waits for
API_TARGET_MS = 300  # the API's default page
API_LARGE_PAGE_TARGET_MS = 500  # a 1000-row page for a partner's sync
PROGRESS_TARGET_MS = 500
PROGRESS_QUERIES_TARGET = 6  # "a handful of grouped queries, not a loop"
API_URL = "/api/v1/applications/"
QUEUE_ORDER = ("submitted_at", "id")  # the review queue's order (batches.views.applications)


class NotAvailable(Exception):
    """The page or endpoint is not there (yet): 404, or a URL name that does not resolve."""


def _get(client: Client, url: str, params: dict):
    response = client.get(url, params)
    if response.status_code == 404:
        raise NotAvailable(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} {params} answered {response.status_code}")
    return response


def _queries(action) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured.captured_queries)


def _server_time(label: str, action, target_ms: int) -> None:
    action()  # warm: connection, templates, translations
    median, _result = median_ms(action, RUNS)
    figure(label, f"{median:,.0f} ms", f"< {target_ms} ms", median < target_ms)


def _constant(counts: dict[str, int], what: str) -> None:
    for label, count in counts.items():
        figure(f"SQL queries, {label}", str(count))
    same = len(set(counts.values())) == 1
    figure(f"query count constant in {what}", "yes" if same else "no", "yes", same)


def _describe(batch: Batch) -> None:
    applications = Application.objects.filter(batch=batch)
    by_status = dict(
        applications.order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    shares = ", ".join(
        f"{status} {by_status.get(status, 0):,}"
        for status in ("submitted", "approved", "resumed", "returned", "rejected", "draft")
    )
    note(f"{batch.name}: {sum(by_status.values()):,} applications ({shares})")
    note(f"approved_count {batch.approved_count:,} of capacity {batch.capacity:,}")


def bench_review_queue(client: Client) -> None:
    heading("Review queue page GET /applications/ (staff, status=submitted by default)")
    try:
        url = reverse("application-list")
        first = _get(client, url, {})
    except (NoReverseMatch, NotAvailable):
        note("review queue page: not available yet")
        return
    note(f"first page: {len(first.content) / 1024:,.0f} KiB of HTML")
    # Page 40 as the page's "Next" link reaches it: a cursor after the 1,950th application.
    user = first.wsgi_request.user
    waiting = review_queue(user=user)
    row = waiting[QUEUE_PER_PAGE * 39 - 1]
    deep = cursor_after(row, order=QUEUE_ORDER, salt="review")
    pages = {"first page": {}, "page 40 (cursor)": {"cursor": deep}}
    _constant(
        {label: _queries(lambda p=p: _get(client, url, p)) for label, p in pages.items()}, "page"
    )
    for label, params in pages.items():
        _server_time(
            f"median server time, {label} ({RUNS} runs)",
            lambda params=params: _get(client, url, params),
            QUEUE_TARGET_MS,
        )
    for label, params in pages.items():
        with CaptureQueriesContext(connection) as captured:
            _get(client, url, params)
        table = f'FROM "{Application._meta.db_table}"'
        rows = next(
            q["sql"]
            for q in captured.captured_queries
            if table in q["sql"] and f"LIMIT {QUEUE_PER_PAGE + 1}" in q["sql"]
        )
        _explain(f"review queue, {label}", rows)


def _explain(label: str, sql: str) -> None:
    """EXPLAIN ANALYZE of the page's query of applications: which index serves it, and whether
    the applications are sorted or read whole."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}")
        plan = [row[0] for row in cursor.fetchall()]
    note(f"EXPLAIN ANALYZE, {label}:")
    for line in plan:
        note(f"    {line}")
    text = "\n".join(plan)
    whole = f"Seq Scan on {Application._meta.db_table}" in text
    figure("  whole applications table scanned", "yes" if whole else "no", "no", not whole)


def bench_applications_api(client: Client) -> None:
    heading(f"GET {API_URL}?status=submitted (staff)")
    params = {"status": "submitted"}
    try:
        first = _get(client, API_URL, params).json()
    except NotAvailable:
        note("applications API: not available yet")
        return
    note(f"count answered: {first['count']:,}; rows on the first page: {len(first['results']):,}")
    _constant(
        {
            f"page_size={size}": _queries(
                lambda size=size: _get(client, API_URL, {**params, "page_size": size})
            )
            for size in (10, 100, 1000)
        },
        "page size",
    )
    _server_time(
        f"median server time, default page ({RUNS} runs)",
        lambda: _get(client, API_URL, params),
        API_TARGET_MS,
    )
    _server_time(
        f"median server time, page_size=1000 ({RUNS} runs)",
        lambda: _get(client, API_URL, {**params, "page_size": 1000}),
        API_LARGE_PAGE_TARGET_MS,
    )


def bench_progress_selector(batch: Batch) -> None:
    heading("selectors.progress(): the figures of the batch and of the association")
    guangdong = Region.objects.get(code="440000")
    views = {
        "batch, by province": {"batch": batch},
        "batch, within=440000 (cities)": {"batch": batch, "within": guangdong},
        "batch, by industry section": {"batch": batch, "by": "industry"},
        "association, within=440000": {"association_id": batch.association_id, "within": guangdong},
    }
    for label, kwargs in views.items():
        result = progress(**kwargs)
        queries = _queries(lambda kwargs=kwargs: progress(**kwargs))
        totals = result["totals"]
        note(
            f"{label}: {len(result['rows'])} rows; eligible {totals['eligible']:,}, applied "
            f"{totals['applied']:,}, resumed {totals['resumed']:,}, returning workers "
            f"{totals['returning_workers']:,}"
        )
        figure(
            f"  SQL queries, {label}",
            str(queries),
            f"≤ {PROGRESS_QUERIES_TARGET}",
            queries <= PROGRESS_QUERIES_TARGET,
        )
        _server_time(
            f"  median time, {label} ({RUNS} runs)",
            lambda kwargs=kwargs: progress(**kwargs),
            PROGRESS_TARGET_MS,
        )


def bench_progress_page(client: Client, batch: Batch) -> None:
    heading("Batch progress page GET /batches/{id}/progress/ (staff)")
    try:
        url = reverse("batch-progress", args=[batch.pk])
        _get(client, url, {})
    except (NoReverseMatch, NotAvailable):
        note("batch progress page: not available yet")
        return
    views = {
        "by province": {},
        "within=440000": {"within": "440000"},
        "within=440100": {"within": "440100"},
        "by industry": {"by": "industry"},
    }
    counts = {label: _queries(lambda p=p: _get(client, url, p)) for label, p in views.items()}
    for label, count in counts.items():
        figure(f"SQL queries, {label}", str(count))
    # Two drill-downs with different numbers of rows: the same queries if none is per row.
    rows = {
        code: len(progress(batch=batch, within=Region.objects.get(code=code))["rows"])
        for code in ("440000", "440100")
    }
    same = counts["within=440000"] == counts["within=440100"]
    figure(
        f"same queries for {rows['440000']} rows and {rows['440100']} rows",
        "yes" if same else "no",
        "yes (no query per row)",
        same,
    )
    for label, params in views.items():
        _server_time(
            f"median server time, {label} ({RUNS} runs)",
            lambda params=params: _get(client, url, params),
            PROGRESS_TARGET_MS,
        )


def run(staff, batch: Batch) -> None:
    heading("Resumption batch")
    _describe(batch)
    client = Client()
    client.force_login(staff)
    bench_review_queue(client)
    bench_applications_api(client)
    bench_progress_selector(batch)
    bench_progress_page(client, batch)
