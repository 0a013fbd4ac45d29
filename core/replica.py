"""Reads on a streaming replica (decision 0031).

Reports, dashboards, rollups and exports read from the PostgreSQL replica of DATABASE_REPLICA_URL
when a view asks for it with `replica_reads`; everything else, every write and every read inside
a transaction stays on the primary. A read goes to the primary instead when:

- the user wrote something in the last REPLICA_PIN_SECONDS (read-your-writes: any request other
  than GET/HEAD/OPTIONS that succeeded pins its user, in the shared cache by user id and in a
  signed cookie, so that every web process knows and a cache outage still leaves the browser's
  pin; a service may pin a user itself with `pin_to_primary`);
- the replica lags more than REPLICA_MAX_LAG_SECONDS or cannot be reached. Each process asks the
  replica for its lag at most every CHECK_EVERY seconds (one thread asks, the others use the
  last answer), with a connect timeout of a second: a replica that is down costs one short failed
  connect per interval, never a page;
- the replica fails in the middle of a view: the view is run again on the primary.

Without DATABASE_REPLICA_URL nothing of this applies: every read is on the primary.
"""

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.core.signing import BadSignature
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse

log = logging.getLogger("portal.replica")

REPLICA = "replica"
CHECK_EVERY = 2.0  # seconds a process trusts its last look at the replica's lag
PIN_COOKIE = "primary_pin"
_PIN_SALT = "core.replica.pin"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}

# The lag as the replica sees it: nothing to replay is no lag, however long ago the last write
# was; otherwise the age of the last transaction replayed. NULL (not streaming) counts as lagging.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())
END
"""

# Where this request's reads go: REPLICA inside a `replica_reads` scope that chose it.
_reads_on: ContextVar[str] = ContextVar("replica_reads_on", default=DEFAULT_DB_ALIAS)


def configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    """Reads inside a replica scope go to the replica, unless a transaction is open on the
    primary (what it reads there must be what it writes against). Writes, migrations and every
    other read: the primary."""

    def db_for_read(self, model, **hints) -> str:
        if _reads_on.get() == REPLICA and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the same rows, a moment apart

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS


# --- the replica's health, per process ------------------------------------------------------


class _Health:
    def __init__(self):
        self.lock = threading.Lock()
        self.checked_at = float("-inf")
        self.usable = False
        self.lag: float | None = None

    def forget(self) -> None:
        self.checked_at = float("-inf")
        self.usable = False


_health = _Health()


def _measure_lag() -> float | None:
    """The replica's lag in seconds, or None when it cannot be reached or does not stream."""
    connection = connections[REPLICA]
    try:
        with connection.cursor() as cursor:
            cursor.execute(LAG_SQL)
            lag = cursor.fetchone()[0]
    except DatabaseError as exc:
        log.warning("replica unreachable, reading from the primary: %s", str(exc).strip()[:200])
        with suppress(DatabaseError):
            connection.close()
        return None
    return None if lag is None else float(lag)


def replica_usable() -> bool:
    """Whether the replica answers with a lag within REPLICA_MAX_LAG_SECONDS, as this process
    last saw it (looked at again after CHECK_EVERY seconds, by one thread at a time)."""
    if not configured():
        return False
    if time.monotonic() - _health.checked_at < CHECK_EVERY:
        return _health.usable
    if not _health.lock.acquire(blocking=False):
        return _health.usable  # another thread is looking; its answer comes soon
    try:
        was_usable = _health.usable
        lag = _measure_lag()
        _health.lag = lag
        _health.usable = lag is not None and lag <= settings.REPLICA_MAX_LAG_SECONDS
        _health.checked_at = time.monotonic()
        if was_usable and not _health.usable and lag is not None:
            log.warning("replica lags %.1f s, reading from the primary", lag)
    finally:
        _health.lock.release()
    return _health.usable


# --- read-your-writes -------------------------------------------------------------------------


# When each user last wrote, in the shared cache by user id (the time, kept WROTE_KEPT_SECONDS):
# it pins them to the primary for REPLICA_PIN_SECONDS, and it gives them exact list counts
# (core.pagination) for as long as a count is kept, with or without a replica.
WROTE_KEPT_SECONDS = 300


