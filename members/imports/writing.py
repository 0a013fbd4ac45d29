"""Writing checked rows: enterprises upserted by credit code, new memberships, history."""

import csv
import itertools
import json
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from associations.models import Membership
from associations.services import tell_invited
from core.models import Event, User
from enterprises.models import Enterprise
from members.imports.checking import CheckedFile
from members.imports.reading import OPTIONAL


@dataclass
class ImportResult:
    created: int = 0
    # Members whose enterprise data or member number the file changed (not those it matched
    # with nothing to change: a file imported again reports 0).
    updated: int = 0
    # Registered already by others (or by their own users), not members of the importing
    # association: invited to join it, their data untouched (they accept or decline).
    invited: int = 0
    errors: list[dict] = field(default_factory=list)
    rows: int = 0


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


# The rows go into a temporary table as they are checked (with COPY on PostgreSQL: the database
# takes in one batch while the next is checked, and the file is never held whole); then one
# statement reads, for every row, what the database knows of its enterprise and membership (the
# plan), and four set-based statements write from it: new enterprises with their memberships,
# changed enterprises, changed member numbers, memberships of enterprises already registered,
# each with its events, however many rows the file has. See docs/decisions/0033. The statements
# are plain SQL that SQLite (`make run`) runs too, where a data-modifying WITH is not available
# and each becomes two; identifiers come from the models, every value is a parameter.
IMPORT_TABLE = "import_rows"
PLAN_TABLE = "import_plan"
COPY_BATCH = 1000  # rows checked and sent to COPY at a time


def _import_columns() -> list[tuple[str, models.Field]]:
    """The temporary table's columns (CleanRow's values), typed as the fields they go into."""
    enterprise, membership = Enterprise._meta.get_field, Membership._meta.get_field
    return [
        ("line", models.IntegerField()),
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


class _CopyStream:
    """The checked rows as CSV text, made when COPY asks for more. An error while reading the
    file (ImportRefused: a file past the row limit, not UTF-8…) ends the data and is kept for
    `raise_error`: psycopg2 would otherwise turn it into a cancelled COPY."""

    def __init__(self, rows):
        self._rows = iter(rows)
        self._parts: list[str] = []
        self._writer = csv.writer(self)
        self.error: Exception | None = None

    def write(self, text: str) -> None:
        self._parts.append(text)

    def read(self, size: int = -1) -> str:
        try:
            self._writer.writerows(itertools.islice(self._rows, COPY_BATCH))
        except Exception as error:  # raised again by raise_error, after COPY
            self.error = error
            return ""
        text = "".join(self._parts)
        self._parts.clear()
        return text

    def raise_error(self) -> None:
        if self.error is not None:
            raise self.error


def _load_import_table(cursor, rows: CheckedFile) -> list[tuple[int, int]]:
    """Every row whose credit code could be read, into the temporary table; answers the
    duplicates: (line, the line where its credit code first appears)."""
    quote = connection.ops.quote_name
    columns = _import_columns()
    names = ", ".join(quote(name) for name, _field in columns)
    definitions = ", ".join(f"{quote(name)} {kind.db_type(connection)}" for name, kind in columns)
    cursor.execute(f"DROP TABLE IF EXISTS {IMPORT_TABLE}")
    cursor.execute(f"DROP TABLE IF EXISTS {PLAN_TABLE}")
    cursor.execute(f"CREATE TEMPORARY TABLE {IMPORT_TABLE} ({definitions})")
    driver_cursor = cursor.cursor
    if connection.vendor == "postgresql" and hasattr(driver_cursor, "copy_expert"):
        # In CSV, COPY reads an empty value as NULL; these columns hold text, never NULL.
        texts = ", ".join(
            quote(name) for name, _field in columns if name not in ("line", "employees")
        )
        stream = _CopyStream(rows)
        driver_cursor.copy_expert(
            f"COPY {IMPORT_TABLE} ({names}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL ({texts}))",
            stream,
            size=1 << 20,
        )
        stream.raise_error()
        # A temporary table is never analysed by autovacuum: without this, the plan's joins are
        # priced for the few thousand rows its first pages suggest.
        cursor.execute(f"ANALYZE {IMPORT_TABLE}")
    else:
        placeholders = ", ".join(["%s"] * len(columns))
        cursor.executemany(
            f"INSERT INTO {IMPORT_TABLE} ({names}) VALUES ({placeholders})",  # noqa: S608
            ([value if value is not None else "" for value in row] for row in rows),
        )
    cursor.execute(
        f"SELECT r.line, d.first FROM {IMPORT_TABLE} r JOIN (SELECT uscc, MIN(line) AS first "  # noqa: S608
        f"FROM {IMPORT_TABLE} GROUP BY uscc HAVING COUNT(*) > 1) d ON d.uscc = r.uscc "
        f"WHERE r.line <> d.first ORDER BY r.line"
    )
    return cursor.fetchall()


# An association with at least this many memberships, where the planner expects a tenth of
# them or fewer, has its memberships analysed before and after an import.
STALE_MEMBERS = 1000


def _fresh_statistics(association_id: int) -> None:
    """Analyse the memberships if the planner's statistics have missed the association's
    members; before the import, and after it committed. Autovacuum takes them when a tenth of
    the whole table has changed: a new association's first import of 100,000 members leaves it
    "1 row" in a table of millions, and the next import's plan then read those members again
    for every row of its file (279 s for 100,000 rows, where 2 s is right). Analysing reads a
    sample of the table (30,000 rows, well under a second), and every other query of the
    association gains from it too. Outside the import's transaction: ANALYZE holds its lock on
    the table to the end of the transaction it runs in, and another import's ANALYZE would
    wait for all of this one (or, waiting for a credit code this one inserts, deadlock)."""
    if not _postgresql():
        return
    # Counted and estimated where it is analysed: the primary.
    members = Membership.objects.using(connection.alias).filter(association_id=association_id)
    actual = members.count()
    if actual < STALE_MEMBERS:
        return
    estimate = json.loads(members.explain(format="json"))[0]["Plan"]["Plan Rows"]
    if estimate * 10 < actual:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(Membership._meta.db_table)}")


