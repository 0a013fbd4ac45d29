"""Every write on batches and applications leaves an event in the object's history: creations,
status changes and edits, the edits with each changed field's old and new value."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from batches import services
from batches.models import Application, Batch
from core.errors import TransitionNotAllowed
from core.workflow import history_for
from tests.factories import ApplicationFactory, BatchFactory

pytestmark = pytest.mark.django_db


def actions(obj) -> list[str]:
    return [event.action for event in history_for(obj)]


def test_a_new_batch_and_each_of_its_status_changes_are_events(cast):
    now = timezone.now()
    batch = services.batch_create(
        actor=cast.staff,
        association_id=cast.association.pk,
        regions=["440000"],
        industries=["C"],
        name="第一批",
        opens_at=now,
        closes_at=now + timedelta(days=10),
        planned_start=timezone.localdate(),
        capacity=50,
    )
    services.batch_open(actor=cast.staff, batch_id=batch.pk)
    services.batch_close(actor=cast.manager, batch_id=batch.pk, reason="名额已满")

    assert actions(batch) == ["batch.created", "batch.open", "batch.closed"]
    assert history_for(batch).last().actor == cast.manager


def test_editing_a_batch_keeps_each_changed_field_with_its_old_and_new_value(cast):
    batch = BatchFactory(
        association=cast.association, capacity=10, regions=["440000"], industries=["C"]
    )

    services.batch_update(
        actor=cast.manager,
        batch_id=batch.pk,
        regions=["440100", "440300"],
        industries=["C"],
        capacity=25,
        name=batch.name,
        mandatory_items=["isolation_area"],
    )

    [event] = history_for(batch)
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        "batch.updated",
        cast.manager,
        "",
        "",
    )
    assert event.changes == {
        "capacity": [10, 25],
        "mandatory_items": [[], ["isolation_area"]],
        "regions": [["440000"], ["440100", "440300"]],
    }


def test_saving_a_batch_unchanged_adds_no_event(cast):
    batch = BatchFactory(association=cast.association, capacity=10)
    services.batch_update(
        actor=cast.staff, batch_id=batch.pk, regions=["440000"], industries=["C"], capacity=10
    )
    assert not history_for(batch).exists()


def test_a_refused_batch_edit_adds_no_event(cast):
    batch = BatchFactory(association=cast.association, status=Batch.Status.COMPLETED)
    with pytest.raises(TransitionNotAllowed):
        services.batch_update(actor=cast.staff, batch_id=batch.pk, capacity=99)
    assert not history_for(batch).exists()


def test_editing_an_application_keeps_each_changed_field_of_the_checklist(cast):
    batch = BatchFactory(association=cast.association)
    application = ApplicationFactory(
        batch=batch,
        enterprise=cast.member,
        status=Application.Status.RETURNED,
        returning_workers=20,
        isolation_area=False,
        checklist_notes={},
    )

    services.application_update(
        actor=cast.enterprise_user,
        application_id=application.pk,
        returning_workers=30,
        isolation_area=True,
        checklist_notes={"isolation_area": "东侧平房"},
        masks_days=application.masks_days,
    )

    [event] = history_for(application)
    assert (event.action, event.actor) == ("application.updated", cast.enterprise_user)
    assert event.changes == {
        "returning_workers": [20, 30],
        "isolation_area": [False, True],
        "checklist_notes": [{}, {"isolation_area": "东侧平房"}],
    }
    with translation.override("en"):
        labels = {label for label, _old, _new in event.changed_fields}
    assert labels >= {"returning workers", "isolation area"}


def test_saving_an_application_unchanged_adds_no_event(cast):
    application = ApplicationFactory(
        batch=BatchFactory(association=cast.association),
        enterprise=cast.member,
        status=Application.Status.DRAFT,
        returning_workers=20,
    )
    services.application_update(
        actor=cast.enterprise_user, application_id=application.pk, returning_workers=20
    )
    assert not history_for(application).exists()


def test_a_new_application_is_an_event(cast):
    batch = BatchFactory(association=cast.association)
    application = services.application_create(
        actor=cast.enterprise_user, batch_id=batch.pk, planned_date=timezone.localdate()
    )
    [event] = history_for(application)
    assert (event.action, event.to_status, event.actor) == (
        "application.created",
        "draft",
        cast.enterprise_user,
    )
