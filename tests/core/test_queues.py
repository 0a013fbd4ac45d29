"""Work is queued by kind (docs/decisions/0030): every task lands on a queue that workers take
from, readiness reports and docker-compose.yml gives a worker of its own."""

from pathlib import Path

import pytest
import yaml
from django.conf import settings

from resumption_portal.celery import app

BASE_DIR = Path(__file__).resolve().parents[2]


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def portal_tasks() -> list[str]:
    app.loader.import_default_modules()
    return sorted(name for name in app.tasks if not name.startswith("celery."))


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("enterprises.tasks.run_import_job", "imports"),
        ("reports.tasks.schedule_reports", "reports"),
        ("reports.tasks.generate_report", "reports"),
        ("reports.tasks.store_report_files", "reports"),
        ("reports.tasks.refresh_rollups", "rollups"),
        ("core.tasks.send_notification_email", "notifications"),
        ("core.tasks.send_password_link", "notifications"),
        ("core.tasks.send_daily_digests", "notifications"),
        ("core.tasks.send_digest", "notifications"),
        ("notices.tasks.write_recipients", "notifications"),
        ("market.tasks.ask_members_to_sign", "notifications"),
        ("supplies.tasks.notify_need_change", "notifications"),
        ("integrations.tasks.send", "webhooks"),
        ("core.tasks.heartbeat", "celery"),
        ("core.tasks.sweep_outbox", "celery"),
        ("integrations.tasks.sweep", "celery"),
        ("operations.tasks.apply_retention", "celery"),
    ],
)
def test_each_kind_of_work_goes_to_its_queue(task, queue):
    assert task in portal_tasks()
    assert queue_of(task) == queue


def test_every_task_goes_to_a_queue_that_workers_take_and_readiness_reports():
    unconsumed = {name: queue_of(name) for name in portal_tasks()}
    unconsumed = {name: q for name, q in unconsumed.items() if q not in settings.WORKER_QUEUES}
    assert unconsumed == {}
    # A worker started without -Q takes every one of them.
    assert [queue.name for queue in settings.CELERY_TASK_QUEUES] == settings.WORKER_QUEUES


def test_docker_compose_runs_a_worker_on_each_queue_and_one_beat():
    services = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())["services"]
    consumed: list[str] = []
    beats = 0
    for service in services.values():
        command = service.get("command")
        if not isinstance(command, list) or command[:3] != ["celery", "-A", "resumption_portal"]:
            continue
        if command[3] == "beat":
            beats += 1
            continue
        assert command[3] == "worker"
        assert "-Q" in command, f"a worker without -Q: {command}"
        consumed += command[command.index("-Q") + 1].split(",")
    assert sorted(consumed) == sorted(settings.WORKER_QUEUES)
    assert beats == 1
