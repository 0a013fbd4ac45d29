"""Notices through the API and the pages, as their users work: staff write a targeted notice
with a document and publish it; the member opens it (read), signs with a reply; staff read the
receipts, filtered; what each side is shown and what it is not."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from notices.models import Notice, NoticeRecipient
from tests.conftest import api_as
from tests.factories import EnterpriseFactory, MembershipFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"
URL = "/api/v1/notices/"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _create(cast, **extra):
    data = {
        "title": "关于做好复工复产统计报送工作的通知",
        "document_number": "粤电协〔2020〕5号",
        "category": "resumption",
        "body": "各会员单位：\n\n请于**3月10日**前报送。<script>alert(1)</script>",
        "needs_sign_off": True,
        "sign_by": "2099-01-01",
        **extra,
    }
    answer = api_as(cast.staff).post(URL, data, format="json")
    assert answer.status_code == 201, answer.content
    return answer.json()


def test_a_notice_through_the_api_from_draft_to_signed(cast):
    neighbour = EnterpriseFactory(name="番禺配件厂", region_id="440113")
    MembershipFactory(enterprise=neighbour, association=cast.association)
    created = _create(cast, regions=["440106"])
    assert created["status"] == "draft" and created["regions"] == ["440106"]
    assert (
        "<script>" not in created["body_html"]
        and "<strong>3月10日</strong>" in created["body_html"]
    )
    staff = api_as(cast.staff)
    published = staff.post(f"{URL}{created['id']}/publish/").json()
    assert published["status"] == "published"
    from notices.services import write_recipients

    write_recipients(created["id"])  # what the queued task does
    member = api_as(cast.enterprise_user)
    seen = member.get(f"{URL}{created['id']}/").json()
    # the member is not shown who else it went to, nor the figures
    assert "regions" not in seen and "picked" not in seen and seen["figures"] == {}
    assert seen["my_receipt"] == {"read_at": None, "signed_at": None, "reply": ""}
    assert "sign" in seen["allowed_actions"]
    member.post(f"{URL}{created['id']}/read/")
    signed = member.post(
        f"{URL}{created['id']}/sign/", {"reply": "已收到，按时报送"}, format="json"
    )
    assert signed.status_code == 200, signed.content
    assert signed.json()["my_receipt"]["reply"] == "已收到，按时报送"
    assert member.post(f"{URL}{created['id']}/sign/", {}, format="json").status_code == 400
    figures = staff.get(f"{URL}{created['id']}/").json()["figures"]
    assert (figures["total"], figures["read"], figures["signed"]) == (1, 1, 1)
    receipts = staff.get(f"{URL}{created['id']}/receipts/", {"signed": "true"}).json()
    assert [r["enterprise_name"] for r in receipts["results"]] == [cast.member.name]
    assert staff.get(f"{URL}{created['id']}/receipts/", {"signed": "false"}).json()["count"] == 0
    assert staff.get(f"{URL}{created['id']}/receipts/", {"signed": "maybe"}).status_code == 400
    # the member of another district was not addressed: it does not see it
    assert NoticeRecipient.objects.filter(enterprise=neighbour).count() == 0


def test_reminding_twice_a_day_is_refused_with_a_message(cast):
    created = _create(cast)
    staff = api_as(cast.staff)
    staff.post(f"{URL}{created['id']}/publish/")
    assert staff.post(f"{URL}{created['id']}/remind/").status_code == 200
    again = staff.post(f"{URL}{created['id']}/remind/")
    assert again.status_code == 400


def test_bad_targeting_is_refused_naming_the_field(cast):
    staff = api_as(cast.staff)
    base = {"title": "通知", "body": "正文", "category": "other"}
    assert staff.post(URL, {**base, "sizes": ["huge"]}, format="json").status_code == 400
    answer = staff.post(URL, {**base, "picked": [cast.other_member.pk]}, format="json")
    assert answer.status_code == 400 and "picked" in answer.json()["fields"]
    # another association's member is not named to the staff who guessed its id
    assert cast.other_member.name not in answer.content.decode()
    answer = staff.post(URL, {**base, "needs_sign_off": True}, format="json")
    assert answer.status_code == 400 and "sign_by" in answer.json()["fields"]


def test_a_document_that_is_not_what_it_says_is_refused(cast):
    staff = api_as(cast.staff)
    base = {"title": "通知", "body": "正文", "category": "other"}
    fake = SimpleUploadedFile("通知.pdf", b"MZ\x90\x00 not a pdf")
    answer = staff.post(URL, {**base, "attachments": [fake]}, format="multipart")
    assert answer.status_code == 400 and "attachments" in answer.json()["fields"]
    assert not Notice.objects.exists()
    real = SimpleUploadedFile("通知.pdf", PDF)
    answer = staff.post(URL, {**base, "attachments": [real]}, format="multipart")
    assert answer.status_code == 201 and answer.json()["files"][0]["name"] == "通知.pdf"


def test_pages_from_writing_to_the_receipts(cast, django_capture_on_commit_callbacks):
    staff = _client(cast.staff)
    answer = staff.post(
        "/notices/new/",
        {
            "title": "防疫物资申领通知",
            "category": "prevention",
            "body": "请需要口罩的会员单位登记。",
            "member_statuses": ["active"],
            "regions": "广州市",
            "needs_sign_off": "on",
            "sign_by": "2099-01-01",
            "attachments": [SimpleUploadedFile("登记表.pdf", PDF)],
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    notice = Notice.objects.get()
    assert [r.code for r in notice.regions.all()] == ["440100"]
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"/notices/{notice.pk}/publish/")
    notice.refresh_from_db()
    assert notice.status == "published" and notice.recipients_total == 1

    member = _client(cast.enterprise_user)
    listed = member.get("/notices/").content.decode()
    assert 'data-testid="unread"' in listed
    page = member.get(f"/notices/{notice.pk}/").content.decode()  # opened: read
    assert "登记表.pdf" in page and 'data-action="sign"' in page
    assert 'data-testid="unread"' not in member.get("/notices/").content.decode()
    assert member.post(f"/notices/{notice.pk}/sign/", {"reply": "需要500只"}).status_code == 302
    page = member.get(f"/notices/{notice.pk}/").content.decode()
    assert "需要500只" in page

    receipts = staff.get(f"/notices/{notice.pk}/receipts/", {"who": "signed"}).content.decode()
    assert cast.member.name in receipts and "需要500只" in receipts
    unsigned = staff.get(f"/notices/{notice.pk}/receipts/", {"who": "unsigned"}).content.decode()
    assert cast.member.name not in unsigned
    detail = staff.get(f"/notices/{notice.pk}/").content.decode()
    assert 'data-testid="notice-figures"' in detail


def test_a_withdrawal_without_a_reason_keeps_the_page_and_says_why(cast):
    created = _create(cast)
    api_as(cast.staff).post(f"{URL}{created['id']}/publish/")
    staff = _client(cast.staff)
    answer = staff.post(f"/notices/{created['id']}/withdraw/", {"reason": ""})
    assert answer.status_code == 400
    assert Notice.objects.get().status == "published"
    staff.post(f"/notices/{created['id']}/withdraw/", {"reason": "数据口径调整，另行通知"})
    assert Notice.objects.get().status == "withdrawn"


def test_a_policy_is_listed_on_the_enterprise_page_of_the_members_it_applies_to(
    cast, django_capture_on_commit_callbacks
):
    created = _create(cast, is_policy=True, category="policy", policy_regions=["440000"])
    with django_capture_on_commit_callbacks(execute=True):
        api_as(cast.staff).post(f"{URL}{created['id']}/publish/")
    page = _client(cast.enterprise_user).get(f"/enterprises/{cast.member.pk}/").content.decode()
    assert 'data-testid="policies-for-you"' in page and created["title"] in page
    assert _client(cast.enterprise_user).get(f"/notices/{created['id']}/").status_code == 200


def test_picking_by_credit_code_finds_only_own_members_and_names_no_stranger(cast):
    staff = _client(cast.staff)
    form = {
        "title": "定向通知",
        "category": "other",
        "body": "正文",
        "member_statuses": ["active"],
        "picked": f"{cast.member.uscc}\n{cast.other_member.uscc}",
    }
    answer = staff.post("/notices/new/", form)
    page = answer.content.decode()
    assert answer.status_code == 200 and not Notice.objects.exists()
    assert cast.other_member.uscc in page and cast.other_member.name not in page
    answer = staff.post("/notices/new/", {**form, "picked": cast.member.uscc})
    assert answer.status_code == 302
    assert list(Notice.objects.get().picked.all()) == [cast.member]


def _published(cast, count: int) -> list[int]:
    from notices.services import write_recipients

    ids = []
    for n in range(count):
        created = _create(cast, title=f"第{n}号通知", regions=["440106"])
        api_as(cast.staff).post(f"{URL}{created['id']}/publish/")
        write_recipients(created["id"])  # what the queued task does
        ids.append(created["id"])
    return ids


def test_the_list_reads_files_figures_and_receipts_once_for_the_page(cast):
    """An official's page of 22 notices ran 156 queries at national scale (each notice's
    regions, industries, files, figures, own receipt): now the same for 2 notices or 6, and each
    notice reads in the list as on its own."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api_as(cast.enterprise_user).post(f"{URL}{_published(cast, 1)[0]}/read/")

    def listed(user) -> tuple[int, dict]:
        client = api_as(user)
        client.get(URL)
        with CaptureQueriesContext(connection) as queries:
            answer = client.get(URL)
        assert answer.status_code == 200
        return len(queries), {row["id"]: row for row in answer.json()["results"]}

    users = (cast.staff, cast.official, cast.enterprise_user)
    few = {user.username: listed(user)[0] for user in users}
    _published(cast, 4)
    for user in users:
        queries, rows = listed(user)
        assert queries == few[user.username], user.username
        assert len(rows) == 5
        for pk, row in rows.items():
            alone = api_as(user).get(f"{URL}{pk}/").json()
            for field in ("figures", "my_receipt", "allowed_actions", "files", "regions"):
                assert row.get(field) == alone.get(field), (user.username, field)
    staff_rows = listed(cast.staff)[1]
    read = [row for row in staff_rows.values() if row["figures"]["read"] == 1]
    assert len(read) == 1 and read[0]["figures"]["total"] == 1
    member_rows = listed(cast.enterprise_user)[1]
    assert sum(1 for row in member_rows.values() if row["my_receipt"]["read_at"]) == 1


def test_the_notices_page_counts_the_receipts_of_the_whole_page_at_once(cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    api_as(cast.enterprise_user).post(f"{URL}{_published(cast, 1)[0]}/read/")

    def shown(user) -> tuple[int, list[dict]]:
        client = _client(user)
        client.get(reverse("notice-list"))
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("notice-list")).context["page"]
        return len(queries), [notice.figures for notice in page]

    few = {user.username: shown(user)[0] for user in (cast.staff, cast.official)}
    _published(cast, 4)
    for user in (cast.staff, cast.official):
        queries, figures = shown(user)
        assert queries == few[user.username], user.username
        assert sorted(f["read"] for f in figures) == [0, 0, 0, 0, 1], user.username
        assert all(f["total"] == 1 for f in figures)
