from celery import shared_task
from django.core.management import call_command

from core.api.idempotency import delete_expired


@shared_task(name="core.tasks.clear_expired_sessions")
def clear_expired_sessions() -> None:
    call_command("clearsessions")


@shared_task(name="core.tasks.delete_expired_idempotency_keys")
def delete_expired_idempotency_keys() -> int:
    """API clients' Idempotency-Keys older than IDEMPOTENCY_KEY_TTL_HOURS; how many went."""
    return delete_expired()
