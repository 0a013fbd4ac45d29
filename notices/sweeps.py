"""The outbox sweep of notices (core.outbox): a published notice whose recipients were never
written because the message to a worker was lost."""

from functools import partial

from core import outbox
from notices.models import Notice


def recipients_unwritten(stale_before):
    from notices.tasks import write_recipients

    notices = Notice.objects.filter(
        published_at__lt=stale_before, recipients_written_at__isnull=True
    ).exclude(status=Notice.Status.DRAFT)
    for pk in notices.order_by("published_at").values_list("pk", flat=True)[:100]:
        yield outbox.Work(f"notice-recipients:{pk}", partial(write_recipients.delay, pk))


outbox.register("notices.recipients", recipients_unwritten)
