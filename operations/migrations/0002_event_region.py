"""The database keys each event by the region of its subject's enterprise (core.models.Event:
region), for an official's audit log (decision 0038): a trigger sets it on every insert that
leaves it empty (a service's event; the member import writes it itself), and the past events
are filled here. PostgreSQL only: elsewhere (the demo's SQLite) the column stays
empty and the audit log reads by its rule alone.

The kinds keyed are those whose subject belongs to one enterprise (operations.audit:
KEYED_BY_ENTERPRISE); the trigger names their tables as they are at this migration."""

from django.db import migrations, transaction

# (app label, model, its table): the subject's enterprise is the row itself (no table) or the
# row's enterprise_id.
KINDS = [
    ("enterprises", "enterprise", None),
    ("associations", "membership", "associations_membership"),
    ("batches", "application", "batches_application"),
    ("supplies", "need", "supplies_need"),
]


def _enterprise_of(table: str | None, subject: str) -> str:
    """SQL naming the enterprise `e` of the subject whose id is `subject`: "… WHERE …", to
    follow a FROM."""
    if table is None:
        return f"enterprises_enterprise e WHERE e.id = {subject}"
    return (
        f"{table} s JOIN enterprises_enterprise e ON e.id = s.enterprise_id "
        f"WHERE s.id = {subject}"
    )


def _trigger_sql() -> str:
    branches = "\n".join(
        f"    {'IF' if i == 0 else 'ELSIF'} kind = '{app}.{model}' THEN\n"
        f"        NEW.region := coalesce((SELECT e.region_id FROM "
        f"{_enterprise_of(table, 'NEW.object_id')}), '');"
        for i, (app, model, table) in enumerate(KINDS)
    )
    return f"""
CREATE OR REPLACE FUNCTION core_event_region() RETURNS trigger AS $$
DECLARE
    kind text;
BEGIN
    SELECT app_label || '.' || model INTO kind FROM django_content_type
        WHERE id = NEW.content_type_id;
{branches}
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE TRIGGER core_event_region BEFORE INSERT ON core_event
    FOR EACH ROW WHEN (NEW.region = '') EXECUTE FUNCTION core_event_region();
"""


DROP_TRIGGER = """
DROP TRIGGER IF EXISTS core_event_region ON core_event;
DROP FUNCTION IF EXISTS core_event_region();
"""


# Past events are keyed a range of ids at a time, each range in a transaction of its own: the
# portal goes on writing meanwhile (new events are keyed by the trigger, created first), and a
# fill that stops is taken up again where it stopped (only empty keys are filled).
FILL_BATCH = 200_000


def key_events(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    ContentType = apps.get_model("contenttypes", "ContentType")
    with transaction.atomic(using=connection.alias):
        schema_editor.execute(_trigger_sql(), params=None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(min(id), 0), coalesce(max(id), 0) FROM core_event")
        first, last = cursor.fetchone()
    for app, model, table in KINDS:
        kind = ContentType.objects.filter(app_label=app, model=model).first()
        if kind is None:  # a new database: no events yet
            continue
        subjects = _enterprise_of(table, "v.object_id")
        for start in range(first, last + 1, FILL_BATCH):
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                # The append-only rule lets this transaction fill empty keys and change
                # nothing else (core 0022).
                cursor.execute("SET LOCAL portal.event_region_fill = 'on'")
                cursor.execute(
                    f"UPDATE core_event v SET region = e.region_id FROM {subjects} "  # noqa: S608
                    "AND v.content_type_id = %s AND v.id >= %s AND v.id < %s "
                    "AND v.region = '' AND e.region_id IS NOT NULL",
                    [kind.pk, start, start + FILL_BATCH],
                )


def unkey_events(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER, params=None)


class Migration(migrations.Migration):
    atomic = False  # the past events are keyed in batches (FILL_BATCH)

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0022_event_region"),
        ("operations", "0001_deletion_request"),
        ("enterprises", "0006_enterprise_name_pinyin_index"),
        ("associations", "0005_membership_annual_dues"),
        ("batches", "0005_regions_and_industries_carry_the_association"),
        ("supplies", "0010_need_records_carry_the_association"),
    ]

    operations = [migrations.RunPython(key_events, unkey_events)]
