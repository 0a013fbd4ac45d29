"""The webhook attempts' log partitioned by month on PostgreSQL (decision 0036): the nightly
purge drops a month of attempts wholly past thirty days and deletes only what is due in the
others; the months ahead are made for it like for every partitioned table."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from core import partitions
from integrations import delivery
from integrations.models import Attempt, Delivery, Endpoint

pytestmark = pytest.mark.django_db

TABLE = Attempt._meta.db_table


def _months() -> set[str]:
    with connection.cursor() as cursor:
        return set(partitions.partitions_of(cursor, TABLE))


def test_the_purge_drops_a_month_past_the_limit_and_deletes_only_what_is_due(cast):
    now = timezone.now()
    cutoff = now - datetime.timedelta(days=delivery.LOG_DAYS)
    partitions.create_ahead(now=cutoff - datetime.timedelta(days=62), months=4)
    endpoint = Endpoint.objects.create(
        account=cast.manager,
        association=cast.association,
        created_by=cast.manager,
        url="http://127.0.0.1:9/hook",
        event_types=["*"],
    )
    waiting = Delivery.objects.create(endpoint=endpoint, event_type="need.created")

    def attempt(at, number):
        return Attempt.objects.create(delivery=waiting, number=number, at=at, request_body="{}")

    old = attempt(cutoff - datetime.timedelta(days=40), 1)
    due = attempt(cutoff - datetime.timedelta(hours=1), 2)
    kept = [attempt(cutoff + datetime.timedelta(hours=1), 3), attempt(now, 4)]
    old_month = f"{TABLE}_p{old.at.astimezone(datetime.UTC):%Y%m}"
    assert old_month in _months()
    with connection.cursor() as cursor:  # as when the rows were committed before the purge
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    assert delivery.purge_log(now=now) == 2

    assert set(waiting.attempt_log.values_list("pk", flat=True)) == {a.pk for a in kept}
    assert old_month not in _months()
    assert not Attempt.objects.filter(pk=due.pk).exists()
    assert delivery.purge_log(now=now) == 0
