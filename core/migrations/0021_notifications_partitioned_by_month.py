"""Notifications partitioned by month of `created_at` on PostgreSQL (decision 0036): the
retention drops a month whole instead of deleting it row by row. Nothing changes for Django
(`id` stays the model's key); SQLite (`make run`) keeps one table. Reversing leaves the table
partitioned, which the model reads and writes as before."""

from django.db import migrations


def partition(apps, schema_editor):
    from core.partitions import partition_by_month

    partition_by_month(schema_editor, "core_notification", "created_at")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0020_digest_unsent_index"),
    ]

    operations = [
        migrations.RunPython(partition, migrations.RunPython.noop, elidable=False),
    ]
