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
from core.models import Event
from enterprises.imports.checking import CleanRow
from enterprises.imports.reading import OPTIONAL
from enterprises.models import Enterprise


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    # Registered already but not members of the importing association: they join it, and their
    # data stays as their own associations keep it.
    linked: int = 0
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
# memberships with their history, however many rows the file has. Model instances for
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
        f"new_member {flag} NOT NULL DEFAULT TRUE, editable {flag} NOT NULL DEFAULT FALSE, "
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


@transaction.atomic
def write_rows(*, rows: list[CleanRow], association_id: int, actor, file_name: str) -> ImportResult:
    """Upsert the enterprises by credit code and make them members of the association."""
    quote = connection.ops.quote_name
    enterprises = quote(Enterprise._meta.db_table)
    memberships = quote(Membership._meta.db_table)
    history = quote(Event._meta.db_table)
    table = IMPORT_TABLE
    now = Enterprise._meta.get_field("updated_at").get_db_prep_save(timezone.now(), connection)
    today = Membership._meta.get_field("joined_on").get_db_prep_save(
        timezone.localdate(), connection
    )
    active = Membership.Status.ACTIVE.value
    reason = _("imported from %(file)s") % {"file": file_name}
    # An optional column missing from the file must not blank what the enterprise already has.
    update_columns = [
        quote(Enterprise._meta.get_field(name).column)
        for name in ENTERPRISE_UPDATE_FIELDS
        if name not in OPTIONAL or (rows and getattr(rows[0], name) is not None)
    ]
    upserted = [name for name, _field in _import_columns() if name != "member_number"]
    columns, values, defaults = _defaults(Enterprise, [*upserted, "created_at", "updated_at"])
    listed = ", ".join(quote(name) for name in upserted)
    given = ["association_id", "enterprise_id", "status", "member_number", "joined_on"]
    member_columns, member_values, member_defaults = _defaults(
        Membership, [*given, "created_at", "updated_at"]
    )
    with connection.cursor() as cursor:
        _load_import_table(cursor, rows)
        cursor.execute(
            f"SELECT COUNT(*) FROM {table} r JOIN {enterprises} e ON e.uscc = r.uscc"  # noqa: S608
        )
        existing = cursor.fetchone()[0]
        # Staff change the data of their own members only (as `services.may_edit`); an
        # enterprise registered elsewhere joins the association with its data untouched.
        statuses = ", ".join(["%s"] * len(MEMBER))
        cursor.execute(
            f"UPDATE {table} SET editable = TRUE FROM {memberships} m "  # noqa: S608
            f"JOIN {enterprises} e ON e.id = m.enterprise_id "
            f"WHERE e.uscc = {table}.uscc AND m.association_id = %s AND m.status IN ({statuses})",
            [association_id, *MEMBER],
        )
        cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE editable")  # noqa: S608
        updated = cursor.fetchone()[0]
        # New enterprises; "WHERE 1 = 1" tells SQLite that ON CONFLICT is not a join's ON.
        cursor.execute(
            f"INSERT INTO {enterprises} ({listed}, created_at, updated_at{columns}) "  # noqa: S608
            f"SELECT {listed}, %s, %s{values} FROM {table} WHERE 1 = 1 "
            f"ON CONFLICT (uscc) DO NOTHING",
            [now, now, *defaults],
        )
        cursor.execute(
            f"UPDATE {enterprises} SET "  # noqa: S608
            + ", ".join(f"{column} = r.{column}" for column in update_columns)
            + f", {quote('updated_at')} = %s FROM {table} r "
            f"WHERE {enterprises}.uscc = r.uscc AND r.editable AND ("
            # Only rows that change: an unchanged enterprise keeps its updated_at, so that
            # partners syncing with updated_since are not sent what they already have.
            + " OR ".join(f"{enterprises}.{column} <> r.{column}" for column in update_columns)
            + ")",
            [now],
        )
        cursor.execute(
            f"UPDATE {table} SET new_member = FALSE FROM {memberships} m "  # noqa: S608
            f"JOIN {enterprises} e ON e.id = m.enterprise_id "
            f"WHERE e.uscc = {table}.uscc AND m.association_id = %s",
            [association_id],
        )
        # Members already: the file's member number, where it gives one.
        cursor.execute(
            f"UPDATE {memberships} SET member_number = r.member_number, updated_at = %s "  # noqa: S608
            f"FROM {table} r JOIN {enterprises} e ON e.uscc = r.uscc "
            f"WHERE {memberships}.enterprise_id = e.id AND {memberships}.association_id = %s "
            f"AND NOT r.new_member AND r.member_number <> ''",
            [now, association_id],
        )
        cursor.execute(
            f"INSERT INTO {memberships} ({', '.join(given)}, created_at, updated_at"  # noqa: S608
            f"{member_columns}) SELECT %s, e.id, %s, r.member_number, %s, %s, %s"
            f"{member_values} FROM {table} r JOIN {enterprises} e ON e.uscc = r.uscc "
            f"WHERE r.new_member",
            [association_id, active, today, now, now, *member_defaults],
        )
        cursor.execute(
            f"INSERT INTO {history} (content_type_id, object_id, from_status, to_status, "  # noqa: S608
            f"actor_id, reason, at) SELECT %s, m.id, '', %s, %s, %s, %s FROM {memberships} m "
            f"JOIN {enterprises} e ON e.id = m.enterprise_id JOIN {table} r ON r.uscc = e.uscc "
            f"WHERE m.association_id = %s AND r.new_member",
            [
                ContentType.objects.get_for_model(Membership).pk,
                active,
                actor.pk if actor is not None else None,
                reason,
                now,
                association_id,
            ],
        )
        cursor.execute(f"DROP TABLE {IMPORT_TABLE}")
    return ImportResult(created=len(rows) - existing, updated=updated, linked=existing - updated)
