"""The webhook sweeper (beat, every few seconds), the senders (queue `webhooks`, so a slow or
dead receiver never holds the portal's other work) and the log's retention."""

from celery import shared_task

from integrations import delivery


@shared_task
def sweep() -> dict:
    """Dispatch what was committed since the last sweep, then start a sender for every endpoint
    with a delivery due. Lost or late sweeps lose nothing: the next one finds the same."""
    read = total = delivery.dispatch()
    while read == delivery.feed.WINDOW:
        read = delivery.dispatch()
        total += read
    endpoints = delivery.due_endpoints()
    for endpoint_id in endpoints:
        send.apply_async((endpoint_id,), queue="webhooks")
    return {"events": total, "senders": len(endpoints)}


@shared_task(queue="webhooks")
def send(endpoint_id: int) -> int:
    return delivery.send_due(endpoint_id)


@shared_task
def purge_log() -> int:
    return delivery.purge_log()
