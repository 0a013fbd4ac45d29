"""Every write on needs, offers and the catalogue leaves an event: who, when, what (an action
name), the status it moved from and to if it did, and the fields it changed. The history pages and
endpoints read them, and the notifications written with a change name its event."""

import pytest
from django.urls import reverse
from django.utils import translation

from core.errors import DomainError
from core.models import Event, Notification
from core.workflow import history_for
from supplies import services
from supplies.models import Need, SupplyItem
from supplies.tasks import notify_need_change
from tests.supplies.conftest import (
    file_labour,
    file_supply,
    need_in,
    offer_of,
    supplier_in,
    told_of,
)

pytestmark = pytest.mark.django_db

S = Need.Status


@pytest.fixture(autouse=True)
def _no_broker(queued):
    """E-mails go to a list (`queued`), not to Celery."""


def events(obj) -> list[tuple[str, str, str, dict]]:
    return [(e.action, e.from_status, e.to_status, e.changes) for e in history_for(obj)]


# --- matches and placements -------------------------------------------------------------------


def test_a_match_is_kept_on_the_need_with_the_quantity_met(cast, mask):
    need = file_supply(cast, mask, quantity="1000")
    offer = offer_of(supplier_in(cast.association), mask, "600")

    services.match_create(
        actor=cast.staff, need_id=need.pk, offer_id=offer.pk, quantity="250", note="自提"
    )
    services.match_create(actor=cast.staff, need_id=need.pk, offer_id=offer.pk, quantity="100")

    assert events(need) == [
        ("need.created", "", "open", {}),
        ("need.matched", "open", "in_progress", {"fulfilled_quantity": ["0", "250"]}),
        ("need.matched", "", "", {"fulfilled_quantity": ["250", "350"]}),
    ]
    assert all(e.actor == cast.staff for e in history_for(need)[1:])


def test_a_match_is_kept_on_the_offer_with_the_quantity_left(cast, mask):
    need = file_supply(cast, mask, quantity="1000")
    offer = offer_of(supplier_in(cast.association), mask, "600")

    services.match_create(
        actor=cast.manager, need_id=need.pk, offer_id=offer.pk, quantity="250", note="自提"
    )

    assert events(offer) == [
        ("supplyoffer.created", "", "open", {}),
        ("supplyoffer.matched", "", "", {"remaining_quantity": ["600", "350"]}),
    ]
    matched = history_for(offer).last()
    # The supplier reads its offer's history: the note, written for those who see the need, is
    # not in it.
    assert (matched.actor, matched.reason) == (cast.manager, "")


def test_a_full_match_resolves_the_need_in_one_event_and_tells_the_enterprise(
    cast, mask, queued, django_capture_on_commit_callbacks
):
    need = file_supply(cast, mask, quantity="600")
    offer = offer_of(supplier_in(cast.association), mask, "600")

    with django_capture_on_commit_callbacks(execute=True):
        services.match_create(actor=cast.staff, need_id=need.pk, offer_id=offer.pk, quantity="600")

    resolved = history_for(need).last()
    assert (resolved.action, resolved.from_status, resolved.to_status) == (
        "need.matched",
        "open",
        "resolved",
    )
    assert resolved.changes == {"fulfilled_quantity": ["0", "600"]}
    assert told_of(need.pk) == [resolved.pk]


def test_a_placement_is_kept_on_the_need_with_the_headcount_filled(cast):
    need = file_labour(cast, headcount=10)

    services.placement_create(actor=cast.staff, need_id=need.pk, headcount=4)
    services.placement_create(actor=cast.partner, need_id=need.pk, headcount=6, note="人社局")

    assert events(need) == [
        ("need.created", "", "open", {}),
        ("need.placed", "open", "in_progress", {"filled_headcount": [0, 4]}),
        ("need.placed", "in_progress", "resolved", {"filled_headcount": [4, 10]}),
    ]
    assert history_for(need).last().actor == cast.partner


