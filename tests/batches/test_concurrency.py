"""Approvals under real concurrency: threads, each with its own PostgreSQL connection, released
together by a barrier. Approvals never exceed a batch's capacity, a decision is taken once, and
nobody meets an error other than "full" or "already decided" (no deadlock, no 500)."""

from collections import Counter
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from batches import services
from batches.models import Application, Batch
from core.errors import Conflict, TransitionNotAllowed
from core.models import User
from core.tasks import send_notification_email
from core.workflow import history_for
from tests.concurrency import run_together
from tests.factories import ApplicationFactory, BatchFactory, EnterpriseFactory, staff_of

S = Application.Status

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    """Decisions queue their e-mails on commit; these tests are about the database."""
    monkeypatch.setattr(send_notification_email, "delay", lambda notification_id: None)


def kind(outcome: tuple[str, object]) -> str:
    """'done', 'full' or 'decided already' — any other exception fails the test."""
    status, value = outcome
    if status == "ok":
        return "done"
    if isinstance(value, Conflict) and value.code == "batch_full":
        return "full"
    if isinstance(value, TransitionNotAllowed):
        return "decided already"
    raise AssertionError(f"unexpected error: {value!r}") from value


def approve_as(staff_id: int, application_id: int) -> Callable[[], object]:
    def job():
        # The user read in the thread, on its connection, as a request would.
        actor = User.objects.get(pk=staff_id)
        return services.application_approve(actor=actor, application_id=application_id)

    return job


def submitted_applications(batch: Batch, count: int) -> list[Application]:
    return [ApplicationFactory(batch=batch, enterprise=EnterpriseFactory()) for _ in range(count)]


def assert_consistent(batch: Batch) -> int:
    """The batch's counter, its approved rows and the approval history agree; returns the count."""
    batch.refresh_from_db()
    approved = Application.objects.filter(batch=batch, status=S.APPROVED)
    assert batch.approved_count == approved.count() <= batch.capacity
    for application in approved:
        assert [c.to_status for c in history_for(application)] == ["approved"]
    for application in Application.objects.filter(batch=batch, status=S.SUBMITTED):
        assert not history_for(application).exists()
    return batch.approved_count


def test_fifty_approvals_at_once_fill_ten_places_and_refuse_forty(cast):
    batch = BatchFactory(association=cast.association, capacity=10)
    applications = submitted_applications(batch, 50)
    staff = [cast.staff, cast.manager] + [staff_of(cast.association) for _ in range(8)]

    outcomes = run_together(
        [
            approve_as(staff[index % len(staff)].pk, application.pk)
            for index, application in enumerate(applications)
        ]
    )

    assert Counter(map(kind, outcomes)) == {"done": 10, "full": 40}
    assert assert_consistent(batch) == 10


def test_two_staff_deciding_one_application_at_once_one_wins_the_other_is_refused(cast):
    batch = BatchFactory(association=cast.association, capacity=100)
    for application in submitted_applications(batch, 5):  # five rounds, five chances to overlap

        def approve(pk=application.pk):
            return services.application_approve(
                actor=User.objects.get(pk=cast.staff.pk), application_id=pk
            )

        def reject(pk=application.pk):
            return services.application_reject(
                actor=User.objects.get(pk=cast.manager.pk), application_id=pk, reason="材料不全"
            )

        outcomes = run_together([approve, reject])

        assert sorted(map(kind, outcomes)) == ["decided already", "done"]
        application.refresh_from_db()
        winner = S.APPROVED if outcomes[0][0] == "ok" else S.REJECTED
        assert application.status == winner
        [decision] = history_for(application)
        assert (decision.from_status, decision.to_status) == ("submitted", winner)
        assert decision.actor_id == (cast.staff.pk if winner == S.APPROVED else cast.manager.pk)
    assert_consistent(batch)


@pytest.mark.parametrize(
    "overlap",
    [0, 4],
    ids=["singles-apart-from-the-bulk", "four-singles-inside-the-bulk"],
)
def test_a_bulk_approval_racing_single_approvals_never_overfills_the_batch(cast, overlap):
    """Eight in bulk and six others alone want fourteen of ten places, whoever goes first;
    with an overlap, a single approval and the bulk also lock the same applications."""
    for _round in range(3):
        batch = BatchFactory(association=cast.association, capacity=10)
        applications = submitted_applications(batch, 14)
        in_bulk, alone = applications[:8], applications[8:]
        singles = in_bulk[:overlap] + alone
        staff = staff_of(cast.association)

        def bulk(ids=tuple(a.pk for a in in_bulk), staff_id=staff.pk):
            actor = User.objects.get(pk=staff_id)
            return services.application_bulk_approve(actor=actor, application_ids=list(ids))

        outcomes = run_together(
            [bulk] + [approve_as(cast.staff.pk, application.pk) for application in singles]
        )

        kinds = list(map(kind, outcomes))
        bulk_done = kinds[0] == "done"
        singles_done = {a.pk for a, k in zip(singles, kinds[1:], strict=True) if k == "done"}
        approved = assert_consistent(batch)
        assert approved == len(singles_done | ({a.pk for a in in_bulk} if bulk_done else set()))
        assert approved <= 10
        if not bulk_done:
            # all or none: the bulk left none of its own approved unless a single one did
            bulk_approved = Application.objects.filter(
                pk__in=[a.pk for a in in_bulk], status=S.APPROVED
            ).values_list("pk", flat=True)
            assert set(bulk_approved) <= singles_done


def _api_approve_url(application_id: int) -> str | None:
    url = f"/api/v1/applications/{application_id}/approve/"
    try:
        resolve(url)
    except Resolver404:
        return None
    return url


def test_fifty_approvals_over_http_answer_ten_200_and_forty_409(cast):
    batch = BatchFactory(association=cast.association, capacity=10)
    applications = submitted_applications(batch, 50)
    if _api_approve_url(applications[0].pk) is None:
        pytest.skip("POST /api/v1/applications/{id}/approve/ is not there yet")
    staff = [cast.staff, cast.manager] + [staff_of(cast.association) for _ in range(8)]
    clients = []
    for index in range(len(applications)):
        client = Client()
        client.force_login(staff[index % len(staff)])
        clients.append(client)

    def post(client: Client, application_id: int):
        def job():
            response = client.post(
                _api_approve_url(application_id), {}, content_type="application/json"
            )
            return response.status_code, response.json()

        return job

    outcomes = run_together(
        [post(client, a.pk) for client, a in zip(clients, applications, strict=True)]
    )

    errors = [value for status, value in outcomes if status == "error"]
    assert not errors, errors[:3]
    statuses = Counter(code for _status, (code, _body) in outcomes)
    assert statuses == {200: 10, 409: 40}
    for _status, (code, body) in outcomes:
        if code == 409:
            assert body["code"] in ("batch_full", "transition_not_allowed"), body
    assert assert_consistent(batch) == 10
