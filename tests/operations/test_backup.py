"""A backup (scripts/backup, `make backup`) restored into a new database (scripts/restore) is the
portal as it was: every report's checksum and kept download, the whole event log, the uploaded
files. The real scripts run against the test database with the PostgreSQL client tools; the
data is written through the services and committed first (a transactional test), so that
pg_dump sees it."""

import hashlib
import json
import os
import subprocess
import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from core.models import Attachment, Event
from reports import services as reports
from reports.models import Report, ReportFile
from services import services as svc
from services.models import Service, ServiceProvider
from supplies import services as needs
from supplies.models import Need, SupplyItem

pytestmark = pytest.mark.django_db(transaction=True)

CHECKOUT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def server_url(name: str) -> str:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def connect(name: str):
    db = connection.settings_dict
    return psycopg2.connect(
        dbname=name,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )


def script(name: str, *arguments: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(CHECKOUT / "scripts" / name), *arguments],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def a_portal_with_reports_events_and_files(cast) -> list[Report]:
    """A need in a report's week, two generated reports with their downloads kept, and a
    service request with a document uploaded."""
    item, _created = SupplyItem.objects.get_or_create(
        code="mask-n95",
        defaults={"name_zh": "N95/KN95口罩", "name_en": "N95/KN95 masks", "unit": "piece"},
    )
    need = needs.need_file(
        actor=cast.enterprise_user,
        kind=Need.Kind.SUPPLY,
        item=item,
        quantity="250",
        needed_by=timezone.localdate() + timedelta(days=3),
        urgency="critical",
    )
    filed = timezone.make_aware(datetime(2020, 2, 11, 9))
    Need.objects.filter(pk=need.pk).update(created_at=filed, rank_at=filed)
    made = []
    for region in ("440000", "330000"):
        report = Report.objects.create(
            region_id=region,
            period_type="week",
            period_start=filed.date() - timedelta(days=1),
            period_end=filed.date() + timedelta(days=6),
        )
        reports.generate(report.pk)
        reports.store_files(report.pk)
        made.append(report)
    provider = ServiceProvider.objects.create(
        association=cast.association, name="汇信律师事务所", capacity=10
    )
    service = Service.objects.create(
        association=cast.association, provider=provider, category="legal", title="法律咨询"
    )
    svc.request_submit(
        actor=cast.enterprise_user,
        service=service,
        description="劳动合同",
        attachments=[
            SimpleUploadedFile("合同.pdf", PDF),
            SimpleUploadedFile("附件.pdf", PDF.replace(b"\x00", b"!")),
        ],
    )
    return made


def reports_and_files(db) -> tuple[list, list]:
    with db.cursor() as cursor:
        cursor.execute(f"SELECT id, status, checksum FROM {Report._meta.db_table} ORDER BY id")  # noqa: S608
        kept = cursor.fetchall()
        cursor.execute(
            f"SELECT report_id, format, language, sha256, content "  # noqa: S608
            f"FROM {ReportFile._meta.db_table} ORDER BY report_id, format, language"
        )
        files = [(*row[:4], bytes(row[4])) for row in cursor.fetchall()]
    return kept, files


def event_log(db) -> tuple[int, str]:
    """How many events, and a digest of every row (every column) in the order of their ids."""
    table = Event._meta.db_table
    with db.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), md5(string_agg(e::text, E'\\n' ORDER BY e.id)) FROM {table} e"  # noqa: S608
        )
        return cursor.fetchone()


def files_under(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def no_queue(monkeypatch):
    """Nothing handed to the broker: the test makes the reports and their files itself."""
    from core.tasks import send_notification_email
    from reports.tasks import generate_report, store_report_files

    for task in (send_notification_email, generate_report, store_report_files):
        monkeypatch.setattr(task, "delay", lambda *args, **kwargs: None)


def test_a_backup_restored_into_a_new_database_is_the_portal_as_it_was(cast, no_queue, tmp_path):
    made = a_portal_with_reports_events_and_files(cast)
    assert all(Report.objects.get(pk=r.pk).checksum for r in made)
    assert ReportFile.objects.count() >= 6  # csv, xlsx and pdf of each
    assert Attachment.objects.count() == 2
    media = Path(settings.MEDIA_ROOT)
    backups = tmp_path / "backups"
    test_database = connection.settings_dict["NAME"]

    made_backup = script(
        "backup",
        DATABASE_URL=server_url(test_database),
        MEDIA_ROOT=str(media),
        BACKUP_DIR=str(backups),
    )
    assert made_backup.returncode == 0, made_backup.stderr
    [backup] = list(backups.iterdir())
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"] == test_database
    assert manifest["media_files"] == 2
    assert manifest["migrations"]["reports"].startswith("00")
    for name, entry in manifest["files"].items():
        assert hashlib.sha256((backup / name).read_bytes()).hexdigest() == entry["sha256"]

    restored_name = f"{test_database}_restored_{uuid.uuid4().hex[:8]}"
    restored_media = tmp_path / "restored-media"
    restore_env = {"DATABASE_URL": server_url(restored_name), "MEDIA_ROOT": str(restored_media)}
    try:
        restored = script("restore", str(backup), **restore_env)
        assert restored.returncode == 0, restored.stderr
        original, copy = connect(test_database), connect(restored_name)
        try:
            assert reports_and_files(copy) == reports_and_files(original)
            events = event_log(copy)
            assert events == event_log(original)
            assert events[0] >= 5
        finally:
            original.close()
            copy.close()
        assert files_under(restored_media) == files_under(media)
        assert len(files_under(restored_media)) == 2

        # The same backup again into that database, which now has tables: refused, unchanged.
        again = script("restore", str(backup), **restore_env)
        assert again.returncode == 1
        assert "is not empty" in again.stderr
        assert "FORCE=1" in again.stderr
    finally:
        admin = connect("postgres")
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')
        admin.close()


def test_a_damaged_backup_is_refused_before_anything_is_restored(cast, tmp_path):
    backups = tmp_path / "backups"
    made_backup = script(
        "backup",
        DATABASE_URL=server_url(connection.settings_dict["NAME"]),
        MEDIA_ROOT=settings.MEDIA_ROOT,
        BACKUP_DIR=str(backups),
    )
    assert made_backup.returncode == 0, made_backup.stderr
    [backup] = list(backups.iterdir())
    dump = backup / "database.dump"
    dump.write_bytes(dump.read_bytes()[:-10])
    name = f"{connection.settings_dict['NAME']}_damaged_{uuid.uuid4().hex[:8]}"

    refused = script(
        "restore",
        str(backup),
        DATABASE_URL=server_url(name),
        MEDIA_ROOT=str(tmp_path / "media"),
    )

    assert refused.returncode == 1
    assert "database.dump does not match its checksum" in refused.stderr
    with connect("postgres") as admin, admin.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [name])
        assert cursor.fetchone()[0] == 0
    admin.close()
    assert not (tmp_path / "media").exists()
