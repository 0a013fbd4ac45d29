"""Import of the member spreadsheet, end to end: `write_rows` of a `CheckedFile`, what an import
job runs (the rows checked as they are streamed into the database), into a fresh association
(first run: everything is created), again with every headcount changed (second run: every row is
an update), and once more with the same file (third run: every row matches and nothing is
written).

Runs in a process of its own (`python -m bench.importing FILE`), so that the peak RSS it reports
is the import's and not that of the data generation before it. With BENCH_PROFILE=1 it also
prints where each run's time goes (cProfile, by own time).

At national scale (`python -m bench.importing --national FILE`, by `make bench SCALE=national`):
one run of a file of NATIONAL_ROWS rows (made by bench.generate.write_member_csv if absent) into
an association of its own, read from disk as a stream, never held whole: rows/s and peak RSS.
"""

import argparse
import cProfile
import csv
import io
import os
import pstats
import sys
import time
from pathlib import Path

import django

RATE_TARGET = 25_000  # rows per second, end to end (issue #19)
RSS_BUDGET_MIB = 1024
NATIONAL_ROWS = 1_000_000

IMPORT_ASSOCIATION = {
    "name": "浙江省温州商会（基准导入）",
    "kind": "chamber_of_commerce",
    "uscc_body": "51330100BENCH0002",
    "region_id": "330100",
}
IMPORT_STAFF = "bench-importer"
NATIONAL_ASSOCIATION = {
    "name": "全国工商联会员企业（基准导入）",
    "kind": "chamber_of_commerce",
    "uscc_body": "51100000BENCH0003",
    "region_id": "110000",
}

CLEANUP_SQL = """
SET LOCAL portal.event_purge = 'on';
-- The last run added some 200,000 events since the statistics were taken: without fresh ones
-- the planner expects one row and joins the events to the memberships row by row.
ANALYZE {status_change};
ANALYZE {membership};
DELETE FROM {status_change} WHERE content_type_id = %(content_type)s
    AND object_id IN (SELECT id FROM {membership} WHERE association_id = %(association)s);
DELETE FROM {status_change} ev USING {membership} m
WHERE ev.content_type_id = %(enterprise_type)s AND ev.object_id = m.enterprise_id
    AND m.association_id = %(association)s
    AND NOT EXISTS (
        SELECT 1 FROM {membership} o
        WHERE o.enterprise_id = m.enterprise_id AND o.association_id <> %(association)s
    );
DELETE FROM {import_job} WHERE association_id = %(association)s;
WITH gone AS (
    DELETE FROM {membership} WHERE association_id = %(association)s RETURNING enterprise_id
)
DELETE FROM {enterprise} e USING gone
WHERE e.id = gone.enterprise_id
    AND NOT EXISTS (
        SELECT 1 FROM {membership} m
        WHERE m.enterprise_id = e.id AND m.association_id <> %(association)s
    );
"""


def _forget_previous_run(spec: dict = IMPORT_ASSOCIATION) -> float:
    """Delete what the last run imported (the association's memberships, their history and the
    enterprises that belong to no other association), so that this run creates every row. The
    association stays, with what other benchmarks made of it (reports, rollups)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from stdnum.cn import uscc as stdnum_uscc

    from associations.models import Association, Membership
    from core.models import Event
    from enterprises.models import Enterprise, ImportJob

    started = time.perf_counter()
    body = spec["uscc_body"]
    previous = Association.objects.filter(uscc=body + stdnum_uscc.calc_check_digit(body)).first()
    if previous is None:
        return 0.0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            CLEANUP_SQL.format(
                status_change=Event._meta.db_table,
                membership=Membership._meta.db_table,
                import_job=ImportJob._meta.db_table,
                enterprise=Enterprise._meta.db_table,
            ),
            {
                "association": previous.pk,
                "content_type": ContentType.objects.get_for_model(Membership).pk,
                "enterprise_type": ContentType.objects.get_for_model(Enterprise).pk,
            },
        )
    with connection.cursor() as cursor:
        for model in (Enterprise, Membership, Event):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    return time.perf_counter() - started


def _import_once(run: str, label: str, file_name: str, content, association_id: int, actor) -> None:
    """`content`: the file's bytes, or a binary stream of a file too large to hold."""
    from django.core.cache import cache

    from bench.report import figure, note, peak_rss_mib
    from members.imports import CheckedFile, write_rows

    key = f"bench-import:{association_id}:processed"

    def progress(rows_done: int) -> None:  # what run_job reports to the page that polls it
        cache.set(key, rows_done, timeout=3600)

    profile = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None
    if profile:
        profile.enable()
    started = time.perf_counter()
    result = write_rows(
        rows=CheckedFile(file_name, content, progress),
        association_id=association_id,
        actor=actor,
        file_name=file_name,
    )
    finished = time.perf_counter()
    if profile:
        profile.disable()
        pstats.Stats(profile, stream=sys.stdout).sort_stats("tottime").print_stats(15)
    cache.delete(key)
    total = finished - started
    rate = result.rows / total
    figure(
        f"{run}, {label}: rows/s",
        f"{rate:,.0f}",
        f"≥ {RATE_TARGET:,} rows/s",
        rate >= RATE_TARGET,
    )
    note(
        f"    {result.rows:,} rows in {total:.1f} s (checked while written); "
        f"created {result.created:,}, updated {result.updated:,}, invited {result.invited:,}"
    )
    peak = peak_rss_mib()
    figure(
        f"{run}: peak RSS of the process",
        f"{peak:,.0f} MiB",
        f"< {RSS_BUDGET_MIB // 1024} GiB",
        peak < RSS_BUDGET_MIB,
    )


