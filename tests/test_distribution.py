"""The schema stays ready for a distributed PostgreSQL (Citus): read from the test database's
own catalog, every table is declared in core/distribution.py, and the declared distributed tables
keep Citus's rules (docs/scale-out.md)."""

from pathlib import Path

import pytest
from django.db import connection

from core import distribution
from core.distribution import ASSOCIATION, ENTERPRISE, Distributed

DOC = Path(__file__).resolve().parent.parent / "docs" / "scale-out.md"

pytestmark = pytest.mark.django_db


def _problems(**declaration) -> list[str]:
    with connection.cursor() as cursor:
        catalog = distribution.read_catalog(cursor)
    return distribution.problems(catalog, distribution.project_table_prefixes(), **declaration)


def test_the_schema_keeps_the_rules_of_a_distributed_postgresql():
    assert _problems() == []


def test_every_project_table_is_declared_once():
    # The whole schema of the project's apps, as Django would create it.
    with connection.cursor() as cursor:
        tables = distribution.read_catalog(cursor).tables
    prefixes = tuple(distribution.project_table_prefixes())
    project = {table for table in tables if table.startswith(prefixes)}
    assert project and all(distribution.declared(table) for table in project)
    assert distribution.placement_of("supplies_need") == Distributed(ASSOCIATION, "association_id")
    assert distribution.placement_of("relief_reliefgrant") == Distributed(
        ENTERPRISE, "enterprise_id"
    )
    assert distribution.placement_of("enterprises_enterprise") == "reference"
    assert distribution.placement_of("core_region") == "reference"
    assert distribution.placement_of("django_session") == "local"


def test_scale_out_doc_shows_the_declaration():
    assert distribution.markdown() in DOC.read_text(), (
        "docs/scale-out.md must show the declaration as it is now: paste the output of "
        "`python -c 'from core import distribution; print(distribution.markdown())'`"
    )


# --- the checker finds what breaks the rules (tables made for the test, rolled back) ---------


def _make(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


def test_a_new_table_fails_until_it_is_declared():
    _make("CREATE TABLE supplies_pallet (id bigserial PRIMARY KEY, label text)")

    assert _problems() == [
        "supplies_pallet: not declared in core/distribution.py (distributed on which key, "
        "reference or local?)"
    ]
    assert _problems(reference=distribution.REFERENCE | {"supplies_pallet"}) == []


def test_a_distributed_table_needs_its_key_not_null_and_in_every_unique_index():
    _make(
        """CREATE TABLE supplies_pallet (
            id bigserial PRIMARY KEY,
            association_id bigint REFERENCES associations_association (id),
            label text UNIQUE,
            serial text,
            UNIQUE (association_id, serial))"""
    )
    _make("CREATE UNIQUE INDEX pallet_lower_label ON supplies_pallet (lower(label))")
    declared = {
        **distribution.DISTRIBUTED,
        "supplies_pallet": Distributed(ASSOCIATION, "association_id"),
    }

    assert _problems(distributed=declared) == [
        "supplies_pallet.association_id: the distribution column may be NULL",
        "supplies_pallet: unique index pallet_lower_label ((expression)) lacks the "
        "distribution column association_id",
        "supplies_pallet: unique index supplies_pallet_label_key (label) lacks the "
        "distribution column association_id",
    ]


def test_a_declared_key_that_is_not_there_or_of_another_type_is_found():
    _make(
        "CREATE TABLE supplies_pallet (id bigserial PRIMARY KEY, association_id integer NOT NULL)"
    )
    wrong_type = {
        **distribution.DISTRIBUTED,
        "supplies_pallet": Distributed(ASSOCIATION, "association_id"),
    }
    no_column = {
        **distribution.DISTRIBUTED,
        "supplies_pallet": Distributed(ENTERPRISE, "enterprise_id"),
    }

    assert _problems(distributed=wrong_type) == [
        "group association: distribution columns of types ['bigint', 'integer']"
    ]
    assert _problems(distributed=no_column) == [
        "supplies_pallet: no distribution column enterprise_id"
    ]


def test_foreign_keys_across_groups_or_into_distributed_tables_are_found():
    _make(
        """CREATE TABLE supplies_pallet (
            id bigserial PRIMARY KEY,
            association_id bigint NOT NULL REFERENCES associations_association (id),
            need_id bigint NOT NULL REFERENCES supplies_need (id),
            enterprise_id bigint NOT NULL REFERENCES enterprises_enterprise (id),
            grant_id bigint NOT NULL REFERENCES relief_reliefgrant (id),
            packed_by_id bigint NOT NULL REFERENCES core_user (id))"""
    )
    _make(
        """CREATE TABLE supplies_palletkind (
            id bigserial PRIMARY KEY, example_id bigint REFERENCES supplies_pallet (id))"""
    )
    declared = {
        **distribution.DISTRIBUTED,
        "supplies_pallet": Distributed(ASSOCIATION, "association_id"),
    }

    assert _problems(
        distributed=declared, reference=distribution.REFERENCE | {"supplies_palletkind"}
    ) == [
        "supplies_pallet(grant_id) → relief_reliefgrant: a foreign key from the "
        "association group to the enterprise group, which Citus cannot keep",
        "supplies_pallet(packed_by_id) → core_user: a foreign key from the association group to "
        "a local table, which Citus cannot keep",
        "supplies_palletkind(example_id) → supplies_pallet: a foreign key from a reference table "
        "to the association group, which Citus cannot keep",
    ]
    # Declared with a reason, the first two pass; the reference table's cannot be kept.
    unenforced = {
        **distribution.UNENFORCED_FOREIGN_KEYS,
        ("supplies_pallet", "grant_id"): "checked by the service",
        ("supplies_pallet", "packed_by_id"): "a person",
    }
    assert _problems(
        distributed=declared,
        reference=distribution.REFERENCE | {"supplies_palletkind"},
        unenforced=unenforced,
    ) == [
        "supplies_palletkind(example_id) → supplies_pallet: a foreign key from a reference table "
        "to the association group, which Citus cannot keep"
    ]


def test_a_gap_closed_or_an_exception_gone_must_leave_the_declaration():
    gap_closed = {
        **distribution.DISTRIBUTED,
        "supplies_need": Distributed(ASSOCIATION, "association_id", missing="not yet"),
    }
    stale_foreign_key = {**distribution.UNENFORCED_FOREIGN_KEYS, ("supplies_need", "item_id"): "?"}

    assert _problems(distributed=gap_closed) == [
        "supplies_need: has association_id now: remove the known gap from core/distribution.py "
        "so that its rules are checked"
    ]
    assert _problems(unenforced=stale_foreign_key) == [
        "supplies_need(item_id) → supplies_supplyitem: Citus keeps this foreign key; remove it "
        "from UNENFORCED_FOREIGN_KEYS"
    ]
