from celery import shared_task
from django.db import OperationalError

from members.imports import run_job
from members.imports.jobs import ImportBusy

# A job another worker holds (or a killed worker's connection not closed yet): looked at again
# this often, for up to an hour; once the holder has finished, the look finds the job done.
BUSY_RETRY_SECONDS = 5
BUSY_RETRIES = 720


@shared_task(
    bind=True,
    # The name it had when the import lived in `enterprises`: messages already queued under it
    # (and workers not yet redeployed) keep working.
    name="enterprises.tasks.run_import_job",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def run_import_job(self, job_id: int) -> None:
    """Run a large member import in a worker (see `members.imports.jobs.run_job`): a lost
    database connection is retried while retries are left; the last attempt, like any other
    error, ends the job FAILED with a message instead of leaving it pending. A job another
    worker holds is looked at again a little later (ImportBusy)."""
    try:
        run_job(job_id, retry_on_database_error=self.request.retries < self.max_retries)
    except ImportBusy as busy:
        raise self.retry(exc=busy, countdown=BUSY_RETRY_SECONDS, max_retries=BUSY_RETRIES) from None
