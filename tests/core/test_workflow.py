import threading

import pytest
from django.db import connection, transaction

from associations.models import Membership
from core.errors import TransitionNotAllowed
from core.workflow import change_status, history_for
from tests.factories import MembershipFactory


def decide(membership_id: int, to: str, actor, reason: str = "") -> None:
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership_id)
        change_status(membership, to=to, actor=actor, reason=reason)


@pytest.mark.django_db
def test_a_change_is_saved_and_kept_with_who_and_why(cast):
    membership = MembershipFactory(status=Membership.Status.PENDING)
    decide(membership.pk, Membership.Status.ACTIVE, cast.staff, "documents checked")

    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE
    [change] = history_for(membership)
    assert (change.from_status, change.to_status) == ("pending", "active")
    assert change.actor == cast.staff
    assert change.reason == "documents checked"


@pytest.mark.django_db
def test_a_change_not_in_the_table_is_refused_and_nothing_is_kept(cast):
    membership = MembershipFactory(status=Membership.Status.LEFT)
    with pytest.raises(TransitionNotAllowed) as refused:
        decide(membership.pk, Membership.Status.SUSPENDED, cast.staff)
    assert refused.value.extra["current_status"] == "left"
    assert refused.value.http_status == 409
    membership.refresh_from_db()
    assert membership.status == Membership.Status.LEFT
    assert not history_for(membership).exists()


@pytest.mark.django_db(transaction=True)
def test_change_status_insists_on_a_transaction(cast):
    membership = MembershipFactory(status=Membership.Status.PENDING)
    with pytest.raises(RuntimeError):
        change_status(membership, to=Membership.Status.ACTIVE, actor=cast.staff)


@pytest.mark.django_db(transaction=True)
def test_two_people_deciding_at_once_one_wins_the_other_is_refused(cast):
    membership = MembershipFactory(status=Membership.Status.PENDING)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def attempt(to: str, actor) -> None:
        barrier.wait()
        try:
            decide(membership.pk, to, actor, reason=to)
            outcomes[to] = "done"
        except TransitionNotAllowed:
            outcomes[to] = "refused"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=(Membership.Status.ACTIVE, cast.staff)),
        threading.Thread(target=attempt, args=(Membership.Status.REJECTED, cast.manager)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes.values()) == ["done", "refused"]
    membership.refresh_from_db()
    winner = next(to for to, outcome in outcomes.items() if outcome == "done")
    assert membership.status == winner
    assert [c.to_status for c in history_for(membership)] == [winner]
