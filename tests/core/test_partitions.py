"""Notifications partitioned by month on PostgreSQL (decision 0036): the nightly task makes the
months ahead and moves nothing; a row of any date is written (a month without its partition
lands in the default one); retention drops a month wholly past its limit and deletes only what
is due in the others; a notification is still told once per key in a month made later."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core import partitions
from core.models import Notification
from core.notifications import notify
from core.tasks import create_partitions_ahead
from operations import retention
from resumption_portal.celery import app
from tests.concurrency import run_together
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TABLE = Notification._meta.db_table
DAY = timedelta(days=1)


def _months() -> set[str]:
    with connection.cursor() as cursor:
        return set(partitions.partitions_of(cursor, TABLE))


def _partition_of(notification: Notification) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tableoid::regclass::text FROM {TABLE} WHERE id = %s",  # noqa: S608
            [notification.pk],
        )
        return cursor.fetchone()[0]


def _month(moment: datetime) -> str:
    return f"{TABLE}_p{moment.astimezone(UTC):%Y%m}"


def test_the_task_is_on_the_beat_schedule_every_night():
    entry = next(
        item
        for item in app.conf.beat_schedule.values()
        if item["task"] == "core.tasks.create_partitions_ahead"
    )
    assert entry["schedule"].hour == {3}


def test_the_months_ahead_exist_after_the_task_and_a_second_run_changes_nothing(settings):
    settings.PARTITIONS_AHEAD_MONTHS = 5
    create_partitions_ahead()
    now = timezone.now()
    start = partitions.month_start(now)
    wanted = set()
    for _ in range(6):
        wanted.add(_month(start))
        start = partitions.next_month(start)
    assert wanted <= _months()
    assert f"{TABLE}_default" in _months()
    before = _months()

    assert create_partitions_ahead() == []
    assert _months() == before


def test_a_row_dated_in_a_month_made_ahead_lands_in_its_partition():
    later = timezone.now() + 200 * DAY
    made = partitions.create_ahead(now=later, months=0)
    assert _month(later) in made
    user = UserFactory()
    notification = Notification.objects.create(user=user, title="t", created_at=later)
    assert _partition_of(notification) == _month(later)
    assert Notification.objects.get(pk=notification.pk).created_at == later


def test_a_loader_of_past_rows_makes_their_months_first():
    past = timezone.now() - 100 * DAY
    made = partitions.create_ahead(since=past, months=0)
    assert _month(past) in made
    loaded = Notification.objects.create(user=UserFactory(), title="past", created_at=past)
    assert _partition_of(loaded) == _month(past)


def test_a_row_outside_every_month_goes_to_the_default_partition_without_error():
    user = UserFactory()
    far = Notification.objects.create(
        user=user, title="far", created_at=datetime(2099, 5, 1, tzinfo=UTC)
    )
    old = Notification.objects.create(
        user=user, title="old", created_at=datetime(2001, 5, 1, tzinfo=UTC)
    )
    assert _partition_of(far) == _partition_of(old) == f"{TABLE}_default"
    assert set(user.notifications.values_list("title", flat=True)) == {"far", "old"}


def test_a_month_whose_rows_wait_in_the_default_partition_is_left_alone():
    """Creating it would have to move those rows: the task leaves the month to the default
    partition (and logs it) instead of failing or moving them."""
    later = timezone.now() + 400 * DAY
    waiting = Notification.objects.create(user=UserFactory(), title="w", created_at=later)
    assert _month(later) not in partitions.create_ahead(now=later, months=0)
    assert _month(later) not in _months()
    assert _partition_of(waiting) == f"{TABLE}_default"


def test_a_notification_is_still_told_once_per_key_in_a_month_made_ahead():
    later = timezone.now() + 230 * DAY
    partitions.create_ahead(now=later, months=0)
    user = UserFactory()
    assert notify(user=user, title="Approved", key="event:1") is not None
    assert notify(user=user, title="Approved", key="event:1") is None
    assert user.notifications.filter(key="event:1").count() == 1
    # The new month's own unique index, copied from the months before it, refuses a twin
    # written at the same moment (two workers telling the same thing at once).
    Notification.objects.create(user=user, title="once", key="event:2", created_at=later)
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(user=user, title="twice", key="event:2", created_at=later)


def test_retention_drops_a_month_wholly_past_the_limit_and_deletes_only_what_is_due(settings):
    settings.NOTIFICATION_RETENTION_DAYS = 180
    now = timezone.now()
    cutoff = now - 180 * DAY
    partitions.create_ahead(now=cutoff - 62 * DAY, months=5)
    user = UserFactory()

    def at(moment, title):
        return Notification.objects.create(user=user, title=title, created_at=moment)

    whole_month = at(cutoff - 40 * DAY, "a month before the limit")
    just_due = at(cutoff - timedelta(hours=1), "an hour past the limit")
    in_default = at(datetime(2001, 1, 1, tzinfo=UTC), "in the default partition")
    kept = [at(cutoff + timedelta(hours=1), "an hour short of it"), at(now, "today")]
    old_month = _month(whole_month.created_at)
    assert old_month in _months()
    # As when the retention runs in a transaction of its own: the rows' deferred checks done.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    deleted = retention.delete_old_notifications(now)

    assert deleted == 3
    assert set(user.notifications.values_list("pk", flat=True)) == {n.pk for n in kept}
    assert old_month not in _months()
    assert _month(kept[0].created_at) in _months()
    assert in_default.pk not in set(Notification.objects.values_list("pk", flat=True))
    assert just_due.pk not in set(Notification.objects.values_list("pk", flat=True))
    # Run again, it finds nothing.
    assert retention.delete_old_notifications(now) == 0


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_make_each_month_once_and_drop_it_once():
    # Months long past, so that dropping what is before them touches nothing else.
    far = datetime(1990, 1, 15, tzinfo=UTC)
    months = [f"{TABLE}_p199001", f"{TABLE}_p199002"]
    try:
        outcomes = run_together(
            [lambda: partitions.create_ahead(now=far, months=1) for _ in range(2)]
        )
        assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
        made = [name for _, result in outcomes for name in result if name.startswith(TABLE)]
        assert sorted(made) == months
        Notification.objects.create(user=UserFactory(), title="t", created_at=far)

        outcomes = run_together(
            [
                lambda: partitions.drop_months_before(TABLE, datetime(1990, 3, 1, tzinfo=UTC))
                for _ in range(2)
            ]
        )
        assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
        assert sum(result for _, result in outcomes) == 1
        assert not set(months) & _months()
    finally:
        with connection.cursor() as cursor:
            for table in (TABLE, "integrations_attempt"):
                for month in ("199001", "199002"):
                    cursor.execute(f'DROP TABLE IF EXISTS "{table}_p{month}"')
