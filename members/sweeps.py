"""The outbox sweep of member imports (core.outbox): a large import whose message to a worker
was lost, or whose worker and message were both lost (a broker restarted empty)."""

from datetime import timedelta
from functools import partial

from django.db.models import Q

from core import outbox
from enterprises.models import ImportJob

# An import running this long without progress has lost its worker (progress is written as it
# goes); run again, it picks up safely (members.imports.jobs.run_job).
RUNNING_STILL = timedelta(minutes=15)


def imports_waiting(stale_before):
    from members.tasks import run_import_job

    jobs = ImportJob.objects.filter(
        Q(status=ImportJob.Status.PENDING, created_at__lt=stale_before)
        | Q(status=ImportJob.Status.RUNNING, updated_at__lt=stale_before - RUNNING_STILL)
    )
    for pk in jobs.order_by("created_at").values_list("pk", flat=True)[:100]:
        yield outbox.Work(f"import:{pk}", partial(run_import_job.delay, pk))


outbox.register("members.imports", imports_waiting)
