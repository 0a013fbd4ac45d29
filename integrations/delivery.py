"""Webhook delivery from the outbox (decision 0026).

- `dispatch()` reads the events committed after its cursor, in commit order, and writes a
  `Delivery` for each endpoint whose event types want it — in the transaction that moves the
  cursor, so an event is dispatched once even when Redis or a worker was down when it happened.
- `send_due(endpoint_id)` sends one endpoint's deliveries in event order, one at a time, under a
  lease on the endpoint (concurrency one per endpoint; a killed sender's lease runs out and the
  next sweep goes on). The payload is built when sent, as the account may see the object then.
- A failed attempt is tried again after the back-off below, kept as a due time in the database
  and picked up by the sweeper (beat), not as a Celery countdown; the endpoint's later
  deliveries wait behind it. 410 Gone turns the endpoint off; 429 and 503 honour Retry-After;
  an endpoint failing for five days is turned off and its owner told.
"""

import datetime
import json
import logging

from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks.webhooks import Webhook

from core import partitions
from core.notifications import notify
from integrations import feed, outgoing
from integrations.models import Attempt, Delivery, DispatchCursor, Endpoint

log = logging.getLogger(__name__)

# After the first attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 20 h — the last try
# about three days (71.6 h) after the event.
BACKOFF = [
    datetime.timedelta(seconds=5),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=5),
    datetime.timedelta(hours=10),
    datetime.timedelta(hours=14),
    datetime.timedelta(hours=20),
    datetime.timedelta(hours=20),
]
FAILING_LIMIT = datetime.timedelta(days=5)
LEASE = datetime.timedelta(minutes=2)
# One sender's turn: it stops after this many deliveries and leaves the rest to the next sweep.
BATCH = 200
TIMEOUT = 30
LOG_DAYS = 30
DISPATCH_LOCK = 7_420_026
S = Delivery.Status


def dispatch(limit: int = feed.WINDOW) -> int:
    """Deliveries for the events committed after the cursor (one window). Answers how many
    events were read (the sweeper calls again while a whole window was read)."""
    with transaction.atomic():
        state = DispatchCursor.objects.select_for_update().filter(name="webhooks").first()
        if state is None:
            # No endpoint was ever registered (registering one starts the cursor).
            start_cursor()
            return 0
        after = feed.Cursor(state.position, state.event_id)
        rows = feed.window(after, limit)
        if not rows:
            return 0
        endpoints = list(Endpoint.objects.filter(is_active=True))
        if endpoints:
            chosen = feed.candidates(rows, None)
            actions = {row.event_id: row.action for row in rows}
            deliveries = []
            for cursor, event_id, variant in chosen:
                event_type = feed.message_type(actions[event_id], variant)
                for endpoint in endpoints:
                    start = feed.Cursor(endpoint.start_position, endpoint.start_event_id)
                    if cursor > start and feed.matches(endpoint.event_types, event_type):
                        deliveries.append(
                            Delivery(
                                endpoint=endpoint,
                                event_id=event_id,
                                variant=variant,
                                position=cursor.position,
                                event_type=event_type,
                            )
                        )
            Delivery.objects.bulk_create(deliveries, ignore_conflicts=True, batch_size=1000)
        last = rows[-1].cursor
        state.position, state.event_id = last.position, last.event_id
        state.save(update_fields=["position", "event_id"])
        return len(rows)


def start_cursor() -> None:
    """The dispatcher's cursor, made at the end of the log when the first endpoint is
    registered: nothing before it was ever for an endpoint."""
    start = feed.end()
    DispatchCursor.objects.get_or_create(
        name="webhooks", defaults={"position": start.position, "event_id": start.event_id}
    )


def due_endpoints(now=None) -> list[int]:
    """Active endpoints with a delivery due and no sender holding them."""
    now = now or timezone.now()
    heads = (
        Delivery.objects.filter(status=S.PENDING, endpoint__is_active=True)
        .filter(Q(endpoint__lease_until__isnull=True) | Q(endpoint__lease_until__lt=now))
        .values("endpoint_id")
        .annotate(first_due=Min("due_at"))
        .filter(first_due__lte=now)
    )
    return [row["endpoint_id"] for row in heads]


def _claim(endpoint_id: int, now) -> bool:
    return bool(
        Endpoint.objects.filter(pk=endpoint_id, is_active=True)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + LEASE)
    )


def _release(endpoint_id: int) -> None:
    Endpoint.objects.filter(pk=endpoint_id).update(lease_until=None)


def body_of(delivery: Delivery, endpoint: Endpoint) -> dict | None:
    """The payload as the endpoint's account may see it now, or None when it may not."""
    if delivery.variant == Delivery.Variant.PING:
        return {
            "id": delivery.message_id,
            "type": "webhook.ping",
            "timestamp": delivery.created_at.isoformat(),
            "data": {"endpoint_id": endpoint.pk},
        }
    cursor = feed.Cursor(delivery.position, delivery.event_id)
    told = feed.messages(endpoint.account, [(cursor, delivery.event_id, delivery.variant)])
    return told[0][1] if told else None


def signed_headers(endpoint: Endpoint, message_id: str, body: bytes, now) -> dict:
    signatures = " ".join(
        Webhook(secret).sign(message_id, now, body) for secret in endpoint.signing_secrets(now)
    )
    return {
        "content-type": "application/json",
        "user-agent": "ResumptionPortal-Webhooks/1",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signatures,
    }


