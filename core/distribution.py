"""Where every table goes when the portal moves to a distributed PostgreSQL (Citus).

One declaration, read by the schema test (tests/test_distribution.py) and printed in
docs/scale-out.md (`markdown()`), so the two cannot disagree:

- **distributed** tables are split into shards by a distribution column. Tables of one
  co-location group are split on the same values, so that a row and the rows it refers to sit on
  the same node. Two groups: `association` (an association's work: members, needs, offers,
  batches, applications, complaints, notices, services asked for) and `enterprise` (what an
  enterprise receives or signs in its own name);
- **reference** tables are written rarely and joined by nearly every query: a copy on every
  node, so that any shard joins them locally. Besides the catalogues (regions, industries,
  associations, supply items, services, relief schemes, pledges, practice cases) that is the
  directory of enterprises, the one large reference table (docs/scale-out.md says why);
- **local** tables stay on the coordinator: accounts and what belongs to a person, the event log
  with its outbox (the change feed's commit order is one server's), the rollups the dashboards
  read, the reports. Tables of Django and of third-party apps are local.

Citus's rules, which `problems()` checks against the live catalog: a distributed table has its
distribution column, NOT NULL; every unique constraint or index other than the primary key
includes it (the primary keys become (key, id) at the move: docs/scale-out.md); a foreign key from
a distributed table points to a reference table or into its own group; reference tables point to
no distributed table, local tables neither. A foreign key Citus cannot keep is listed in
`UNENFORCED_FOREIGN_KEYS` with the reason it may go; a table that lacks its column today is
declared with the reason (`Distributed.missing`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

ASSOCIATION = "association"
ENTERPRISE = "enterprise"


@dataclass(frozen=True)
class Distributed:
    group: str
    column: str
    # Why the column is not in the table yet (a known gap, closed by the move's first
    # migration); empty when it is.
    missing: str = ""


def _by_association(column: str = "association_id", missing: str = "") -> Distributed:
    return Distributed(ASSOCIATION, column, missing)


def _by_enterprise(column: str = "enterprise_id", missing: str = "") -> Distributed:
    return Distributed(ENTERPRISE, column, missing)


DISTRIBUTED: dict[str, Distributed] = {
    # The association group: everything an association's staff work on.
    "associations_membership": _by_association(),
    "supplies_need": _by_association(),
    "supplies_supplyoffer": _by_association(),
    "supplies_priorityhold": _by_association(),
    "supplies_match": _by_association(),
    "supplies_placement": _by_association(),
    "supplies_needmessage": _by_association(),
    "supplies_escalation": _by_association(),
    "batches_batch": _by_association(),
    "batches_batch_regions": _by_association(),
    "batches_batch_industries": _by_association(),
    "batches_application": _by_association(),
    "services_servicerequest": _by_association(),
    "relief_hardshipassessment": _by_association(),
    "market_complaint": _by_association(),
    "market_handoff": _by_association(),
    "notices_notice": _by_association(),
    "notices_notice_regions": _by_association(),
    "notices_notice_industries": _by_association(),
    "notices_notice_picked": _by_association(),
    "notices_notice_policy_regions": _by_association(),
    "notices_notice_policy_industries": _by_association(),
    "notices_noticerecipient": _by_association(),
    # The enterprise group: what an enterprise receives or signs in its own name, read on its
    # pages and counted across associations.
    "relief_reliefgrant": _by_enterprise(),
    "market_pledgesignature": _by_enterprise(),
}

# Written rarely, joined by nearly every query: a copy on every node. All small but one.
REFERENCE: frozenset[str] = frozenset(
    {
        "core_region",
        "core_industry",
        "associations_association",
        "associations_association_industries",
        # The directory of enterprises: every association's list shows an enterprise's name,
        # region and industry, and an official's scope is the enterprise's region, so a copy
        # on every node keeps those joins on the shard. Written rarely (a registration, an
        # edit, an import). Its credit code stays unique across the country.
        "enterprises_enterprise",
        "supplies_supplyitem",
        "services_service",
        "services_service_regions",
        "services_serviceprovider",
        "relief_reliefscheme",
        "relief_reliefscheme_regions",
        "relief_reliefscheme_industries",
        "relief_reliefgrantbatch",
        "market_pledge",
        "market_pledgeversion",
        "cases_case",
        "cases_casetag",
    }
)

# On the coordinator, with why.
LOCAL: dict[str, str] = {
    "core_user": "accounts: a sign-in finds a user by username, unique across the country",
    "core_user_groups": "accounts",
    "core_user_user_permissions": "accounts",
    "core_apitoken": "accounts: a token is found by its hash, unique across the country",
    "core_contactverification": "accounts: codes sent to verify a contact",
    "core_idempotentrequest": "accounts: a partner's request keys, per account",
    "core_notification": "a person's notifications, read per user; dropped by month",
    "core_notificationpreference": "a person's settings",
    "core_notificationdigest": "a person's digests",
    "operations_deletionrequest": "a person's request to be deleted",
    "associations_associationuser": "accounts: which associations a staff user works for",
    "enterprises_enterpriseclaim": "accounts: a person's claim to act for an enterprise",
    "cases_casehelped": "a person's mark on a practice case",
    "core_event": "the event log: the change feed reads it in one commit order (core_eventcommit)",
    "core_eventcommit": "the event log's commit order, one server's",
    "core_attachment": "files of any record (generic relation), like the event log",
    "integrations_endpoint": "partners' webhook endpoints, per account",
    "integrations_delivery": "the webhook outbox, sent from the event log",
    "integrations_attempt": "the webhook outbox's attempts",
    "integrations_dispatchcursor": "the webhook dispatcher's place in the event log",
    "enterprises_importjob": "member imports: one row per uploaded file",
    "reports_report": "reports: per jurisdiction or association and period, a few a day each",
    "reports_reportfile": "reports' files",
    "reports_rollup": (
        "the dashboards' figures, summed over every association and region; at national scale "
        "the rows of each association move to the shards (see the capacity estimate)"
    ),
    "reports_rollupday": "when each day's rollup was computed",
}

_USER_STAYS = (
    "a person: accounts stay on the coordinator; the id stays, set from the signed-in user"
)

# Foreign keys Citus cannot keep (from a distributed table to another group or to the
# coordinator, or to a distributed table from elsewhere): each becomes a plain id column at the
# move, its integrity kept by the service that writes it.
UNENFORCED_FOREIGN_KEYS: dict[tuple[str, str], str] = {
    ("supplies_need", "created_by_id"): _USER_STAYS,
    ("supplies_supplyoffer", "created_by_id"): _USER_STAYS,
    ("supplies_match", "matched_by_id"): _USER_STAYS,
    ("supplies_placement", "recorded_by_id"): _USER_STAYS,
    ("supplies_needmessage", "author_id"): _USER_STAYS,
    ("supplies_escalation", "escalated_by_id"): _USER_STAYS,
    ("supplies_escalation", "replied_by_id"): _USER_STAYS,
    ("batches_batch", "created_by_id"): _USER_STAYS,
    ("batches_application", "created_by_id"): _USER_STAYS,
    ("services_servicerequest", "assignee_id"): _USER_STAYS,
    ("services_servicerequest", "created_by_id"): _USER_STAYS,
    ("relief_hardshipassessment", "requested_by_id"): _USER_STAYS,
    ("market_complaint", "complainant_id"): _USER_STAYS,
    ("market_handoff", "recorded_by_id"): _USER_STAYS,
    ("market_pledgesignature", "signed_by_id"): _USER_STAYS,
    ("notices_notice", "created_by_id"): _USER_STAYS,
    ("notices_noticerecipient", "read_by_id"): _USER_STAYS,
    ("notices_noticerecipient", "signed_by_id"): _USER_STAYS,
}

# Unique indexes without the distribution column, each with how it is kept after the move.
# None today: a notice's one correction is unique on (previous_id, association_id).
UNIQUE_AT_THE_MOVE: dict[tuple[str, tuple[str, ...]], str] = {}


def placement_of(table: str) -> Distributed | str:
    """A distributed table's declaration, or "reference" or "local". Tables not declared
    (Django's and third-party apps') are local."""
    if table in DISTRIBUTED:
        return DISTRIBUTED[table]
    return "reference" if table in REFERENCE else "local"


def declared(table: str) -> bool:
    return table in DISTRIBUTED or table in REFERENCE or table in LOCAL


def project_table_prefixes() -> list[str]:
    """The table name prefixes of the project's own apps ("supplies_"), whose tables must all
    be declared: the apps that live in the repository, not in site-packages."""
    from django.apps import apps
    from django.conf import settings

    root = Path(settings.BASE_DIR).resolve()
    return sorted(
        f"{config.label}_"
        for config in apps.get_app_configs()
        if Path(config.path).resolve().parent == root
    )


# --- reading the catalog ------------------------------------------------------------------

_TABLES = """
SELECT c.relname FROM pg_class c
WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
"""

_COLUMNS = """
SELECT c.relname, a.attname, a.attnotnull, format_type(a.atttypid, a.atttypmod)
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped
"""

# Unique indexes (unique constraints are kept by one) other than the primary key's; an
# expression's column is reported as NULL.
_UNIQUE = """
SELECT c.relname, i.relname, array_agg(a.attname ORDER BY k.ord)
FROM pg_index x
JOIN pg_class c ON c.oid = x.indrelid
JOIN pg_class i ON i.oid = x.indexrelid
CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition AND x.indisunique AND NOT x.indisprimary
  AND k.ord <= x.indnkeyatts
