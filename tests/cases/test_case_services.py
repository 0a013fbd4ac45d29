"""Practice cases: the workflow and its history, the search (Chinese words, ranking, snippets),
the filters, "this helped me" once per person, suggestions and who sees what."""

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from cases import selectors
from cases.models import Case
from cases.search import snippet
from cases.services import case_create, case_suggest, case_transition, case_update, mark_helped
from core.errors import TransitionNotAllowed
from core.workflow import history_for
from tests.factories import EnterpriseFactory, UserFactory

pytestmark = pytest.mark.django_db

SHARED = {
    "title": "餐饮连锁与超市共享用工",
    "summary": "疫情期间餐饮门店客流骤减，员工借调到超市，稳岗又保供。",
    "problem": "堂食暂停，三百名服务员无事可做。",
    "actions": "与本地超市签订共享员工协议，员工到超市理货、配送。",
    "results": "两个月内安置员工280人，人均收入保持在八成以上。",
    "industry": "H",
    "region": "440106",
    "size": "medium",
}


def make(cast, data=None, *, tags=("shared_staffing",), publish=True, association=None):
    association = association or cast.association
    staff = cast.staff if association == cast.association else cast.other_staff
    case = case_create(
        actor=staff, association_id=association.pk, data=dict(data or SHARED), tags=tags
    )
    if publish:
        case = case_transition(case, "review", actor=staff)
        case = case_transition(case, "publish", actor=staff)
    return case


def test_workflow_draft_reviewed_published_archived_with_history(cast):
    case = make(cast, publish=False)
    assert case.status == Case.Status.DRAFT
    with pytest.raises(TransitionNotAllowed):
        case_transition(case, "publish", actor=cast.staff)
    case_transition(case, "review", actor=cast.staff)
    case = case_transition(case, "publish", actor=cast.manager)
    assert case.published_at is not None
    case_transition(case, "archive", actor=cast.staff)
    steps = [(e.from_status, e.to_status) for e in history_for(case)]
    assert steps == [
        ("", "draft"),
        ("draft", "reviewed"),
        ("reviewed", "published"),
        ("published", "archived"),
    ]


def test_other_association_staff_cannot_write_or_publish(cast):
    case = make(cast, publish=False)
    with pytest.raises(PermissionDenied):
        case_transition(case, "review", actor=cast.other_staff)
    with pytest.raises(PermissionDenied):
        case_update(case, actor=cast.other_staff, data={"title": "改"})
    with pytest.raises(PermissionDenied):
        case_create(actor=cast.enterprise_user, association_id=cast.association.pk, data=SHARED)


def test_search_finds_the_shared_staffing_case_for_a_finer_word(cast):
    case = make(cast)
    make(
        cast,
        {
            **SHARED,
            "title": "服装厂直播带货",
            "summary": "线上销售",
            "problem": "",
            "actions": "开设网店",
            "results": "销售额回升",
        },
        tags=("online_sales",),
    )
    found = list(selectors.library(cast.enterprise_user, text="用工"))
    assert found == [case]
    assert list(selectors.library(cast.enterprise_user, text="共享员工")) == [case]


def test_a_title_match_ranks_above_a_body_match(cast):
    in_body = make(
        cast,
        {**SHARED, "title": "门店转型", "summary": "客流下降", "actions": "开展无接触配送服务"},
        tags=("contactless_delivery",),
    )
    in_title = make(
        cast,
        {**SHARED, "title": "社区超市无接触配送", "summary": "送货到家", "actions": "设置取货点"},
        tags=("contactless_delivery",),
    )
    found = list(selectors.library(cast.official, text="无接触配送"))
    assert found == [in_title, in_body]


def test_a_name_typed_with_a_character_off_still_finds_the_case(cast):
    """Trigram matching of enterprise names (threshold 0.3, set at connect time): 陶磁 for
    陶瓷 still finds the company; an unrelated name finds nothing."""
    case = make(cast, {**SHARED, "enterprise_name": "佛山市陶瓷有限公司"})
    assert list(selectors.library(cast.enterprise_user, text="佛山市陶磁有限公司")) == [case]
    assert list(selectors.library(cast.enterprise_user, text="杭州丝绸")) == []


def test_a_page_of_a_search_comes_with_the_count_of_every_match_the_user_may_read(cast):
    """One query ranks and counts (cases.search.ranked): the count is every match, not a
    page's; pages follow the ranking; another association's draft is neither listed nor
    counted; past the last page there is nothing, with the count still true."""
    cases = [make(cast, {**SHARED, "title": f"共享用工第{n + 1}例"}) for n in range(5)]
    make(cast, {**SHARED, "title": "另一协会的共享用工草稿"}, publish=False,
         association=cast.other_association)  # fmt: skip
    found = selectors.library(cast.enterprise_user, text="用工")
    everything = list(found)
    assert sorted(c.pk for c in everything) == sorted(c.pk for c in cases)
    first, count = selectors.found_page(found, offset=0, limit=2)
    second, again = selectors.found_page(found, offset=2, limit=2)
    last, _ = selectors.found_page(found, offset=4, limit=2)
    assert (count, again) == (5, 5)
    assert first + second + last == everything
    assert [c.tags.all()[0].tag for c in first] == ["shared_staffing", "shared_staffing"]
    assert selectors.found_page(found, offset=10, limit=2) == ([], 5)
    nothing = selectors.library(cast.enterprise_user, text="直播带货")
    assert selectors.found_page(nothing, offset=0, limit=2) == ([], 0)


