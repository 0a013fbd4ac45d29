"""Each event carries the region code of its subject's enterprise (core.models.Event.region).
The column is added here; operations 0002 has the database fill it (a trigger, and the past
events), and 0023 indexes it once it is filled (decision 0038)."""

from django.db import migrations, models

# The append-only rule, as core 0006 wrote it, with one exception: a transaction that says so
# (operations 0002, keying the past events) may fill an event's empty region, and change
# nothing else.
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION core_event_append_only() RETURNS trigger AS $$
DECLARE
    filled varchar;
BEGIN
    -- A retention job or a benchmark that resets its own data says so for its transaction.
    IF current_setting('portal.event_purge', true) = 'on' AND TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND current_setting('portal.event_region_fill', true) = 'on'
            AND OLD.region = '' THEN
        filled := NEW.region;
        NEW.region := OLD.region;
        IF NEW IS NOT DISTINCT FROM OLD THEN
            NEW.region := filled;
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'core_event is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""

APPEND_ONLY_BEFORE = """
CREATE OR REPLACE FUNCTION core_event_append_only() RETURNS trigger AS $$
BEGIN
    IF current_setting('portal.event_purge', true) = 'on' AND TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'core_event is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY, params=None)


def append_only_before(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_BEFORE, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0021_notifications_partitioned_by_month"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="region",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                editable=False,
                max_length=6,
                verbose_name="region",
            ),
        ),
        migrations.RunPython(append_only, append_only_before),
    ]
