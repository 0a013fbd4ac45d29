"""Running an import: at once for a small file, in a Celery worker for a large one."""

import contextlib
import logging
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, OperationalError, connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import outbox
from core.replica import pin_to_primary
from enterprises.models import ImportJob
from members.access import may_import_for
from members.imports.checking import CheckedFile
from members.imports.reading import ImportRefused, count_data_rows, map_header, read_rows
from members.imports.writing import write_rows

logger = logging.getLogger(__name__)


def _progress_key(job_id: int) -> str:
    return f"import-job:{job_id}:processed"


def live_processed_rows(job: ImportJob) -> int:
    if job.status == ImportJob.Status.RUNNING:
        return cache.get(_progress_key(job.pk), job.processed_rows)
    return job.processed_rows


def _failed(job_id: int, errors: list[dict]) -> None:
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.FAILED, errors=errors, finished_at=timezone.now()
    )


def _after_error(job_id: int, error: Exception, may_retry: bool) -> None:
    """After an unexpected error (the write was one transaction, so nothing is half done): the
    job FAILED with a message; or, for a lost database connection when the task may retry, the
    job handed back PENDING (a retry would otherwise find it RUNNING and do nothing) and the
    error raised again. Raised again too if the database cannot record either."""
    retry = may_retry and isinstance(error, OperationalError)
    if not retry:
        logger.error("Member import job %s failed", job_id, exc_info=error)
    with contextlib.suppress(DatabaseError):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()
        if retry:
            ImportJob.objects.filter(pk=job_id).update(status=ImportJob.Status.PENDING)
        else:
            message = _(
                "The import failed because of an error on the server, and nothing was imported. "
                "Upload the file again later; if it fails again, tell the portal's "
                "administrators (import job %(id)d)."
            ) % {"id": job_id}
            _failed(job_id, [{"row": None, "column": None, "message": message}])
            return
    raise error


# A PostgreSQL session lock per job, held while it runs (reports use 6_2020 the same way).
RUN_LOCK = 6_2021


class ImportBusy(Exception):
    """Another worker holds the job: it is running it, or it was killed and PostgreSQL has not
    yet closed its connection (which lets the lock go). The task tries again a little later."""


@contextlib.contextmanager
def _running_alone(job_id: int) -> Iterator[bool | None]:
    """True if no other worker runs the job, False if one does; None where that cannot be known
    (the SQLite of `make run`, where tasks run in-process, one at a time). A session lock, so
    that it goes with a killed worker's connection: the next delivery of the task then claims
    the job at once instead of finding it "running" for nobody."""
    if connection.vendor != "postgresql":
        yield None
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [RUN_LOCK, job_id])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [RUN_LOCK, job_id])


def run_job(job_id: int, *, retry_on_database_error: bool = False) -> ImportJob | None:
    """Run a pending import job, or one left running by a worker that died. The write is one
    transaction, so a killed attempt left nothing behind and the job is run again from its
    first row; claiming it under the job's lock makes a repeated delivery of the task a no-op
    once the job is done, and raises ImportBusy while another worker still holds it.

    A job ends SUCCEEDED or FAILED, never left pending or running: any error on the way fails it
    with a message the person reads. Only a lost database connection under
    `retry_on_database_error` (a task with retries left) hands it back PENDING and raises, for
    the task to run it again."""
    with _running_alone(job_id) as alone:
        if alone is False:
            raise ImportBusy(job_id)
        return _run_claimed(job_id, alone, retry_on_database_error)


def _run_claimed(job_id: int, alone: bool | None, retry_on_database_error: bool):
    if alone:
        claimable = Q(status__in=(ImportJob.Status.PENDING, ImportJob.Status.RUNNING))
    else:  # nobody can tell whether a running job's worker lives: only a stale one is taken
        stale = timezone.now() - timedelta(minutes=10)
        claimable = Q(status=ImportJob.Status.PENDING) | Q(
            status=ImportJob.Status.RUNNING, updated_at__lt=stale
        )
    claimed = ImportJob.objects.filter(claimable, pk=job_id).update(
        status=ImportJob.Status.RUNNING, updated_at=timezone.now()
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    key = _progress_key(job.pk)

    def progress(rows_done: int) -> None:
        cache.set(key, rows_done, timeout=3600)

    try:
        result = write_rows(
            rows=CheckedFile(job.file_name, bytes(job.content), progress),
            association_id=job.association_id,
            actor=job.created_by,
            file_name=job.file_name,
        )
    except ImportRefused as refused:
        _failed(job.pk, [{"row": None, "column": None, "message": refused.detail}, *refused.errors])
    except Exception as error:
        _after_error(job.pk, error, retry_on_database_error)
    else:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.SUCCEEDED,
            created=result.created,
            updated=result.updated,
            invited=result.invited,
            processed_rows=result.rows,
            total_rows=result.rows,
            finished_at=timezone.now(),
        )
        # Who started it opens the member list or its export next: from the primary, which has
        # the rows a replica may not have replayed yet (core.replica).
        pin_to_primary(job.created_by)
    cache.delete(key)
    job.refresh_from_db()
    return job


def start_import(*, actor, association_id: int, file_name: str, content: bytes) -> ImportJob:
    """Check the file's type and header at once, then import it: here and now for a small file,
    in a Celery worker for a large one (the job is then PENDING and the caller polls it)."""
    from members.tasks import run_import_job

    if not may_import_for(actor, association_id):
        raise PermissionDenied
    rows = read_rows(file_name, content)
    header = next(rows, None)
    rows.close()  # lets the workbook go before the import reads it again
    if header is None or not any(header):
        raise ImportRefused(_("The file is empty."))
    map_header(header)
    total = count_data_rows(file_name, content)
    job = ImportJob.objects.create(
        association_id=association_id,
        created_by=actor,
        file_name=file_name[:255],
        content=content,
        total_rows=total,
    )
    if total > settings.IMPORT_BACKGROUND_ROWS:
        outbox.after_commit(run_import_job, job.pk)
        return job
    return run_job(job.pk)
