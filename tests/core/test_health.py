"""Health, readiness and metrics for operators; the request id and the request log line."""

import json
import logging
import time
import uuid

import pytest
import redis
from celery import Celery
from django.conf import settings as django_settings
from django.core.cache import cache
from django.urls import reverse

from core import health
from core.cache import ResilientRedisCache
from core.tasks import heartbeat

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def test_healthz_answers_while_redis_is_unreachable(client, settings):
    settings.REDIS_URL = UNREACHABLE_REDIS
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_once_beat_has_beaten(client):
    heartbeat()  # what beat has a worker run every 30 s
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    checks = body["checks"]
    assert checks["database"] == checks["migrations"] == checks["redis"] == checks["beat"] == "ok"
    assert checks["beat_heartbeat_age_seconds"] < 5
    assert [queue["name"] for queue in checks["queues"]] == django_settings.WORKER_QUEUES


def test_readyz_is_unavailable_without_a_recent_heartbeat(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["beat"] == "error: no heartbeat yet"

    cache.set(health.HEARTBEAT_KEY, time.time() - 600, timeout=None)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["beat"].startswith("error: last heartbeat 6")


def test_readyz_says_redis_is_down_and_nothing_secret(client, settings):
    settings.REDIS_URL = "redis://:s3cret-password@127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == "error: ConnectionError"
    assert b"s3cret" not in response.content and b"127.0.0.1" not in response.content


def test_readyz_reports_each_queue_s_depth_and_oldest_message(client, settings):
    queue = f"health-{uuid.uuid4().hex[:8]}"
    settings.WORKER_QUEUES = ["celery", queue]
    app = Celery("health-test", broker=django_settings.CELERY_BROKER_URL, set_as_current=False)
    app.conf.broker_transport_options = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS
    try:
        app.send_task("core.tasks.heartbeat", queue=queue)
        app.send_task("core.tasks.heartbeat", queue=queue)
        time.sleep(1.1)
        heartbeat()
        stats = {q["name"]: q for q in client.get("/readyz").json()["checks"]["queues"]}
        assert stats[queue]["messages"] == 2
        assert 1 <= stats[queue]["oldest_seconds"] < 30
    finally:
        prefix = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("global_keyprefix", "")
        redis.Redis.from_url(django_settings.CELERY_BROKER_URL).delete(f"{prefix}{queue}")
        app.close()


# --- metrics ------------------------------------------------------------------------------------


@pytest.fixture
def metrics_closed(settings):
    settings.METRICS_ALLOWED_NETWORKS = []
    settings.METRICS_TOKEN = "metrics-token-for-tests-0123456789"
    return settings.METRICS_TOKEN


@pytest.mark.parametrize(
    "role", ["anonymous", "enterprise_user", "staff", "manager", "official", "partner", "admin"]
)
def test_metrics_are_not_for_portal_users(cast, client, metrics_closed, role):
    user = cast.by_role(role)
    if user is not None:
        client.force_login(user)
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404


def test_metrics_with_the_token(client, metrics_closed):
    client.get(reverse("login"))
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {metrics_closed}")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'portal_http_requests_total{method="GET",route="/login/",status="200"}' in text
    assert "portal_http_request_duration_seconds_bucket" in text
    assert "portal_queue_messages" in text
    assert "portal_notification_emails_waiting" in text
    assert "portal_reports_waiting" in text
    assert "portal_webhook_deliveries_due" in text


def test_metrics_are_closed_unless_a_token_or_a_network_is_set(client, settings):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_metrics_from_an_allowed_network_but_not_through_a_proxy(client, settings):
    import ipaddress

    settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("10.20.0.0/16")]
    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 404
    forwarded = client.get("/metrics", REMOTE_ADDR="10.20.3.4", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert forwarded.status_code == 404


def test_a_task_s_outcome_is_counted_for_metrics(client, metrics_closed):
    from core.tasks import heartbeat as task

    result = task.apply()  # runs the task with its signals, as a worker does
    assert result.successful()
    text = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {metrics_closed}").content.decode()
    assert 'portal_tasks_total{queue="celery",state="SUCCESS",task="core.tasks.heartbeat"}' in text


# --- request id and the request log ------------------------------------------------------------


def test_every_answer_names_its_request(client):
    response = client.get(reverse("login"))
    assert len(response["X-Request-ID"]) == 32
    given = "proxy-4f2a9c1e-77"
    assert client.get(reverse("login"), HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given
    bad = client.get(reverse("login"), HTTP_X_REQUEST_ID="<script>")["X-Request-ID"]
    assert bad != "<script>" and len(bad) == 32


def test_one_log_line_per_request_without_personal_data(cast, client, caplog):
    client.force_login(cast.staff)
    with caplog.at_level(logging.INFO, logger="portal.request"):
        response = client.get(reverse("enterprise-list") + "?q=华兴&phone=13800000000")
    lines = [record for record in caplog.records if record.name == "portal.request"]
    assert len(lines) == 1
    line = lines[0]
    assert line.request_id == response["X-Request-ID"]
    assert (line.method, line.route, line.status) == ("GET", "/enterprises/", 200)
    assert line.user_id == cast.staff.pk and line.role == cast.staff.role
    assert line.duration_ms >= 0
    formatted = logging.getLogger("portal.request").handlers or logging.getLogger().handlers
    assert formatted
    assert "华兴" not in line.getMessage() and "138" not in line.getMessage()


def test_json_log_lines_carry_the_request_id(client, caplog):
    from pythonjsonlogger.json import JsonFormatter

    formatter = JsonFormatter(
        "{asctime}{levelname}{name}{message}{request_id}",
        style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    )
    with caplog.at_level(logging.INFO, logger="portal.request"):
        response = client.get(reverse("login"))
    record = next(r for r in caplog.records if r.name == "portal.request")
    line = json.loads(formatter.format(record))
    assert line["request_id"] == response["X-Request-ID"]
    assert line["logger"] == "portal.request" and line["status"] == 200


def test_a_queued_task_carries_the_request_id(cast, client, django_capture_on_commit_callbacks):
    from reports.models import Report

    client.force_login(cast.staff)
    prefix = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("global_keyprefix", "")
    broker = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    broker.delete(f"{prefix}reports")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("report-request"),
                {"period_type": "day", "day": "2020-02-10", "association": cast.association.pk},
            )
        assert response.status_code == 302, response.content[:500]
        assert Report.objects.filter(status=Report.Status.QUEUED).exists()
        raw = broker.lindex(f"{prefix}reports", 0)  # the reports' queue
        assert raw is not None, "no message queued"
        headers = json.loads(raw)["headers"]
        assert headers["task"] == "reports.tasks.generate_report"
        assert headers["request_id"] == response["X-Request-ID"]
        assert time.time() - 60 < headers["published_at"] <= time.time()
    finally:
        broker.delete(f"{prefix}reports")


# --- the cache while Redis is down --------------------------------------------------------------


def test_the_cache_serves_without_redis():
    unreachable = ResilientRedisCache(
        UNREACHABLE_REDIS, {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
    )
    assert unreachable.get("k", "default") == "default"
    assert unreachable.get_many(["a", "b"]) == {}
    unreachable.set("k", 1)
    assert unreachable.add("k", 1) is True
    assert unreachable.incr("counter") == 1
    assert unreachable.delete("k") is False
    assert unreachable.get_or_set("k", lambda: 7) == 7


def test_the_beat_container_s_check_reads_the_heartbeat():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="No heartbeat"):
        call_command("check_heartbeat")
    cache.set(health.HEARTBEAT_KEY, time.time() - 600, timeout=None)
    with pytest.raises(CommandError, match=r"60[0-9] s ago"):
        call_command("check_heartbeat")
    heartbeat()
    call_command("check_heartbeat")


def test_readyz_without_redis_and_workers_as_make_run_serves(client, settings):
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get("/readyz")
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert (checks["redis"], checks["beat"]) == ("not used", "not used")
    assert "queues" not in checks
