"""Writing checked rows: enterprises upserted by credit code, new memberships, history."""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from associations.models import Membership
from associations.services import tell_invited
from core.models import Event, User
from enterprises.models import Enterprise
from members.imports.checking import CleanRow
from members.imports.reading import OPTIONAL


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    # Registered already by others (or by their own users), not members of the importing
    # association: invited to join it, their data untouched (they accept or decline).
    invited: int = 0
    errors: list[dict] = field(default_factory=list)


MEMBER = [status.value for status in Membership.MEMBER]


ENTERPRISE_UPDATE_FIELDS = [
    "name",
    "region",
    "industry",
    "size",
    "employees",
    "contact_name",
    "contact_phone",
    "address",
    "legal_representative",
]


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# The rows go into a temporary table first (with COPY on PostgreSQL), then a fixed handful of
# set-based statements upsert the enterprises, renumber the existing members and add the new
# memberships with their events, however many rows the file has. Model instances for
# bulk_create and one UPDATE per renumbered member made a 100,000-row file take minutes (see
# `make bench`). The statements are plain SQL that SQLite (`make run`) runs too; identifiers
# come from the models, every value is a parameter.
IMPORT_TABLE = "import_rows"
COPY_ROWS = 10_000  # rows per COPY: bounds the memory of the text sent to the database


def _import_columns() -> list[tuple[str, models.Field]]:
    """The temporary table's columns, typed as the fields they are written into."""
    enterprise, membership = Enterprise._meta.get_field, Membership._meta.get_field
    return [
        ("uscc", enterprise("uscc")),
        ("name", enterprise("name")),
        ("region_id", enterprise("region")),
        ("industry_id", enterprise("industry")),
        ("size", enterprise("size")),
        ("employees", enterprise("employees")),
        ("contact_name", enterprise("contact_name")),
        ("contact_phone", enterprise("contact_phone")),
        ("address", enterprise("address")),
        ("legal_representative", enterprise("legal_representative")),
        ("member_number", membership("member_number")),
    ]


def _import_values(row: CleanRow) -> tuple:
    # A column the file lacks is written blank into new rows (and left alone in existing ones).
    return (
        row.uscc,
        row.name,
        row.region_id,
        row.industry_id,
        row.size,
        row.employees,
        row.contact_name,
        row.contact_phone,
        row.address or "",
        row.legal_representative or "",
        row.member_number or "",
    )


def _load_import_table(cursor, rows: list[CleanRow]) -> None:
    quote = connection.ops.quote_name
    columns = _import_columns()
    names = ", ".join(quote(name) for name, _field in columns)
    definitions = ", ".join(f"{quote(name)} {kind.db_type(connection)}" for name, kind in columns)
    flag = models.BooleanField().db_type(connection)
    cursor.execute(f"DROP TABLE IF EXISTS {IMPORT_TABLE}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {IMPORT_TABLE} ({definitions}, "
        f"known {flag} NOT NULL DEFAULT FALSE, new_member {flag} NOT NULL DEFAULT TRUE, "
        f"editable {flag} NOT NULL DEFAULT FALSE, keeper {flag} NOT NULL DEFAULT FALSE, "
        f"PRIMARY KEY (uscc))"
    )
    driver_cursor = cursor.cursor
    if connection.vendor == "postgresql" and hasattr(driver_cursor, "copy_expert"):
        # In CSV, COPY reads an empty value as NULL; these columns hold text, never NULL.
        texts = ", ".join(quote(name) for name, _field in columns if name != "employees")
        copy = (
            f"COPY {IMPORT_TABLE} ({names}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL ({texts}))"
        )
        for chunk in _chunks(rows, COPY_ROWS):
            text = io.StringIO()
            csv.writer(text).writerows(_import_values(row) for row in chunk)
            text.seek(0)
            driver_cursor.copy_expert(copy, text)
        cursor.execute(f"ANALYZE {IMPORT_TABLE}")
    else:
        placeholders = ", ".join(["%s"] * len(columns))
        cursor.executemany(
            f"INSERT INTO {IMPORT_TABLE} ({names}) VALUES ({placeholders})",  # noqa: S608
            [_import_values(row) for row in rows],
        )


