import pytest

from core.errors import DomainError, TransitionNotAllowed
from core.models import Event
from core.workdays import add_working_days
from services import services as svc
from services.models import Service, ServiceProvider, ServiceRequest
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
    with pytest.raises(DomainError) as refused:  # a low rating says what is still wrong
        svc.request_rate(actor=cast.enterprise_user, request_id=request.pk, rating=2)
    assert "comment" in refused.value.fields
    svc.request_rate(actor=cast.enterprise_user, request_id=request.pk, rating=2, comment="没解决")
    request.refresh_from_db()
    assert request.status == "in_progress" and request.rating is None
    reopened = Event.objects.get(object_id=request.pk, action="servicerequest.reopened")
    assert reopened.changes == {"rating": [None, 2]} and reopened.reason == "没解决"
    # resolved again, the enterprise rates again; a good rating closes nothing by itself
    svc.request_resolve(actor=cast.staff, request_id=request.pk)
    svc.request_rate(actor=cast.enterprise_user, request_id=request.pk, rating=4)
    request.refresh_from_db()
    assert (request.status, request.rating) == ("resolved", 4)
    with pytest.raises(TransitionNotAllowed):  # once only
        svc.request_rate(actor=cast.enterprise_user, request_id=request.pk, rating=5)


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


@pytest.mark.django_db
def test_staff_reopen_a_resolved_request_with_a_reason(cast):
    request = svc.request_submit(
        actor=cast.enterprise_user, service=_service(cast), description="x"
    )
    for step in (svc.request_accept, svc.request_start, svc.request_resolve):
        step(actor=cast.staff, request_id=request.pk)
    with pytest.raises(DomainError):
        svc.request_reopen(actor=cast.staff, request_id=request.pk, reason=" ")
    with pytest.raises(DomainError):
        svc.request_reopen(actor=cast.other_staff, request_id=request.pk, reason="漏了")
    svc.request_reopen(actor=cast.staff, request_id=request.pk, reason="漏了一份材料")
    request.refresh_from_db()
    assert request.status == "in_progress"


@pytest.mark.django_db
def test_provider_and_assignee_capacity_are_kept(cast, settings):
    provider = ServiceProvider.objects.create(association=cast.association, name="银行", capacity=1)
    services = [
        Service.objects.create(
            association=cast.association, provider=provider, category="finance", title=t
        )
        for t in ("贷款", "担保")
    ]
    first = svc.request_submit(actor=cast.enterprise_user, service=services[0], description="a")
    second = svc.request_submit(actor=cast.enterprise_user, service=services[1], description="b")
    svc.request_accept(actor=cast.staff, request_id=first.pk)
    with pytest.raises(DomainError, match="银行"):  # the provider's one place is taken
        svc.request_accept(actor=cast.staff, request_id=second.pk)
    provider.capacity = 5
    provider.save()
    settings.SERVICE_REQUESTS_PER_ASSIGNEE = 1
    with pytest.raises(DomainError) as refused:  # the staff member has one in hand already
        svc.request_accept(actor=cast.staff, request_id=second.pk)
    assert "assignee" in refused.value.fields
    svc.request_accept(actor=cast.staff, request_id=second.pk, assignee=cast.manager)
    with pytest.raises(DomainError):  # not the association's staff
        third = svc.request_submit(actor=cast.enterprise_user, service=services[1], description="c")
        svc.request_accept(actor=cast.manager, request_id=third.pk, assignee=cast.other_staff)


@pytest.mark.django_db(transaction=True)
def test_freed_capacity_offers_the_oldest_waiting_request_to_the_staff(cast):
    from core.models import Notification

    service = _service(cast, capacity=1)
    first, older, newer = (
        svc.request_submit(actor=cast.enterprise_user, service=service, description=d)
        for d in ("a", "b", "c")
    )
    svc.request_accept(actor=cast.staff, request_id=first.pk)
    svc.request_decline(actor=cast.staff, request_id=first.pk, reason="不在服务范围")
    told = Notification.objects.filter(user=cast.staff, key=f"service-offer:{older.pk}")
    assert told.count() == 1 and str(older.pk) in told.get().link
    assert not Notification.objects.filter(key=f"service-offer:{newer.pk}").exists()


@pytest.mark.django_db
def test_catalogue_is_kept_by_its_association_with_clear_errors(cast):
    from django.core.exceptions import PermissionDenied

    provider = svc.provider_create(
        actor=cast.staff, association_id=cast.association.pk, name="税务师事务所", capacity=3
    )
    with pytest.raises(PermissionDenied):
        svc.provider_update(actor=cast.other_staff, provider_id=provider.pk, capacity=9)
    values = {"provider": provider, "category": "tax", "title": "减免税申报辅导"}
    with pytest.raises(DomainError) as refused:
        svc.service_create(
            actor=cast.staff, association_id=cast.association.pk, fee="paid", **values
        )
    assert "fee_amount" in refused.value.fields
    with pytest.raises(DomainError) as refused:
        svc.service_create(
            actor=cast.staff, association_id=cast.association.pk, resolve_days=0, **values
        )
    assert "resolve_days" in refused.value.fields
    other_provider = ServiceProvider.objects.create(
        association=cast.other_association, name="别家", capacity=3
    )
    with pytest.raises(DomainError) as refused:
        svc.service_create(
            actor=cast.staff,
            association_id=cast.association.pk,
            **{**values, "provider": other_provider},
        )
    assert "provider" in refused.value.fields
    service = svc.service_create(
        actor=cast.staff, association_id=cast.association.pk, regions=["440100"], **values
    )
    svc.service_update(actor=cast.staff, service_id=service.pk, status="paused")
    assert Event.objects.filter(action="service.updated", object_id=service.pk).get().changes == {
        "status": ["active", "paused"]
    }
    with pytest.raises(DomainError):
        svc.request_submit(actor=cast.enterprise_user, service=service, description="x")


@pytest.mark.django_db
def test_a_request_handed_to_the_provider_counts_on_its_capacity_not_on_a_staff_member(
    cast, settings
):
    settings.SERVICE_REQUESTS_PER_ASSIGNEE = 0  # no staff member could take one
    service = _service(cast, capacity=5, provider_capacity=1)
    first = svc.request_submit(actor=cast.enterprise_user, service=service, description="a")
    second = svc.request_submit(actor=cast.enterprise_user, service=service, description="b")
    svc.request_accept(actor=cast.staff, request_id=first.pk, to_provider=True)
    first.refresh_from_db()
    assert (first.status, first.assignee, first.provider) == ("accepted", None, service.provider)
    with pytest.raises(DomainError, match="律所"):
        svc.request_accept(actor=cast.staff, request_id=second.pk, to_provider=True)
    with pytest.raises(DomainError) as refused:
        svc.request_accept(
            actor=cast.staff, request_id=second.pk, assignee=cast.manager, to_provider=True
        )
    assert "assignee" in refused.value.fields
