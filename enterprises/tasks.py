from celery import shared_task
from django.db import OperationalError

from enterprises.imports import run_job


@shared_task(
    name="enterprises.tasks.run_import_job",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def run_import_job(job_id: int) -> None:
    run_job(job_id)
