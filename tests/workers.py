"""The queues a worker started by a test consumes: every one work is routed to.

Work is routed by kind (settings.CELERY_TASK_ROUTES: imports, reports, rollups, notifications,
webhooks, the default `celery`), and a task a test sends often queues another of another kind
(an import's e-mails, a report's files). A worker that left a queue out would leave that work
waiting, and the test waiting with it; so every worker a test starts, in-process or as a
process, is given the whole list explicitly. (An in-process worker's selection of queues stays
on the Celery app: a worker started later in the same process without a list would consume
what the last one was given.)
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings


def all_queues(*own: str) -> list[str]:
    """Every queue work is routed to (and `own`, a test's queue of its own, first)."""
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    queues = [*own, *settings.WORKER_QUEUES]
    queues += sorted(routed - set(queues))
    return list(dict.fromkeys(queues))


def queue_option(*own: str) -> str:
    """The same, as `celery worker -Q` takes it."""
    return ",".join(all_queues(*own))


@contextmanager
def in_process_worker(**options) -> Iterator[object]:
    """A real Celery worker in this process on every queue (the solo pool unless told), for the
    tests about Celery itself; they need `django_db(transaction=True)`."""
    from celery.contrib.testing.worker import start_worker

    from resumption_portal.celery import app

    options.setdefault("pool", "solo")
    with start_worker(app, perform_ping_check=False, queues=all_queues(), **options) as worker:
        yield worker
