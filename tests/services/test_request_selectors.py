import pytest

from services import selectors
from services import services as svc
from services.models import Service, ServiceProvider


@pytest.fixture
def request_of_member(cast):
    provider = ServiceProvider.objects.create(association=cast.association, name="税务师事务所")
    service = Service.objects.create(
        association=cast.association, provider=provider, category="tax", title="税费减免辅导"
    )
    return svc.request_submit(actor=cast.enterprise_user, service=service, description="减免")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "sees"),
    [("enterprise_user", True), ("staff", True), ("other_staff", False), ("official", False)],
)
def test_who_sees_a_service_request(cast, request_of_member, who, sees):
    visible = selectors.visible_requests(getattr(cast, who))
    assert visible.filter(pk=request_of_member.pk).exists() is sees


@pytest.mark.django_db
def test_staff_queue_offers_the_unassigned_request_first(cast, request_of_member):
    second = svc.request_submit(
        actor=cast.enterprise_user, service=request_of_member.service, description="又一个"
    )
    svc.request_accept(actor=cast.staff, request_id=request_of_member.pk)
    assert list(selectors.staff_queue(cast.staff)) == [second, request_of_member]


@pytest.mark.django_db
def test_offered_next_is_each_free_services_oldest_waiting_request(cast, request_of_member):
    """The panel of what comes next: the oldest waiting request of each service with capacity
    free; a service whose capacity is taken offers nothing; another association's staff see
    nothing of it."""
    service = request_of_member.service
    newer = svc.request_submit(actor=cast.enterprise_user, service=service, description="后来的")
    other = Service.objects.create(
        association=cast.association,
        provider=service.provider,
        category="legal",
        title="合同纠纷咨询",
        capacity=1,
    )
    waiting = svc.request_submit(actor=cast.enterprise_user, service=other, description="合同")
    assert selectors.offered_next(cast.staff) == [request_of_member, waiting]
    assert selectors.offered_next(cast.other_staff) == []
    assert selectors.offered_next(cast.enterprise_user) == []

    svc.request_accept(actor=cast.staff, request_id=request_of_member.pk)
    assert selectors.offered_next(cast.staff) == [newer, waiting]

    taken = svc.request_submit(actor=cast.enterprise_user, service=other, description="再一个")
    svc.request_accept(actor=cast.staff, request_id=waiting.pk)  # capacity 1: now full
    assert taken not in selectors.offered_next(cast.staff)
    assert selectors.offered_next(cast.staff) == [newer]