def _make_plan(cursor, association_id: int, fields: list[str]) -> tuple[int, int]:
    """For every row, what the database knows: its enterprise (if registered), whether the
    association keeps that record (registered by it, no users of its own: as
    `associations.access.record_keeper`), whether it may change it (a member of it already:
    as `enterprises.access.may_edit`), its membership of the association, and the stored
    values the file may change. Answers (new enterprises, members the file changes: their
    enterprise's data, or their member number). Each user check is a probe of the users'
    enterprise index (`NOT IN` a list longer than work_mem is a scan of it per row)."""
    quote = connection.ops.quote_name
    enterprises = quote(Enterprise._meta.db_table)
    memberships = quote(Membership._meta.db_table)
    users = quote(User._meta.db_table)
    old = ", ".join(f"e.{column} AS old_{column}" for column in fields)
    statuses = ", ".join(["%s"] * len(MEMBER))
    cursor.execute(
        f"CREATE TEMPORARY TABLE {PLAN_TABLE} AS SELECT q.*, "  # noqa: S608
        f"COALESCE(q.keeper AND q.membership_status IN ({statuses}), FALSE) AS editable "
        f"FROM (SELECT r.*, e.id AS enterprise_id, COALESCE(e.registered_by_id = %s "
        f"AND NOT EXISTS (SELECT 1 FROM {users} u WHERE u.enterprise_id = e.id "
        f"AND u.is_active), FALSE) AS keeper, m.id AS membership_id, "
        f"m.status AS membership_status, m.member_number AS old_member_number, {old} "
        f"FROM {IMPORT_TABLE} r LEFT JOIN {enterprises} e ON e.uscc = r.uscc "
        f"LEFT JOIN {memberships} m ON m.enterprise_id = e.id AND m.association_id = %s) q",
        [*MEMBER, association_id, association_id],
    )
    cursor.execute(
        "SELECT COALESCE(SUM(CASE WHEN enterprise_id IS NULL THEN 1 ELSE 0 END), 0), "  # noqa: S608
        f"COALESCE(SUM(CASE WHEN ({_changed(fields)}) OR ({_RENUMBERED}) THEN 1 ELSE 0 END), 0) "
        f"FROM {PLAN_TABLE} p"
    )
    new, changed = cursor.fetchone()
    return new, changed


