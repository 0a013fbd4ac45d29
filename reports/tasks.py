import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from reports import services

logger = logging.getLogger(__name__)
# Idempotent work that a lost database connection only delays: tried again with back-off.
DATABASE_RETRY = {
    "acks_late": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "max_retries": 5,
}


@shared_task(
    name="reports.tasks.generate_report",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=5,
)
def generate_report(self, report_id: int) -> None:
    """Compute and store one report. Idempotent: a report that is ready is left alone, so a
    redelivered or duplicated message does nothing; a killed worker's message is delivered
    again (acks_late) and the report, never stored half-made, is computed again."""
    try:
        services.generate(report_id)
    except (OperationalError, InterfaceError) as exc:
        # The database was away: try again later, with back-off, then give up visibly.
        if self.request.retries >= self.max_retries:
            services.mark_failed(report_id, f"{type(exc).__name__}: {exc}")
            return
        raise self.retry(exc=exc, countdown=2 ** (self.request.retries + 1)) from exc
    except Exception as exc:
        logger.exception("Report %s could not be generated", report_id)
        services.mark_failed(report_id, f"{type(exc).__name__}: {exc}")


@shared_task(name="reports.tasks.schedule_reports", acks_late=True)
def schedule_reports(period_type: str) -> int:
    """The beat entry: make and queue the last complete period's reports for every scope."""
    return len(services.schedule(period_type))


@shared_task(name="reports.tasks.store_report_files", **DATABASE_RETRY)
def store_report_files(report_id: int) -> int:
    """Render and keep a finished report's downloads, so that downloading is sending bytes.
    Idempotent: files already kept for the report as it is are left alone."""
    return services.store_files(report_id)


@shared_task(name="reports.tasks.store_report_file", **DATABASE_RETRY)
def store_report_file(report_id: int, file_format: str, language: str) -> bool:
    """Render and keep one download that a person asked for and is waiting on (a large report
    whose file was not kept yet: reports.services.file_to_send)."""
    return services.store_file(report_id, file_format, language)


@shared_task(name="reports.tasks.refresh_rollups", **DATABASE_RETRY)
def refresh_rollups() -> list[str]:
    """The beat entry: today's rollup as at now, and yesterday's to its end once it is over.
    Idempotent: a day's rows are replaced whole, under a lock per day."""
    from reports import rollups

    return [str(day.day) for day in rollups.refresh()]
