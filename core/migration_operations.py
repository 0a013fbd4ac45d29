"""Migration operations shared by the apps' migrations."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class AddIndexWithoutLocking(AddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY on PostgreSQL, so that the services writing to a large table
    (the event log, the needs) are not blocked while it is indexed; a plain index elsewhere (the
    demo's SQLite). Its migration sets `atomic = False`: CONCURRENTLY cannot run in a
    transaction."""

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


def association_from_parent(
    model_name: str, table: str, parent_table: str, parent_column: str
) -> list[migrations.operations.base.Operation]:
    """Operations that give `model_name` (its table `table`) the association of its parent
    (`parent_table`, by its column `parent_column`): the key a distributed PostgreSQL keeps an
    association's rows together by (docs/scale-out.md, step 1). The column is added empty,
    filled from each row's parent, then made required."""

    def column(null: bool) -> models.ForeignKey:
        return models.ForeignKey(
            editable=False,
            null=null,
            on_delete=models.deletion.PROTECT,
            related_name="+",
            to="associations.association",
        )

    return [
        migrations.AddField(model_name=model_name, name="association", field=column(True)),
        migrations.RunSQL(
            f"UPDATE {table} SET association_id = p.association_id "  # noqa: S608
            f"FROM {parent_table} p WHERE p.id = {table}.{parent_column}",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(model_name=model_name, name="association", field=column(False)),
    ]