def _defaults(model: type[models.Model], given: list[str]) -> tuple[str, str, list]:
    """The columns of `model` that an INSERT does not give, each with its field's default as a
    new instance would have it: (", col, col", ", %s, %s", [values])."""
    fields = [
        f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in given
    ]
    quote = connection.ops.quote_name
    return (
        "".join(f", {quote(f.column)}" for f in fields),
        ", %s" * len(fields),
        [f.get_db_prep_save(f.get_default(), connection) for f in fields],
    )


def _json_functions() -> tuple[str, str, str]:
    """(build an object, build an array, drop the members whose value is null) in this
    database's SQL."""
    if connection.vendor == "postgresql":
        return "jsonb_build_object", "jsonb_build_array", "jsonb_strip_nulls({})"
    # SQLite (`make run`): a JSON merge patch drops the members whose value is null.
    return "json_object", "json_array", "json_patch('{{}}', {})"


def _changes_sql(pairs: list[tuple[str, str, str]]) -> str:
    """SQL for an event's `changes`, {field: [old, new]}, as `core.workflow.diff` writes them:
    one member for each (field, old value's column, new value's column) whose values differ."""
    build_object, build_array, strip_nulls = _json_functions()
    members = ", ".join(
        f"'{name}', CASE WHEN {old} <> {new} THEN {build_array}({old}, {new}) END"
        for name, old, new in pairs
    )
    return strip_nulls.format(f"{build_object}({members})")


@dataclass
class _Events:
    """Appends the import's events, one per row a query selects, set-based as the rest."""

    cursor: object
    actor_id: int | None
    reason: str
    at: object

    def insert_sql(self, changes: str = "") -> str:
        """INSERT … SELECT of events, one per row `o` of what follows it ("FROM …")."""
        history = connection.ops.quote_name(Event._meta.db_table)
        return (
            f"INSERT INTO {history} (content_type_id, object_id, action, from_status, "
            f"to_status, actor_id, reason, at{', changes' if changes else ''}) "
            f"SELECT %s, o.id, %s, '', %s, %s, %s, %s{', ' + changes if changes else ''}"
        )

    def params(self, model, action: str, to_status: str = "") -> list:
        return [
            ContentType.objects.get_for_model(model).pk,
            action,
            to_status,
            self.actor_id,
            self.reason,
            self.at,
        ]

    def append(self, model, action: str, *, rows: str, params=(), to_status="", changes=""):
        """`rows`: "FROM … WHERE …" selecting the objects as `o`; `changes`: SQL of the event's
        changes (see `_changes_sql`) over the same rows, if it has any."""
        self.cursor.execute(
            f"{self.insert_sql(changes)} {rows}",
            [*self.params(model, action, to_status), *params],
        )


@transaction.atomic
def write_rows(*, rows: list[CleanRow], association_id: int, actor, file_name: str) -> ImportResult:
    """Upsert the enterprises by credit code and make them members of the association; every
    enterprise created or changed, member renumbered and membership added gets its event."""
    quote = connection.ops.quote_name
    enterprises = quote(Enterprise._meta.db_table)
    table = IMPORT_TABLE
    now = Enterprise._meta.get_field("updated_at").get_db_prep_save(timezone.now(), connection)
    # An optional column missing from the file must not blank what the enterprise already has.
    update_fields = [
        name
        for name in ENTERPRISE_UPDATE_FIELDS
        if name not in OPTIONAL or (rows and getattr(rows[0], name) is not None)
    ]
    with connection.cursor() as cursor:
        _load_import_table(cursor, rows)
        events = _Events(
            cursor,
            actor_id=actor.pk if actor is not None else None,
            reason=_("imported from %(file)s") % {"file": file_name},
            at=now,
        )
        cursor.execute(
            f"UPDATE {table} SET known = TRUE FROM {enterprises} e "  # noqa: S608
            f"WHERE e.uscc = {table}.uscc"
        )
        cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE known")  # noqa: S608
        existing = cursor.fetchone()[0]
        _mark_kept(cursor, association_id)
        updated = _mark_editable(cursor, association_id)
        _insert_enterprises(cursor, now, association_id)
        events.append(
            Enterprise,
            "enterprise.created",
            rows=f"FROM {table} r JOIN {enterprises} o ON o.uscc = r.uscc WHERE NOT r.known",
        )
        _update_enterprises(cursor, events, update_fields, now)
        invited = _write_memberships(cursor, events, association_id, now)
        cursor.execute(f"DROP TABLE {IMPORT_TABLE}")
    if invited:
        tell_invited(
            list(
                Membership.objects.filter(pk__in=invited).select_related(
                    "association", "enterprise"
                )
            )
        )
    return ImportResult(created=len(rows) - existing, updated=updated, invited=len(invited))


