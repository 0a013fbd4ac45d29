"""The practice-case library as people meet it: a member finds a case by Chinese words and narrows
the list by filters, says once that it helped; the association writes, reviews and publishes; a
member suggests a case and follows it; what is out of reach answers 404 or 403; a refused form
says what to fix at its field."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cases.models import Case
from cases.services import case_suggest
from core.attachments import attachments_of
from tests.cases.test_case_services import SHARED, make
from tests.factories import EnterpriseFactory, UserFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32

DELIVERY = {
    "title": "生鲜超市无接触配送",
    "summary": "小区封闭管理期间，超市改为线上下单、无接触配送到门口。",
    "problem": "到店客流下降九成。",
    "actions": "开通小程序商城，配送员把货放在小区门口的取货架。",
    "results": "线上订单一个月增长5倍，营业额恢复到节前的85%。",
    "industry": "F",
    "region": "330106",
    "size": "small",
}


def _client(user) -> Client:
    """Signed in, reading the pages in English (the messages the tests look for)."""
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _rows(html: str) -> int:
    return html.count('data-testid="case-row"')


def _new_case(**values) -> dict:
    return {
        "title": "制衣厂转产口罩",
        "summary": "春节后订单取消，工厂改造生产线转产口罩。",
        "results": "十天内日产口罩20万只，保住员工300人。",
        "tags": ["digital_transformation"],
        "industry": "18",
        "region": "440106",
        "size": "medium",
        **values,
    }


def test_a_member_finds_a_case_by_chinese_words_with_the_words_marked(cast):
    shared = make(cast)
    make(cast, DELIVERY, tags=("contactless_delivery", "online_sales"))
    member = _client(cast.enterprise_user)
    page = member.get("/cases/", {"q": "用工"}).content.decode()
    assert _rows(page) == 1 and f'data-id="{shared.pk}"' in page
    assert "<mark>用工</mark>" in page
    page = member.get("/cases/", {"q": "无接触配送"}).content.decode()
    assert _rows(page) == 1 and "生鲜超市" in page and "<mark>" in page
    page = member.get("/cases/", {"q": "火箭发射"}).content.decode()
    assert _rows(page) == 0
    assert _rows(member.get("/cases/").content.decode()) == 2


def test_searched_words_are_escaped_in_the_page(cast):
    make(cast, {**SHARED, "summary": "<script>x</script>餐饮员工共享用工"})
    page = _client(cast.official).get("/cases/", {"q": "共享用工"}).content.decode()
    assert "<script>x</script>" not in page
    assert "&lt;script&gt;" in page


def test_filters_narrow_the_library(cast):
    make(cast)  # shared staffing, catering (H), Guangzhou, medium
    make(cast, DELIVERY, tags=("contactless_delivery",))  # retail (F), Hangzhou, small
    client = _client(cast.official)

    def count(**query) -> int:
        return _rows(client.get("/cases/", query).content.decode())

    assert count(tag="contactless_delivery") == 1
    assert count(tag="remote_work") == 0
    assert count(industry="H") == 1
    assert count(industry="62") == 0  # a division of H the case is not filed under
    assert count(region="440000") == 1
    assert count(region="330000") == 1
    assert count(size="small") == 1
    assert count(tag="shared_staffing", region="330000") == 0


def test_staff_see_their_drafts_in_the_library_and_members_do_not(cast):
    draft = make(cast, DELIVERY, publish=False)
    make(cast)
    staff = _client(cast.staff).get("/cases/").content.decode()
    assert _rows(staff) == 2 and f'data-id="{draft.pk}"' in staff
    assert _rows(_client(cast.staff).get("/cases/", {"status": "draft"}).content.decode()) == 1
    member = _client(cast.enterprise_user).get("/cases/").content.decode()
    assert _rows(member) == 1 and f'data-id="{draft.pk}"' not in member
    assert 'name="status"' not in member


def test_another_association_neither_sees_nor_edits_a_draft(cast):
    draft = make(cast, publish=False)
    other = _client(cast.other_staff)
    assert other.get(f"/cases/{draft.pk}/").status_code == 404
    assert other.get(f"/cases/{draft.pk}/edit/").status_code == 404
    assert other.post(f"/cases/{draft.pk}/review/").status_code == 404
    assert f'data-id="{draft.pk}"' not in other.get("/cases/").content.decode()
    assert f'data-id="{draft.pk}"' not in other.get("/cases/review/").content.decode()
    assert Case.objects.get(pk=draft.pk).status == "draft"
    # once published they read it, and still may not change it
    published = make(cast, DELIVERY)
    assert other.get(f"/cases/{published.pk}/").status_code == 200
    assert other.get(f"/cases/{published.pk}/edit/").status_code == 403
    assert other.post(f"/cases/{published.pk}/archive/").status_code == 403


def test_staff_write_review_and_publish_on_the_pages(cast):
    staff = _client(cast.staff)
    answer = staff.post(
        "/cases/new/",
        {**_new_case(), "attachments": [SimpleUploadedFile("产线.png", PNG)]},
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    case = Case.objects.get(title="制衣厂转产口罩")
    assert case.status == "draft" and case.association == cast.association
    assert case.tag_values == ["digital_transformation"] and case.industry_id == "18"
    page = staff.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-action="review"' in page and 'data-action="publish"' not in page
    assert "产线.png" in page
    assert "产线.png" in staff.get(f"/cases/{case.pk}/edit/").content.decode()
    assert staff.post(f"/cases/{case.pk}/review/", {"reason": "核实数据"}).status_code == 302
    page = staff.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-action="publish"' in page and "核实数据" in page
    staff.post(f"/cases/{case.pk}/publish/")
    assert Case.objects.get(pk=case.pk).status == "published"
    # members find it by its words now, and open its image
    member = _client(cast.enterprise_user)
    assert _rows(member.get("/cases/", {"q": "口罩"}).content.decode()) == 1
    image = attachments_of(case).get()
    assert member.get(f"/cases/{case.pk}/files/{image.pk}/").status_code == 200


def test_publishing_a_draft_that_was_not_reviewed_is_refused_with_a_message(cast):
    draft = make(cast, publish=False)
    answer = _client(cast.staff).post(f"/cases/{draft.pk}/publish/", follow=True)
    assert answer.status_code == 200
    assert '<li class="error">' in answer.content.decode()
    assert Case.objects.get(pk=draft.pk).status == "draft"


def test_editing_keeps_what_was_typed_and_shows_the_error_at_its_field(cast):
    case = make(cast, publish=False)
    staff = _client(cast.staff)
    page = staff.get(f"/cases/{case.pk}/edit/").content.decode()
    assert SHARED["title"] in page and 'value="shared_staffing"' in page
    answer = staff.post(
        f"/cases/{case.pk}/edit/", {**_new_case(title="改后的标题"), "summary": "", "tags": []}
    )
    html = answer.content.decode()
    assert answer.status_code == 200 and 'class="field-error"' in html
    assert "改后的标题" in html
    assert Case.objects.get(pk=case.pk).title == SHARED["title"]
    answer = staff.post(f"/cases/{case.pk}/edit/", _new_case(title="改后的标题"))
    assert answer.status_code == 302
    assert Case.objects.get(pk=case.pk).title == "改后的标题"
    history = staff.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="changed-field"' in history


def test_a_file_that_is_not_what_it_says_is_refused_at_the_field(cast):
    answer = _client(cast.staff).post(
        "/cases/new/", {**_new_case(), "attachments": [SimpleUploadedFile("图.png", b"text")]}
    )
    html = answer.content.decode()
    assert answer.status_code == 200 and 'class="field-error"' in html and "图.png" in html
    assert not Case.objects.exists()


def test_an_enterprise_user_may_not_write_review_or_publish(cast):
    case = make(cast, publish=False)
    case_transition_ready = make(cast, DELIVERY)
    member = _client(cast.enterprise_user)
    assert member.get("/cases/new/").status_code == 403
    assert member.get("/cases/review/").status_code == 403
    assert member.post(f"/cases/{case_transition_ready.pk}/archive/").status_code == 403
    assert member.post(f"/cases/{case.pk}/publish/").status_code == 404  # not theirs to see
    own = case_suggest(actor=cast.enterprise_user, data={"title": "居家办公", "summary": "全员"})
    assert member.post(f"/cases/{own.pk}/review/").status_code == 403
    assert member.get(f"/cases/{own.pk}/edit/").status_code == 403
    assert Case.objects.get(pk=own.pk).status == "draft"


def test_this_helped_me_counts_once_per_person(cast):
    case = make(cast)
    member = _client(cast.enterprise_user)
    page = member.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-action="helped"' in page
    assert member.post(f"/cases/{case.pk}/helped/").status_code == 302
    assert member.post(f"/cases/{case.pk}/helped/").status_code == 302
    assert Case.objects.get(pk=case.pk).helped_count == 1
    page = member.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-action="helped"' not in page and 'data-testid="helped"' in page
    colleague = UserFactory(role="enterprise", enterprise=cast.member)
    _client(colleague).post(f"/cases/{case.pk}/helped/")
    listed = _client(cast.official).get("/cases/").content.decode()
    assert 'data-testid="case-helped">2<' in listed
    assert _client(cast.staff).post(f"/cases/{case.pk}/helped/").status_code == 403
    assert (
        'data-action="helped"' not in _client(cast.staff).get(f"/cases/{case.pk}/").content.decode()
    )


def test_a_member_suggests_a_case_and_follows_it_to_publication(cast):
    member = _client(cast.enterprise_user)
    assert 'data-testid="case-suggest"' in member.get("/cases/").content.decode()
    answer = member.post(
        "/cases/suggest/",
        {
            "title": "电子厂远程办公两周",
            "summary": "研发和销售居家办公，车间分批复工。",
            "tags": ["remote_work"],
        },
    )
    assert answer.status_code == 302
    case = Case.objects.get(title="电子厂远程办公两周")
    assert case.suggested_by == cast.enterprise_user and case.association == cast.association
    assert case.enterprise_name == cast.member.name
    listed = member.get("/cases/").content.decode()
    suggestions = listed.split('data-testid="own-suggestions"')[1].split("</section>")[0]
    assert "电子厂远程办公两周" in suggestions and "status-draft" in suggestions
    page = member.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-action="review"' not in page
    # the association finds it in its queue, marked as a member's
    queue = _client(cast.staff).get("/cases/review/").content.decode()
    row = queue.split(f'data-id="{case.pk}"')[1].split("</tr>")[0]
    assert 'data-testid="suggestion"' in row
    # other members and other associations do not see it
    other_member = UserFactory(role="enterprise", enterprise=cast.other_member)
    assert _client(other_member).get(f"/cases/{case.pk}/").status_code == 404
    assert _client(cast.other_staff).get(f"/cases/{case.pk}/").status_code == 404
    staff = _client(cast.staff)
    staff.post(f"/cases/{case.pk}/review/")
    staff.post(f"/cases/{case.pk}/publish/")
    listed = member.get("/cases/").content.decode()
    suggestions = listed.split('data-testid="own-suggestions"')[1].split("</section>")[0]
    assert "status-published" in suggestions
    assert _client(other_member).get(f"/cases/{case.pk}/").status_code == 200


def test_a_suggestion_without_a_summary_or_an_association_is_refused_with_a_message(cast):
    member = _client(cast.enterprise_user)
    answer = member.post("/cases/suggest/", {"title": "只有标题"})
    assert answer.status_code == 200 and 'class="field-error"' in answer.content.decode()
    loner = UserFactory(role="enterprise", enterprise=EnterpriseFactory(region_id="440106"))
    answer = _client(loner).post("/cases/suggest/", {"title": "标题", "summary": "摘要"})
    html = answer.content.decode()
    assert answer.status_code == 200 and 'class="error" role="alert"' in html
    assert "not a member of an association" in html
    assert not Case.objects.exists()
    # acting for no enterprise yet: nothing to suggest for
    assert _client(cast.outsider).get("/cases/suggest/").status_code == 403


def test_the_menu_leads_every_signed_in_role_to_the_library(cast):
    for user in (cast.enterprise_user, cast.staff, cast.official, cast.partner, cast.admin):
        page = _client(user).get("/dashboard/").content.decode()
        assert 'href="/cases/"' in page, user.username


def test_a_search_pages_on_with_the_count_of_every_case_it_found(cast, monkeypatch):
    from cases import views

    for n in range(5):
        make(cast, {**SHARED, "title": f"酒店员工共享用工第{n + 1}例"})
    make(cast, {**SHARED, "title": "直播带货"})
    monkeypatch.setattr(views, "PER_PAGE", 2)
    member = _client(cast.enterprise_user)

    def page(number) -> str:
        return member.get("/cases/", {"q": "共享用工", "page": number}).content.decode()

    first, third = page(1), page(3)
    assert 'data-testid="case-count">5 cases' in first and _rows(first) == 2
    assert "第5例" in first and "第1例" not in first  # the newest first among equals
    assert 'data-testid="case-count">5 cases' in third and _rows(third) == 1
    assert "第1例" in third
    # a page past the last shows the last; a page that is not a number, the first
    assert _rows(page(9)) == 1 and "第1例" in page(9)
    assert "第5例" in page("x") and _rows(page("x")) == 2
    none = member.get("/cases/", {"q": "无接触配送"}).content.decode()
    assert 'data-testid="case-count">0 cases' in none and _rows(none) == 0


def test_an_archived_case_is_written_again_as_a_draft_from_its_page_and_the_api(cast):
    from core.workflow import history_for
    from tests.conftest import api_as

    case = make(cast)
    staff = _client(cast.staff)
    staff.post(f"/cases/{case.pk}/archive/", {"reason": "过时"})
    page = staff.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-action="redraft"' in page
    assert staff.post(f"/cases/{case.pk}/redraft/", {"reason": "更新数据"}).status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.DRAFT
    assert [e.to_status for e in history_for(case)][-2:] == ["archived", "draft"]
    # through the API: a reviewed case sent back; a draft cannot go back to draft (409)
    api = api_as(cast.staff)
    assert api.post(f"/api/v1/cases/{case.pk}/review/").status_code == 200
    answer = api.post(f"/api/v1/cases/{case.pk}/redraft/", {"reason": "补充图片"}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "draft"
    assert api.post(f"/api/v1/cases/{case.pk}/redraft/").status_code == 409
    # members do not write cases: refused by role before the case is looked up
    assert api_as(cast.enterprise_user).post(f"/api/v1/cases/{case.pk}/redraft/").status_code == 403
