"""A webhook sender killed in the middle of a delivery (SIGKILL, while the receiver is still
answering) loses nothing: once its lease on the endpoint has run out the next sender sends the
same message again (the same `webhook-id`, so the receiver can tell), and it is recorded once.

A real Celery worker process against Redis and the test database, on a queue of this test's own
(the machinery of tests/reports/test_worker_crash.py)."""

import json

import pytest
from django.utils import timezone

from enterprises import services as enterprise_services
from integrations import delivery, services
from integrations.models import Attempt, Delivery, Endpoint
from tests.reports.test_worker_crash import Broker, running_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

TASK = "integrations.tasks.send"


@pytest.fixture
def broker():
    broker = Broker()
    yield broker
    broker.clean()


def test_a_killed_sender_s_message_is_sent_again_and_recorded_once(
    cast, receiver, broker, tmp_path
):
    endpoint = services.endpoint_register(
        actor=cast.manager,
        url=receiver.url_for("/hooks"),
        event_types=["enterprise.*"],
        account=cast.partner,
    )
    enterprise_services.enterprise_update(
        actor=cast.admin, enterprise_id=cast.member.pk, employees=77
    )
    delivery.dispatch()
    receiver.respond(200, delay=30)  # the first answer comes too late for the first sender
    networks = ",".join(receiver.allowed_networks)

    with running_worker(broker, tmp_path / "first.log", WEBHOOK_ALLOWED_NETWORKS=networks) as w:
        broker.app.send_task(TASK, args=[endpoint.pk], queue=broker.queue)
        wait_for(lambda: len(receiver.requests) == 1, "the first request", [w])
        w.kill_all()
    pending = Delivery.objects.get(endpoint=endpoint)
    assert pending.status == Delivery.Status.PENDING
    assert not Attempt.objects.filter(delivery=pending).exists()
    assert delivery.due_endpoints() == []  # the dead sender's lease still holds it

    # The lease runs out (two minutes; moved here rather than waited for).
    Endpoint.objects.filter(pk=endpoint.pk).update(lease_until=timezone.now())
    assert delivery.due_endpoints() == [endpoint.pk]
    with running_worker(broker, tmp_path / "second.log", WEBHOOK_ALLOWED_NETWORKS=networks) as w:
        broker.app.send_task(TASK, args=[endpoint.pk], queue=broker.queue)
        wait_for(
            lambda: Delivery.objects.get(pk=pending.pk).status == Delivery.Status.DELIVERED,
            "the delivery",
            [w],
        )
    first, again = receiver.requests[:2]
    assert first.headers["webhook-id"] == again.headers["webhook-id"]
    assert json.loads(again.body)["data"]["object"]["employees"] == 77
    assert Attempt.objects.filter(delivery=pending).count() == 1