GROUP BY c.relname, i.relname
"""

_FOREIGN_KEYS = """
SELECT c.relname, f.relname, array_agg(a.attname ORDER BY k.ord)
FROM pg_constraint r
JOIN pg_class c ON c.oid = r.conrelid
JOIN pg_class f ON f.oid = r.confrelid
CROSS JOIN LATERAL unnest(r.conkey) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
WHERE r.contype = 'f' AND c.relnamespace = current_schema()::regnamespace
  AND NOT c.relispartition
GROUP BY r.oid, c.relname, f.relname
"""


@dataclass
class Catalog:
    tables: set[str]
    # table → column → (NOT NULL, type)
    columns: dict[str, dict[str, tuple[bool, str]]]
    # (table, index name, columns)
    unique: list[tuple[str, str, tuple[str | None, ...]]]
    # (table, referenced table, columns)
    foreign_keys: list[tuple[str, str, tuple[str, ...]]]


def read_catalog(cursor) -> Catalog:
    cursor.execute(_TABLES)
    tables = {name for (name,) in cursor.fetchall()}
    cursor.execute(_COLUMNS)
    columns: dict[str, dict[str, tuple[bool, str]]] = {}
    for table, column, not_null, type_name in cursor.fetchall():
        columns.setdefault(table, {})[column] = (not_null, type_name)
    cursor.execute(_UNIQUE)
    unique = [(table, index, tuple(cols)) for table, index, cols in cursor.fetchall()]
    cursor.execute(_FOREIGN_KEYS)
    foreign_keys = [(table, to, tuple(cols)) for table, to, cols in cursor.fetchall()]
    return Catalog(tables, columns, unique, foreign_keys)


# --- the rules ------------------------------------------------------------------------------


def problems(
    catalog: Catalog,
    project_prefixes: Iterable[str],
    *,
    distributed: Mapping[str, Distributed] = DISTRIBUTED,
    reference: Iterable[str] = REFERENCE,
    local: Mapping[str, str] = LOCAL,
    unenforced: Mapping[tuple[str, str], str] = UNENFORCED_FOREIGN_KEYS,
    unique_at_the_move: Mapping[tuple[str, tuple[str, ...]], str] = UNIQUE_AT_THE_MOVE,
) -> list[str]:
    """Every way the schema in `catalog` breaks the rules Citus needs, or the declaration is
    out of date, in words; empty when the schema is ready. `project_prefixes` are the table
    name prefixes of the project's apps ("supplies_"): their tables must all be declared."""
    reference = frozenset(reference)
    found: list[str] = []

    def kind(table: str) -> Distributed | str:
        if table in distributed:
            return distributed[table]
        return "reference" if table in reference else "local"

    prefixes = tuple(project_prefixes)
    for table in sorted(catalog.tables):
        if table.startswith(prefixes) and not (
            table in distributed or table in reference or table in local
        ):
            found.append(
                f"{table}: not declared in core/distribution.py (distributed on which key, "
                "reference or local?)"
            )
    for table in sorted(set(distributed) | reference | set(local)):
        if table not in catalog.tables:
            found.append(f"{table}: declared in core/distribution.py but no such table")
    for table in sorted((set(distributed) & reference) | (set(distributed) & set(local))):
        found.append(f"{table}: declared twice")
    found += _key_problems(catalog, distributed)
    found += _unique_problems(catalog, distributed, unique_at_the_move)
    found += _foreign_key_problems(catalog, kind, unenforced)
    return found