def _changed(columns: list[str]) -> str:
    """SQL over a plan row `p`: the association's own member whose record the file changes."""
    differs = " OR ".join(f"p.old_{column} <> p.{column}" for column in columns)
    return f"p.editable AND ({differs})"


# A plan row `p` whose member the file gives another member number.
_RENUMBERED = (
    "p.membership_id IS NOT NULL AND p.member_number <> '' "
    "AND p.member_number <> p.old_member_number"
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


def _postgresql() -> bool:
    return connection.vendor == "postgresql"


def _changes_sql(pairs: list[tuple[str, str, str]]) -> str:
    """SQL for an event's `changes`, {field: [old, new]}, as `core.workflow.diff` writes them:
    one member for each (field, old value's column, new value's column) whose values differ."""
    if _postgresql():
        build_object, build_array, strip_nulls = (
            "jsonb_build_object",
            "jsonb_build_array",
            "jsonb_strip_nulls({})",
        )
    else:  # SQLite (`make run`): a JSON merge patch drops the members whose value is null.
        build_object, build_array, strip_nulls = (
            "json_object",
            "json_array",
            "json_patch('{{}}', {})",
        )
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

    def insert_sql(self, *, changes: str = "", to_status: str = "%s", region: str = "") -> str:
        """INSERT … SELECT of events, one per row `o` of what follows it ("FROM …"), its object
        `o.id`; its parameters: `params`. `region`: SQL of the enterprise's region code, the
        events' key (core.models.Event.region), where the statement has it at hand; without it
        the database's trigger looks it up, an index probe per event."""
        history = connection.ops.quote_name(Event._meta.db_table)
        region = f"coalesce({region}, '')" if region else ""
        extra = [(name, sql) for name, sql in (("changes", changes), ("region", region)) if sql]
        return (
            f"INSERT INTO {history} (content_type_id, object_id, action, from_status, "
            f"to_status, actor_id, reason, at{''.join(', ' + name for name, _sql in extra)}) "
            f"SELECT %s, o.id, %s, '', {to_status}, %s, %s, %s"
            f"{''.join(', ' + sql for _name, sql in extra)}"
        )

    def params(self, model, action: str, to_status: str | None = "") -> list:
        status = [] if to_status is None else [to_status]
        return [
            ContentType.objects.get_for_model(model).pk,
            action,
            *status,
            self.actor_id,
            self.reason,
            self.at,
        ]

    def append(self, model, action: str, *, rows: str, params=(), to_status="", changes=""):
        """`rows`: "FROM … WHERE …" selecting the objects as `o`; `changes`: SQL of the event's
        changes (see `_changes_sql`) over the same rows, if it has any."""
        self.cursor.execute(
            f"{self.insert_sql(changes=changes)} {rows}",
            [*self.params(model, action, to_status), *params],
        )


def write_rows(*, rows: CheckedFile, association_id: int, actor, file_name: str) -> ImportResult:
    """Check the file's rows as they are written into the database, and refuse it if any is
    wrong (nothing is then written); else upsert the enterprises by credit code and make them
    members of the association: every enterprise created or changed, member renumbered and
    membership added gets its event. One transaction; the planner's statistics of the
    association's members are seen to before it and after it."""
    _fresh_statistics(association_id)
    result = _write_rows(rows=rows, association_id=association_id, actor=actor, file_name=file_name)
    if result.created or result.invited:
        # The members it added, counted for the pages the staff open next (and the next file).
        _fresh_statistics(association_id)
    return result


@transaction.atomic
def _write_rows(*, rows: CheckedFile, association_id: int, actor, file_name: str) -> ImportResult:
    now = Enterprise._meta.get_field("updated_at").get_db_prep_save(timezone.now(), connection)
    # An optional column missing from the file must not blank what the enterprise already has.
    fields = [
        name for name in ENTERPRISE_UPDATE_FIELDS if name not in OPTIONAL or name in rows.given
    ]
    columns = [Enterprise._meta.get_field(name).column for name in fields]
    with connection.cursor() as cursor:
        rows.refuse_if_wrong(_load_import_table(cursor, rows))
        new, updated = _make_plan(cursor, association_id, columns)
        events = _Events(
            cursor,
            actor_id=actor.pk if actor is not None else None,
            reason=_("imported from %(file)s") % {"file": file_name},
            at=now,
        )
        created = _insert_enterprises(cursor, events, association_id, now)
        if created < new:
            _registered_meanwhile(cursor, association_id)
        _update_enterprises(cursor, events, columns, now)
        _renumber_members(cursor, events, now)
        invited = _add_memberships(cursor, events, association_id, now)
        cursor.execute(f"DROP TABLE {IMPORT_TABLE}")
        cursor.execute(f"DROP TABLE {PLAN_TABLE}")
    if invited:
        tell_invited(
            list(
                Membership.objects.filter(pk__in=invited).select_related(
                    "association", "enterprise"
                )
            )
        )
    return ImportResult(created=created, updated=updated, invited=len(invited), rows=rows.rows)


def _membership_insert(given_sql: str) -> tuple[str, list]:
    """INSERT INTO memberships (…) SELECT <given_sql>, <defaults>: given_sql supplies, in
    order, the association, enterprise, status, member number, joined on, created and updated
    at."""
    memberships = connection.ops.quote_name(Membership._meta.db_table)
    given = ["association_id", "enterprise_id", "status", "member_number", "joined_on"]
    columns, values, defaults = _defaults(Membership, [*given, "created_at", "updated_at"])
    return (
        f"INSERT INTO {memberships} ({', '.join(given)}, created_at, updated_at{columns}) "
        f"SELECT {given_sql}{values}",
        defaults,
    )


def _insert_enterprises(cursor, events: _Events, association_id: int, now) -> int:
    """New enterprises, registered by the importing association (it keeps their record), and
    their memberships, active from today. Answers how many were created."""
    quote = connection.ops.quote_name
    enterprises = quote(Enterprise._meta.db_table)
    upserted = [name for name, _field in _import_columns() if name not in ("line", "member_number")]
    given = [*upserted, "created_at", "updated_at", "registered_by_id"]
    columns, values, defaults = _defaults(Enterprise, given)
    listed = ", ".join(quote(name) for name in upserted)
    today = Membership._meta.get_field("joined_on").get_db_prep_save(
        timezone.localdate(), connection
    )
    active = Membership.Status.ACTIVE.value
    # "WHERE 1 = 1" tells SQLite that ON CONFLICT is not a join's ON.
    insert = (
        f"INSERT INTO {enterprises} ({listed}, created_at, updated_at, "  # noqa: S608
        f"registered_by_id{columns}) "
        f"SELECT {listed}, %s, %s, %s{values} FROM {PLAN_TABLE} WHERE enterprise_id IS NULL "
        f"ON CONFLICT (uscc) DO NOTHING"
    )
    insert_params = [now, now, association_id, *defaults]
    membership_sql, membership_defaults = _membership_insert(
        "%s, c.id, %s, p.member_number, %s, %s, %s"
    )
    membership_params = [association_id, active, today, now, now, *membership_defaults]
    if _postgresql():
        # One statement: the enterprises' ids come back from their INSERT (RETURNING) to
        # their events and memberships, which hand theirs on to their events.
        cursor.execute(
            f"WITH created AS ({insert} RETURNING id, uscc, region_id), "
            f"created_events AS ({events.insert_sql(region='o.region_id')} FROM created o), "
            f"joined AS ({membership_sql} FROM created c JOIN {PLAN_TABLE} p "
            f"ON p.uscc = c.uscc RETURNING id, enterprise_id) "
            f"{events.insert_sql(region='c.region_id')} FROM joined o "
            f"JOIN created c ON c.id = o.enterprise_id",
            [
                *insert_params,
                *events.params(Enterprise, "enterprise.created"),
                *membership_params,
                *events.params(Membership, "membership.created", active),
            ],
        )
        return cursor.rowcount
    cursor.execute(insert, insert_params)
    created = cursor.rowcount
    new = f"{PLAN_TABLE} p JOIN {enterprises} c ON c.uscc = p.uscc"
    events.append(
        Enterprise,
        "enterprise.created",
        rows=f"FROM (SELECT c.id FROM {new} WHERE p.enterprise_id IS NULL) o",  # noqa: S608
    )
    cursor.execute(f"{membership_sql} FROM {new} WHERE p.enterprise_id IS NULL", membership_params)
    memberships = quote(Membership._meta.db_table)
    events.append(
        Membership,
        "membership.created",
        rows=f"FROM {new} JOIN {memberships} o ON o.enterprise_id = c.id "
        f"AND o.association_id = %s WHERE p.enterprise_id IS NULL",
        params=[association_id],
        to_status=active,
    )
    return created


def _registered_meanwhile(cursor, association_id: int) -> None:
    """Rows whose enterprise another transaction registered between the plan and the INSERT
    (which then left them out): registered by someone else, they are invited as the others."""
    quote = connection.ops.quote_name
    enterprises = quote(Enterprise._meta.db_table)
    memberships = quote(Membership._meta.db_table)
    cursor.execute(
        f"UPDATE {PLAN_TABLE} SET enterprise_id = (SELECT e.id FROM {enterprises} e "  # noqa: S608
        f"WHERE e.uscc = {PLAN_TABLE}.uscc) WHERE enterprise_id IS NULL AND NOT EXISTS "
        f"(SELECT 1 FROM {enterprises} e JOIN {memberships} m ON m.enterprise_id = e.id "
        f"WHERE e.uscc = {PLAN_TABLE}.uscc AND m.association_id = %s)",
        [association_id],
    )


def _update_enterprises(cursor, events: _Events, columns: list[str], now) -> None:
    """The association's own members take the file's values; each one that changes gets an
    `enterprise.updated` event with the old and new value of every changed field."""
    quote = connection.ops.quote_name
    enterprises = quote(Enterprise._meta.db_table)
    names = {Enterprise._meta.get_field(name).column: name for name in ENTERPRISE_UPDATE_FIELDS}
    # Only rows that change: an unchanged enterprise keeps its updated_at, so that partners
    # syncing with updated_since are not sent what they already have.
    changes = _changes_sql(
        [(names[column], f"p.old_{column}", f"p.{column}") for column in columns]
    )
    changed = _changed(columns)
    assign = ", ".join(f"{quote(column)} = p.{column}" for column in columns)
    update = (
        f"UPDATE {enterprises} SET {assign}, updated_at = %s FROM {PLAN_TABLE} p "  # noqa: S608
        f"WHERE {enterprises}.id = p.enterprise_id AND {changed}"
    )
    _update_with_events(
        cursor, events, Enterprise, "enterprise.updated", update, changes,
        plan_id="p.enterprise_id", where=changed, now=now, region=f"{enterprises}.region_id",
    )  # fmt: skip


def _renumber_members(cursor, events: _Events, now) -> None:
    """Members already get the file's member number, where it gives another one."""
    memberships = connection.ops.quote_name(Membership._meta.db_table)
    changes = _changes_sql([("member_number", "p.old_member_number", "p.member_number")])
    update = (
        f"UPDATE {memberships} SET member_number = p.member_number, updated_at = %s "  # noqa: S608
        f"FROM {PLAN_TABLE} p WHERE {memberships}.id = p.membership_id AND {_RENUMBERED}"
    )
    _update_with_events(
        cursor, events, Membership, "membership.updated", update, changes,
        plan_id="p.membership_id", where=_RENUMBERED, now=now,
    )  # fmt: skip


def _update_with_events(
    cursor, events: _Events, model, action: str, update: str, changes: str, *,
    plan_id: str, where: str, now, region: str = "",
) -> None:  # fmt: skip
    """Run `update` (one UPDATE … FROM the plan, its first parameter the time) and record an
    `action` event with `changes` for each row it changes: on PostgreSQL in the same statement
    (the UPDATE's RETURNING feeds the events), elsewhere the events are read from the plan's
    rows that match `where` (`plan_id` their object's id) before the update runs."""
    table = connection.ops.quote_name(model._meta.db_table)
    if _postgresql():
        returned = f", {region} AS region" if region else ""
        cursor.execute(
            f"WITH changed AS ({update} RETURNING {table}.id, {changes} AS changes{returned}) "
            + events.insert_sql(changes="changes", region="o.region" if region else "")
            + " FROM changed o",
            [now, *events.params(model, action)],
        )
        return
    events.append(
        model,
        action,
        rows=f"FROM (SELECT {plan_id} AS id, {changes} AS changes FROM {PLAN_TABLE} p "  # noqa: S608
        f"WHERE {where}) o",
        changes="o.changes",
    )
    cursor.execute(update, [now])


def _add_memberships(cursor, events: _Events, association_id: int, now) -> list[int]:
    """Enterprises registered already and not yet in the association: those whose record it
    keeps join at once, the others (registered elsewhere, or with users of their own) are
    invited. Answers the invitations' ids."""
    memberships = connection.ops.quote_name(Membership._meta.db_table)
    today = Membership._meta.get_field("joined_on").get_db_prep_save(
        timezone.localdate(), connection
    )
    active, invited = Membership.Status.ACTIVE.value, Membership.Status.INVITED.value
    insert, defaults = _membership_insert(
        "%s, p.enterprise_id, CASE WHEN p.keeper THEN %s ELSE %s END, p.member_number, "
        "CASE WHEN p.keeper THEN %s END, %s, %s"
    )
    insert += f" FROM {PLAN_TABLE} p WHERE p.enterprise_id IS NOT NULL AND p.membership_id IS NULL"
    params = [association_id, active, invited, today, now, now, *defaults]
    if _postgresql():
        enterprises = connection.ops.quote_name(Enterprise._meta.db_table)
        added_events = events.insert_sql(to_status="o.status", region="e.region_id")
        cursor.execute(
            f"WITH added AS ({insert} RETURNING id, status, enterprise_id), "  # noqa: S608
            f"added_events AS ({added_events} FROM added o "
            f"JOIN {enterprises} e ON e.id = o.enterprise_id) "
            f"SELECT id FROM added WHERE status = %s",
            [*params, *events.params(Membership, "membership.created", None), invited],
        )
        return [pk for (pk,) in cursor.fetchall()]
    cursor.execute(insert, params)
    added = (
        f"FROM {PLAN_TABLE} p JOIN {memberships} o ON o.enterprise_id = p.enterprise_id "
        f"AND o.association_id = %s WHERE p.membership_id IS NULL"
    )
    events.cursor.execute(
        f"{events.insert_sql(to_status='o.status')} {added}",
        [*events.params(Membership, "membership.created", None), association_id],
    )
    cursor.execute(f"SELECT o.id {added} AND o.status = %s", [association_id, invited])
    return [pk for (pk,) in cursor.fetchall()]
