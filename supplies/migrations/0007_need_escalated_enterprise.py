"""The escalated needs by enterprise (supplies.models.needs: need_escalated_enterprise), built
without locking the needs table against writes."""

from django.db import migrations, models

from core.migration_operations import AddIndexWithoutLocking


class Migration(migrations.Migration):
    atomic = False  # CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("supplies", "0006_event_need_info_added"),
    ]

    operations = [
        AddIndexWithoutLocking(
            model_name="need",
            index=models.Index(
                condition=models.Q(("escalated_at__isnull", False)),
                fields=["enterprise"],
                include=("escalated_at", "status"),
                name="need_escalated_enterprise",
            ),
        ),
    ]