def _key_problems(catalog: Catalog, distributed: Mapping[str, Distributed]) -> list[str]:
    found = []
    types: dict[str, set[str]] = {}
    for table, spec in sorted(distributed.items()):
        if table not in catalog.tables:
            continue
        column = catalog.columns.get(table, {}).get(spec.column)
        if spec.missing:
            if column is not None:
                found.append(
                    f"{table}: has {spec.column} now: remove the known gap from "
                    "core/distribution.py so that its rules are checked"
                )
            continue
        if column is None:
            found.append(f"{table}: no distribution column {spec.column}")
            continue
        not_null, type_name = column
        if not not_null:
            found.append(f"{table}.{spec.column}: the distribution column may be NULL")
        types.setdefault(spec.group, set()).add(type_name)
    for group, names in sorted(types.items()):
        if len(names) > 1:
            found.append(f"group {group}: distribution columns of types {sorted(names)}")
    return found


def _unique_problems(catalog: Catalog, distributed, unique_at_the_move) -> list[str]:
    found = []
    present = set()
    for table, index, columns in sorted(catalog.unique):
        present.add((table, columns))
        spec = distributed.get(table)
        if spec is None or spec.missing or (table, columns) in unique_at_the_move:
            continue
        if spec.column not in columns:
            shown = ", ".join(c or "(expression)" for c in columns)
            found.append(
                f"{table}: unique index {index} ({shown}) lacks the distribution column "
                f"{spec.column}"
            )
    for table, columns in sorted(set(unique_at_the_move) - present):
        found.append(
            f"{table} ({', '.join(columns)}): declared in UNIQUE_AT_THE_MOVE, no such index"
        )
    return found


