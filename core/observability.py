"""What operators see of a running portal: one log line per request with a request id that
follows the work into the Celery tasks it queues, and the figures of the metrics endpoint.

- **Request id.** Taken from the `X-Request-ID` header when it is a plain token (a proxy's id),
  else made here; answered in `X-Request-ID`, put on every log record of the request
  (`RequestIdFilter`) and carried in the headers of each task message queued while it runs, so a
  task's log lines carry the id of the request that asked for it.
- **Request log.** Logger `portal.request`, one record per request: request id, method, the URL
  pattern (not the path: no names or search words from a query string), status, duration,
  user id and role. No address, no name, no body.
- **Metrics.** Counters and histograms of prometheus_client, recorded by the same middleware
  and, in workers, by Celery's task signals (core.metrics).
"""

import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar

from celery import signals
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from core import metrics

request_id: ContextVar[str] = ContextVar("request_id", default="")

HEADER = "X-Request-ID"
# The whole header (fullmatch: `$` alone lets a trailing line break through).
TOKEN = re.compile(r"[A-Za-z0-9._:-]{8,64}")
# How long a client is asked to wait when the database cannot be reached.
RETRY_AFTER_SECONDS = 5

log = logging.getLogger("portal.request")


def new_id() -> str:
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Puts the current request id (or "") on every record as `request_id`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id.get()
        return True


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unmatched>"
    return "/" + (match.route or "").lstrip("^")


class RequestLogMiddleware:
    """First in MIDDLEWARE: names the request, times it, logs it, counts it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(HEADER, "")
        rid = incoming if TOKEN.fullmatch(incoming) else new_id()
        token = request_id.set(rid)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        elapsed = time.perf_counter() - started
        response[HEADER] = rid
        route = _route(request)
        user = getattr(request, "user", None)
        authenticated = bool(user is not None and user.is_authenticated)
        log.info(
            "%s %s %s",
            request.method,
            route,
            response.status_code,
            extra={
                "request_id": rid,
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 1),
                "user_id": user.pk if authenticated else None,
                "role": getattr(user, "role", "") if authenticated else "",
            },
        )
        metrics.observe_request(request.method, route, response.status_code, elapsed)
        return response


class DatabaseUnavailableMiddleware:
    """A request that loses the database (restarted, failed over, out of connections) answers
    503 with Retry-After and a plain message instead of a server error: its transaction was
    rolled back, so nothing of it was written, and the client may send it again. Django's
    health check on the next request opens a new connection.

    Second in MIDDLEWARE, so that it also sees an error raised in a middleware after it (the
    session's user is loaded there): Django turns any such error into a 500 response and tells
    `got_request_exception`, whose receiver below marks the request when the error was the
    database going away."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 500 or not getattr(request, "_database_lost", False):
            return response
        message = _(
            "The portal cannot reach its database just now. Nothing was saved; "
            "try again in a few seconds."
        )
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


@receiver(got_request_exception)
def _note_database_lost(sender, request=None, **_kwargs) -> None:
    exception = sys.exception()
    if request is None or not isinstance(exception, OperationalError | InterfaceError):
        return
    if _connection_lost(exception):
        request._database_lost = True
        logging.getLogger("portal.database").warning(
            "database unavailable: %s", exception.__class__.__name__
        )


def _connection_lost(exception: Exception) -> bool:
    """Whether the error says the connection or the server went away (not a constraint or a
    lock time-out, which are the request's own)."""
    from django.db import connection

    if isinstance(exception, InterfaceError):
        return True
    cause = exception.__cause__
    code = getattr(cause, "pgcode", None)
    # 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now, 08xxx connection.
    if code and (code.startswith("08") or code in {"57P01", "57P02", "57P03"}):
        return True
    if code:
        return False
    # No SQLSTATE: the connection failed before or during the exchange.
    return connection.connection is None or bool(getattr(connection.connection, "closed", 0))


# --- Celery: the id travels with the message ---------------------------------------------------


@signals.before_task_publish.connect
def _stamp_message(headers=None, **_kwargs) -> None:
    """Every task message carries the request id that queued it and when it was queued (the
    readiness check reads the oldest message's age from it)."""
    if headers is None:
        return
    headers.setdefault("request_id", request_id.get())
    headers.setdefault("published_at", time.time())


_task_tokens: dict[str, object] = {}


@signals.task_prerun.connect
def _task_started(task_id=None, task=None, **_kwargs) -> None:
    rid = getattr(task.request, "request_id", None) or ""
    _task_tokens[task_id] = request_id.set(rid)
    metrics.task_started(task_id)


@signals.task_postrun.connect
def _task_finished(task_id=None, task=None, state=None, **_kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        request_id.reset(token)
    queue = (task.request.delivery_info or {}).get("routing_key") or "celery"
    metrics.task_finished(task_id, task.name, queue, state or "")
