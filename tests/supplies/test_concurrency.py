"""Matching under real concurrency: threads, each with its own PostgreSQL connection, released
together by a barrier. An offer is never allocated beyond its quantity nor a request beyond its
need, whatever the interleaving, and nobody meets an error other than "not enough left",
"offer used up" or "already closed" (no deadlock, no 500)."""

from collections import Counter
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db.models import Sum

from core.errors import Conflict, DomainError, TransitionNotAllowed
from core.models import User
from core.tasks import send_notification_email
from core.workflow import history_for
from supplies import services
from supplies.models import Match, Need, SupplyItem, SupplyOffer
from tests.concurrency import run_together
from tests.factories import staff_of
from tests.supplies.conftest import file_supply, offer_of, supplier_in

S = Need.Status

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    """Matches and closures queue e-mails on commit; these tests are about the database."""
    monkeypatch.setattr(send_notification_email, "delay", lambda notification_id: None)


def kind(outcome: tuple[str, object]) -> str:
    """'done', 'too much', 'used up' or 'closed' — any other exception fails the test."""
    status, value = outcome
    if status == "ok":
        return "done"
    if isinstance(value, Conflict) and value.code == "offer_unavailable":
        return "used up"
    if isinstance(value, TransitionNotAllowed):
        return "closed"
    if isinstance(value, DomainError) and value.code == "over_allocation":
        return "too much"
    raise AssertionError(f"unexpected error: {value!r}") from value


def match_as(staff_id: int, need_id: int, offer_id: int, quantity: str) -> Callable[[], object]:
    def job():
        # The user read in the thread, on its connection, as a request would.
        actor = User.objects.get(pk=staff_id)
        return services.match_create(
            actor=actor, need_id=need_id, offer_id=offer_id, quantity=quantity
        )

    return job


def assert_offer_consistent(offer: SupplyOffer) -> Decimal:
    """What the offer has left is what it offered less what its matches took; returns the
    quantity allocated."""
    offer.refresh_from_db()
    allocated = Match.objects.filter(offer=offer).aggregate(q=Sum("quantity"))["q"] or Decimal(0)
    assert 0 <= offer.remaining_quantity <= offer.quantity
    assert allocated == offer.quantity - offer.remaining_quantity
    return allocated


def assert_need_consistent(need: Need) -> Need:
    """A request's fulfilled quantity is the sum of its matches, never more than it asked; fully
    met means resolved."""
    need.refresh_from_db()
    matched = Match.objects.filter(need=need).aggregate(q=Sum("quantity"))["q"] or Decimal(0)
    assert need.fulfilled_quantity == matched <= need.quantity
    if matched == need.quantity:
        assert need.status == S.RESOLVED and need.closed_at is not None
    return need


@pytest.fixture
def mask(db) -> SupplyItem:
    return SupplyItem.objects.get(code="mask-medical")


@pytest.mark.parametrize(
    ("threads", "each", "done", "left"),
    [(20, "10", 10, Decimal("0")), (30, "7", 14, Decimal("2"))],
    ids=["20x10-of-100", "30x7-of-100"],
)
def test_many_staff_matching_one_offer_at_once_allocate_exactly_what_it_has(
    cast, mask, threads, each, done, left
):
    offer = offer_of(supplier_in(cast.association), mask, 100)
    needs = [file_supply(cast, mask, quantity="50") for _ in range(threads)]
    staff = [cast.staff, cast.manager] + [staff_of(cast.association) for _ in range(3)]

    outcomes = run_together(
        [
            match_as(staff[index % len(staff)].pk, need.pk, offer.pk, each)
            for index, need in enumerate(needs)
        ]
    )

    kinds = Counter(map(kind, outcomes))
    assert kinds["done"] == done
    # Refused for wanting more than is left, or for finding the offer used up.
    assert kinds["too much"] + kinds["used up"] == threads - done
    assert assert_offer_consistent(offer) == 100 - left
    assert offer.remaining_quantity == left
    for need, outcome in zip(needs, outcomes, strict=True):
        assert_need_consistent(need)
        matched = outcome[0] == "ok"
        assert need.fulfilled_quantity == (Decimal(each) if matched else 0)
        assert need.status == (S.IN_PROGRESS if matched else S.OPEN)


