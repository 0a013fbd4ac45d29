"""The permissions matrix of support services, pages and API: the machinery of
tests/test_permissions_matrix.py (rows of role → expected status, 404 out of scope, 403 for a
role that may not act at all); tests/core/test_no_inline_code.py opens every page row as each
role."""

import pytest

from services.models import Service, ServiceProvider, ServiceRequest
from tests.test_permissions_matrix import OBJECTS, _cases, check_api, check_page

pytestmark = pytest.mark.django_db


def _service_of(association) -> Service:
    provider, _ = ServiceProvider.objects.get_or_create(
        association=association, name="汇信律师事务所", defaults={"capacity": 10}
    )
    return Service.objects.get_or_create(
        association=association,
        provider=provider,
        title="劳动用工法律咨询",
        defaults={"category": "legal"},
    )[0]


def _request_in(status: str, *, other: bool = False):
    """The cast member's request (or, `other`, the other member's) in `status`."""

    def make(cast) -> int:
        service = _service_of(cast.other_association if other else cast.association)
        in_hand = status not in ("submitted", "withdrawn", "declined")
        return ServiceRequest.objects.create(
            service=service,
            enterprise=cast.other_member if other else cast.member,
            association=service.association,
            description="员工返岗劳动合同如何处理",
            status=status,
            assignee=(cast.other_staff if other else cast.staff) if in_hand else None,
            provider=service.provider if in_hand else None,
            respond_by="2099-01-01",
            plan_by="2099-01-01",
            resolve_by="2099-01-01",
            created_by=cast.enterprise_user,
        ).pk

    return make


OBJECTS.update(
    {
        "page_service": lambda cast: _service_of(cast.association).pk,
        "other_service": lambda cast: _service_of(cast.other_association).pk,
        "provider": lambda cast: _service_of(cast.association).provider_id,
        "svc_request": _request_in("submitted"),
        "accepted_request": _request_in("accepted"),
        "resolved_request": _request_in("resolved"),
        "other_request": _request_in("submitted", other=True),
    }
)

IN = {"anonymous": 302}
STAFF_PAGE = {"anonymous": 302, "staff": 200, "manager": 200, "partner": 200, "admin": 200}
# the catalogue is kept per association: admins (of no association) say which one on the API
KEEPS_NEW = {"anonymous": 302, "staff": 200, "manager": 200, "partner": 200, "other_staff": 200}
SEES_REQUEST_PAGE = {
    "anonymous": 302,
    "enterprise_user": 200,
    "outsider": 404,
    "staff": 200,
    "manager": 200,
    "partner": 200,
    "admin": 200,
    "other_staff": 404,
}

PAGE_ROWS: list = [
    ("/services/", IN, 200),
    ("/services/{page_service}/", IN | {"outsider": 404, "other_staff": 404}, 200),
    (
        "/services/{other_service}/",
        IN
        | {"outsider": 404, "enterprise_user": 404, "staff": 404, "manager": 404, "partner": 404},
        200,
    ),
    ("/services/new/", KEEPS_NEW, 403),
    ("/services/{page_service}/edit/", STAFF_PAGE | {"other_staff": 404}, 403),
    ("/services/providers/", STAFF_PAGE | {"other_staff": 200}, 403),
    ("/services/providers/new/", KEEPS_NEW, 403),
    ("/services/providers/{provider}/edit/", STAFF_PAGE | {"other_staff": 404}, 403),
    ("/services/requests/", IN | {"official": 403, "other_official": 403}, 200),
    ("/services/requests/{svc_request}/", SEES_REQUEST_PAGE, 403),
    (
        "/services/requests/{other_request}/",
        {
            "anonymous": 302,
            "official": 403,
            "other_official": 403,
            "other_staff": 200,
            "admin": 200,
        },
        404,
    ),
    # actions are POSTs only
    ("/services/requests/{svc_request}/accept/", {}, 405),
]

