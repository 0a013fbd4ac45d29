"""Queued work that is never lost: the database is the outbox, the broker only a doorbell.

Every piece of background work the portal queues has a record in PostgreSQL written in the
transaction of the change that asked for it: a notification not yet e-mailed, a report still
queued, an import job waiting, a notice whose recipients are not yet written, webhook deliveries
(integrations, which sweep their own every ten seconds). The message to a worker is sent once
the change commits (`after_commit`); when the broker cannot be reached (Redis down), the change
stays committed, the user sees no error, and the message is simply not sent.

Beat then runs `core.tasks.sweep_outbox` every OUTBOX_SWEEP_SECONDS: each app's sweep (a
`sweeps` module, autodiscovered like the access modules, calling `register`) lists the work
that is still not done OUTBOX_STALE_SECONDS after it was asked for, and it is queued again —
at most once an hour per piece (`REQUEUE_EVERY`), so work that is merely waiting behind a long
queue is not multiplied. Every task the sweeps queue is idempotent (it does nothing twice), so a
message sent twice costs one look.

Beat's own timed entries that a down broker made it miss (the daily reports at 06:00, the
digests after midnight) are found the same way: their sweeps ask "is the last period's work
there?" and queue it when it is not.
"""

import contextvars
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

log = logging.getLogger(__name__)

REQUEUE_EVERY = 3600  # seconds


@dataclass(frozen=True)
class Work:
    """One piece of work to queue again: `key` names it (for REQUEUE_EVERY), `send` queues it."""

    key: str
    send: Callable[[], object]


_sweeps: dict[str, Callable[[datetime], Iterable[Work]]] = {}


def register(name: str, sweep: Callable[[datetime], Iterable[Work]]) -> None:
    """`sweep(stale_before)` lists the work asked for before `stale_before` and not done."""
    _sweeps[name] = sweep


def _publish(task, args, kwargs, options) -> bool:
    try:
        if options:
            task.apply_async(args, kwargs, **options)
        else:
            task.delay(*args, **kwargs)
    except Exception as exc:  # kombu's errors for a broker away are many; none must escape
        log.warning(
            "%s not queued (%s): the outbox sweep will queue it", task.name, exc.__class__.__name__
        )
        return False
    return True


def after_commit(task, *args, _options: dict | None = None, **kwargs) -> None:
    """Queue `task` once the current transaction commits. A broker that cannot be reached is
    logged, not raised: the record the task works on is committed and the sweep finds it."""
    options = _options or {}

    # Run in the context of the caller, so that the message carries its request id
    # (core.observability) even when the commit comes later.
    context = contextvars.copy_context()

    def queue() -> None:
        context.run(_publish, task, args, kwargs, options)

    transaction.on_commit(queue)


def send_now(task, *args, **kwargs) -> bool:
    """Queue `task` at once (outside any transaction's fate), as `after_commit` does."""
    return _publish(task, args, kwargs, {})


def sweep(now: datetime | None = None) -> dict[str, int]:
    """Queue again what each sweep lists; how many per sweep."""
    now = now or timezone.now()
    stale_before = now - timedelta(seconds=settings.OUTBOX_STALE_SECONDS)
    queued: dict[str, int] = {}
    for name, find in sorted(_sweeps.items()):
        count = 0
        try:
            for work in find(stale_before):
                if not cache.add(f"outbox:{work.key}", 1, timeout=REQUEUE_EVERY):
                    continue
                try:
                    work.send()
                except Exception:
                    cache.delete(f"outbox:{work.key}")
                    raise
                count += 1
        except Exception:
            log.exception("outbox sweep %s failed", name)
        if count:
            log.info("outbox sweep %s queued %d again", name, count)
        queued[name] = count
    return queued
