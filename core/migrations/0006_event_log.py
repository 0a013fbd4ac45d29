"""The status history widens into the event log: every write appends one event, never edited.

The existing status changes are kept, with their ids (notifications name them), and each gets
an action name: `<model>.created` for the first status of an object, `<model>.<status>` after.
"""

from django.db import migrations, models

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION core_event_append_only() RETURNS trigger AS $$
BEGIN
    -- A retention job or a benchmark that resets its own data says so for its transaction.
    IF current_setting('portal.event_purge', true) = 'on' AND TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'core_event is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_event_append_only BEFORE UPDATE OR DELETE ON core_event
    FOR EACH ROW EXECUTE FUNCTION core_event_append_only();
"""

DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS core_event_append_only ON core_event;
DROP FUNCTION IF EXISTS core_event_append_only();
"""


def name_actions(apps, schema_editor):
    Event = apps.get_model("core", "Event")
    ContentType = apps.get_model("contenttypes", "ContentType")
    models_by_id = dict(ContentType.objects.values_list("id", "model"))
    connection = schema_editor.connection
    table = connection.ops.quote_name(Event._meta.db_table)
    with connection.cursor() as cursor:
        for content_type_id, model in models_by_id.items():
            cursor.execute(
                f"UPDATE {table} SET action = CASE WHEN from_status = '' THEN %s "
                f"ELSE %s || to_status END WHERE content_type_id = %s AND action = ''",
                [f"{model}.created", f"{model}.", content_type_id],
            )


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY, params=None)


def not_append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_APPEND_ONLY, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0005_idempotentrequest"),
        ("associations", "0003_members"),
    ]

    operations = [
        migrations.RenameModel("StatusChange", "Event"),
        migrations.AlterModelOptions(
            name="event",
            options={"ordering": ["at", "id"], "verbose_name": "event", "verbose_name_plural": "events"},
        ),
        migrations.AddField(
            model_name="event",
            name="action",
            field=models.CharField(db_default="", max_length=64, verbose_name="action"),
        ),
        migrations.AddField(
            model_name="event",
            name="changes",
            field=models.JSONField(blank=True, db_default={}, default=dict, verbose_name="changes"),
        ),
        migrations.AlterField(
            model_name="event",
            name="to_status",
            field=models.CharField(blank=True, max_length=32, verbose_name="to"),
        ),
        migrations.RunPython(name_actions, migrations.RunPython.noop),
        migrations.RunPython(append_only, not_append_only),
    ]