def _wrote_key(user_id) -> str:
    return f"wrote:{user_id}"


def pin_to_primary(user) -> None:
    """`user` just wrote (or something was just made for them): their reads go to the primary
    for REPLICA_PIN_SECONDS, where it is already there when the replica has not replayed it."""
    if user is not None and getattr(user, "pk", None) is not None:
        keep = max(WROTE_KEPT_SECONDS, settings.REPLICA_PIN_SECONDS)
        cache.set(_wrote_key(user.pk), time.time(), keep)


def unpin(user) -> None:
    """Forget that `user` wrote (the bench measures a user's reads on both sides)."""
    cache.delete(_wrote_key(user.pk))


def wrote_within(user, seconds: float) -> bool:
    """Whether `user` wrote (or was pinned) in the last `seconds` (as the shared cache knows)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    at = cache.get(_wrote_key(user.pk))
    return at is not None and time.time() - float(at) <= seconds


def pinned(request: HttpRequest) -> bool:
    try:
        if request.get_signed_cookie(
            PIN_COOKIE, salt=_PIN_SALT, max_age=settings.REPLICA_PIN_SECONDS
        ):
            return True
    except (KeyError, BadSignature):
        pass
    return wrote_within(getattr(request, "user", None), settings.REPLICA_PIN_SECONDS)


class PinAfterWriteMiddleware:
    """A request that may have written (not GET/HEAD/OPTIONS) and succeeded marks its user as
    having written (`pin_to_primary`) and, with a replica, sets the pin's signed cookie. After
    the authentication middleware (and DRF sets the token's user on the request too), so that
    the user is known."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method in _SAFE_METHODS or response.status_code >= 400:
            return response
        pin_to_primary(getattr(request, "user", None))
        if configured():
            response.set_signed_cookie(
                PIN_COOKIE,
                "1",
                salt=_PIN_SALT,
                max_age=settings.REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


# --- scopes ------------------------------------------------------------------------------------


@contextmanager
def reads_on(alias: str) -> Iterator[None]:
    token = _reads_on.set(alias)
    try:
        yield
    finally:
        _reads_on.reset(token)


def alias_for(request: HttpRequest) -> str:
    """Where this request's scoped reads go: the replica, or the primary when the user is
    pinned or the replica is not fit."""
    if not configured() or pinned(request) or not replica_usable():
        return DEFAULT_DB_ALIAS
    return REPLICA


def _stream_on(alias: str, content: Iterator) -> Iterator:
    # A streamed response is read after the view returned: its rows come from the same side.
    with reads_on(alias):
        yield from content


def _request_among(args) -> HttpRequest:
    # A function view's first argument; a DRF view method's second (DRF's Request has `.user`).
    return next(a for a in args[:2] if hasattr(a, "method") and hasattr(a, "user"))


def replica_reads(view: Callable) -> Callable:
    """Run a read-only view (a function view, or a DRF view's get/list/retrieve method) with
    its reads on the replica when it is fit and the user is not pinned. Put it under the access
    decorators: who the user is and what they may do is read on the primary."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        request = _request_among(args)
        alias = alias_for(request)
        if alias == DEFAULT_DB_ALIAS:
            return view(*args, **kwargs)
        connections[REPLICA].errors_occurred = False
        try:
            with reads_on(alias):
                response = view(*args, **kwargs)
        except DatabaseError:
            if not connections[REPLICA].errors_occurred:
                raise
            log.warning("replica failed during %s, reading from the primary", request.path)
            _health.forget()
            _health.checked_at = time.monotonic()
            with suppress(DatabaseError):
                connections[REPLICA].close()
            return view(*args, **kwargs)
        if isinstance(response, StreamingHttpResponse) and not isinstance(response, FileResponse):
            response.streaming_content = _stream_on(alias, response.streaming_content)
        return response

    return wrapped


def health() -> dict:
    """This process's last look at the replica (for the readiness page and the bench)."""
    return {
        "configured": configured(),
        "usable": _health.usable,
        "lag_seconds": _health.lag,
    }
