"""The hardest-hit list in its order (relief.models: hardship_hardest), built without locking the
table against writes."""

from django.db import migrations, models

from core.migration_operations import AddIndexWithoutLocking


class Migration(migrations.Migration):
    atomic = False  # CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("relief", "0003_names_in_the_active_language"),
    ]

    operations = [
        AddIndexWithoutLocking(
            model_name="hardshipassessment",
            index=models.Index(
                condition=models.Q(("grade", "severe"), ("status", "assessed")),
                fields=["-revenue_drop_percent", "months_of_cash"],
                name="hardship_hardest",
            ),
        ),
    ]
