"""The cases newest first (cases.models: case_newest), built without locking the table against
writes."""

from django.db import migrations, models

from core.migration_operations import AddIndexWithoutLocking


class Migration(migrations.Migration):
    atomic = False  # CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("cases", "0002_names_in_the_active_language"),
    ]

    operations = [
        AddIndexWithoutLocking(
            model_name="case",
            index=models.Index(fields=["published_at", "id"], name="case_newest"),
        ),
    ]
