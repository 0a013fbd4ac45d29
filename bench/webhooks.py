"""Partner integration at the scale of a large association: the change feed over 1,000,000
events (a page of 1,000 after a deep cursor and after a shallow one: queries and server time),
and webhook deliveries to a local receiver sent by one sender (events per second).

The events are changes of the association's members (`enterprise.updated`), written by
transactions of 10,000 each (so the commit order has many positions), once; later runs reuse
them. The receiver listens on this machine's own network address (loopback is refused by the
outgoing guard, by design) and answers 200 at once.
"""

import time

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings

from associations.models import AssociationUser
from bench.generate import Population
from bench.needs import _get, _queries, _server_time
from bench.report import figure, heading, note
from core.models import Event, Role, User
from enterprises.models import Enterprise
from integrations import delivery, feed, services
from integrations.models import Delivery, Endpoint
from tests.integrations.receiver import Receiver

EVENTS = 1_000_000
PER_TRANSACTION = 10_000
FEED_TARGET_MS = 500
DELIVERIES = 2_000
THROUGHPUT_TARGET = 50  # events per second, one sender
ACTION = "enterprise.updated"


def _partner(population: Population) -> User:
    user, _created = User.objects.get_or_create(
        username="bench-partner", defaults={"role": Role.PARTNER}
    )
    AssociationUser.objects.get_or_create(user=user, association=population.association)
    return user


def _ensure_events(population: Population) -> int:
    """1,000,000 member changes in the event log (written once)."""
    content_type = ContentType.objects.get_for_model(Enterprise)
    have = Event.objects.filter(content_type=content_type, action=ACTION).count()
    if have >= EVENTS:
        return have
    members = list(
        population.association.memberships.values_list("enterprise_id", flat=True).order_by(
            "enterprise_id"
        )
    )
    started = time.perf_counter()
    table = Event._meta.db_table
    for offset in range(have, EVENTS, PER_TRANSACTION):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (content_type_id, object_id, action, from_status, "  # noqa: S608
                "to_status, reason, changes, at) "
                "SELECT %s, (%s::bigint[])[1 + (n %% %s)], %s, '', '', '', "
                "jsonb_build_object('employees', jsonb_build_array(n %% 90, n %% 97)), "
                "now() - make_interval(secs => %s - n) "
                "FROM generate_series(%s, %s) AS n",
                [
                    content_type.pk,
                    members,
                    len(members),
                    ACTION,
                    EVENTS,
                    offset,
                    min(offset + PER_TRANSACTION, EVENTS) - 1,
                ],
            )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")
        cursor.execute("ANALYZE core_eventcommit")
    note(f"wrote {EVENTS - have:,} events in {time.perf_counter() - started:.0f} s")
    return EVENTS


def _deep_cursor(population: Population, fraction: float) -> feed.Cursor:
    """The position `fraction` of the way through the partner's own events (the association's
    member changes): the log also holds what other sections wrote since (the import's
    association, notices...), which the partner does not see; a cursor among those read empty
    pages and sent no deliveries."""
    content_type = ContentType.objects.get_for_model(Enterprise)
    members = list(population.association.memberships.values_list("enterprise_id", flat=True))
    where = "e.content_type_id = %s AND e.action = %s AND e.object_id = ANY(%s::bigint[])"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM core_event e WHERE {where}",  # noqa: S608
            [content_type.pk, ACTION, members],
        )
        total = cursor.fetchone()[0]
        cursor.execute(
            "SELECT c.position, e.id FROM core_event e JOIN core_eventcommit c "  # noqa: S608
            f"ON c.txid = e.txid WHERE {where} ORDER BY c.position, e.id OFFSET %s LIMIT 1",
            [content_type.pk, ACTION, members, int(total * fraction)],
        )
        return feed.Cursor(*cursor.fetchone())


def _feed(population: Population, partner: User) -> None:
    client = Client()
    client.force_login(partner)
    url = "/api/v1/events/"
    cursors = {
        "shallow cursor (1%)": _deep_cursor(population, 0.01),
        "deep cursor (90%)": _deep_cursor(population, 0.9),
    }
    for name, cursor in cursors.items():
        params = {"after": str(cursor), "limit": 1000}
        page = _get(client, url, params).json()
        note(f"{name}: {len(page['results'])} messages, has_more={page['has_more']}")
        figure(
            f"SQL queries, feed page of 1,000, {name}",
            str(_queries(lambda p=params: _get(client, url, p))),
        )
        _server_time(
            f"median server time, feed page of 1,000, {name}",
            lambda p=params: _get(client, url, p),
            FEED_TARGET_MS,
        )
    typed = {"after": str(cursors["deep cursor (90%)"]), "limit": 1000, "types": "membership.*"}
    _server_time(
        "median server time, feed filtered to a type with no events (one window of 5,000)",
        lambda: _get(client, url, typed),
        FEED_TARGET_MS,
    )


def _throughput(population: Population, partner: User) -> None:
    with (
        Receiver() as receiver,
        override_settings(WEBHOOK_ALLOWED_NETWORKS=receiver.allowed_networks),
    ):
        Endpoint.objects.filter(description="bench").delete()
        endpoint = services.endpoint_register(
            actor=partner,
            url=receiver.url_for("/bench"),
            event_types=[ACTION],
            description="bench",
        )
        # The endpoint's deliveries: the last DELIVERIES events (before it was registered).
        start = _deep_cursor(population, 1 - DELIVERIES / EVENTS)
        Endpoint.objects.filter(pk=endpoint.pk).update(
            start_position=start.position, start_event_id=start.event_id
        )
        rows = feed.window(start, DELIVERIES)
        Delivery.objects.bulk_create(
            Delivery(
                endpoint=endpoint,
                event_id=row.event_id,
                position=row.cursor.position,
                event_type=row.action,
            )
            for row in rows
        )
        delivery.dispatch()  # the cursor starts at the end on a first run
        started = time.perf_counter()
        sent = 0
        while True:
            batch = delivery.send_due(endpoint.pk)
            sent += batch
            if not batch:
                break
        seconds = time.perf_counter() - started
        rate = sent / seconds
        figure(
            f"webhook deliveries, one sender, {sent:,} events to a local receiver",
            f"{rate:,.0f} events/s",
            f"> {THROUGHPUT_TARGET}/s",
            rate > THROUGHPUT_TARGET,
        )
        note(f"    {seconds:.1f} s; received {len(receiver.requests):,}")
        dispatch_started = time.perf_counter()
        delivery.dispatch()
        took = 1000 * (time.perf_counter() - dispatch_started)
        note(f"    a dispatch with nothing new: {took:.0f} ms")
        Endpoint.objects.filter(pk=endpoint.pk).delete()


def run(population: Population) -> None:
    heading("Partner integration: the change feed and webhooks")
    total = _ensure_events(population)
    note(f"{total:,} member changes in the event log")
    partner = _partner(population)
    _feed(population, partner)
    _throughput(population, partner)
