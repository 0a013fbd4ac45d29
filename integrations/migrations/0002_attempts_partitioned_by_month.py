"""The webhook attempts' log partitioned by month of `at` on PostgreSQL (decision 0036): the
nightly purge drops a month whole instead of deleting its rows (and their request bodies) one
by one. Nothing changes for Django (`id` stays the model's key); SQLite (`make run`) keeps one
table. Reversing leaves the table partitioned, which the model reads and writes as before."""

from django.db import migrations


def partition(apps, schema_editor):
    from core.partitions import partition_by_month

    partition_by_month(schema_editor, "integrations_attempt", "at")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0021_notifications_partitioned_by_month"),
        ("integrations", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(partition, migrations.RunPython.noop, elidable=False),
    ]