def _foreign_key_problems(catalog: Catalog, kind, unenforced) -> list[str]:
    found = []
    present = set()
    for table, target, columns in sorted(catalog.foreign_keys, key=lambda fk: (fk[0], fk[2])):
        source_kind, target_kind = kind(table), kind(target)
        key = (table, ",".join(columns))
        present.add(key)
        if _colocated(source_kind, target_kind):
            if key in unenforced:
                found.append(
                    f"{table}({key[1]}) → {target}: Citus keeps this foreign key; remove it "
                    "from UNENFORCED_FOREIGN_KEYS"
                )
            continue
        if key not in unenforced:
            found.append(
                f"{table}({key[1]}) → {target}: a foreign key from {_name(source_kind)} to "
                f"{_name(target_kind)}, which Citus cannot keep"
            )
    for table, column in sorted(set(unenforced) - present):
        if table in catalog.tables:
            found.append(f"{table}({column}): declared unenforced, but no such foreign key")
    return found


def _colocated(source: Distributed | str, target: Distributed | str) -> bool:
    if isinstance(source, Distributed):
        return target == "reference" or (
            isinstance(target, Distributed) and target.group == source.group
        )
    # A reference or local table may point to a reference or local table (Citus turns such
    # local tables into "Citus managed" ones), never into a distributed table.
    return not isinstance(target, Distributed)


def _name(kind: Distributed | str) -> str:
    if isinstance(kind, Distributed):
        return f"the {kind.group} group"
    return f"a {kind} table"


# --- the plan, printed in docs/scale-out.md --------------------------------------------------


def markdown() -> str:
    """The declaration as the tables of docs/scale-out.md (the test compares them)."""
    gaps = any(spec.missing for spec in DISTRIBUTED.values())
    if gaps:
        lines = ["| table | distributed on | gap to close at the move |", "|---|---|---|"]
    else:
        lines = ["| table | distributed on |", "|---|---|"]
    for group in (ASSOCIATION, ENTERPRISE):
        for table, spec in sorted(DISTRIBUTED.items()):
            if spec.group == group:
                line = f"| `{table}` | {group} (`{spec.column}`) |"
                if gaps:
                    line += (
                        f" {f'no `{spec.column}` yet: {spec.missing}' if spec.missing else ''} |"
                    )
                lines.append(line)
    lines += ["", "Reference tables (a copy on every node):", ""]
    lines += [", ".join(f"`{table}`" for table in sorted(REFERENCE)) + "."]
    lines += ["", "| local table (on the coordinator) | why |", "|---|---|"]
    lines += [f"| `{table}` | {why} |" for table, why in sorted(LOCAL.items())]
    by_reason: dict[str, list[str]] = {}
    for (table, column), why in sorted(UNENFORCED_FOREIGN_KEYS.items()):
        by_reason.setdefault(why, []).append(f"`{table}.{column}`")
    lines += ["", "| foreign keys Citus cannot keep (plain id columns after the move) | why |"]
    lines += ["|---|---|"]
    lines += [f"| {', '.join(keys)} | {why} |" for why, keys in by_reason.items()]
    if UNIQUE_AT_THE_MOVE:
        lines += ["", "| unique index without the key | how it holds after the move |"]
        lines += ["|---|---|"]
        lines += [
            f"| `{table}` ({', '.join(columns)}) | {why} |"
            for (table, columns), why in sorted(UNIQUE_AT_THE_MOVE.items())
        ]
    return "\n".join(lines) + "\n"
