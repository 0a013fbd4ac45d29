"""The event log: every write appends one event; an event is never edited nor deleted."""

import pytest
from django.db import DatabaseError, connection, transaction

from associations.models import Membership
from core.models import Event
from core.workflow import change_status, diff, history_for, record_event, snapshot
from enterprises.models import Enterprise
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _event(cast) -> Event:
    return record_event(cast.member, "enterprise.updated", actor=cast.staff, reason="checked")


def test_an_event_names_its_action_actor_and_object(cast):
    event = _event(cast)
    [kept] = history_for(cast.member)
    assert kept == event
    assert (kept.action, kept.actor, kept.reason) == ("enterprise.updated", cast.staff, "checked")
    assert kept.subject == cast.member


def test_an_event_cannot_be_edited_through_the_model(cast):
    event = _event(cast)
    event.reason = "rewritten"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        Event.objects.filter(pk=event.pk).update(reason="rewritten")
    assert Event.objects.get(pk=event.pk).reason == "checked"


def test_an_event_cannot_be_deleted_through_the_model(cast):
    event = _event(cast)
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        Event.objects.filter(pk=event.pk).delete()
    assert Event.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE core_event SET reason = 'rewritten' WHERE id = %s",
        "DELETE FROM core_event WHERE id = %s",
    ],
)
def test_the_database_refuses_to_edit_or_delete_an_event(cast, statement):
    event = _event(cast)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [event.pk])
    assert Event.objects.get(pk=event.pk).reason == "checked"


def test_changes_hold_the_old_and_new_value_of_each_changed_field_only(cast):
    enterprise = Enterprise.objects.get(pk=cast.member.pk)
    before = snapshot(enterprise, ["name", "region", "contact_phone", "size"])
    old_name, old_region = enterprise.name, enterprise.region_id
    enterprise.name = "广州华兴新电子有限公司"
    enterprise.region_id = "440104"
    assert diff(before, enterprise) == {
        "name": [old_name, "广州华兴新电子有限公司"],
        "region": [old_region, "440104"],
    }


def test_history_shows_changed_fields_with_their_names(cast):
    record_event(
        cast.member,
        "enterprise.updated",
        actor=cast.staff,
        changes={"name": ["旧名称", "新名称"]},
    )
    [event] = history_for(cast.member)
    [(label, old, new)] = event.changed_fields
    assert (old, new) == ("旧名称", "新名称")
    assert label != "name"  # the field's verbose name, not its attribute


def test_a_status_change_is_an_event_with_from_and_to(cast):
    membership = MembershipFactory(status=Membership.Status.PENDING)
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        event = change_status(locked, to=Membership.Status.ACTIVE, actor=cast.staff)
    assert (event.action, event.from_status, event.to_status) == (
        "membership.active",
        "pending",
        "active",
    )
