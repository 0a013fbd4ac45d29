"""Reports read from a real streaming replica (core.replica, decision 0031).

A private primary cluster holds a copy of the test database; a hot standby is made from it
with `pg_basebackup -R` on another port; the portal runs under gunicorn with both. The replica's
replay is paused (`pg_wal_replay_pause()`) to hold it behind the primary:

- a colleague's report list, read from the replica, still shows what was there before a write;
- the member of staff who wrote reads their own write at once (pinned to the primary);
- once the replica lags past REPLICA_MAX_LAG_SECONDS, everybody reads from the primary;
- with the replica stopped, the report pages and the dashboard answer 200 from the primary
  within a short connect time."""

import time

import httpx
import psycopg2
import pytest

from core.replica import CHECK_EVERY  # how long a process trusts its last look at the lag
from tests.factories import api_token
from tests.faults.services import (
    Portal,
    PostgresCluster,
    StandbyCluster,
    portal_environment,
    wait_until,
)
from tests.reports.sample import quiet_tasks, ready_report
from tests.reports.test_worker_crash import database_url

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

MAX_LAG = 8  # REPLICA_MAX_LAG_SECONDS of the portal under test


class Setup:
    def __init__(self, tmp_path, cast):
        self.primary = PostgresCluster()
        self.primary.pg_ctl("start")
        self.replica = self.portal = None
        self.primary.copy_database(database_url(), "portal")
        self.replica = StandbyCluster(self.primary.port)
        self.replica.pg_ctl("start")
        wait_until(lambda: self.replica.caught_up("portal"), "the replica to stream")
        self.portal = Portal(
            tmp_path,
            portal_environment(
                DATABASE_URL=self.primary.url("portal"),
                DATABASE_REPLICA_URL=self.replica.url("portal"),
                REPLICA_MAX_LAG_SECONDS=str(MAX_LAG),
                REPLICA_PIN_SECONDS="30",
            ),
        )

    def write_on_primary(self, statement: str, params=()) -> None:
        connection = psycopg2.connect(self.primary.url("portal"))
        try:
            with connection, connection.cursor() as cursor:
                cursor.execute(statement, params)
        finally:
            connection.close()

    def hold_the_replica_back(self) -> None:
        """Pause replay right after a replayed transaction, so that the lag starts from zero."""
        self.write_on_primary("CREATE TABLE IF NOT EXISTS replica_probe (at timestamptz)")
        self.write_on_primary("INSERT INTO replica_probe VALUES (now())")
        wait_until(lambda: self.replica.caught_up("portal"), "the replica to replay")
        self.replica.sql("portal", "SELECT pg_wal_replay_pause()")

    def destroy(self) -> None:
        if self.portal is not None:
            self.portal.stop()
        if self.replica is not None:
            self.replica.destroy()
        self.primary.destroy()


@pytest.fixture
def setup(cast, tmp_path, monkeypatch):
    quiet_tasks(monkeypatch)
    report = ready_report(association=cast.association)
    writer, colleague = api_token(cast.staff), api_token(cast.manager)
    made = Setup(tmp_path, cast)
    made.report, made.writer, made.colleague = report, writer, colleague
    yield made
    made.destroy()


def client(setup: Setup, key: str) -> httpx.Client:
    # A new client each time: no cookie carries a pin, only the user's token.
    return httpx.Client(
        base_url=setup.portal.url, headers={"Authorization": f"Token {key}"}, timeout=30
    )


def remarks_listed(setup: Setup, key: str) -> str:
    with client(setup, key) as api:
        response = api.get("/api/v1/reports/")
    assert response.status_code == 200, response.text
    (row,) = [row for row in response.json()["results"] if row["id"] == setup.report.pk]
    return row["remarks"]


def test_reports_read_from_the_replica_the_writer_reads_their_write_and_lag_falls_back(setup):
    assert remarks_listed(setup, setup.colleague) == ""
    setup.hold_the_replica_back()
    with client(setup, setup.writer) as api:
        response = api.post(
            f"/api/v1/reports/{setup.report.pk}/remarks/", json={"remarks": "复工顺利"}
        )
    assert response.status_code == 200, response.text

    # The colleague's list comes from the replica, which has not replayed the write.
    assert remarks_listed(setup, setup.colleague) == ""
    # The writer is pinned to the primary (by user, in the shared cache): they see it.
    assert remarks_listed(setup, setup.writer) == "复工顺利"

    # Past the lag limit (and the process's next look at it) the colleague reads the primary.
    time.sleep(MAX_LAG + CHECK_EVERY + 0.5)
    assert remarks_listed(setup, setup.colleague) == "复工顺利"

    # Replay resumed, the replica catches up and serves again.
    setup.replica.sql("portal", "SELECT pg_wal_replay_resume()")
    wait_until(lambda: setup.replica.caught_up("portal"), "the replica to replay")
    assert remarks_listed(setup, setup.colleague) == "复工顺利"


def test_a_stopped_replica_leaves_the_reports_and_dashboard_answering_from_the_primary(setup):
    setup.replica.pg_ctl("stop", "-m", "immediate")
    setup.write_on_primary(
        "UPDATE reports_report SET remarks = '副本已停' WHERE id = %s", [setup.report.pk]
    )
    with client(setup, setup.colleague) as api:
        for _ in range(3):
            for path in (
                "/api/v1/reports/",
                f"/api/v1/reports/{setup.report.pk}/",
                "/api/v1/dashboard/",
            ):
                started = time.monotonic()
                response = api.get(path)
                took = time.monotonic() - started
                assert response.status_code == 200, (path, response.text)
                assert took < 3, (path, took)  # at most one connect timeout (1 s) of waiting
    assert remarks_listed(setup, setup.colleague) == "副本已停"
