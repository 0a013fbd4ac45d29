import pytest

from core.errors import DomainError, TransitionNotAllowed
from core.models import Event
from services import services as svc
from services.models import Service, ServiceProvider, ServiceRequest, add_working_days
from tests.concurrency import run_together


def _service(cast, capacity=5, provider_capacity=10):
    provider = ServiceProvider.objects.create(
        association=cast.association, name="律所", capacity=provider_capacity
    )
    return Service.objects.create(
        association=cast.association,
        provider=provider,
        category="legal",
        title="劳动合同咨询",
        capacity=capacity,
    )


def test_working_days_skip_the_weekend():
    from datetime import date

    assert add_working_days(date(2020, 3, 6), 1) == date(2020, 3, 9)  # Friday → Monday
    assert add_working_days(date(2020, 3, 2), 15) == date(2020, 3, 23)


@pytest.mark.django_db
def test_request_goes_through_its_workflow_with_history(cast):
    request = svc.request_submit(
        actor=cast.enterprise_user, service=_service(cast), description="合同"
    )
    svc.request_accept(actor=cast.staff, request_id=request.pk)
    svc.request_start(actor=cast.staff, request_id=request.pk)
    svc.request_resolve(actor=cast.staff, request_id=request.pk)
    svc.request_close(actor=cast.staff, request_id=request.pk)
    request.refresh_from_db()
    assert request.status == "closed" and request.assignee == cast.staff
    assert Event.objects.filter(object_id=str(request.pk)).count() == 5


@pytest.mark.django_db
def test_staff_of_another_association_cannot_accept(cast):
    request = svc.request_submit(
        actor=cast.enterprise_user, service=_service(cast), description="x"
    )
    with pytest.raises(DomainError):
        svc.request_accept(actor=cast.other_staff, request_id=request.pk)


@pytest.mark.django_db
def test_withdraw_only_before_acceptance(cast):
    request = svc.request_submit(
        actor=cast.enterprise_user, service=_service(cast), description="x"
    )
    svc.request_accept(actor=cast.staff, request_id=request.pk)
    with pytest.raises(TransitionNotAllowed):
        svc.request_withdraw(actor=cast.enterprise_user, request_id=request.pk)


@pytest.mark.django_db
def test_decline_needs_a_reason(cast):
    request = svc.request_submit(
        actor=cast.enterprise_user, service=_service(cast), description="x"
    )
    with pytest.raises(DomainError) as refused:
        svc.request_decline(actor=cast.staff, request_id=request.pk, reason=" ")
    assert "reason" in refused.value.fields


@pytest.mark.django_db
def test_low_rating_reopens_and_staff_cannot_rate(cast):
    request = svc.request_submit(
        actor=cast.enterprise_user, service=_service(cast), description="x"
    )
    for step in (svc.request_accept, svc.request_start, svc.request_resolve):
        step(actor=cast.staff, request_id=request.pk)
    with pytest.raises(DomainError):
        svc.request_rate(actor=cast.staff, request_id=request.pk, rating=5)
    svc.request_rate(actor=cast.enterprise_user, request_id=request.pk, rating=2, comment="没解决")
    request.refresh_from_db()
    assert request.status == "in_progress" and request.rating == 2


@pytest.mark.django_db(transaction=True)
def test_two_staff_accepting_at_once_never_exceed_capacity(cast):
    service = _service(cast, capacity=1)
    first = svc.request_submit(actor=cast.enterprise_user, service=service, description="a")
    second = svc.request_submit(actor=cast.enterprise_user, service=service, description="b")
    outcomes = run_together(
        [
            lambda: svc.request_accept(actor=cast.staff, request_id=first.pk),
            lambda: svc.request_accept(actor=cast.manager, request_id=second.pk),
        ]
    )
    assert sorted(kind for kind, _ in outcomes) == ["error", "ok"]
    assert ServiceRequest.objects.filter(status="accepted").count() == 1
