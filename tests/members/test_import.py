"""Member spreadsheet import: all-or-nothing, every problem named by line and column."""

import csv
import io
import json
import time

import pytest
from django.core.exceptions import PermissionDenied
from django.db import OperationalError, connection
from django.utils import translation
from openpyxl import Workbook

from associations.models import Membership
from core import replica
from core.models import Event
from core.workflow import history_for
from enterprises.models import Enterprise, ImportJob
from members import imports
from members.imports import ImportRefused, start_import
from members.tasks import run_import_job
from resumption_portal.celery import app as celery_app
from tests.concurrency import run_together
from tests.factories import EnterpriseFactory, MembershipFactory, valid_uscc
from tests.workers import in_process_worker

COLUMNS = [
    "uscc",
    "name",
    "region_code",
    "industry_code",
    "size",
    "employees",
    "contact_name",
    "contact_phone",
    "member_number",
]
CHINESE = {
    "uscc": "统一社会信用代码",
    "name": "企业名称",
    "region_code": "行政区划代码",
    "industry_code": "行业代码",
    "size": "企业规模",
    "employees": "从业人数",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "member_number": "会员编号",
    "address": "地址",
    "legal_representative": "法定代表人",
}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def member_row(n: int = 1, **overrides) -> dict:
    row = {
        "uscc": valid_uscc(),
        "name": f"广州第{n}精密制造有限公司",
        "region_code": "440106",
        "industry_code": "39",
        "size": "small",
        "employees": "45",
        "contact_name": "陈敏",
        "contact_phone": "13800138000",
        "member_number": f"GD-{n:04d}",
    }
    return row | overrides


def member_rows(count: int) -> list[dict]:
    return [member_row(n) for n in range(1, count + 1)]