def _mark_kept(cursor, association_id: int) -> None:
    """The rows of enterprises whose record the association keeps: registered by it, with no
    users of their own (as `associations.access.record_keeper`)."""
    quote = connection.ops.quote_name
    enterprises = quote(Enterprise._meta.db_table)
    users = quote(User._meta.db_table)
    table = IMPORT_TABLE
    cursor.execute(
        f"UPDATE {table} SET keeper = TRUE FROM {enterprises} e "  # noqa: S608
        f"WHERE e.uscc = {table}.uscc AND e.registered_by_id = %s AND NOT EXISTS "
        f"(SELECT 1 FROM {users} u WHERE u.enterprise_id = e.id AND u.is_active)",
        [association_id],
    )


def _mark_editable(cursor, association_id: int) -> int:
    """Staff change the data of the members whose record their association keeps only (as
    `enterprises.access.may_edit`); an enterprise registered elsewhere is invited, its data
    untouched. Answers how many rows are such members already."""
    quote = connection.ops.quote_name
    enterprises = quote(Enterprise._meta.db_table)
    memberships = quote(Membership._meta.db_table)
    table = IMPORT_TABLE
    statuses = ", ".join(["%s"] * len(MEMBER))
    cursor.execute(
        f"UPDATE {table} SET editable = TRUE FROM {memberships} m "  # noqa: S608
        f"JOIN {enterprises} e ON e.id = m.enterprise_id "
        f"WHERE e.uscc = {table}.uscc AND {table}.keeper AND m.association_id = %s "
        f"AND m.status IN ({statuses})",
        [association_id, *MEMBER],
    )
    cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE editable")  # noqa: S608
    return cursor.fetchone()[0]


def _insert_enterprises(cursor, now, association_id: int) -> None:
    """New enterprises, registered by the importing association (it keeps their record)."""
    quote = connection.ops.quote_name
    enterprises = quote(Enterprise._meta.db_table)
    upserted = [name for name, _field in _import_columns() if name != "member_number"]
    given = [*upserted, "created_at", "updated_at", "registered_by_id"]
    columns, values, defaults = _defaults(Enterprise, given)
    listed = ", ".join(quote(name) for name in upserted)
    # "WHERE 1 = 1" tells SQLite that ON CONFLICT is not a join's ON.
    cursor.execute(
        f"INSERT INTO {enterprises} ({listed}, created_at, updated_at, "  # noqa: S608
        f"registered_by_id{columns}) "
        f"SELECT {listed}, %s, %s, %s{values} FROM {IMPORT_TABLE} WHERE 1 = 1 "
        f"ON CONFLICT (uscc) DO NOTHING",
        [now, now, association_id, *defaults],
    )


def _update_enterprises(cursor, events: _Events, fields: list[str], now) -> None:
    """The association's own members take the file's values; each one that changes gets an
    `enterprise.updated` event with the old and new value of every changed field."""
    quote = connection.ops.quote_name
    enterprises = quote(Enterprise._meta.db_table)
    table = IMPORT_TABLE
    columns = {name: quote(Enterprise._meta.get_field(name).column) for name in fields}
    # Only rows that change: an unchanged enterprise keeps its updated_at, so that partners
    # syncing with updated_since are not sent what they already have.
    differs = " OR ".join(f"o.{column} <> r.{column}" for column in columns.values())
    changes = _changes_sql(
        [(name, f"o.{column}", f"r.{column}") for name, column in columns.items()]
    )
    if connection.vendor == "postgresql":
        # One pass: the UPDATE reads the old values from its own table joined again (`o`, the
        # rows as they were before the statement) and hands the changes to the events' INSERT.
        cursor.execute(
            f"WITH changed AS (UPDATE {enterprises} SET "  # noqa: S608
            + ", ".join(f"{column} = r.{column}" for column in columns.values())
            + f", {quote('updated_at')} = %s FROM {table} r JOIN {enterprises} o "
            f"ON o.uscc = r.uscc WHERE {enterprises}.id = o.id AND r.editable AND ({differs}) "
            f"RETURNING o.id, {changes} AS changes) "
            + events.insert_sql(changes="changes")
            + " FROM changed o",
            [now, *events.params(Enterprise, "enterprise.updated")],
        )
        return
    events.append(
        Enterprise,
        "enterprise.updated",
        rows=f"FROM {enterprises} o JOIN {table} r ON r.uscc = o.uscc "
        f"WHERE r.editable AND ({differs})",
        changes=changes,
    )
    cursor.execute(
        f"UPDATE {enterprises} SET "  # noqa: S608
        + ", ".join(f"{column} = r.{column}" for column in columns.values())
        + f", {quote('updated_at')} = %s FROM {table} r "
        f"WHERE {enterprises}.uscc = r.uscc AND r.editable AND ("
        + " OR ".join(f"{enterprises}.{column} <> r.{column}" for column in columns.values())
        + ")",
        [now],
    )


