"""Webhooks: registration, signing (and rotation), order, back-off, Retry-After, 410, five days
of failure, redelivery, ping, payload scope at send time, and the outbox surviving a dead
broker or a killed sender."""

import datetime
import json
import threading

import pytest
from django.db import connection
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from associations import services as membership_services
from associations.models import Membership
from core.models import Notification
from enterprises import services as enterprise_services
from integrations import delivery, services
from integrations.models import Attempt, Delivery, Endpoint, new_secret
from tests.conftest import api_as
from tests.integrations.conftest import committed

pytestmark = pytest.mark.django_db


def _register(cast, receiver, types=("enterprise.*", "membership.*"), account=None, actor=None):
    return services.endpoint_register(
        actor=actor or cast.manager,
        url=receiver.url_for("/hooks"),
        event_types=list(types),
        account=account or cast.partner,
    )


def _change(cast, employees, enterprise=None):
    enterprise_services.enterprise_update(
        actor=cast.admin, enterprise_id=(enterprise or cast.member).pk, employees=employees
    )


def _run(endpoint):
    """What the sweeper and one sender do."""
    committed()
    delivery.dispatch()
    return delivery.send_due(endpoint.pk)


def _bodies(receiver):
    return [json.loads(r.body) for r in receiver.requests]


def test_a_change_is_delivered_signed_with_the_object_as_the_account_sees_it(cast, receiver):
    endpoint = _register(cast, receiver)
    _change(cast, 250)
    _change(cast, 40, enterprise=cast.other_member)  # another association's: not for this one
    assert _run(endpoint) == 1
    (request,) = receiver.requests
    payload = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert payload["type"] == "enterprise.updated"
    assert payload["data"]["object"]["employees"] == 250
    assert request.headers["webhook-id"] == payload["id"]
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(request.body, request.headers)
    delivered = Delivery.objects.get(endpoint=endpoint)
    assert delivered.status == Delivery.Status.DELIVERED
    assert Attempt.objects.get(delivery=delivered).status_code == 200


def test_during_a_rotation_both_secrets_verify_and_then_only_the_new_one(cast, receiver):
    endpoint = _register(cast, receiver)
    old = endpoint.secret
    endpoint = services.endpoint_rotate_secret(actor=cast.manager, endpoint_id=endpoint.pk)
    _change(cast, 251)
    _run(endpoint)
    request = receiver.requests[0]
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(request.body, request.headers)
    Webhook(endpoint.secret).verify(request.body, request.headers)

    Endpoint.objects.filter(pk=endpoint.pk).update(
        previous_secret_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    _change(cast, 252)
    _run(endpoint)
    later = receiver.requests[1]
    assert len(later.headers["webhook-signature"].split(" ")) == 1
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(later.body, later.headers)


def test_deliveries_of_an_endpoint_go_in_event_order_behind_a_failing_one(cast, receiver):
    endpoint = _register(cast, receiver)
    for employees in (1, 2, 3):
        _change(cast, employees)
    receiver.respond(500, body=b"down")
    assert _run(endpoint) == 0
    assert len(receiver.requests) == 1  # the later two wait behind the first
    first = Delivery.objects.filter(endpoint=endpoint).order_by("event_id").first()
    assert first.attempts == 1
    assert first.due_at > timezone.now()
    Delivery.objects.filter(pk=first.pk).update(due_at=timezone.now())
    assert delivery.send_due(endpoint.pk) == 3
    events = [int(b["id"].removeprefix("evt_")) for b in _bodies(receiver)]
    assert events[0] == events[1]  # a retry is the same message
    assert events[1:] == sorted(events[1:]) and len(set(events)) == 3


def test_the_back_off_spans_about_three_days_and_then_gives_up(cast, receiver):
    assert delivery.BACKOFF[0] == datetime.timedelta(seconds=5)
    total = sum(delivery.BACKOFF, datetime.timedelta())
    assert datetime.timedelta(days=2.5) < total < datetime.timedelta(days=3.5)
    endpoint = _register(cast, receiver)
    _change(cast, 5)
    _change(cast, 6)
    receiver.default(502)
    committed()
    delivery.dispatch()
    first = Delivery.objects.filter(endpoint=endpoint).order_by("event_id").first()
    waits = []
    for _attempt in range(len(delivery.BACKOFF) + 1):
        before = timezone.now()
        delivery.send_due(endpoint.pk)
        first.refresh_from_db()
        if first.status == Delivery.Status.FAILED:
            break
        waits.append(round((first.due_at - before).total_seconds() / 60))
        Delivery.objects.filter(pk=first.pk).update(due_at=timezone.now())
        Endpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now())
    assert first.status == Delivery.Status.FAILED
    assert first.attempts == len(delivery.BACKOFF) + 1
    assert waits == [round(w.total_seconds() / 60) for w in delivery.BACKOFF]
    # Given up, it lets the next one go.
    receiver.default(200)
    assert delivery.send_due(endpoint.pk) == 1


