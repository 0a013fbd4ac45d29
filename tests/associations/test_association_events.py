"""Every write on an association appends an event: created, changed (old and new values),
staff invited; and a membership's approval tells the member number it gave."""

import pytest
from django.test import Client
from django.urls import reverse

from associations.models import Membership
from associations.services import (
    association_create,
    association_update,
    membership_approve,
    staff_invite,
)
from core.models import Industry, Region
from core.workflow import history_for
from tests.factories import MembershipFactory, valid_uscc

pytestmark = pytest.mark.django_db


def test_creating_an_association_is_its_first_event(cast):
    association = association_create(
        actor=cast.admin,
        name="广东省家具协会",
        kind="industry_association",
        uscc=valid_uscc("51", "440100"),
        region=Region.objects.get(code="440100"),
        industries=[Industry.objects.get(code="C")],
    )
    [event] = history_for(association)
    assert (event.action, event.actor) == ("association.created", cast.admin)


def test_an_update_records_the_old_and_new_value_of_each_changed_field(cast):
    association_update(
        actor=cast.manager,
        association_id=cast.association.pk,
        contact_name="陈敏",
        email="office@example.org",
        name=cast.association.name,  # unchanged: not in the event
        industries=[Industry.objects.get(code="C")],
    )
    [event] = history_for(cast.association)
    assert (event.action, event.actor) == ("association.updated", cast.manager)
    assert event.changes == {
        "contact_name": ["", "陈敏"],
        "email": ["", "office@example.org"],
        "industries": [[], ["C"]],
    }


def test_an_update_that_changes_nothing_adds_no_event(cast):
    association_update(
        actor=cast.manager, association_id=cast.association.pk, name=cast.association.name
    )
    assert not history_for(cast.association).exists()


def test_inviting_staff_is_kept_in_the_association_s_history(cast):
    staff_invite(
        actor=cast.manager,
        association_id=cast.association.pk,
        username="new_staff",
        email="new.staff@example.org",
    )
    [event] = history_for(cast.association)
    assert (event.action, event.actor, event.reason) == (
        "association.staff_invited",
        cast.manager,
        "new_staff",
    )


def test_managers_see_the_association_s_history_on_its_page_and_others_do_not(cast):
    association_update(actor=cast.manager, association_id=cast.association.pk, contact_name="陈敏")

    def page(user) -> str:
        client = Client()
        client.force_login(user)
        return client.get(
            reverse("association-detail", args=[cast.association.pk])
        ).content.decode()

    assert 'data-action="association.updated"' in page(cast.manager)
    assert 'data-action="association.updated"' not in page(cast.staff)


def test_approving_a_request_records_the_member_number_it_gives(cast):
    membership = MembershipFactory(association=cast.association, status=Membership.Status.PENDING)

    membership_approve(actor=cast.staff, membership_id=membership.pk, member_number="GD-0042")

    [event] = history_for(membership)
    assert (event.action, event.to_status) == ("membership.active", "active")
    assert event.changes == {"member_number": ["", "GD-0042"]}
