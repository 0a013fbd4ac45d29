"""The home pages bring support services forward: staff see requests waiting for them, an
enterprise sees the help it has not rated yet."""

import pytest
from django.test import Client
from django.urls import reverse

from services import services as svc
from services.models import Service, ServiceProvider

pytestmark = pytest.mark.django_db


def _home(user) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("dashboard")).content.decode()


def test_staff_see_new_requests_and_the_enterprise_is_asked_to_rate(cast):
    provider = ServiceProvider.objects.create(association=cast.association, name="律所")
    service = Service.objects.create(
        association=cast.association, provider=provider, category="legal", title="合同纠纷调解"
    )
    request = svc.request_submit(actor=cast.enterprise_user, service=service, description="x")
    in_hand = svc.request_submit(actor=cast.enterprise_user, service=service, description="y")
    svc.request_accept(actor=cast.staff, request_id=in_hand.pk)
    svc.request_start(actor=cast.staff, request_id=in_hand.pk)
    staff_home = _home(cast.staff)
    assert f"/services/requests/{in_hand.pk}/" not in staff_home  # in hand, never sent back
    assert 'data-testid="todo-services"' in staff_home
    assert f"/services/requests/{request.pk}/" in staff_home
    assert 'data-testid="todo-services"' not in _home(cast.other_staff)
    assert 'data-testid="step-rate"' not in _home(cast.enterprise_user)
    for step in (svc.request_accept, svc.request_start, svc.request_resolve):
        step(actor=cast.staff, request_id=request.pk)
    assert 'data-testid="todo-services"' not in _home(cast.staff)
    enterprise_home = _home(cast.enterprise_user)
    assert 'data-testid="step-rate"' in enterprise_home and "合同纠纷调解" in enterprise_home
    svc.request_rate(actor=cast.enterprise_user, request_id=request.pk, rating=1, comment="没用")
    assert 'data-testid="step-rate"' not in _home(cast.enterprise_user)
    staff_home = _home(cast.staff)
    assert f"/services/requests/{request.pk}/" in staff_home  # reopened: back to staff
    assert f"/services/requests/{in_hand.pk}/" not in staff_home
    assert "已重新办理" in staff_home or "Reopened" in staff_home


def test_the_members_page_counts_its_service_requests_for_staff(cast):
    provider = ServiceProvider.objects.create(association=cast.association, name="律所")
    service = Service.objects.create(
        association=cast.association, provider=provider, category="legal", title="合同纠纷调解"
    )
    svc.request_submit(actor=cast.enterprise_user, service=service, description="x")
    client = Client()
    client.force_login(cast.staff)
    page = client.get(f"/enterprises/{cast.member.pk}/").content.decode()
    assert 'data-testid="enterprise-service-requests"' in page
    listed = client.get(f"/services/requests/?enterprise={cast.other_member.pk}").content.decode()
    assert 'data-testid="request-row"' not in listed