def test_429_and_503_wait_as_long_as_retry_after_says(cast, receiver):
    endpoint = _register(cast, receiver)
    _change(cast, 7)
    receiver.respond(429, {"Retry-After": "3600"})
    _run(endpoint)
    waiting = Delivery.objects.get(endpoint=endpoint)
    assert (waiting.due_at - timezone.now()) > datetime.timedelta(minutes=59)
    assert delivery.due_endpoints() == []


def test_410_gone_turns_the_endpoint_off_and_tells_its_owner(cast, receiver):
    endpoint = _register(cast, receiver)
    _change(cast, 8)
    receiver.respond(410)
    _run(endpoint)
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert endpoint.disabled == Endpoint.Disabled.GONE
    assert Notification.objects.filter(user=cast.manager, link=f"/webhooks/{endpoint.pk}/").exists()
    _change(cast, 9)
    committed()
    delivery.dispatch()
    assert Delivery.objects.filter(endpoint=endpoint).count() == 1  # nothing more for it


def test_an_endpoint_failing_for_five_days_is_turned_off(cast, receiver):
    endpoint = _register(cast, receiver)
    _change(cast, 10)
    Endpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - datetime.timedelta(days=5, minutes=1)
    )
    receiver.respond(500)
    _run(endpoint)
    endpoint.refresh_from_db()
    assert endpoint.disabled == Endpoint.Disabled.FAILING
    assert Notification.objects.filter(user=cast.partner).exists()


def test_a_success_ends_the_failing_spell(cast, receiver):
    endpoint = _register(cast, receiver)
    _change(cast, 11)
    Endpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - datetime.timedelta(days=4)
    )
    _run(endpoint)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None and endpoint.is_active


def test_what_the_account_may_no_longer_see_is_not_sent_but_its_departure_is(cast, receiver):
    endpoint = _register(cast, receiver, types=("*",))
    _change(cast, 12)
    membership = Membership.objects.get(enterprise=cast.member, association=cast.association)
    membership_services.membership_leave(actor=cast.manager, membership_id=membership.pk)
    _run(endpoint)
    types = [b["type"] for b in _bodies(receiver)]
    assert types == ["membership.left", "enterprise.left_scope"]
    skipped = Delivery.objects.get(endpoint=endpoint, event_type="enterprise.updated")
    assert skipped.status == Delivery.Status.SKIPPED
    assert not skipped.attempt_log.exists()


def test_an_endpoint_gets_only_events_committed_after_it_was_registered(cast, receiver):
    _change(cast, 13)
    committed()
    endpoint = _register(cast, receiver)
    _change(cast, 14)
    _run(endpoint)
    assert [b["data"]["object"]["employees"] for b in _bodies(receiver)] == [14]


def test_a_dead_broker_when_the_event_happens_loses_nothing(cast, receiver, settings):
    """Nothing is sent to Redis when an event is written: the sweeper finds it later."""
    from resumption_portal.celery import app

    endpoint = _register(cast, receiver)
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        _change(cast, 15)
    finally:
        app.conf.broker_url = settings.CELERY_BROKER_URL
    _run(endpoint)
    assert [b["data"]["object"]["employees"] for b in _bodies(receiver)] == [15]


