"""An index on enterprise names in pinyin order (core.collation), where the database has the
`zh-x-icu` collation: the member list and the directory in Chinese are ordered by it, and
without the index every page sorted all of an association's members (100,000: 0.4 s a page).
A database without ICU (SQLite under `make run`) orders by code point and gets no index."""

from django.db import migrations

INDEX = "enterprise_name_pinyin"


def _has_pinyin(schema_editor) -> bool:
    if schema_editor.connection.vendor != "postgresql":
        return False
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_collation WHERE collname = 'zh-x-icu'")
        return cursor.fetchone() is not None


def create(apps, schema_editor):
    if _has_pinyin(schema_editor):
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON enterprises_enterprise "
            '((name COLLATE "zh-x-icu"), id)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0005_registered_by")]

    operations = [migrations.RunPython(create, drop)]
