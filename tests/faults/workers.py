"""Real Celery workers and the database as the fault tests use them: the worker machinery of
tests/reports/test_worker_crash.py (a key prefix and queue of the test's own, a worker in a
session of its own that can be SIGKILLed with its pool, consuming every queue as well, for the
tasks a task queues in its turn), and a transaction that holds a table so that a worker can be
caught in the middle of its own."""

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
from django.db import connection

from tests.reports import test_worker_crash as crash
from tests.reports.test_worker_crash import Broker, wait_for

__all__ = ["Broker", "Worker", "blocked_in_the_database", "holding", "running_worker", "wait_for"]


# The crash tests' worker consumes, under the test's key prefix, its own queue and every queue
# work is routed to (where `task.delay(...)` inside a task sends).
Worker = crash.Worker
running_worker = crash.running_worker


def _connect():
    settings = connection.settings_dict
    return psycopg2.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
    )


@contextmanager
def holding(table: str) -> Iterator[None]:
    """Another session holds `table` in SHARE mode until the block ends (then rolls back):
    whoever reads it goes on, whoever writes to it waits."""
    other = _connect()
    try:
        with other.cursor() as cursor:
            cursor.execute(f'LOCK TABLE "{table}" IN SHARE MODE')
        yield
    finally:
        other.rollback()
        other.close()


def blocked_in_the_database(statement: str) -> bool:
    """Whether a session of the test database waits for a lock in a statement containing
    `statement`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query ILIKE %s",
            [f"%{statement}%"],
        )
        return cursor.fetchone()[0] > 0