def _write_memberships(cursor, events: _Events, association_id: int, now) -> list[int]:
    """Members already get the file's member number, where it gives one; the others join or
    are invited. Answers the invitations' ids."""
    quote = connection.ops.quote_name
    enterprises = quote(Enterprise._meta.db_table)
    memberships = quote(Membership._meta.db_table)
    table = IMPORT_TABLE
    today = Membership._meta.get_field("joined_on").get_db_prep_save(
        timezone.localdate(), connection
    )
    active = Membership.Status.ACTIVE.value
    cursor.execute(
        f"UPDATE {table} SET new_member = FALSE FROM {memberships} m "  # noqa: S608
        f"JOIN {enterprises} e ON e.id = m.enterprise_id "
        f"WHERE e.uscc = {table}.uscc AND m.association_id = %s",
        [association_id],
    )
    events.append(
        Membership,
        "membership.updated",
        rows=f"FROM {memberships} o JOIN {enterprises} e ON e.id = o.enterprise_id "
        f"JOIN {table} r ON r.uscc = e.uscc WHERE o.association_id = %s AND NOT r.new_member "
        f"AND r.member_number <> '' AND o.member_number <> r.member_number",
        params=[association_id],
        changes=_changes_sql([("member_number", "o.member_number", "r.member_number")]),
    )
    cursor.execute(
        f"UPDATE {memberships} SET member_number = r.member_number, updated_at = %s "  # noqa: S608
        f"FROM {table} r JOIN {enterprises} e ON e.uscc = r.uscc "
        f"WHERE {memberships}.enterprise_id = e.id AND {memberships}.association_id = %s "
        f"AND NOT r.new_member AND r.member_number <> ''",
        [now, association_id],
    )
    # New enterprises, and those whose record the association keeps, join at once; the others
    # (registered elsewhere, or with users of their own) are invited.
    given = ["association_id", "enterprise_id", "status", "member_number", "joined_on"]
    columns, values, defaults = _defaults(Membership, [*given, "created_at", "updated_at"])
    invited = Membership.Status.INVITED.value
    joins = "NOT r.known OR r.keeper"
    for status, joined, condition in (
        (active, today, joins),
        (invited, None, f"NOT ({joins})"),
    ):
        cursor.execute(
            f"INSERT INTO {memberships} ({', '.join(given)}, created_at, "  # noqa: S608
            f"updated_at{columns}) SELECT %s, e.id, %s, r.member_number, %s, %s, %s"
            f"{values} FROM {table} r JOIN {enterprises} e ON e.uscc = r.uscc "
            f"WHERE r.new_member AND ({condition})",
            [association_id, status, joined, now, now, *defaults],
        )
        events.append(
            Membership,
            "membership.created",
            rows=f"FROM {memberships} o JOIN {enterprises} e ON e.id = o.enterprise_id "
            f"JOIN {table} r ON r.uscc = e.uscc WHERE o.association_id = %s AND r.new_member "
            f"AND ({condition})",
            params=[association_id],
            to_status=status,
        )
    cursor.execute(
        f"SELECT m.id FROM {memberships} m JOIN {enterprises} e "  # noqa: S608
        f"ON e.id = m.enterprise_id JOIN {table} r ON r.uscc = e.uscc "
        f"WHERE m.association_id = %s AND r.new_member AND NOT ({joins})",
        [association_id],
    )
    return [pk for (pk,) in cursor.fetchall()]
