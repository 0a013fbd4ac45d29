from celery import shared_task
from django.db import OperationalError

from members.imports import run_job


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
    error, ends the job FAILED with a message instead of leaving it pending."""
    run_job(job_id, retry_on_database_error=self.request.retries < self.max_retries)