def test_two_staff_meeting_one_request_from_two_offers_at_once_never_exceed_it(cast, mask):
    for _round in range(5):  # five rounds, five chances to overlap
        need = file_supply(cast, mask, quantity="100")
        first = offer_of(supplier_in(cast.association), mask, 80)
        second = offer_of(supplier_in(cast.association), mask, 80)

        outcomes = run_together(
            [
                match_as(cast.staff.pk, need.pk, first.pk, "80"),
                match_as(cast.manager.pk, need.pk, second.pk, "80"),
            ]
        )

        assert sorted(map(kind, outcomes)) == ["done", "too much"]
        assert_need_consistent(need)
        assert need.fulfilled_quantity == Decimal("80")
        assert need.status == S.IN_PROGRESS
        assert assert_offer_consistent(first) + assert_offer_consistent(second) == 80


def test_two_staff_completing_one_request_at_once_close_it_once(cast, mask):
    for _round in range(5):
        need = file_supply(cast, mask, quantity="100")
        first = offer_of(supplier_in(cast.association), mask, 100)
        second = offer_of(supplier_in(cast.association), mask, 100)

        outcomes = run_together(
            [
                match_as(cast.staff.pk, need.pk, first.pk, "100"),
                match_as(cast.manager.pk, need.pk, second.pk, "100"),
            ]
        )

        # The second finds the request closed by the first.
        assert sorted(map(kind, outcomes)) == ["closed", "done"]
        assert_need_consistent(need)
        assert [c.to_status for c in history_for(need)] == ["open", "resolved"]


@pytest.mark.parametrize("quantity", ["50", "100"], ids=["partial-match", "full-match"])
def test_a_cancel_racing_a_match_leaves_one_consistent_outcome(cast, mask, quantity):
    for _round in range(5):
        need = file_supply(cast, mask, quantity="100")
        offer = offer_of(supplier_in(cast.association), mask, 100)

        def cancel(pk=need.pk):
            actor = User.objects.get(pk=cast.enterprise_user.pk)
            return services.need_cancel(actor=actor, need_id=pk, reason="已自行采购")

        outcomes = run_together([match_as(cast.staff.pk, need.pk, offer.pk, quantity), cancel])

        matched, cancelled = (kind(outcome) for outcome in outcomes)
        assert_need_consistent(need)
        allocated = assert_offer_consistent(offer)
        statuses = [c.to_status for c in history_for(need)]
        if matched == "done":
            # The match came first; the cancel then closed what was left, unless nothing was.
            assert allocated == Decimal(quantity)
            if quantity == "100":
                assert cancelled == "closed"
                assert statuses == ["open", "resolved"]
            else:
                assert cancelled == "done"
                assert statuses == ["open", "in_progress", "cancelled"]
        else:
            # The cancel came first; the match found the request closed and took nothing.
            assert (matched, cancelled) == ("closed", "done")
            assert allocated == 0 and offer.remaining_quantity == 100
            assert statuses == ["open", "cancelled"]
        assert need.status == statuses[-1]


def test_a_withdrawal_racing_a_match_leaves_one_consistent_outcome(cast, mask):
    supplier = supplier_in(cast.association)
    for _round in range(5):
        need = file_supply(cast, mask, quantity="100")
        offer = offer_of(supplier, mask, 100)

        def withdraw(pk=offer.pk):
            actor = User.objects.get(pk=supplier.pk)
            return services.offer_withdraw(actor=actor, offer_id=pk, reason="自用")

        outcomes = run_together([match_as(cast.staff.pk, need.pk, offer.pk, "40"), withdraw])

        matched, withdrawn = (kind(outcome) for outcome in outcomes)
        assert withdrawn == "done"
        assert matched in ("done", "used up")
        allocated = assert_offer_consistent(offer)
        assert offer.status == SupplyOffer.Status.WITHDRAWN
        assert_need_consistent(need)
        assert allocated == (Decimal("40") if matched == "done" else 0)
