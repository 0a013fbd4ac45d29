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


def links_with_association(
    *,
    model_name: str,
    table: str,
    parent: tuple[str, str, str],
    target: tuple[str, str],
    relation: str,
    field: models.ManyToManyField,
    constraint: str,
) -> list[migrations.operations.base.Operation]:
    """Operations that turn the many-to-many table Django made for `relation` (`field`: of
    `parent` = (field name, model label, table) to `target` = (field name, model label)) into
    the explicit model `model_name` over the same table, then give its rows their parent's
    association (`association_from_parent`) and make (parent, target, association) the unique
    rule in place of (parent, target). The rows and their ids stay as they are."""
    parent_field, parent_label, parent_table = parent
    target_field, target_label = target
    parent_model = parent_label.split(".")[1]
    state = [
        migrations.CreateModel(
            name=model_name,
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    parent_field,
                    models.ForeignKey(on_delete=models.deletion.CASCADE, to=parent_label),
                ),
                (
                    target_field,
                    models.ForeignKey(on_delete=models.deletion.CASCADE, to=target_label),
                ),
            ],
            options={"db_table": table, "unique_together": {(parent_field, target_field)}},
        ),
        migrations.AlterField(model_name=parent_model, name=relation, field=field),
    ]
    return [
        migrations.SeparateDatabaseAndState(state_operations=state),
        *association_from_parent(model_name, table, parent_table, f"{parent_field}_id"),
        migrations.AlterUniqueTogether(name=model_name, unique_together=set()),
        migrations.AddConstraint(
            model_name=model_name,
            constraint=models.UniqueConstraint(
                fields=(parent_field, target_field, "association"), name=constraint
            ),
        ),
    ]