def test_a_killed_sender_s_delivery_goes_out_again_once_its_lease_ends(cast, receiver):
    endpoint = _register(cast, receiver)
    _change(cast, 16)
    committed()
    delivery.dispatch()
    # A sender took the endpoint and died before recording anything.
    Endpoint.objects.filter(pk=endpoint.pk).update(lease_until=timezone.now() + delivery.LEASE)
    assert delivery.due_endpoints() == []
    assert delivery.send_due(endpoint.pk) == 0
    Endpoint.objects.filter(pk=endpoint.pk).update(
        lease_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert delivery.due_endpoints() == [endpoint.pk]
    assert delivery.send_due(endpoint.pk) == 1


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_each_message_once(cast, receiver):
    endpoint = _register(cast, receiver)
    for employees in range(20, 26):
        _change(cast, employees)
    delivery.dispatch()
    receiver.default(200, delay=0.05)
    barrier = threading.Barrier(2)
    sent = []

    def sender():
        try:
            barrier.wait(5)
            sent.append(delivery.send_due(endpoint.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(sent) == [0, 6]
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert len(ids) == len(set(ids)) == 6


def test_redeliver_one_or_the_failed_ones_in_a_time_range(cast, receiver):
    endpoint = _register(cast, receiver)
    _change(cast, 30)
    _run(endpoint)
    done = Delivery.objects.get(endpoint=endpoint)
    assert services.redeliver(actor=cast.manager, endpoint_id=endpoint.pk, delivery_id=done.pk)
    delivery.send_due(endpoint.pk)
    assert len(receiver.requests) == 2
    assert receiver.requests[0].headers["webhook-id"] == receiver.requests[1].headers["webhook-id"]

    Delivery.objects.filter(pk=done.pk).update(status=Delivery.Status.FAILED)
    now = timezone.now()
    count = services.redeliver(
        actor=cast.manager,
        endpoint_id=endpoint.pk,
        since=now - datetime.timedelta(hours=1),
        until=now + datetime.timedelta(hours=1),
    )
    assert count == 1
    assert Delivery.objects.get(pk=done.pk).status == Delivery.Status.PENDING


def test_ping_sends_a_test_message_at_once(cast, receiver):
    endpoint = _register(cast, receiver)
    message = services.ping(actor=cast.manager, endpoint_id=endpoint.pk)
    assert message.status == Delivery.Status.DELIVERED
    (request,) = receiver.requests
    assert Webhook(endpoint.secret).verify(request.body, request.headers)["type"] == "webhook.ping"


def test_the_log_keeps_thirty_days(cast, receiver):
    endpoint = _register(cast, receiver)
    _change(cast, 31)
    _run(endpoint)
    later = timezone.now() + datetime.timedelta(days=31)
    assert delivery.purge_log(now=later) == 1
    assert not Delivery.objects.filter(endpoint=endpoint).exists()


def test_a_deactivated_account_s_endpoint_stops(cast, receiver):
    endpoint = _register(cast, receiver)
    _change(cast, 32)
    cast.partner.is_active = False
    cast.partner.save()
    _run(endpoint)
    endpoint.refresh_from_db()
    assert not endpoint.is_active and receiver.requests == []


def test_the_sender_runs_on_a_queue_of_its_own():
    from integrations import tasks

    assert tasks.send.queue == "webhooks"


def test_the_api_shows_the_secret_once_and_refuses_loopback(cast, receiver):
    client = api_as(cast.manager)
    created = client.post(
        "/api/v1/webhooks/",
        {"url": receiver.url_for("/in"), "event_types": ["need.*"], "account": cast.partner.pk},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["secret"].startswith("whsec_")
    listed = client.get("/api/v1/webhooks/").json()["results"]
    assert [e["id"] for e in listed] == [created.json()["id"]]
    assert "secret" not in listed[0]
    refused = client.post(
        "/api/v1/webhooks/",
        {"url": "http://127.0.0.1:8000/x", "event_types": ["need.*"]},
        format="json",
    )
    assert refused.status_code == 400 and "url" in refused.json()["fields"]
    # Another association's staff cannot see it, nor register for this partner.
    other = api_as(cast.other_staff)
    assert other.get(f"/api/v1/webhooks/{created.json()['id']}/").status_code in (403, 404)
    manager_elsewhere = api_as(cast.other_staff)
    assert manager_elsewhere.post(
        "/api/v1/webhooks/",
        {"url": receiver.url_for("/x"), "event_types": ["*"], "account": cast.partner.pk},
        format="json",
    ).status_code in (400, 403)


@pytest.mark.django_db(transaction=True)
def test_a_slow_endpoint_does_not_hold_another_s_deliveries(cast, receiver):
    """Each endpoint has a sender task of its own on the `webhooks` queue: with a real worker,
    a receiver that takes seconds to answer does not delay another endpoint's message."""
    import time

    from integrations import tasks
    from tests.integrations.receiver import Receiver
    from tests.workers import in_process_worker

    with Receiver() as fast:
        slow_endpoint = _register(cast, receiver)
        fast_endpoint = _register(cast, fast, actor=cast.partner, account=cast.partner)
        receiver.default(200, delay=15)
        _change(cast, 41)
        with in_process_worker(pool="threads", concurrency=2):
            tasks.sweep()
            fast.wait_for(1, timeout=60)
            started = time.monotonic()
            while (
                time.monotonic() - started < 5
                and Delivery.objects.filter(
                    endpoint=fast_endpoint, status=Delivery.Status.PENDING
                ).exists()
            ):
                time.sleep(0.1)
            assert Delivery.objects.get(endpoint=fast_endpoint).status == "delivered"
            assert Delivery.objects.get(endpoint=slow_endpoint).status == "pending"
            receiver.wait_for(1, timeout=30)
            while (
                time.monotonic() - started < 20
                and Delivery.objects.filter(
                    endpoint=slow_endpoint, status=Delivery.Status.PENDING
                ).exists()
            ):
                time.sleep(0.2)
            assert Delivery.objects.get(endpoint=slow_endpoint).status == "delivered"
