from celery import shared_task

from operations import retention


@shared_task(name="operations.tasks.apply_retention")
def apply_retention() -> dict[str, int]:
    """Beat, nightly: the retention policy of docs/decisions/0028; how many rows each part
    changed. Run twice at once, the runs share the work (operations.retention)."""
    return retention.apply()