HANDLES = {"staff": 200, "manager": 200, "partner": 200, "admin": 200, "other_staff": 404}
ASKS = {"enterprise_user": 200, "outsider": 404}
SEES_REQUEST = {**HANDLES, **ASKS}
CONFLICT = {"staff": 409, "manager": 409, "partner": 409, "admin": 409, "other_staff": 404}


def new_service(cast) -> dict:
    return {"provider": OBJECTS["provider"](cast), "category": "tax", "title": "减税降费政策辅导"}


def new_request(cast) -> dict:
    return {"service": OBJECTS["page_service"](cast), "description": "社保缓缴怎么申请"}


API_ROWS: list = [
    ("get", "/api/v1/services/", {"anonymous": 403}, 200),
    (
        "get",
        "/api/v1/services/{page_service}/",
        {"anonymous": 403, "outsider": 404, "other_staff": 404},
        200,
    ),
    (
        "post",
        "/api/v1/services/",
        # other staff name a provider not theirs; an admin must say which association
        {"staff": 201, "manager": 201, "partner": 201, "other_staff": 400, "admin": 400},
        403,
        new_service,
    ),
    ("patch", "/api/v1/services/{page_service}/", HANDLES, 403, {"status": "paused"}),
    ("delete", "/api/v1/services/{page_service}/", {"anonymous": 403}, 405),
    ("get", "/api/v1/service-providers/", {**HANDLES, "other_staff": 200}, 403),
    ("patch", "/api/v1/service-providers/{provider}/", HANDLES, 403, {"capacity": 3}),
    (
        "post",
        "/api/v1/service-requests/",
        {"enterprise_user": 201, "outsider": 400},
        403,
        new_request,
    ),
    (
        "get",
        "/api/v1/service-requests/",
        {**HANDLES, **ASKS, "other_staff": 200, "outsider": 200},
        403,
    ),
    ("get", "/api/v1/service-requests/{svc_request}/", SEES_REQUEST, 403),
    ("get", "/api/v1/service-requests/{svc_request}/history/", SEES_REQUEST, 403),
    ("get", "/api/v1/service-requests/{svc_request}/attachments/", SEES_REQUEST, 403),
    (
        "get",
        "/api/v1/service-requests/{other_request}/",
        {
            "other_staff": 200,
            "admin": 200,
            "staff": 404,
            "manager": 404,
            "partner": 404,
            **{"enterprise_user": 404, "outsider": 404},
        },
        403,
    ),
    ("post", "/api/v1/service-requests/{svc_request}/accept/", HANDLES, 403, {}),
    ("post", "/api/v1/service-requests/{accepted_request}/accept/", CONFLICT, 403, {}),
    ("post", "/api/v1/service-requests/{accepted_request}/start/", HANDLES, 403, {}),
    (
        "post",
        "/api/v1/service-requests/{svc_request}/decline/",
        HANDLES,
        403,
        {"reason": "超出范围"},
    ),
    (
        "post",
        "/api/v1/service-requests/{resolved_request}/reopen/",
        HANDLES,
        403,
        {"reason": "没解决"},
    ),
    ("post", "/api/v1/service-requests/{resolved_request}/close/", HANDLES, 403, {}),
    ("post", "/api/v1/service-requests/{svc_request}/withdraw/", ASKS, 403, {}),
    (
        "post",
        "/api/v1/service-requests/{accepted_request}/withdraw/",
        {"enterprise_user": 409, "outsider": 404},
        403,
        {},
    ),
    ("post", "/api/v1/service-requests/{resolved_request}/rate/", ASKS, 403, {"rating": 5}),
    (
        "post",
        "/api/v1/service-requests/{svc_request}/rate/",
        {"enterprise_user": 409, "outsider": 404},
        403,
        {"rating": 5},
    ),
]


@pytest.mark.parametrize(("role", "method", "url", "expected"), list(_cases(PAGE_ROWS, False)))
def test_pages(cast, role, method, url, expected):
    check_page(cast, role, method, url, expected)


@pytest.mark.parametrize(
    ("role", "method", "url", "expected", "body"), list(_cases(API_ROWS, True))
)
def test_api(cast, role, method, url, expected, body):
    check_api(cast, role, method, url, expected, body)
