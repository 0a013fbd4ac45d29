"""The member import as `make run` runs it, on SQLite: the same plan, each data-modifying WITH
of PostgreSQL written as two statements (members.imports.writing). Its counts say what a file
did: created, changed, or nothing to change."""

import pytest

from tests.make_run import MIGRATED, run_as_make_run

SCRIPT = (
    MIGRATED
    + """
from associations.models import Membership
from core.models import Event
from enterprises.models import Enterprise
from members.imports import start_import
from tests.factories import AssociationFactory, staff_of, valid_uscc

association = AssociationFactory(region_id="440100")
staff = staff_of(association, username="staff")
header = ("uscc,name,region_code,industry_code,size,employees,contact_name,contact_phone,"
          "member_number")
codes = [valid_uscc() for _ in range(3)]
rows = [f"{code},广州第{n}五金有限公司,440106,33,small,12,李明,13900139000,GD-{n}"
        for n, code in enumerate(codes)]


def run(lines):
    job = start_import(actor=staff, association_id=association.pk, file_name="m.csv",
                       content=("\\n".join([header, *lines]) + "\\n").encode())
    return [job.status, job.created, job.updated, job.invited, job.unchanged]


seen = {"first": run(rows), "again": run(rows)}
rows[0] = rows[0].replace(",12,", ",13,")
rows[1] = rows[1].replace("GD-1", "GD-100")
seen["changed"] = run(rows)
seen["employees"] = Enterprise.objects.get(uscc=codes[0]).employees
seen["number"] = Membership.objects.get(enterprise__uscc=codes[1]).member_number
seen["events"] = sorted(Event.objects.values_list("action", flat=True))
print(json.dumps(seen))
"""
)


@pytest.mark.slow
def test_an_import_on_sqlite_creates_then_changes_only_what_differs(tmp_path):
    seen = run_as_make_run(tmp_path, SCRIPT)
    assert seen.pop("first") == ["succeeded", 3, 0, 0, 0]
    assert seen.pop("again") == ["succeeded", 0, 0, 0, 3]
    assert seen.pop("changed") == ["succeeded", 0, 2, 0, 1]
    assert seen == {
        "employees": 13,
        "number": "GD-100",
        "events": sorted(
            ["enterprise.created"] * 3
            + ["membership.created"] * 3
            + ["enterprise.updated", "membership.updated"]
        ),
    }
