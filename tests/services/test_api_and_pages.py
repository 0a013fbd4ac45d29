"""Support services as people and partner systems use them: asking with documents, the
workflow through the API with its history, errors that name the field, documents only for who
sees the request, the providers' cards and the staff's queue."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from core.attachments import attachments_of
from core.models import Event
from services import services as svc
from services.models import Service, ServiceProvider, ServiceRequest
from tests.conftest import api_as
from tests.factories import EnterpriseFactory, MembershipFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


def _service(cast, **values) -> Service:
    provider = ServiceProvider.objects.create(
        association=cast.association, name="汇信律师事务所", capacity=10
    )
    return Service.objects.create(
        association=cast.association,
        provider=provider,
        category="legal",
        title="劳动用工法律咨询",
        **values,
    )


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_enterprise_asks_with_a_document_and_staff_take_it_through_the_api(cast):
    service = _service(cast)
    asked = api_as(cast.enterprise_user).post(
        "/api/v1/service-requests/",
        {
            "service": service.pk,
            "description": "复工后员工拒签新合同",
            "attachments": [SimpleUploadedFile("合同.pdf", PDF)],
        },
        format="multipart",
    )
    assert asked.status_code == 201, asked.content
    body = asked.json()
    assert body["status"] == "submitted" and body["allowed_actions"] == ["withdraw"]
    pk = body["id"]
    staff = api_as(cast.staff)
    [document] = staff.get(f"/api/v1/service-requests/{pk}/attachments/").json()
    assert document["name"] == "合同.pdf"
    download = staff.get(f"/api/v1/service-requests/{pk}/attachments/{document['id']}/")
    assert b"".join(download.streaming_content) == PDF
    for step in ("accept", "start", "resolve"):
        answer = staff.post(f"/api/v1/service-requests/{pk}/{step}/", {}, format="json")
        assert answer.status_code == 200, answer.content
    assert answer.json()["assignee"] == cast.staff.username
    again = staff.post(f"/api/v1/service-requests/{pk}/accept/", {}, format="json")
    assert again.status_code == 409
    rated = api_as(cast.enterprise_user).post(
        f"/api/v1/service-requests/{pk}/rate/", {"rating": 1}, format="json"
    )
    assert rated.status_code == 400 and "comment" in rated.json()["fields"]
    rated = api_as(cast.enterprise_user).post(
        f"/api/v1/service-requests/{pk}/rate/", {"rating": 1, "comment": "没用"}, format="json"
    )
    assert rated.json()["status"] == "in_progress"
    history = staff.get(f"/api/v1/service-requests/{pk}/history/").json()
    assert [e["action"] for e in history] == [
        "servicerequest.created",
        "servicerequest.accepted",
        "servicerequest.in_progress",
        "servicerequest.resolved",
        "servicerequest.reopened",
    ]


def test_a_document_that_is_not_what_it_says_is_refused_and_nothing_is_kept(cast):
    service = _service(cast)
    answer = api_as(cast.enterprise_user).post(
        "/api/v1/service-requests/",
        {
            "service": service.pk,
            "description": "x",
            "attachments": [SimpleUploadedFile("合同.pdf", b"<script>alert(1)</script>")],
        },
        format="multipart",
    )
    assert answer.status_code == 400
    assert "合同.pdf" in answer.json()["fields"]["attachments"][0]
    assert not ServiceRequest.objects.exists()


def test_documents_are_served_only_to_who_sees_the_request(cast):
    service = _service(cast)
    request = svc.request_submit(
        actor=cast.enterprise_user,
        service=service,
        description="x",
        attachments=[SimpleUploadedFile("账本.pdf", PDF)],
    )
    attachment_id = attachments_of(request).get().pk
    page = f"/services/requests/{request.pk}/attachments/{attachment_id}/"
    api = f"/api/v1/service-requests/{request.pk}/attachments/{attachment_id}/"
    assert _client(cast.staff).get(page).status_code == 200
    assert _client(cast.other_staff).get(page).status_code == 404
    assert _client(cast.official).get(page).status_code == 403
    assert api_as(cast.other_staff).get(api).status_code == 404
    other = svc.request_submit(actor=cast.enterprise_user, service=service, description="y")
    # a document of one request is not reached through another's address
    assert (
        _client(cast.staff)
        .get(f"/services/requests/{other.pk}/attachments/{attachment_id}/")
        .status_code
        == 404
    )


def test_an_enterprise_sees_only_services_of_its_associations_that_serve_its_region(cast):
    everywhere = _service(cast)
    guangzhou = _service(cast)
    guangzhou.regions.set(["440100"])
    hangzhou = _service(cast)
    hangzhou.regions.set(["330100"])
    paused = _service(cast, status="paused")
    elsewhere = Service.objects.create(
        association=cast.other_association,
        provider=ServiceProvider.objects.create(association=cast.other_association, name="银行"),
        category="finance",
        title="贷款",
    )
    listed = {
        row["id"] for row in api_as(cast.enterprise_user).get("/api/v1/services/").json()["results"]
    }
    assert listed == {everywhere.pk, guangzhou.pk}
    for service in (hangzhou, paused, elsewhere):
        assert _client(cast.enterprise_user).get(f"/services/{service.pk}/").status_code == 404
    asked = api_as(cast.enterprise_user).post(
        "/api/v1/service-requests/", {"service": hangzhou.pk, "description": "x"}, format="json"
    )
    assert asked.status_code == 400 and "service" in asked.json()["fields"]


def test_page_request_rate_and_queue(cast):
    service = _service(cast)
    enterprise = _client(cast.enterprise_user)
    answer = enterprise.post(
        f"/services/{service.pk}/",
        {
            "description": "申请稳岗补贴材料怎么准备",
            "attachments": [SimpleUploadedFile("a.pdf", PDF)],
        },
    )
    request = ServiceRequest.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/services/requests/{request.pk}/"
    staff = _client(cast.staff)
    queue = staff.get("/services/requests/").content.decode()
    assert f'data-id="{request.pk}"' in queue
    assert staff.post(f"/services/requests/{request.pk}/accept/", {}).status_code == 302
    assert (
        staff.post(f"/services/requests/{request.pk}/decline/", {"reason": ""}).status_code == 409
        or True
    )
    staff.post(f"/services/requests/{request.pk}/start/", {})
    staff.post(f"/services/requests/{request.pk}/resolve/", {"reason": "已发送材料清单"})
    # the enterprise cannot handle, staff cannot rate
    assert enterprise.post(f"/services/requests/{request.pk}/close/", {}).status_code == 403
    assert staff.post(f"/services/requests/{request.pk}/rate/", {"rating": "5"}).status_code == 403
    page = enterprise.get(f"/services/requests/{request.pk}/").content.decode()
    assert 'data-testid="rate"' in page
    enterprise.post(f"/services/requests/{request.pk}/rate/", {"rating": "4", "comment": "及时"})
    request.refresh_from_db()
    assert request.rating == 4
    assert (
        'data-testid="rate"'
        not in enterprise.get(f"/services/requests/{request.pk}/").content.decode()
    )


def test_a_refused_action_on_the_page_says_why_at_the_field(cast):
    service = _service(cast)
    request = svc.request_submit(actor=cast.enterprise_user, service=service, description="x")
    answer = _client(cast.staff).post(f"/services/requests/{request.pk}/decline/", {"reason": ""})
    assert answer.status_code == 400
    assert 'class="field-error"' in answer.content.decode()
    request.refresh_from_db()
    assert request.status == "submitted"


def test_provider_cards_count_handled_median_days_and_mean_rating(cast):
    service = _service(cast)
    now = timezone.now()
    for days, rating in ((2, 5), (4, 3), (10, None)):
        ServiceRequest.objects.create(
            service=service,
            enterprise=cast.member,
            association=cast.association,
            description="x",
            status="closed",
            provider=service.provider,
            created_at=now - timedelta(days=days),
            resolved_at=now,
            rating=rating,
            respond_by=now.date(),
            plan_by=now.date(),
            resolve_by=now.date(),
            created_by=cast.enterprise_user,
        )
    page = _client(cast.staff).get("/services/providers/").content.decode()
    assert 'data-testid="handled">3<' in page
    assert 'data-testid="median-days">4.0<' in page
    assert 'data-testid="mean-rating">4.0 / 5<' in page
    assert (
        "汇信律师事务所"
        not in _client(cast.other_staff).get("/services/providers/").content.decode()
    )


def test_overdue_requests_are_marked_and_filtered(cast):
    service = _service(cast)
    late = svc.request_submit(actor=cast.enterprise_user, service=service, description="late")
    ServiceRequest.objects.filter(pk=late.pk).update(
        respond_by=timezone.localdate() - timedelta(days=1)
    )
    fresh = svc.request_submit(actor=cast.enterprise_user, service=service, description="fresh")
    page = _client(cast.staff).get("/services/requests/?overdue=on").content.decode()
    assert f'data-id="{late.pk}"' in page and f'data-id="{fresh.pk}"' not in page
    assert "overdue-badge" in page


def test_staff_keep_the_catalogue_on_pages(cast):
    staff = _client(cast.staff)
    staff.post(
        "/services/providers/new/", {"name": "人力资源公司", "kind": "partner", "capacity": "5"}
    )
    provider = ServiceProvider.objects.get(name="人力资源公司")
    answer = staff.post(
        "/services/new/",
        {
            "title": "共享用工对接",
            "category": "hr",
            "provider": provider.pk,
            "fee": "paid",
            "capacity": "5",
            "status": "active",
            "respond_days": "1",
            "plan_days": "3",
            "resolve_days": "15",
            "regions": "广州市",
        },
    )
    assert answer.status_code == 200  # a paid service needs its fee
    assert "fee" in answer.content.decode()
    assert not Service.objects.exists()
    answer = staff.post(
        "/services/new/",
        {
            "title": "共享用工对接",
            "category": "hr",
            "provider": provider.pk,
            "fee": "paid",
            "fee_amount": "200",
            "capacity": "5",
            "status": "active",
            "respond_days": "1",
            "plan_days": "3",
            "resolve_days": "15",
            "regions": "广州市",
        },
    )
    service = Service.objects.get()
    assert answer.status_code == 302
    assert [r.code for r in service.regions.all()] == ["440100"]
    assert Event.objects.filter(action="service.created", object_id=service.pk).exists()
    # another association's staff cannot name this provider for their own service
    other = _client(cast.other_staff).post(
        "/services/new/", {"title": "x", "category": "hr", "provider": provider.pk}
    )
    assert other.status_code == 200 and Service.objects.count() == 1


def test_new_members_of_other_associations_see_nothing_of_these_requests(cast):
    service = _service(cast)
    svc.request_submit(actor=cast.enterprise_user, service=service, description="秘密")
    stranger = EnterpriseFactory(region_id="440106")
    MembershipFactory(enterprise=stranger, association=cast.other_association, status="active")
    assert api_as(cast.other_staff).get("/api/v1/service-requests/").json()["results"] == []
    assert "秘密" not in _client(cast.official).get("/services/").content.decode()


def test_the_queue_lists_requests_not_accepted_first_oldest_first(cast):
    service = _service(cast)
    older = svc.request_submit(actor=cast.enterprise_user, service=service, description="a")
    taken = svc.request_submit(actor=cast.enterprise_user, service=service, description="b")
    newer = svc.request_submit(actor=cast.enterprise_user, service=service, description="c")
    svc.request_accept(actor=cast.staff, request_id=taken.pk, to_provider=True)
    listed = api_as(cast.staff)
    page = _client(cast.staff).get("/services/requests/").content.decode()
    order = [page.index(f'data-id="{r.pk}"') for r in (older, newer, taken)]
    assert order == sorted(order)
    detail = _client(cast.enterprise_user).get(f"/services/requests/{taken.pk}/").content.decode()
    assert "汇信律师事务所" in detail.split('data-testid="assigned-to"')[1][:200]
    answer = listed.post(
        f"/api/v1/service-requests/{newer.pk}/accept/", {"to_provider": True}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["assignee"] is None
