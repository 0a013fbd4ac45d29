"""PostgreSQL restarted under load: requests caught while it is away answer 503 with
Retry-After (never a server error), nothing is half-written, and the portal serves again by
itself once the database is back.

The database is a PostgreSQL cluster of the test's own (initdb on a free port) holding a copy
of the test database, so that stopping it touches nothing else of the suite; the portal runs
under gunicorn with four threads, and four clients create batches through the API while the
cluster is stopped for two seconds and started again."""

import threading
import time
from collections import Counter

import httpx
import psycopg2
import pytest

from tests.factories import api_token
from tests.faults.services import Portal, PostgresCluster, portal_environment, wait_until
from tests.reports.test_worker_crash import database_url

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

CLIENTS = 4
DOWN_FOR = 2.0  # seconds the cluster is stopped


def test_a_database_restart_answers_503_loses_nothing_and_recovers(cast, tmp_path):
    from tests.batches.api.test_batch_api import batch_body

    key = api_token(cast.staff)
    cluster = PostgresCluster()
    cluster.pg_ctl("start")
    portal = None
    try:
        cluster.copy_database(database_url(), "portal")
        portal = Portal(tmp_path, portal_environment(DATABASE_URL=cluster.url("portal")))
        answers: list[tuple[float, int, dict, str]] = []
        stop = threading.Event()

        def work() -> None:
            with httpx.Client(
                base_url=portal.url, headers={"Authorization": f"Token {key}"}, timeout=30
            ) as api:
                while not stop.is_set():
                    response = api.post("/api/v1/batches/", json=batch_body(name="负载批次"))
                    body = (
                        response.json()
                        if response.headers.get("content-type", "").startswith("application/json")
                        else {}
                    )
                    answers.append(
                        (
                            time.monotonic(),
                            response.status_code,
                            body,
                            response.headers.get("Retry-After", ""),
                        )
                    )

        clients = [threading.Thread(target=work) for _ in range(CLIENTS)]
        for client in clients:
            client.start()
        wait_until(lambda: len(answers) >= 20, "the load to run")
        cluster.pg_ctl("stop", "-m", "fast")
        time.sleep(DOWN_FOR)
        cluster.pg_ctl("start")
        back = time.monotonic()
        wait_until(
            lambda: sum(1 for at, status, *_ in answers if at > back and status == 201) >= 20,
            "the portal to serve again",
            logs=(portal.server.log,),
        )
        stop.set()
        for client in clients:
            client.join(timeout=60)

        statuses = Counter(status for _at, status, *_ in answers)
        assert set(statuses) <= {201, 503}, statuses
        assert statuses[503] >= 1, statuses
        for _at, status, body, retry_after in answers:
            if status == 503:
                assert retry_after == "5" and body["detail"]
        # Nothing half-written: every batch created has its event, and every 201 is there.
        with psycopg2.connect(cluster.url("portal")) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT id FROM batches_batch WHERE name = '负载批次'")
            stored = {row[0] for row in cursor.fetchall()}
            cursor.execute(
                "SELECT count(DISTINCT e.object_id) FROM core_event e "
                "JOIN django_content_type t ON t.id = e.content_type_id "
                "WHERE t.app_label = 'batches' AND t.model = 'batch' "
                "AND e.action = 'batch.created' AND e.object_id = ANY(%s)",
                [list(stored)],
            )
            assert cursor.fetchone()[0] == len(stored)
        answered = {body["id"] for _at, status, body, _r in answers if status == 201}
        assert answered <= stored
        assert len(stored) - len(answered) <= CLIENTS  # at most one in flight per client
    finally:
        if portal is not None:
            portal.stop()
        cluster.destroy()
