import pytest
from django.db import connection

from tests.integrations.receiver import Receiver


def committed():
    """What a commit does for the change feed, inside a test's transaction: the deferred
    trigger gives the transaction its commit position now (later events of it share it)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.fixture
def receiver(settings):
    with Receiver() as receiver:
        settings.WEBHOOK_ALLOWED_NETWORKS = receiver.allowed_networks
        yield receiver
