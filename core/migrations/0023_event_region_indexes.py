"""An official's audit log reads a kind's events in a province, a prefecture or a county newest
first (decision 0038): indexed after operations 0002 filled the key of the past events, so that
the fill does not also write these indexes, and without locking the event log against writes."""

import django.db.models.functions.text
from django.db import migrations, models

from core.migration_operations import AddIndexWithoutLocking

FILLED = ~models.Q(region="")


class Migration(migrations.Migration):
    atomic = False  # CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("core", "0022_event_region"),
        ("operations", "0002_event_region"),
    ]

    operations = [
        AddIndexWithoutLocking(
            model_name="event",
            index=models.Index(
                models.F("content_type"),
                django.db.models.functions.text.Left("region", 2),
                models.F("id"),
                condition=FILLED,
                name="event_province_newest",
            ),
        ),
        AddIndexWithoutLocking(
            model_name="event",
            index=models.Index(
                models.F("content_type"),
                django.db.models.functions.text.Left("region", 4),
                models.F("id"),
                condition=FILLED,
                name="event_prefecture_newest",
            ),
        ),
        AddIndexWithoutLocking(
            model_name="event",
            index=models.Index(
                fields=["content_type", "region", "id"],
                condition=FILLED,
                name="event_county_newest",
            ),
        ),
        AddIndexWithoutLocking(
            model_name="event",
            index=models.Index(
                fields=["object_id"],
                condition=models.Q(action="enterprise.updated", changes__has_key="region"),
                name="event_enterprise_moved",
            ),
        ),
    ]
