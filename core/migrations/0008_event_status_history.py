from django.db import migrations, models

from core.migration_operations import AddIndexWithoutLocking


class Migration(migrations.Migration):
    atomic = False  # CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0007_notification_emailed_at"),
    ]

    operations = [
        AddIndexWithoutLocking(
            model_name="event",
            index=models.Index(
                condition=models.Q(("to_status", ""), _negated=True),
                fields=["content_type", "object_id", "-at", "-id"],
                include=("to_status",),
                name="event_status_history",
            ),
        ),
    ]
