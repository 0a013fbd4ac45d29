"""Tables partitioned by month (PostgreSQL declarative partitioning; docs/decisions/0036).

A table is partitioned once, by its migration (`partition_by_month`): the table is rebuilt as
`PARTITION BY RANGE (<time column>)`, its primary key becomes (id, <time column>) while Django
keeps `id` as the model's key, its rows are moved, its id sequence goes on where it was, its
indexes are declared on the parent (PostgreSQL makes one per partition), a unique index without
the time column is kept on each partition (PostgreSQL refuses it on the parent), and a DEFAULT
partition takes any row outside the months created, so that no write ever fails for want of a
partition.

Afterwards the database is the register: every partitioned table of the schema gets its months
ahead from `create_ahead` (Celery beat, daily: `core.tasks.create_partitions_ahead`), which only
creates and moves nothing; retention drops whole months past its limit (`drop_months_before`)
and deletes the rest row by row as before. Partitions are named `<table>_pYYYYMM` and bounded
by UTC months; `<table>_default` is the default one. On SQLite (`make run`) nothing is
partitioned and every function here does nothing.
"""

import logging
import re
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

logger = logging.getLogger(__name__)

MONTH_NAME = re.compile(r"_p(\d{4})(\d{2})$")
# Taken by each step that makes or drops a partition: two runs at once (a beat fired twice, a
# run by hand) wait for each other, and the second finds the month made or gone.
PARTITIONS_LOCK = 7_420_036


def month_start(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def next_month(start: datetime) -> datetime:
    return datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)


def _partition_name(table: str, start: datetime) -> str:
    return f"{table}_p{start:%Y%m}"


def _supported(using=None) -> bool:
    return (using or connection).vendor == "postgresql"


def partitioned_tables(cursor) -> dict[str, str]:
    """{table: its partition column} for every table of the schema partitioned by range."""
    cursor.execute(
        "SELECT c.relname, pg_get_partkeydef(c.oid) FROM pg_partitioned_table p "
        "JOIN pg_class c ON c.oid = p.partrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND p.partstrat = 'r' ORDER BY 1"
    )
    tables = {}
    for name, key in cursor.fetchall():
        match = re.fullmatch(r"RANGE \((\w+)\)", key)
        if match:
            tables[name] = match.group(1)
    return tables


def partitions_of(cursor, table: str) -> dict[str, datetime | None]:
    """{partition name: the first moment of its month} of `table`; None for the default one."""
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = %s::regclass ORDER BY 1",
        [table],
    )
    found = {}
    for (name,) in cursor.fetchall():
        match = MONTH_NAME.search(name)
        found[name] = datetime(int(match[1]), int(match[2]), 1, tzinfo=UTC) if match else None
    return found


def _local_unique_indexes(cursor, partition: str) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of a partition that are not its parent's: the unique
    ones without the partition column, kept partition by partition."""
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.oid)",
        [partition],
    )
    return cursor.fetchall()


def _create_month(cursor, table: str, start: datetime, model_partition: str | None) -> bool:
    """The partition of `table` for the month from `start`, with the per-partition indexes
    `model_partition` has; False when rows of that month wait in the default partition
    (creating it would have to move them: left to a person, logged)."""
    name = _partition_name(table, start)
    end = next_month(start)
    default = f"{table}_default"
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [default])
    if cursor.fetchone()[0]:
        column = partitioned_tables(cursor)[table]
        cursor.execute(
            f'SELECT EXISTS (SELECT 1 FROM "{default}" WHERE "{column}" >= %s AND "{column}" < %s)',  # noqa: S608 - names from the catalogue
            [start, end],
        )
        if cursor.fetchone()[0]:
            logger.warning("partition %s not created: rows of that month are in %s", name, default)
            return False
    cursor.execute(
        f'CREATE TABLE "{name}" PARTITION OF "{table}" FOR VALUES FROM (%s) TO (%s)',
        [start, end],
    )
    if model_partition:
        for _index, definition in _local_unique_indexes(cursor, model_partition):
            cursor.execute(definition.replace(model_partition, name))
    return True


def create_ahead(
    now: datetime | None = None, months: int | None = None, since: datetime | None = None
) -> list[str]:
    """Every partitioned table's partitions from this month (or the month of `since`: a loader
    of past rows makes their months first) to `months` ahead (PARTITIONS_AHEAD_MONTHS), those
    missing only; the names created. Run again, it creates nothing; it moves no row."""
    if not _supported():
        return []
    now = now or timezone.now()
    months = settings.PARTITIONS_AHEAD_MONTHS if months is None else months
    created = []
    with connection.cursor() as cursor:
        last = month_start(now)
        for _ in range(months):
            last = next_month(last)
        for table in partitioned_tables(cursor):
            start = month_start(min(since, now) if since else now)
            while start <= last:
                with transaction.atomic():
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PARTITIONS_LOCK])
                    existing = partitions_of(cursor, table)
                    if _partition_name(table, start) not in existing:
                        model = _newest(existing)
                        if _create_month(cursor, table, start, model):
                            created.append(_partition_name(table, start))
                start = next_month(start)
    return created


def _newest(partitions: dict[str, datetime | None]) -> str | None:
    months = [(start, name) for name, start in partitions.items() if start]
    return max(months)[1] if months else next(iter(partitions), None)


def drop_months_before(table: str, cutoff: datetime) -> int:
    """Drop the partitions of `table` whose whole month is before `cutoff`; how many rows they
    held. The rows left before `cutoff` (the month it falls in, the default partition) are the
    caller's to delete."""
    if not _supported():
        return 0
    dropped = 0
    with connection.cursor() as cursor:
        for name, start in sorted(partitions_of(cursor, table).items(), key=lambda p: str(p[1])):
            if start is None or next_month(start) > cutoff:
                continue
            try:
                with transaction.atomic():
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PARTITIONS_LOCK])
                    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
                    if not cursor.fetchone()[0]:
                        continue
                    cursor.execute(f'SELECT count(*) FROM "{name}"')  # noqa: S608 - catalogue names
                    rows = cursor.fetchone()[0]
                    cursor.execute(f'DROP TABLE "{name}"')
            except DatabaseError as error:  # dropped by a run at the same moment, or in use
                logger.warning("partition %s not dropped: %s", name, error)
                continue
            dropped += rows
            logger.info("dropped partition %s (%d rows)", name, rows)
    return dropped