def attempt(delivery: Delivery, endpoint: Endpoint, payload: dict, *, timeout=TIMEOUT):
    """One request for the delivery, logged; answers the outcome."""
    now = timezone.now()
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = signed_headers(endpoint, delivery.message_id, body, now)
    outcome = outgoing.post(endpoint.url, body, headers, timeout=timeout)
    Attempt.objects.create(
        delivery=delivery,
        number=delivery.attempts + 1,
        at=now,
        request_body=body.decode(),
        status_code=outcome.status,
        response_start=outcome.body_start,
        duration_ms=outcome.duration_ms,
        error=outcome.error[:300],
    )
    return outcome


def _turn_off(endpoint: Endpoint, why: str, now) -> None:
    Endpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False, disabled=why, disabled_at=now, lease_until=None
    )
    reasons = {
        Endpoint.Disabled.GONE: _("the receiver answered 410 Gone"),
        Endpoint.Disabled.FAILING: _("every delivery has failed for five days"),
        Endpoint.Disabled.ACCOUNT: _("its account was deactivated"),
    }
    title = _("Webhook endpoint turned off: %(url)s") % {"url": endpoint.url}
    body = _("It was turned off because %(why)s. Fix the receiver, then turn it on again.") % {
        "why": reasons.get(why, why)
    }
    for user in {endpoint.created_by, endpoint.account}:
        if user.is_active:
            notify(user=user, title=title, body=body, link=f"/webhooks/{endpoint.pk}/")


def _next_due(delivery: Delivery, outcome, now):
    """When to try again, or None to give up (every attempt of the schedule was made)."""
    if delivery.attempts > len(BACKOFF):
        return None
    wait = BACKOFF[delivery.attempts - 1]
    if outcome.status in (429, 503) and outcome.retry_after is not None:
        wait = max(wait, datetime.timedelta(seconds=outcome.retry_after))
    return now + wait


def send_due(endpoint_id: int, *, timeout=TIMEOUT) -> int:
    """Send the endpoint's due deliveries in event order, while they succeed. Answers how many
    were sent successfully."""
    now = timezone.now()
    if not _claim(endpoint_id, now):
        return 0
    sent = 0
    try:
        endpoint = Endpoint.objects.select_related("account", "created_by").get(pk=endpoint_id)
        if not endpoint.account.is_active:
            _turn_off(endpoint, Endpoint.Disabled.ACCOUNT, now)
            return 0
        for _turn in range(BATCH):
            delivery = (
                Delivery.objects.filter(endpoint=endpoint, status=S.PENDING)
                .order_by("position", "event_id", "variant", "id")
                .first()
            )
            if delivery is None or delivery.due_at > timezone.now():
                break
            payload = body_of(delivery, endpoint)
            now = timezone.now()
            if payload is None:
                delivery.status, delivery.finished_at = S.SKIPPED, now
                delivery.save(update_fields=["status", "finished_at"])
                continue
            outcome = attempt(delivery, endpoint, payload, timeout=timeout)
            now = timezone.now()
            delivery.attempts += 1
            delivery.last_status_code = outcome.status
            delivery.save(update_fields=["attempts", "last_status_code"])
            if outcome.ok:
                delivery.status, delivery.finished_at = S.DELIVERED, now
                delivery.save(update_fields=["status", "finished_at"])
                if endpoint.failing_since:
                    endpoint.failing_since = None
                    Endpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
                sent += 1
                Endpoint.objects.filter(pk=endpoint.pk).update(lease_until=now + LEASE)
                continue
            if outcome.status == 410:
                _turn_off(endpoint, Endpoint.Disabled.GONE, now)
                break
            since = endpoint.failing_since or now
            if endpoint.failing_since is None:
                Endpoint.objects.filter(pk=endpoint.pk).update(failing_since=since)
            due = _next_due(delivery, outcome, now)
            if due is None:
                delivery.status, delivery.finished_at = S.FAILED, now
                delivery.save(update_fields=["status", "finished_at"])
            else:
                delivery.due_at = due
                delivery.save(update_fields=["due_at"])
            if now - since >= FAILING_LIMIT:
                _turn_off(endpoint, Endpoint.Disabled.FAILING, now)
            break
    finally:
        _release(endpoint_id)
    return sent


def redeliver(deliveries) -> int:
    """Send these deliveries again (each as a new delivery of the same message, so the
    receiver can tell a repeat by its `webhook-id`). Answers how many."""
    now = timezone.now()
    return deliveries.exclude(status=S.PENDING).update(
        status=S.PENDING, due_at=now, attempts=0, finished_at=None
    )


def purge_log(now=None) -> int:
    """The attempts older than 30 days, and finished deliveries with no attempt left. On
    PostgreSQL the months of attempts wholly past the limit go as partitions dropped
    (core.partitions, decision 0036), the rest row by row."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=LOG_DAYS)
    removed = partitions.drop_months_before(Attempt._meta.db_table, cutoff)
    removed += Attempt.objects.filter(at__lt=cutoff).delete()[0]
    Delivery.objects.filter(finished_at__lt=cutoff).exclude(status=S.PENDING).delete()
    return removed
