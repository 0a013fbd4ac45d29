"""Is the portal alive, is it ready: for load balancers, docker-compose and operators.

- `/healthz`: the process answers (nothing else is asked of it: a database that is down must
  not get the web processes restarted).
- `/readyz`: the database answers and has every migration, Redis answers, beat's heartbeat is
  younger than READY_HEARTBEAT_SECONDS, and each worker queue's depth and oldest message's age
  (reported, not judged: a backlog is for operators to read, not a reason to take the web
  processes out of service). 503 when one of the judged checks fails.

Both answer JSON, need no login and say nothing secret: check names and short states.
"""

import ipaddress
import json
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

HEARTBEAT_KEY = "beat-heartbeat"
# Headers a reverse proxy adds with the visitor's address: a request carrying one came through a
# proxy, whose own address (often loopback) says nothing of who asked.
PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")
# Kombu's Redis transport keeps a queue's prioritised messages in lists of their own.
PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


def _uses_workers() -> bool:
    return bool(settings.REDIS_URL) and not settings.CELERY_TASK_ALWAYS_EAGER


def beat_heartbeat() -> None:
    """Run every READY_HEARTBEAT_SECONDS / 4 by beat through a worker: a fresh value says beat,
    the broker and a worker all work."""
    cache.set(HEARTBEAT_KEY, time.time(), timeout=None)


def heartbeat_age() -> float | None:
    if not _uses_workers():
        return None
    value = cache.get(HEARTBEAT_KEY)
    return None if value is None else max(0.0, time.time() - float(value))


def _redis():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def queue_stats() -> list[dict] | None:
    """Each worker queue's waiting messages and the age of its oldest one (from the
    `published_at` header core.observability stamps); None without a broker."""
    if not _uses_workers():
        return None
    prefix = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("global_keyprefix", "")
    client = _redis()
    now = time.time()
    stats = []
    try:
        for name in settings.WORKER_QUEUES:
            messages = 0
            oldest = None
            for suffix in PRIORITY_SUFFIXES:
                key = f"{prefix}{name}{suffix}"
                length = client.llen(key)
                if not length:
                    continue
                messages += length
                raw = client.lindex(key, -1)  # lpush in, brpop out: the oldest is at the end
                try:
                    published = float(json.loads(raw)["headers"]["published_at"])
                except (TypeError, ValueError, KeyError):
                    continue
                oldest = published if oldest is None else min(oldest, published)
            stats.append(
                {
                    "name": name,
                    "messages": messages,
                    "oldest_seconds": None if oldest is None else round(max(0.0, now - oldest), 1),
                }
            )
    finally:
        client.close()
    return stats


def _database() -> tuple[str, str]:
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        return f"error: {exc.__class__.__name__}", "unknown"
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        return "ok", f"error: {exc.__class__.__name__}"
    return "ok", "ok" if not plan else f"error: {len(plan)} migrations not applied"


def readiness() -> tuple[bool, dict]:
    checks: dict[str, object] = {}
    checks["database"], checks["migrations"] = _database()
    judged = ["database", "migrations"]
    if settings.REDIS_URL:
        try:
            client = _redis()
            try:
                client.ping()
            finally:
                client.close()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {exc.__class__.__name__}"
        judged.append("redis")
    else:
        checks["redis"] = "not used"
    if _uses_workers() and checks["redis"] == "ok":
        age = heartbeat_age()
        limit = settings.READY_HEARTBEAT_SECONDS
        if age is None:
            checks["beat"] = "error: no heartbeat yet"
        elif age > limit:
            checks["beat"] = f"error: last heartbeat {int(age)} s ago"
        else:
            checks["beat"] = "ok"
        checks["beat_heartbeat_age_seconds"] = None if age is None else round(age, 1)
        judged.append("beat")
        try:
            checks["queues"] = queue_stats()
        except Exception as exc:
            checks["queues"] = f"error: {exc.__class__.__name__}"
    elif not _uses_workers():
        checks["beat"] = "not used"
    ready = all(checks[name] == "ok" or checks[name] == "not used" for name in judged)
    return ready, checks


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process answers."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    ready, checks = readiness()
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )


def _may_read_metrics(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return secrets.compare_digest(header[len("Bearer ") :].encode(), token.encode())
    if any(name in request.headers for name in PROXY_HEADERS):
        return False  # through a proxy: the address is the proxy's
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.METRICS_ALLOWED_NETWORKS)


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text format; 404 for whoever may not read it, so it is not advertised."""
    from prometheus_client import CONTENT_TYPE_LATEST

    from core import metrics

    if not _may_read_metrics(request):
        return HttpResponse(status=404)
    return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)
