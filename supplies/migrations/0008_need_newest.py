"""An association's needs of one kind, newest first (supplies.models.needs: need_newest), built
without locking the needs table against writes."""

from django.db import migrations, models

from core.migration_operations import AddIndexWithoutLocking


class Migration(migrations.Migration):
    atomic = False  # CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("supplies", "0007_need_escalated_enterprise"),
    ]

    operations = [
        AddIndexWithoutLocking(
            model_name="need",
            index=models.Index(
                fields=["association", "kind", "created_at", "id"], name="need_newest"
            ),
        ),
    ]