def _with_changed_headcounts(content: bytes) -> bytes:
    """The file with every enterprise's employees one higher: an import that updates each row."""
    reader = csv.reader(io.StringIO(content.decode("utf-8-sig")))
    header = next(reader)
    column = header.index("employees")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in reader:
        row[column] = str(int(row[column]) + 1)
        writer.writerow(row)
    return out.getvalue().encode()


def _imported(association) -> str:
    from associations.models import Membership
    from core.models import Event

    memberships = Membership.objects.filter(association=association)
    history = Event.objects.filter(
        object_id__in=memberships.values("pk"), content_type__model="membership"
    )
    return f"{memberships.count():,} memberships, {history.count():,} history rows"


def main(path: Path) -> None:
    django.setup()
    from django.conf import settings

    from bench.generate import _bench_association, bench_staff
    from bench.report import figure, heading, note, peak_rss_mib

    heading("Import of the member CSV (CheckedFile streamed into write_rows)")
    size, limit = path.stat().st_size / 2**20, settings.UPLOAD_MAX_BYTES / 2**20
    note(f"{path.name}: {size:.1f} MiB (upload limit UPLOAD_MAX_BYTES: {limit:.0f} MiB)")
    baseline = peak_rss_mib()
    cleanup = _forget_previous_run()
    if cleanup:
        note(f"(deleted the previous run's imported members first: {cleanup:.1f} s)")
    association = _bench_association(IMPORT_ASSOCIATION)
    actor = bench_staff(IMPORT_STAFF, association)
    content = path.read_bytes()
    figure("peak RSS before importing (Django loaded)", f"{baseline:,.0f} MiB")
    changed = _with_changed_headcounts(content)
    for run, label, data in (
        ("run 1", "fresh association (creates)", content),
        ("run 2", "every headcount changed (updates)", changed),
        ("run 3", "the same file again (nothing changes)", changed),
    ):
        _import_once(run, label, path.name, data, association.pk, actor)
    note(f"    afterwards: {_imported(association)}")
    note(
        "    created and changed rows stay below the target: one PostgreSQL backend's work per "
        "row, kept by docs/decisions/0039"
    )


def national(path: Path, rows: int = NATIONAL_ROWS) -> None:
    """One import of a file of `rows` rows (written first if absent) into an association of its
    own, streamed from disk: rows/s and the process's peak RSS."""
    django.setup()
    from django.test import override_settings

    from bench.generate import IMPORTED_NATIONAL, _bench_association, bench_staff, write_member_csv
    from bench.report import figure, heading, note, peak_rss_mib

    heading(f"Import of a member CSV of {rows:,} rows (national scale, streamed)")
    started = time.perf_counter()
    existed = path.exists()
    write_member_csv(path, rows, dataset=IMPORTED_NATIONAL)
    if not existed:
        note(f"{path.name}: written in {time.perf_counter() - started:.1f} s")
    note(f"{path.name}: {path.stat().st_size / 2**20:.1f} MiB, read as a stream")
    figure("peak RSS before importing (Django loaded)", f"{peak_rss_mib():,.0f} MiB")
    cleanup = _forget_previous_run(NATIONAL_ASSOCIATION)
    if cleanup:
        note(f"(deleted the previous run's imported members first: {cleanup:.1f} s)")
    association = _bench_association(NATIONAL_ASSOCIATION)
    actor = bench_staff(IMPORT_STAFF, association)
    # The upload limits bound what a person sends through the portal; the bench hands the file
    # to the import directly, to measure it at this size.
    with override_settings(IMPORT_MAX_ROWS=max(rows, NATIONAL_ROWS)), path.open("rb") as stream:
        _import_once("national", "fresh association", path.name, stream, association.pk, actor)
    note(f"    afterwards: {_imported(association)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument(
        "--national", action="store_true", help="one streamed run of a large file (see above)"
    )
    parser.add_argument("--rows", type=int, default=NATIONAL_ROWS, help="with --national")
    arguments = parser.parse_args()
    if arguments.national:
        national(arguments.csv, arguments.rows)
    else:
        main(arguments.csv)
