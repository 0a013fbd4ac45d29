from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class AddIndexWithoutLocking(AddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY on PostgreSQL, so that the services writing events are not
    blocked while a large event log is indexed; a plain index elsewhere (the demo's SQLite)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(
            self, app_label, schema_editor, from_state, to_state
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(
            self, app_label, schema_editor, from_state, to_state
        )


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