def csv_file(
    rows: list[dict], *, columns=COLUMNS, chinese: bool = False, bom: bool = False
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([CHINESE[name] if chinese else name for name in columns])
    for row in rows:
        writer.writerow([row.get(name, "") for name in columns])
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode()


def import_file(cast, content: bytes, file_name: str = "members.csv", actor=None) -> ImportJob:
    return start_import(
        actor=actor or cast.staff,
        association_id=cast.association.pk,
        file_name=file_name,
        content=content,
    )


def written(cast) -> tuple[int, int, int]:
    """What an import could have written: enterprises, memberships and history rows."""
    return Enterprise.objects.count(), Membership.objects.count(), Event.objects.count()


def refused_rows(cast, rows: list[dict], **csv_options) -> list[dict]:
    """Import a file that must be refused row by row; answer its row problems."""
    before = written(cast)
    job = import_file(cast, csv_file(rows, **csv_options))
    assert job.status == ImportJob.Status.FAILED
    assert (job.created, job.updated) == (0, 0)
    assert written(cast) == before, "a refused file must write nothing"
    return [error for error in job.errors if error["row"] is not None]


def wrong_check_character(uscc: str) -> str:
    return uscc[:-1] + ("1" if uscc[-1] != "1" else "2")


def kept_member(cast, **fields) -> Enterprise:
    """A member the cast's association registered and whose record it keeps (no users of its
    own; the cast member has one, who keeps its record)."""
    enterprise = EnterpriseFactory(**fields)
    MembershipFactory(enterprise=enterprise, association=cast.association)
    return enterprise


# --- good files -----------------------------------------------------------------------------


def test_import_creates_enterprises_and_active_memberships_from_a_bom_csv_with_chinese_headers(
    cast,
):
    rows = [
        member_row(1, size="微型"),
        member_row(2, size="小型", contact_phone="020-87654321"),
        member_row(3, size="中型", region_code="330106"),
    ]

    job = import_file(cast, csv_file(rows, chinese=True, bom=True), "会员名单.csv")

    assert job.status == ImportJob.Status.SUCCEEDED
    assert (job.created, job.updated, job.errors) == (3, 0, [])
    first = Enterprise.objects.get(uscc=rows[0]["uscc"])
    assert (first.name, first.region_id, first.industry_id) == (rows[0]["name"], "440106", "39")
    assert (first.size, first.employees) == (Enterprise.Size.MICRO, 45)
    assert first.contact_phone == "+8613800138000"
    second = Enterprise.objects.get(uscc=rows[1]["uscc"])
    assert (second.size, second.contact_phone) == (Enterprise.Size.SMALL, "+862087654321")
    assert Enterprise.objects.get(uscc=rows[2]["uscc"]).size == Enterprise.Size.MEDIUM
    memberships = Membership.objects.filter(
        association=cast.association, enterprise__uscc__in=[row["uscc"] for row in rows]
    )
    assert sorted(memberships.values_list("status", "member_number")) == [
        ("active", "GD-0001"),
        ("active", "GD-0002"),
        ("active", "GD-0003"),
    ]
    for membership in memberships:
        [change] = history_for(membership)
        assert (change.from_status, change.to_status, change.actor) == ("", "active", cast.staff)
        assert change.action == "membership.created"
        assert "会员名单.csv" in change.reason


def test_importing_the_same_members_again_updates_them_without_duplicating_memberships(cast):
    rows = member_rows(3)
    import_file(cast, csv_file(rows))
    before = written(cast)
    rows[0]["name"] = "广州第1精密制造股份有限公司"
    rows[1]["employees"] = "120"

    job = import_file(cast, csv_file(rows))

    assert job.status == ImportJob.Status.SUCCEEDED
    # Two members changed; the third is as the file has it already.
    assert (job.created, job.updated, job.unchanged) == (0, 2, 1)
    enterprises, memberships, events = before
    # Nothing doubled; the two enterprises that changed have one event each (see below).
    assert written(cast) == (enterprises, memberships, events + 2)
    assert Enterprise.objects.get(uscc=rows[0]["uscc"]).name == "广州第1精密制造股份有限公司"
    assert Enterprise.objects.get(uscc=rows[1]["uscc"]).employees == 120


def test_an_import_records_each_new_enterprise_and_the_old_and_new_values_of_each_change(cast):
    rows = member_rows(3)
    import_file(cast, csv_file(rows))
    rows[0] |= {"name": "广州第1精密制造股份有限公司", "region_code": "440104"}
    rows[1] |= {"employees": "120", "contact_phone": "13900139000", "member_number": "GD-0200"}

    import_file(cast, csv_file(rows), file_name="更新.csv")

    def events(row) -> list[tuple]:
        enterprise = Enterprise.objects.get(uscc=row["uscc"])
        return [(e.action, e.actor, e.changes) for e in history_for(enterprise)]

    created = ("enterprise.created", cast.staff, {})
    assert events(rows[0]) == [
        created,
        (
            "enterprise.updated",
            cast.staff,
            {
                "name": ["广州第1精密制造有限公司", "广州第1精密制造股份有限公司"],
                "region": ["440106", "440104"],
            },
        ),
    ]
    assert events(rows[1]) == [
        created,
        (
            "enterprise.updated",
            cast.staff,
            {"employees": [45, 120], "contact_phone": ["+8613800138000", "+8613900139000"]},
        ),
    ]
    assert events(rows[2]) == [created]  # unchanged: nothing to tell
    renumbered = Membership.objects.get(enterprise__uscc=rows[1]["uscc"])
    assert [(e.action, e.changes) for e in history_for(renumbered)] == [
        ("membership.created", {}),
        ("membership.updated", {"member_number": ["GD-0002", "GD-0200"]}),
    ]
    assert "更新.csv" in history_for(renumbered).last().reason


def test_a_new_member_number_alone_counts_the_member_as_updated(cast):
    rows = member_rows(2)
    import_file(cast, csv_file(rows))
    rows[1]["member_number"] = "GD-0200"

    job = import_file(cast, csv_file(rows))

    assert (job.created, job.updated, job.unchanged) == (0, 1, 1)
    membership = Membership.objects.get(enterprise__uscc=rows[1]["uscc"])
    assert membership.member_number == "GD-0200"


def test_import_reads_an_xlsx_workbook_with_phones_and_headcounts_stored_as_numbers(cast):
    code = valid_uscc()
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([CHINESE[name] for name in COLUMNS])
    sheet.append([code, "广州卓越电子有限公司", 440106, "39", "小型", 45, "陈敏", 13800138000, ""])
    content = io.BytesIO()
    workbook.save(content)

    job = import_file(cast, content.getvalue(), "members.xlsx")

    assert job.status == ImportJob.Status.SUCCEEDED, job.errors
    assert (job.created, job.updated) == (1, 0)
    enterprise = Enterprise.objects.get(uscc=code)
    assert (enterprise.region_id, enterprise.employees) == ("440106", 45)
    assert enterprise.contact_phone == "+8613800138000"
    assert enterprise.memberships.get().association == cast.association


def test_importing_a_member_of_another_association_invites_it_and_leaves_its_data(cast):
    row = member_row(1, uscc=cast.other_member.uscc, name="改名企业", employees="999")

    job = import_file(cast, csv_file([row]))

    assert (job.status, job.created, job.updated, job.invited) == (
        ImportJob.Status.SUCCEEDED,
        0,
        0,
        1,
    )
    assert Enterprise.objects.filter(uscc=cast.other_member.uscc).count() == 1
    # Its data is the association's that registered it: the importer only invited it, and it
    # stays a member there.
    cast.other_member.refresh_from_db()
    assert cast.other_member.name == "杭州盛达服装有限公司"
    assert cast.other_member.employees != 999
    assert dict(
        Membership.objects.filter(enterprise=cast.other_member).values_list(
            "association_id", "status"
        )
    ) == {cast.other_association.pk: "active", cast.association.pk: "invited"}
    invitation = Membership.objects.get(enterprise=cast.other_member, association=cast.association)
    assert invitation.joined_on is None


def test_reimporting_a_member_that_has_its_own_users_leaves_its_data_to_them(cast):
    row = member_row(1, uscc=cast.member.uscc, name="改名企业", employees="999")

    job = import_file(cast, csv_file([row]))

    # Its member number is the association's to give: that is the one change.
    assert (job.status, job.created, job.updated, job.invited) == (
        ImportJob.Status.SUCCEEDED,
        0,
        1,
        0,
    )
    cast.member.refresh_from_db()
    assert (cast.member.name, cast.member.employees) == ("广州华兴电子有限公司", 40)
    membership = Membership.objects.get(enterprise=cast.member)
    assert (membership.status, membership.member_number) == ("active", "GD-0001")


def test_reimporting_without_the_optional_columns_keeps_what_they_held(cast):
    member = kept_member(cast, address="广州市天河区天河路100号", legal_representative="王伟")
    row = member_row(1, uscc=member.uscc, employees="60")

    job = import_file(cast, csv_file([row], columns=COLUMNS[:-1]))  # no optional column at all

    assert (job.status, job.updated) == (ImportJob.Status.SUCCEEDED, 1)
    member.refresh_from_db()
    assert member.employees == 60
    assert member.address == "广州市天河区天河路100号"
    assert member.legal_representative == "王伟"


def test_import_writes_address_and_legal_representative_when_the_file_has_them(cast):
    member = kept_member(cast)
    row = member_row(1, uscc=member.uscc, address="广州市天河区体育西路1号")
    row["legal_representative"] = "赵敏"

    import_file(cast, csv_file([row], columns=[*COLUMNS, "address", "legal_representative"]))

    member.refresh_from_db()
    assert member.address == "广州市天河区体育西路1号"
    assert member.legal_representative == "赵敏"


def test_only_staff_of_the_association_may_import_its_members(cast):
    with pytest.raises(PermissionDenied):
        import_file(cast, csv_file(member_rows(1)), actor=cast.other_staff)

    assert not ImportJob.objects.exists()


# --- bad rows -------------------------------------------------------------------------------


def test_import_refuses_a_wrong_credit_code_check_character_and_writes_nothing(cast):
    rows = [member_row(1), member_row(2, uscc=wrong_check_character(valid_uscc()))]

    assert refused_rows(cast, rows) == [
        {
            "row": 3,
            "column": "uscc",
            "message": "The check character of this credit code is wrong; "
            "please re-type the 18 characters.",
        }
    ]


def test_import_refuses_unknown_region_code_and_writes_nothing(cast):
    assert refused_rows(cast, [member_row(region_code="999999")]) == [
        {"row": 2, "column": "region_code", "message": "Unknown region code 999999 (GB/T 2260)."}
    ]


@pytest.mark.parametrize("code", ["440000", "440100"])
def test_import_refuses_a_province_or_city_as_region_and_writes_nothing(cast, code):
    assert refused_rows(cast, [member_row(region_code=code)]) == [
        {
            "row": 2,
            "column": "region_code",
            "message": f"{code} is a province or city; give the county-level code.",
        }
    ]


@pytest.mark.parametrize("code", ["C", "a"])
def test_import_refuses_an_industry_section_letter_and_writes_nothing(cast, code):
    assert refused_rows(cast, [member_row(industry_code=code)]) == [
        {
            "row": 2,
            "column": "industry_code",
            "message": f"{code} is a section; give the two-digit division, e.g. 39.",
        }
    ]


def test_import_refuses_a_credit_code_twice_in_the_file_naming_the_other_line(cast):
    rows = member_rows(3)
    rows.append(member_row(4, uscc=rows[0]["uscc"].lower()))

    assert refused_rows(cast, rows) == [
        {
            "row": 5,
            "column": "uscc",
            "message": "This credit code is also on line 2; each enterprise once.",
        }
    ]


def test_import_refuses_a_missing_required_value_under_the_header_as_written(cast):
    errors = refused_rows(cast, [member_row(contact_name="")], chinese=True)

    assert errors == [{"row": 2, "column": "联系人", "message": "This value is required."}]


def test_import_refuses_a_header_without_a_required_column_and_keeps_no_job(cast):
    columns = [name for name in COLUMNS if name != "contact_phone"]
    before = written(cast)

    with pytest.raises(ImportRefused) as refused:
        import_file(cast, csv_file(member_rows(2), columns=columns))

    assert "header row" in refused.value.detail
    assert refused.value.errors == [
        {
            "row": 1,
            "column": "contact_phone",
            "message": "The required column “contact_phone” is missing from the header row.",
        }
    ]
    assert written(cast) == before
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("size", ["large", "大型"])
def test_import_refuses_a_size_it_does_not_know_and_writes_nothing(cast, size):
    assert refused_rows(cast, [member_row(size=size)]) == [
        {
            "row": 2,
            "column": "size",
            "message": "Write micro, small or medium (or 微型, 小型, 中型).",
        }
    ]


@pytest.mark.parametrize("employees", ["-3", "forty", "4.5"])
def test_import_refuses_a_headcount_that_is_not_a_whole_number_and_writes_nothing(cast, employees):
    assert refused_rows(cast, [member_row(employees=employees)]) == [
        {"row": 2, "column": "employees", "message": "Write a whole number of people, e.g. 45."}
    ]


@pytest.mark.parametrize("phone", ["12345", "15412345678"])
def test_import_refuses_a_phone_number_that_does_not_exist_and_writes_nothing(cast, phone):
    [error] = refused_rows(cast, [member_row(contact_phone=phone)])

    assert (error["row"], error["column"]) == (2, "contact_phone")
    assert "phone number" in error["message"]


def test_one_bad_row_among_many_writes_nothing_and_every_bad_row_is_listed(cast):
    rows = member_rows(8)
    rows[1]["region_code"] = "440000"
    rows[4]["contact_phone"] = "12345"
    rows[4]["size"] = "huge"
    rows[7]["uscc"] = ""

    errors = refused_rows(cast, rows)

    assert [(error["row"], error["column"]) for error in errors] == [
        (3, "region_code"),
        (6, "size"),
        (6, "contact_phone"),
        (9, "uscc"),
    ]


def test_rows_are_numbered_as_the_spreadsheet_shows_them_blank_lines_included(cast):
    good, bad = member_row(1), member_row(2, region_code="999999")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(COLUMNS)
    sheet.append([good[name] for name in COLUMNS])
    sheet.append([])
    sheet.append([bad[name] for name in COLUMNS])
    content = io.BytesIO()
    workbook.save(content)
    before = written(cast)

    job = import_file(cast, content.getvalue(), "members.xlsx")

    assert job.status == ImportJob.Status.FAILED
    assert [(error["row"], error["column"]) for error in job.errors[1:]] == [(4, "region_code")]
    assert written(cast) == before


def test_a_failed_import_says_how_many_problems_to_fix(cast):
    rows = member_rows(3)
    rows[0]["region_code"] = "999999"
    rows[2]["industry_code"] = "C"

    job = import_file(cast, csv_file(rows))

    assert job.errors[0] == {
        "row": None,
        "column": None,
        "message": "Nothing was imported: 2 problem(s) to fix in the file.",
    }


def test_a_file_with_only_a_header_imports_nothing(cast):
    before = written(cast)

    job = import_file(cast, csv_file([]))

    assert job.status == ImportJob.Status.FAILED
    assert "no rows to import" in job.errors[0]["message"]
    assert written(cast) == before


# --- files that are refused whole ------------------------------------------------------------


def assert_file_refused(cast, content: bytes, file_name: str, expected: str) -> None:
    before = written(cast)

    with pytest.raises(ImportRefused) as refused:
        import_file(cast, content, file_name)

    assert expected in refused.value.detail
    assert written(cast) == before
    assert not ImportJob.objects.exists()


def test_import_refuses_an_empty_file(cast):
    assert_file_refused(cast, b"", "members.csv", "The file is empty.")


def test_import_refuses_a_file_that_is_only_a_byte_order_mark(cast):
    assert_file_refused(cast, b"\xef\xbb\xbf", "members.csv", "The file is empty.")


def test_import_refuses_a_pdf(cast):
    assert_file_refused(
        cast, b"%PDF-1.4\n" + csv_file(member_rows(1)), "members.pdf", "Upload a .csv or .xlsx"
    )


def test_import_refuses_csv_text_named_xlsx(cast):
    assert_file_refused(
        cast, csv_file(member_rows(1)), "members.xlsx", "named .xlsx but is not an Excel workbook"
    )


def test_import_refuses_a_csv_that_is_not_utf8(cast):
    gbk = csv_file(member_rows(1), chinese=True).decode().encode("gbk")

    assert_file_refused(cast, gbk, "members.csv", "not UTF-8")


def test_import_refuses_a_file_larger_than_the_upload_limit(cast, settings):
    content = csv_file(member_rows(3))
    settings.UPLOAD_MAX_BYTES = len(content) - 1

    assert_file_refused(cast, content, "members.csv", "larger than")


def test_a_file_exactly_at_the_upload_limit_is_accepted(cast, settings):
    content = csv_file(member_rows(3))
    settings.UPLOAD_MAX_BYTES = len(content)

    assert import_file(cast, content).status == ImportJob.Status.SUCCEEDED


# --- large files run in the background -------------------------------------------------------


def test_a_large_file_is_queued_to_a_worker_once_saved_and_nothing_is_written_yet(
    cast, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.IMPORT_BACKGROUND_ROWS = 3
    rows = member_rows(5)
    before = written(cast)
    queued: list[int] = []
    monkeypatch.setattr(run_import_job, "delay", queued.append)

    with django_capture_on_commit_callbacks(execute=True):
        job = import_file(cast, csv_file(rows))

    assert job.status == ImportJob.Status.PENDING
    assert queued == [job.pk]
    assert written(cast) == before


def test_a_queued_import_runs_once_even_if_the_task_is_delivered_twice(cast):
    rows = member_rows(5)
    job = ImportJob.objects.create(
        association=cast.association,
        created_by=cast.staff,
        file_name="members.csv",
        content=csv_file(rows),
        total_rows=5,
    )

    run_import_job.apply(args=[job.pk])
    after_first = written(cast)
    run_import_job.apply(args=[job.pk])

    job.refresh_from_db()
    assert (job.status, job.created, job.updated) == (ImportJob.Status.SUCCEEDED, 5, 0)
    assert (job.processed_rows, job.progress) == (5, 100)
    assert written(cast) == after_first


def test_a_queued_import_interrupted_by_a_database_hiccup_is_retried_and_completes(
    cast, monkeypatch
):
    job = ImportJob.objects.create(
        association=cast.association,
        created_by=cast.staff,
        file_name="members.csv",
        content=csv_file(member_rows(4)),
        total_rows=4,
    )
    real_write_rows = imports.jobs.write_rows
    attempts: list[int] = []

    def flaky_write_rows(**kwargs):
        attempts.append(1)
        if len(attempts) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real_write_rows(**kwargs)

    monkeypatch.setattr(imports.jobs, "write_rows", flaky_write_rows)

    # throw=False lets an eager run take the task's own retry, as a worker would.
    run_import_job.apply(args=[job.pk], throw=False)

    job.refresh_from_db()
    assert len(attempts) == 2
    assert (job.status, job.created) == (ImportJob.Status.SUCCEEDED, 4)


@pytest.mark.django_db(transaction=True)
def test_a_large_import_is_done_by_a_real_celery_worker(cast, settings):
    settings.IMPORT_BACKGROUND_ROWS = 3
    rows = member_rows(40)

    with in_process_worker():
        job = import_file(cast, csv_file(rows))
        assert job.status == ImportJob.Status.PENDING
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.status in (ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED):
                break
            time.sleep(0.2)

    assert job.status == ImportJob.Status.SUCCEEDED, job.errors
    assert (job.created, job.updated, job.total_rows) == (40, 0, 40)
    assert Membership.objects.filter(association=cast.association, status="active").count() == 41
    # Who started it reads the new members from the primary next (a replica may lag behind).
    assert replica.wrote_within(cast.staff, settings.REPLICA_PIN_SECONDS)
    assert not replica.wrote_within(cast.manager, settings.REPLICA_PIN_SECONDS)


def test_reimporting_an_unchanged_member_keeps_its_updated_at_for_incremental_sync(cast):
    row = member_row(1)
    import_file(cast, csv_file([row]))
    enterprise = Enterprise.objects.get(uscc=row["uscc"])

    job = import_file(cast, csv_file([row]))
    again = Enterprise.objects.get(pk=enterprise.pk)
    # Nothing changed, and the staff are told so.
    assert (job.created, job.updated, job.unchanged) == (0, 0, 1)
    assert again.updated_at == enterprise.updated_at

    changed = import_file(cast, csv_file([{**row, "employees": "77"}]))
    assert changed.updated == 1
    after = Enterprise.objects.get(pk=enterprise.pk)
    assert after.employees == 77
    assert after.updated_at > enterprise.updated_at


def test_the_background_import_keeps_the_task_name_queued_messages_carry():
    # Messages queued before the import moved to `members` name the task as it was then.
    assert run_import_job.name == "enterprises.tasks.run_import_job"
    assert celery_app.tasks["enterprises.tasks.run_import_job"].__module__ == "members.tasks"


def _planned_members(association) -> float:
    """How many memberships of `association` the planner expects, from its statistics."""
    plan = Membership.objects.filter(association=association).explain(format="json")
    return json.loads(plan)[0]["Plan"]["Plan Rows"]


def _stale_statistics():
    """Statistics of the memberships as autovacuum leaves them for long in a large table: taken
    before the members that come next."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Membership._meta.db_table}")


def test_an_import_is_planned_on_the_associations_members_as_they_are_now(cast):
    # Members that came since the statistics were taken (here added directly; in a table of
    # millions autovacuum waits for a tenth of it to change): the import's plan used to read
    # them all again for every row of its file (279 s for 100,000 rows).
    _stale_statistics()
    enterprises = Enterprise.objects.bulk_create(
        EnterpriseFactory.build(registered_by=cast.association) for _ in range(1200)
    )
    Membership.objects.bulk_create(
        MembershipFactory.build(enterprise=enterprise, association=cast.association)
        for enterprise in enterprises
    )
    assert _planned_members(cast.association) < 100  # stale: the planner expects a handful

    job = import_file(cast, csv_file(member_rows(3)))

    assert (job.status, job.created) == (ImportJob.Status.SUCCEEDED, 3)
    # Analysed before it was planned: the planner knows the association's members now.
    assert _planned_members(cast.association) > 600


def test_a_large_import_leaves_the_statistics_counting_the_members_it_added(cast):
    _stale_statistics()

    job = import_file(cast, csv_file(member_rows(1200)))

    assert (job.status, job.created) == (ImportJob.Status.SUCCEEDED, 1200)
    # The member list and the next import are planned on 1,200 members, not on none.
    assert _planned_members(cast.association) > 600


@pytest.mark.django_db(transaction=True)
def test_two_associations_importing_the_same_new_enterprises_at_once_both_finish(cast):
    # Each with members its statistics have missed, so that both analyse before and after: an
    # analysis outside the import's transaction holds no lock while the other one writes.
    _stale_statistics()
    for association in (cast.association, cast.other_association):
        enterprises = Enterprise.objects.bulk_create(
            EnterpriseFactory.build(registered_by=association) for _ in range(1200)
        )
        Membership.objects.bulk_create(
            MembershipFactory.build(enterprise=enterprise, association=association)
            for enterprise in enterprises
        )
    shared = member_rows(300)
    files = [
        (cast.staff, cast.association, shared + [member_row(n) for n in range(301, 321)]),
        (cast.other_staff, cast.other_association, [member_row(n) for n in range(321, 341)]),
    ]
    files[1][2].extend(shared)

    outcomes = run_together(
        [
            lambda actor=actor, association=association, rows=rows: start_import(
                actor=actor,
                association_id=association.pk,
                file_name="members.csv",
                content=csv_file(rows),
            )
            for actor, association, rows in files
        ]
    )

    assert [kind for kind, _job in outcomes] == ["ok", "ok"], outcomes
    jobs = [job for _kind, job in outcomes]
    assert [job.status for job in jobs] == [ImportJob.Status.SUCCEEDED] * 2, jobs[0].errors
    # Each shared enterprise is registered once, by the import that inserted it first; the
    # other association, finding it registered by someone else, invited it.
    codes = [row["uscc"] for row in shared]
    assert Enterprise.objects.filter(uscc__in=codes).count() == 300
    assert (sum(job.created for job in jobs), sum(job.invited for job in jobs)) == (340, 300)
    memberships = Membership.objects.filter(enterprise__uscc__in=codes)
    for code in codes[:5] + codes[-5:]:
        registered = Enterprise.objects.get(uscc=code).registered_by_id
        assert dict(
            memberships.filter(enterprise__uscc=code).values_list("association_id", "status")
        ) == {
            registered: "active",
            ({cast.association.pk, cast.other_association.pk} - {registered}).pop(): "invited",
        }
    for association in (cast.association, cast.other_association):
        assert _planned_members(association) > 600