def test_a_refused_match_leaves_no_event(cast, mask):
    need = file_supply(cast, mask, quantity="100")
    offer = offer_of(supplier_in(cast.association), mask, "600")
    before = Event.objects.count()

    with pytest.raises(DomainError):  # more than the request needs
        services.match_create(actor=cast.staff, need_id=need.pk, offer_id=offer.pk, quantity="200")

    assert Event.objects.count() == before


# --- information added ------------------------------------------------------------------------


def test_information_added_unasked_is_kept_without_a_status_change(cast):
    need = need_in(cast, S.IN_PROGRESS)

    services.need_add_info(actor=cast.enterprise_user, need_id=need.pk, body="另需200只")

    [added] = history_for(need)
    assert (added.action, added.from_status, added.to_status) == ("need.info_added", "", "")
    assert (added.actor, added.reason) == (cast.enterprise_user, "另需200只")


def test_information_asked_for_is_kept_as_the_need_going_back_to_work(cast, queued):
    need = need_in(cast, S.OPEN)
    services.need_ask_info(actor=cast.staff, need_id=need.pk, question="请说明型号")
    services.need_add_info(actor=cast.enterprise_user, need_id=need.pk, body="KN95")

    assert [(e.action, e.reason) for e in history_for(need)] == [
        ("need.info_requested", "请说明型号"),
        ("need.info_added", "KN95"),
    ]
    assert history_for(need).last().to_status == S.IN_PROGRESS


# --- the catalogue ----------------------------------------------------------------------------


def test_an_item_added_is_kept_with_what_it_was_given(cast):
    item = services.item_create(
        actor=cast.staff, code="PP-Resin", name_zh="聚丙烯树脂", category="material", unit="tonne"
    )

    [created] = history_for(item)
    assert (created.action, created.actor) == ("supplyitem.created", cast.staff)
    assert created.changes == {
        "code": [None, "pp-resin"],
        "name_zh": [None, "聚丙烯树脂"],
        "category": [None, "material"],
        "unit": [None, "tonne"],
        "is_active": [None, True],
        "association": [None, cast.association.pk],
    }


def test_an_item_edited_is_kept_with_the_old_and_new_values(cast):
    item = SupplyItem.objects.create(
        code="steel-coil", name_zh="钢卷", unit="tonne", association=cast.association
    )

    services.item_update(actor=cast.staff, item_id=item.pk, name_zh="冷轧钢卷", is_active=False)
    services.item_update(actor=cast.staff, item_id=item.pk, name_zh="冷轧钢卷")  # no change

    [updated] = history_for(item)
    assert (updated.action, updated.actor) == ("supplyitem.updated", cast.staff)
    assert updated.changes == {"name_zh": ["钢卷", "冷轧钢卷"], "is_active": [True, False]}
    labels = {label for label, _old, _new in updated.changed_fields}
    assert labels == {"Chinese name", "in use"}


# --- notifications name the event they tell of ------------------------------------------------


def test_a_notification_queued_before_the_deploy_tells_of_its_event_even_after_a_later_change(
    cast, mask
):
    """A change whose notification task was queued before the notices were written with the
    change: run after the next change, the task still tells of its own event."""
    need = file_supply(cast, mask)
    services.need_ask_info(actor=cast.staff, need_id=need.pk, question="请说明用途")
    asked_id = history_for(need).last().pk
    Notification.objects.all().delete()  # as before the deploy: nobody told yet
    # The enterprise answers before the worker gets to the question's notification.
    services.need_add_info(actor=cast.enterprise_user, need_id=need.pk, body="生产线")

    notify_need_change(need.pk, asked_id)

    note = Notification.objects.get(user=cast.enterprise_user)
    with translation.override("zh-hans"):  # the language notifications are written in
        asked, back_to_work = str(S.INFO_REQUESTED.label), str(S.IN_PROGRESS.label)
    assert asked in note.title and back_to_work not in note.title
    assert note.body == "请说明用途"
    assert note.link == reverse("need-detail", args=[need.pk])
