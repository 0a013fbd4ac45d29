"""The figures of `/metrics` (Prometheus text format), for operators.

- Requests: counted and timed per method, URL pattern and status by the request middleware
  (core.observability), in the web process. Under gunicorn with several worker processes set
  PROMETHEUS_MULTIPROC_DIR to an empty directory (docker-compose.yml does): prometheus_client
  then sums the processes' files when it is read.
- Tasks: workers run on other machines, so each finished task adds to counters kept in Redis
  (per queue, task and state, with the total and the count of durations) and `/metrics` reads
  them when it is scraped.
- Queues, the beat heartbeat and each app's backlog (`register_backlog`): measured when scraped.

Who may read it: a request with `Authorization: Bearer <METRICS_TOKEN>`, or from an address in
METRICS_ALLOWED_NETWORKS; anyone else gets 404 (core.health.metrics_view).
"""

import logging
import os
import time
from collections.abc import Callable

from django.conf import settings
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

log = logging.getLogger(__name__)

REQUESTS = Counter(
    "portal_http_requests",
    "Requests answered, by method, URL pattern and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "portal_http_request_duration_seconds",
    "Time to answer a request, by method and URL pattern.",
    ["method", "route"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)

_backlogs: dict[str, tuple[str, Callable[[], int]]] = {}


def register_backlog(name: str, documentation: str, count: Callable[[], int]) -> None:
    """A gauge read when scraped: how much of one kind of queued work waits (an app's outbox)."""
    _backlogs[name] = (documentation, count)


# A client may send any method: each new one would be a new series of every request metric,
# kept for the process's life. The others are counted together.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    method = method if method in METHODS else "other"
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


# --- tasks, counted in Redis -------------------------------------------------------------------

_started: dict[str, float] = {}


_clients: dict[str, object] = {}


def _redis():
    """One client (and connection pool) per Redis URL and process; redis-py makes a new pool in
    a forked child."""
    if not settings.REDIS_URL:
        return None
    client = _clients.get(settings.REDIS_URL)
    if client is None:
        import redis

        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
        )
        _clients[settings.REDIS_URL] = client
    return client


def _tasks_key() -> str:
    return f"{settings.CACHE_KEY_PREFIX}:metrics:tasks"


def task_started(task_id: str) -> None:
    _started[task_id] = time.perf_counter()


def task_finished(task_id: str, task: str, queue: str, state: str) -> None:
    started = _started.pop(task_id, None)
    client = _redis()
    if client is None:
        return
    field = f"{queue}|{task}"
    try:
        with client.pipeline(transaction=False) as pipe:
            pipe.hincrby(_tasks_key(), f"{field}|{state or 'UNKNOWN'}", 1)
            if started is not None:
                pipe.hincrbyfloat(_tasks_key(), f"{field}|seconds", time.perf_counter() - started)
            pipe.execute()
    except Exception:  # a metric must never fail a task
        log.warning("task metrics not recorded", exc_info=True)


class _Collected:
    """Figures measured when `/metrics` is read."""

    def collect(self):
        from core import health

        tasks = CounterMetricFamily(
            "portal_tasks",
            "Tasks finished, by queue, task and state.",
            labels=["queue", "task", "state"],
        )
        seconds = CounterMetricFamily(
            "portal_task_seconds",
            "Time spent in tasks, by queue and task.",
            labels=["queue", "task"],
        )
        client = _redis()
        if client is not None:
            try:
                for field, value in client.hgetall(_tasks_key()).items():
                    queue, task, state = field.decode().split("|", 2)
                    if state == "seconds":
                        seconds.add_metric([queue, task], float(value))
                    else:
                        tasks.add_metric([queue, task, state], float(value))
            except Exception:
                log.warning("task metrics not read", exc_info=True)
        yield tasks
        yield seconds

        depth = GaugeMetricFamily(
            "portal_queue_messages", "Messages waiting, by queue.", labels=["queue"]
        )
        age = GaugeMetricFamily(
            "portal_queue_oldest_seconds",
            "Age of the oldest waiting message, by queue.",
            labels=["queue"],
        )
        for queue in health.queue_stats() or []:
            depth.add_metric([queue["name"]], queue["messages"])
            age.add_metric([queue["name"]], queue["oldest_seconds"] or 0)
        yield depth
        yield age

        beat = health.heartbeat_age()
        if beat is not None:
            yield GaugeMetricFamily(
                "portal_beat_heartbeat_age_seconds",
                "Seconds since beat's last heartbeat ran.",
                value=beat,
            )
        for name, (documentation, count) in sorted(_backlogs.items()):
            try:
                value = count()
            except Exception:
                log.warning("backlog %s not measured", name, exc_info=True)
                continue
            yield GaugeMetricFamily(name, documentation, value=value)


def exposition() -> bytes:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUESTS)
        registry.register(LATENCY)
    registry.register(_Collected())
    return generate_latest(registry)
