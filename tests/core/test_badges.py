"""The menu's counts (core.badges) are counted on the primary even on a page that reads from the
replica: a count taken from a lagging replica right after a change would be kept under the new
generation, and every colleague would see the old number for the cache's whole timeout."""

import pytest
from django.db import DEFAULT_DB_ALIAS

from core import badges, replica
from supplies.badges import OPEN_NEEDS
from supplies.models import Need

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:Overriding setting DATABASES"),
]


def test_menu_counts_are_counted_on_the_primary_inside_a_replica_scope(cast, settings, monkeypatch):
    settings.DATABASES = {**settings.DATABASES, replica.REPLICA: settings.DATABASES["default"]}
    asked = []
    routed = replica.ReplicaRouter.db_for_read

    def spy(self, model, **hints):
        asked.append((model, replica._reads_on.get()))
        return routed(self, model, **hints)

    monkeypatch.setattr(replica.ReplicaRouter, "db_for_read", spy)
    with replica.reads_on(replica.REPLICA):
        badges.count(OPEN_NEEDS, [cast.association.pk])
    reads_of_needs = [on for model, on in asked if model is Need]
    assert reads_of_needs
    assert set(reads_of_needs) == {DEFAULT_DB_ALIAS}