def test_a_search_ranks_by_its_whole_words_and_still_matches_every_word(cast):
    from cases.search import ranking_words

    assert ranking_words(["接触", "配送", "无接触", "无接触配送", "社区"]) == ["无接触配送", "社区"]
    assert ranking_words(["佛山", "陶瓷"]) == ["佛山", "陶瓷"]
    near = make(cast, {**SHARED, "title": "无接触配送进社区", "summary": "社区团购。"})
    far = make(cast, {**SHARED, "title": "无接触配送", "summary": "保供。",
                      "results": "后来也服务了社区。"})  # fmt: skip
    make(cast, {**SHARED, "title": "线上问诊", "summary": "无接触，社区。", "actions": "问诊。"})
    # the third has no 配送: matching needs every word, parts of compounds too
    assert list(selectors.library(cast.enterprise_user, text="无接触配送 社区")) == [near, far]


def test_snippet_marks_the_word_and_escapes_html():
    text = "<script>alert(1)</script> 员工到超市共享用工，效果好"
    html = snippet(text, "用工")
    assert "<script>" not in html
    assert "&lt;/script&gt;" in html
    assert "<mark>用工</mark>" in html or "<mark>共享用工</mark>" in html


def test_filters_by_tag_industry_section_region_and_size(cast):
    shared = make(cast)
    garment = make(
        cast,
        {
            **SHARED,
            "title": "服装厂线上销售",
            "industry": "18",
            "region": "330106",
            "size": "small",
        },
        tags=("online_sales",),
    )
    user = cast.enterprise_user
    assert list(selectors.library(user, tag="online_sales")) == [garment]
    assert list(selectors.library(user, industry="C")) == [garment]  # section C holds division 18
    assert list(selectors.library(user, industry="H")) == [shared]
    assert list(selectors.library(user, region="440000")) == [shared]
    assert list(selectors.library(user, size="small")) == [garment]


def test_helped_counts_once_per_person(cast):
    case = make(cast)
    case, first = mark_helped(case, actor=cast.enterprise_user)
    case, again = mark_helped(case, actor=cast.enterprise_user)
    assert (first, again, case.helped_count) == (True, False, 1)
    other = UserFactory(role="enterprise", enterprise=cast.other_member)
    case, _ = mark_helped(case, actor=other)
    assert case.helped_count == 2
    with pytest.raises(PermissionDenied):
        mark_helped(case, actor=cast.staff)
    draft = make(cast, publish=False)
    with pytest.raises(PermissionDenied):
        mark_helped(draft, actor=cast.enterprise_user)


@pytest.mark.django_db(transaction=True)
def test_helped_twice_at_once_counts_once(cast):
    case = make(cast)
    barrier = threading.Barrier(2)
    results = []

    def press():
        try:
            barrier.wait()
            results.append(mark_helped(Case.objects.get(pk=case.pk), actor=cast.enterprise_user)[1])
        finally:
            connection.close()

    threads = [threading.Thread(target=press) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, True]
    assert Case.objects.get(pk=case.pk).helped_count == 1


def test_a_suggestion_is_a_draft_only_its_suggester_and_association_see(cast):
    suggestion = case_suggest(
        actor=cast.enterprise_user,
        data={"title": "我们的远程办公经验", "summary": "全员居家办公两周"},
        tags=("remote_work",),
    )
    assert suggestion.status == Case.Status.DRAFT
    assert suggestion.association == cast.association
    assert suggestion.suggested_by == cast.enterprise_user
    assert suggestion in selectors.review_queue(cast.staff)
    other_user = UserFactory(role="enterprise", enterprise=cast.other_member)
    for outsider in (cast.other_staff, other_user, cast.official, cast.outsider):
        assert suggestion not in selectors.library(outsider)
    assert suggestion in selectors.library(cast.enterprise_user)
    case_transition(suggestion, "review", actor=cast.staff)
    case_transition(suggestion, "publish", actor=cast.staff)
    for reader in (cast.other_staff, other_user, cast.official):
        assert suggestion in selectors.library(reader)


def test_suggest_needs_a_membership(cast):
    from cases.services import CaseError

    with pytest.raises(PermissionDenied):
        case_suggest(actor=cast.staff, data={"title": "x", "summary": "y"})
    lone = UserFactory(role="enterprise", enterprise=EnterpriseFactory(region_id="440106"))
    with pytest.raises(CaseError):
        case_suggest(actor=lone, data={"title": "x", "summary": "y"})


def test_the_library_newest_first_is_read_from_an_index_not_sorted(cast):
    """The library and the API list the cases newest first: without case_newest a page sorted
    the national set's million cases (1.4 s); with it the first page is read in order (the
    plan with sorting priced out)."""
    from tests.plans import plan_of

    for _ in range(3):
        make(cast)
    page = selectors.library(cast.enterprise_user)[:20]
    sql, params = page.query.sql_with_params()
    assert 'ORDER BY "cases_case"."published_at" DESC' in sql
    plan = plan_of(sql, params)
    assert "case_newest" in plan, plan
