"""Redis dies while people work: pages and the API keep serving, writes succeed, and the work
they queued (the e-mail of a notification, a webhook, a report asked for) is not lost — it runs
once Redis is back, found again by beat's sweeps (core.outbox, integrations.tasks.sweep).

Everything is real and of the test's own: a Redis server that is SIGKILLed and started again
empty, the portal under gunicorn, a Celery worker and Celery beat, on the test database."""

import time

import httpx
import pytest
from django.test import Client

from batches.models import Application
from core.models import Notification
from integrations import services as webhooks
from integrations.models import Delivery
from reports.models import Report
from tests.factories import api_token
from tests.faults.services import Portal, RedisServer, celery, portal_environment, wait_until
from tests.integrations.receiver import Receiver
from tests.workers import queue_option

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

FAST = 10  # seconds: a request while Redis is down answers well within this


def test_work_queued_while_redis_is_down_runs_once_it_is_back(cast, tmp_path, settings):
    from tests.batches.api.test_batch_api import make_batch, submitted

    cast.enterprise_user.email = "owner@huaxing.example"
    cast.enterprise_user.save(update_fields=["email"])
    application_id = submitted(cast.enterprise_user, make_batch(cast))
    staff_key = api_token(cast.staff)
    browser = Client()
    browser.force_login(cast.staff)
    session = browser.cookies["sessionid"].value

    redis = RedisServer(tmp_path)
    redis.start()
    with Receiver() as receiver:
        settings.WEBHOOK_ALLOWED_NETWORKS = receiver.allowed_networks
        endpoint = webhooks.endpoint_register(
            actor=cast.manager,
            url=receiver.url_for("/hooks"),
            event_types=["application.*"],
            account=cast.partner,
        )
        env = portal_environment(
            REDIS_URL=redis.url,
            OUTBOX_STALE_SECONDS="1",
            OUTBOX_SWEEP_SECONDS="2",
            WEBHOOK_ALLOWED_NETWORKS=",".join(receiver.allowed_networks),
        )
        portal = Portal(tmp_path, env)
        worker = beat = None
        try:
            api = httpx.Client(
                base_url=portal.url, headers={"Authorization": f"Token {staff_key}"}, timeout=30
            )
            pages = httpx.Client(base_url=portal.url, cookies={"sessionid": session}, timeout=30)
            assert pages.get("/dashboard/").status_code == 200

            redis.kill()

            started = time.monotonic()
            assert pages.get("/dashboard/").status_code == 200
            assert pages.get("/applications/").status_code == 200
            assert api.get("/api/v1/applications/").status_code == 200
            approved = api.post(f"/api/v1/applications/{application_id}/approve/")
            assert approved.status_code == 200, approved.text
            asked = api.post(
                "/api/v1/reports/",
                json={
                    "period_type": "day",
                    "day": "2020-02-10",
                    "association": cast.association.pk,
                },
            )
            assert asked.status_code in (201, 202), asked.text
            assert time.monotonic() - started < 5 * FAST
            ready = httpx.get(f"{portal.url}/readyz", timeout=FAST)
            assert ready.status_code == 503 and ready.json()["checks"]["redis"].startswith("error")

            # Committed, and waiting: nothing was lost, nothing has run.
            assert Application.objects.get(pk=application_id).status == "approved"
            told = Notification.objects.get(user=cast.enterprise_user, kind="decision")
            assert told.emailed_at is None
            report = Report.objects.get(pk=asked.json()["id"])
            assert report.status == Report.Status.QUEUED
            assert not receiver.requests

            redis.start()  # back, and empty: every message sent before is gone
            worker = celery(
                tmp_path, env, "worker", "-Q", queue_option(), "-c", "2",
                "--without-gossip", "--without-mingle", "-l", "info", name="worker",
            )  # fmt: skip
            beat = celery(
                tmp_path, env, "beat", "-s", str(tmp_path / "beat-schedule"), "-l", "info",
                name="beat",
            )  # fmt: skip
            logs = (worker.log, beat.log, portal.server.log)

            wait_until(
                lambda: Notification.objects.get(pk=told.pk).emailed_at, "the e-mail", 90, logs
            )
            wait_until(
                lambda: Report.objects.get(pk=report.pk).status == Report.Status.READY,
                "the report",
                90,
                logs,
            )
            wait_until(lambda: receiver.requests, "the webhook", 90, logs)
            time.sleep(3)  # two more sweeps: they must not send anything twice
            approvals = [r for r in receiver.requests if b"application.approved" in r.body]
            assert len(approvals) == 1
            assert (
                Delivery.objects.get(endpoint=endpoint, event_type="application.approved").status
                == "delivered"
            )
            assert Report.objects.get(pk=report.pk).attempts == 1
        finally:
            for process in (beat, worker):
                if process is not None:
                    process.stop()
            portal.stop()
            redis.kill()
