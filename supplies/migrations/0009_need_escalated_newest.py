"""The escalated needs of one kind, newest first (supplies.models.needs: need_escalated_newest),
built without locking the needs table against writes."""

from django.db import migrations, models

from core.migration_operations import AddIndexWithoutLocking


class Migration(migrations.Migration):
    atomic = False  # CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("supplies", "0008_need_newest"),
    ]

    operations = [
        AddIndexWithoutLocking(
            model_name="need",
            index=models.Index(
                condition=models.Q(("escalated_at__isnull", False)),
                fields=["kind", "created_at", "id"],
                include=("enterprise",),
                name="need_escalated_newest",
            ),
        ),
    ]