# The migration -------------------------------------------------------------------------------


def partition_by_month(schema_editor, table: str, column: str, ahead: int = 3) -> None:
    """Rebuild `table` as partitioned by month on `column` (see the module's text). For a
    migration's RunPython; does nothing on SQLite. Fails if another table has a foreign key to
    this one: PostgreSQL would need the partition column in it."""
    if not _supported(schema_editor.connection):
        return
    new = f"{table}__partitioned"
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid), x.indisunique FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary",
            [table],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            f'SELECT min("{column}"), max(id) FROM "{table}"'  # noqa: S608 - migration's names
        )
        oldest, max_id = cursor.fetchone()
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        (sequence,) = cursor.fetchone()
        cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
        last_value, is_called = cursor.fetchone()

        cursor.execute(
            f'CREATE TABLE "{new}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING IDENTITY '
            f'INCLUDING CONSTRAINTS INCLUDING STORAGE) PARTITION BY RANGE ("{column}")'
        )
        cursor.execute(f'ALTER TABLE "{new}" ADD PRIMARY KEY (id, "{column}")')
        now = timezone.now()
        start = month_start(oldest or now)
        end = month_start(now)
        for _ in range(ahead):
            end = next_month(end)
        while start <= end:
            cursor.execute(
                f'CREATE TABLE "{_partition_name(table, start)}" PARTITION OF "{new}" '
                "FOR VALUES FROM (%s) TO (%s)",
                [start, next_month(start)],
            )
            start = next_month(start)
        cursor.execute(f'CREATE TABLE "{table}_default" PARTITION OF "{new}" DEFAULT')
        cursor.execute(f'INSERT INTO "{new}" SELECT * FROM "{table}"')  # noqa: S608
        cursor.execute(f'DROP TABLE "{table}"')
        cursor.execute(f'ALTER TABLE "{new}" RENAME TO "{table}"')
        cursor.execute(f'ALTER TABLE "{table}" RENAME CONSTRAINT "{new}_pkey" TO "{table}_pkey"')
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        (new_sequence,) = cursor.fetchone()
        cursor.execute(f"ALTER SEQUENCE {new_sequence} RENAME TO {sequence.split('.')[-1]}")
        position = max(max_id or 0, last_value if is_called else last_value - 1)
        if position > 0:
            cursor.execute(f"SELECT setval('{sequence}', %s, true)", [position])
        for name, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        partitions = list(partitions_of(cursor, table))
        for name, definition, unique in indexes:
            if unique and not re.search(rf"\b{column}\b", definition.split(" USING ")[1]):
                for partition in partitions:
                    cursor.execute(
                        definition.replace(
                            f"INDEX {name} ON", f"INDEX {partition}_{name} ON", 1
                        ).replace(f".{table} ", f".{partition} ", 1)
                    )
            else:
                cursor.execute(definition)
