"""The permissions matrix of the practice-case pages: the machinery of
tests/test_permissions_matrix.py; tests/core/test_no_inline_code.py opens every page row as each
role. (The API's rows are in tests/cases/test_case_api.py.)

A published case is read by every signed-in role; a draft only by its association's side and by
the member who suggested it (others: 404). Writing, reviewing and publishing is the association
side's (other roles: 403, another association: 404 for a draft, 403 for a published case)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cases.models import Case
from cases.services import case_create, case_suggest, case_transition
from core.attachments import attachments_of
from tests.test_permissions_matrix import OBJECTS, _cases, check_page, url_for

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
IMAGE_CASE = "门店改为线上直播销售"
IMAGE_DRAFT = "工厂食堂改为分餐制"


def _case_in(status: str, *, other: bool = False, image: str = ""):
    """A case of the cast association (or, `other`, the other association), in `status`; with
    `image`, that is its title and it has an image attached."""

    def make(cast) -> int:
        association = cast.other_association if other else cast.association
        staff = cast.other_staff if other else cast.staff
        case = case_create(
            actor=staff,
            association_id=association.pk,
            data={
                "title": image or "餐饮员工到超市共享用工",
                "summary": "堂食暂停期间，员工借调到超市理货配送。",
                "industry": "H",
                "region": "440106",
            },
            tags=["shared_staffing"],
            files=[SimpleUploadedFile("直播间.png", PNG)] if image else [],
        )
        for step in {"draft": [], "reviewed": ["review"]}.get(status, ["review", "publish"]):
            case = case_transition(case, step, actor=staff)
        return case.pk

    return make


def _suggested(cast) -> int:
    return case_suggest(
        actor=cast.enterprise_user,
        data={"title": "电子厂远程办公", "summary": "研发居家办公，车间分批复工。"},
        tags=["remote_work"],
    ).pk


def _image_of(title: str, status: str):
    """The image of the case titled `title` (made here unless the URL made it already)."""

    def image(cast) -> int:
        case = Case.objects.filter(title=title).first()
        if case is None:
            case = Case.objects.get(pk=_case_in(status, image=title)(cast))
        return attachments_of(case).get().pk

    return image


OBJECTS.update(
    {
        "case": _case_in("published"),
        "draft_case": _case_in("draft"),
        "other_draft_case": _case_in("draft", other=True),
        "suggested_case": _suggested,
        "case_with_image": _case_in("published", image=IMAGE_CASE),
        "case_image": _image_of(IMAGE_CASE, "published"),
        "draft_with_image": _case_in("draft", image=IMAGE_DRAFT),
        "draft_image": _image_of(IMAGE_DRAFT, "draft"),
    }
)

SIGNED_IN = {"anonymous": 302}
WRITERS = {"staff": 200, "manager": 200, "partner": 200, "admin": 200}
# The association's side of the cast association and of the other one.
WRITES_SOMEWHERE = {**SIGNED_IN, **WRITERS, "other_staff": 200}

PAGE_ROWS: list = [
    ("/cases/", SIGNED_IN, 200),
    ("/cases/new/", WRITES_SOMEWHERE, 403),
    ("/cases/review/", WRITES_SOMEWHERE, 403),
    # a member acting for an enterprise suggests; the outsider acts for none yet
    ("/cases/suggest/", {**SIGNED_IN, "enterprise_user": 200}, 403),
    ("/cases/{case}/", SIGNED_IN, 200),
    ("/cases/{draft_case}/", {**SIGNED_IN, **WRITERS}, 404),
    ("/cases/{other_draft_case}/", {**SIGNED_IN, "other_staff": 200, "admin": 200}, 404),
    ("/cases/{suggested_case}/", {**SIGNED_IN, **WRITERS, "enterprise_user": 200}, 404),
    ("/cases/{case}/edit/", {**SIGNED_IN, **WRITERS}, 403),
    ("/cases/{draft_case}/edit/", {**SIGNED_IN, **WRITERS, "other_staff": 404}, 403),
    ("/cases/{case}/publish/", {}, 405),
    ("/cases/{case}/helped/", {}, 405),
]

# Files are downloads, not pages (no HTML to check for inline code): kept out of PAGE_ROWS.
DOWNLOAD_ROWS: list = [
    ("/cases/{case_with_image}/files/{case_image}/", SIGNED_IN, 200),
    ("/cases/{draft_with_image}/files/{draft_image}/", {**SIGNED_IN, **WRITERS}, 404),
    # an image is served only with its own case
    ("/cases/{case}/files/{case_image}/", SIGNED_IN, 404),
]

ACTS = dict.fromkeys(("staff", "manager", "partner", "admin"), 302)
NOT_THE_SIDE = dict.fromkeys(("enterprise_user", "outsider", "official", "other_official"), 403)


def new_case(cast) -> dict:
    return {
        "title": "五金厂开通线上商城",
        "summary": "展会取消后开通线上商城，三个月线上销售额占三成。",
        "tags": ["online_sales"],
        "industry": "33",
    }


POST_ROWS: list = [
    ("post", "/cases/{draft_case}/review/", {**SIGNED_IN, **ACTS}, 404, {}),
    # refused by the status: the association's side is told why on the case's page
    ("post", "/cases/{draft_case}/publish/", {**SIGNED_IN, **ACTS}, 404, {}),
    ("post", "/cases/{case}/archive/", {**SIGNED_IN, **ACTS}, 403, {}),
    # a published case cannot go back to draft: the association's side is told why
    ("post", "/cases/{case}/redraft/", {**SIGNED_IN, **ACTS}, 403, {}),
    ("post", "/cases/{case}/unknown/", SIGNED_IN, 404, {}),
    ("post", "/cases/{case}/helped/", {**SIGNED_IN, "enterprise_user": 302, "outsider": 302}, 403),
    ("post", "/cases/{draft_case}/helped/", {**SIGNED_IN, **dict.fromkeys(WRITERS, 403)}, 404),
    # an admin writes for any association, so must say which (the form asks again)
    (
        "post",
        "/cases/new/",
        {**SIGNED_IN, **ACTS, "other_staff": 302, "admin": 200} | NOT_THE_SIDE,
        403,
        new_case,
    ),
    ("post", "/cases/suggest/", {**SIGNED_IN, "enterprise_user": 302}, 403, new_case),
]


@pytest.mark.parametrize(("role", "method", "url", "expected"), list(_cases(PAGE_ROWS, False)))
def test_pages(cast, role, method, url, expected):
    check_page(cast, role, method, url, expected)


@pytest.mark.parametrize(("role", "method", "url", "expected"), list(_cases(DOWNLOAD_ROWS, False)))
def test_downloads(cast, role, method, url, expected):
    check_page(cast, role, method, url, expected)


@pytest.mark.parametrize(
    ("role", "method", "url", "expected", "body"), list(_cases(POST_ROWS, True))
)
def test_posts(cast, role, method, url, expected, body):
    client = Client()
    if (user := cast.by_role(role)) is not None:
        client.force_login(user)
    data = body(cast) if callable(body) else (body or {})
    response = client.post(url_for(cast, url), data)
    assert response.status_code == expected, response.content[:300]
