"""The home page of an association's staff: what needs them today, each item a link to the page
where it is done, the most pressing first, only their associations' items."""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from associations.models import Association, AssociationUser, Membership
from core.models import Role
from enterprises.models import EnterpriseClaim
from portal.dashboards.todo import due
from reports.models import Report
from supplies import services as needs
from supplies.models import Escalation, Need, SupplyItem
from tests.factories import (
    ApplicationFactory,
    BatchFactory,
    EnterpriseFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def now_minus(**delta) -> datetime:
    return timezone.now() - timedelta(**delta)


def todo_of(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    # The to-do list: from its card to the next card of the page.
    return html.split('data-testid="todo"', 1)[1].split('<section class="card">', 1)[0]


def group(html: str, key: str) -> str:
    """One group of the to-do list, empty when the page does not show it."""
    parts = html.split(f'data-testid="todo-{key}"', 1)
    return parts[1].split("</section>", 1)[0] if len(parts) == 2 else ""


def item_links(html: str) -> list[str]:
    return re.findall(r'<a class="todo-item" href="([^"]+)"', html)


def count_of(html: str) -> int:
    return int(re.search(r'data-testid="todo-count">(\d+)<', html).group(1))


def pending_member(association: Association, *, days: int = 0, name: str | None = None):
    enterprise = EnterpriseFactory(**({"name": name} if name else {}))
    membership = MembershipFactory(
        enterprise=enterprise, association=association, status=Membership.Status.PENDING
    )
    Membership.objects.filter(pk=membership.pk).update(created_at=now_minus(days=days))
    return membership


def member_of(association: Association, **fields):
    enterprise = EnterpriseFactory(**fields)
    MembershipFactory(enterprise=enterprise, association=association)
    return enterprise


def claim_on(enterprise, *, status=EnterpriseClaim.Status.PENDING, days: int = 0):
    claim = EnterpriseClaim.objects.create(
        user=UserFactory(role=Role.ENTERPRISE), enterprise=enterprise, status=status
    )
    EnterpriseClaim.objects.filter(pk=claim.pk).update(created_at=now_minus(days=days))
    return claim


def need_of(enterprise, association, status=Need.Status.OPEN, **fields) -> Need:
    user = enterprise.users.first() or UserFactory(enterprise=enterprise)
    return Need.objects.create(
        kind=Need.Kind.SUPPLY,
        enterprise=enterprise,
        association=association,
        status=status,
        item=SupplyItem.objects.get(code="mask-medical"),
        unit="piece",
        quantity=Decimal("1000"),
        needed_by=fields.pop("needed_by", timezone.localdate() + timedelta(days=5)),
        created_by=user,
        **fields,
    )


def ready_report(association, start: date, *, period_type="day", **fields) -> Report:
    ends = {"day": 1, "week": 7}[period_type]
    return Report.objects.create(
        association=association,
        period_type=period_type,
        period_start=start,
        period_end=start + timedelta(days=ends),
        status=fields.pop("status", Report.Status.READY),
        data={},
        **fields,
    )


# --- nothing waits ------------------------------------------------------------------------


def test_with_nothing_waiting_the_page_says_so(cast, client):
    html = todo_of(client, cast.staff)
    assert 'data-testid="todo-empty"' in html
    assert "没有待办事项" in html
    assert 'class="todo-item"' not in html


def test_the_to_do_list_comes_before_the_other_cards(cast, client):
    pending_member(cast.association)
    client.force_login(cast.staff)
    html = client.get(reverse("dashboard")).content.decode()
    assert html.index('data-testid="todo"') < html.index('data-testid="queue-submitted"')
    assert html.index('data-testid="todo"') < html.index('data-testid="need-figures"')


# --- members waiting ------------------------------------------------------------------------


def test_members_waiting_lists_requests_to_join_and_claims_with_how_long_they_waited(cast, client):
    request = pending_member(cast.association, days=3, name="佛山新申请企业有限公司")
    registered = member_of(cast.association, name="协会代为登记有限公司")  # no users of its own
    claim_on(registered, days=1)
    pending_member(cast.other_association, name="浙江别人的申请有限公司")
    claim_on(member_of(cast.other_association, name="浙江会员有限公司"))  # not their member
    claim_on(registered, status=EnterpriseClaim.Status.REJECTED)  # decided
    member_of(cast.association, name="已是会员有限公司")  # active: nothing to do

    members = group(todo_of(client, cast.staff), "members")
    assert count_of(members) == 2
    assert item_links(members) == [
        reverse("membership-detail", args=[request.pk]),  # waited longest
        reverse("claim-list"),
    ]
    assert "佛山新申请企业有限公司" in members and "已等 3 天" in members
    assert "协会代为登记有限公司" in members and "已等 1 天" in members
    assert "浙江别人的申请有限公司" not in members
    assert "浙江会员有限公司" not in members
    assert "已是会员有限公司" not in members
    assert f'href="{reverse("member-list")}?status=pending">1 份入会申请' in members
    assert f'href="{reverse("claim-list")}">1 份认领申请' in members


def test_a_claim_on_an_enterprise_with_users_of_its_own_is_theirs_to_decide(cast, client):
    claim_on(cast.member)  # cast.enterprise_user acts for it and decides
    assert group(todo_of(client, cast.staff), "members") == ""


def test_a_member_that_asks_again_has_waited_since_it_asked(cast, client):
    membership = pending_member(cast.association, days=400)
    from core.workflow import record_status

    record_status(
        membership, from_status="left", to_status="pending", actor=None, at=now_minus(hours=5)
    )
    members = group(todo_of(client, cast.staff), "members")
    assert "已等 5 小时" in members


# --- applications to review -----------------------------------------------------------------


def test_applications_to_review_put_the_overdue_first_with_their_due_time(cast, client):
    batch = BatchFactory(association=cast.association, name="第一批")
    later = ApplicationFactory(
        batch=batch, enterprise=member_of(cast.association), review_due_at=now_minus(days=-3)
    )
    overdue = ApplicationFactory(
        batch=batch, enterprise=member_of(cast.association), review_due_at=now_minus(days=2)
    )
    soon = ApplicationFactory(
        batch=batch, enterprise=member_of(cast.association), review_due_at=now_minus(days=-1)
    )
    for status in ("approved", "rejected", "returned", "withdrawn", "draft"):
        ApplicationFactory(batch=batch, enterprise=member_of(cast.association), status=status)
    other_batch = BatchFactory(association=cast.other_association, name="别人的批次")
    ApplicationFactory(batch=other_batch, enterprise=member_of(cast.other_association))

    applications = group(todo_of(client, cast.staff), "applications")
    assert count_of(applications) == 3
    assert item_links(applications) == [
        reverse("application-detail", args=[a.pk]) for a in (overdue, soon, later)
    ]
    assert "逾期 2 天" in applications
    assert "明天" in applications  # due in a day: before that time tomorrow
    assert "别人的批次" not in applications
    queue = reverse("application-list") + "?status=submitted"
    assert f'href="{queue}"' in applications
    assert f'href="{queue}&amp;overdue=on">1 份已逾期' in applications


def test_a_group_with_something_overdue_comes_first(cast, client):
    pending_member(cast.association, days=2)
    batch = BatchFactory(association=cast.association)
    ApplicationFactory(
        batch=batch, enterprise=member_of(cast.association), review_due_at=now_minus(hours=3)
    )
    html = todo_of(client, cast.staff)
    assert html.index('data-testid="todo-applications"') < html.index('data-testid="todo-members"')


# --- needs to act on ------------------------------------------------------------------------


def test_needs_to_act_on_are_the_new_the_answered_and_those_with_information_added(cast, client):
    S = Need.Status
    new = need_of(cast.member, cast.association, urgency="critical")
    answered = need_of(cast.member, cast.association, S.ANSWERED, urgency="low")
    Escalation.objects.create(
        need=answered,
        summary="协会无法解决",
        escalated_by=cast.staff,
        reply="已协调",
        outcome="resolved",
        replied_by=cast.official,
        replied_at=now_minus(days=1),
    )
    asked = need_of(cast.member, cast.association, S.IN_PROGRESS)
    needs.need_ask_info(actor=cast.staff, need_id=asked.pk, question="请说明送货地址")
    needs.need_add_info(actor=cast.enterprise_user, need_id=asked.pk, body="番禺区石基镇")
    # Not for staff now: taken up, waiting for the enterprise, with government, closed, or
    # another association's.
    need_of(cast.member, cast.association, S.IN_PROGRESS)
    need_of(cast.member, cast.association, S.INFO_REQUESTED)
    need_of(cast.member, cast.association, S.ESCALATED)
    need_of(cast.member, cast.association, S.RESOLVED, closed_at=timezone.now())
    need_of(cast.member, cast.association, S.CANCELLED, closed_at=timezone.now())
    need_of(cast.other_member, cast.other_association)

    found = group(todo_of(client, cast.staff), "needs")
    assert count_of(found) == 3
    # The queue's order: urgency counts as weeks already waited.
    assert item_links(found) == [
        reverse("need-detail", args=[n.pk]) for n in (new, asked, answered)
    ]
    assert "新需求" in found and "政府已答复" in found and "已补充信息" in found
    queue = reverse("need-queue")
    for status, count in (("open", 1), ("answered", 1), ("in_progress", 1)):
        assert re.search(rf'href="{queue}\?status={status}">{count} ', found), status


def test_information_added_drops_out_once_staff_act_on_the_need_again(cast, client):
    need = need_of(cast.member, cast.association, Need.Status.IN_PROGRESS)
    needs.need_ask_info(actor=cast.staff, need_id=need.pk, question="请说明数量")
    needs.need_add_info(actor=cast.enterprise_user, need_id=need.pk, body="一千只")
    assert count_of(group(todo_of(client, cast.staff), "needs")) == 1

    needs.need_ask_info(actor=cast.staff, need_id=need.pk, question="请说明型号")
    assert group(todo_of(client, cast.staff), "needs") == ""


def test_information_the_enterprise_adds_unasked_is_not_a_to_do(cast, client):
    need = need_of(cast.member, cast.association, Need.Status.IN_PROGRESS)
    needs.need_add_info(actor=cast.enterprise_user, need_id=need.pk, body="补充说明")
    assert group(todo_of(client, cast.staff), "needs") == ""


def test_a_need_past_its_needed_by_day_says_so(cast, client):
    yesterday = timezone.localdate() - timedelta(days=1)
    need_of(cast.member, cast.association, needed_by=yesterday)
    found = group(todo_of(client, cast.staff), "needs")
    when = f"需求期限 {yesterday.month}月{yesterday.day}日 已过"
    assert f'<span class="todo-when alert" data-testid="todo-when">{when}</span>' in found


# --- reports --------------------------------------------------------------------------------


def test_reports_ready_and_not_submitted_are_listed_by_their_due_time(cast, client):
    today = timezone.localdate()
    week = ready_report(
        cast.association, today - timedelta(days=today.weekday()), period_type="week"
    )
    yesterday = ready_report(cast.association, today - timedelta(days=1))
    late = ready_report(cast.association, today - timedelta(days=3))
    ready_report(cast.association, today - timedelta(days=4), status=Report.Status.SUBMITTED)
    ready_report(cast.association, today - timedelta(days=5), status=Report.Status.QUEUED)
    ready_report(cast.association, today - timedelta(days=1), region_id="440100")  # narrowed
    ready_report(cast.other_association, today - timedelta(days=1))

    reports = group(todo_of(client, cast.staff), "reports")
    assert count_of(reports) == 3
    assert item_links(reports) == [
        reverse("report-detail", args=[r.pk]) for r in (late, yesterday, week)
    ]
    # Yesterday's daily report is due at midnight tonight; the one of three days ago is late.
    assert "今天 24:00 前" in reports
    assert "逾期 1 天" in reports
    assert reverse("report-list") + "?status=ready" in reports


# --- open batches ---------------------------------------------------------------------------


def test_open_batches_show_places_taken_of_the_capacity_and_when_they_close(cast, client):
    batch = BatchFactory(association=cast.association, name="第二批", capacity=40)
    type(batch).objects.filter(pk=batch.pk).update(approved_count=10)
    BatchFactory(association=cast.association, name="草稿批次", status="draft")
    BatchFactory(association=cast.association, name="已关闭批次", status="closed")
    BatchFactory(association=cast.other_association, name="别人的批次")

    batches = group(todo_of(client, cast.staff), "batches")
    assert item_links(batches) == [reverse("batch-detail", args=[batch.pk])]
    assert "名额已占 10 / 40" in batches
    assert '<rect width="25.0"' in batches  # the bar: a quarter
    closes = timezone.localtime(batch.closes_at).strftime("%Y-%m-%d %H:%M")
    assert closes in batches
    assert "草稿批次" not in batches and "已关闭批次" not in batches and "别人的批次" not in batches


# --- groups, scope, queries -----------------------------------------------------------------


def test_a_group_shows_five_items_and_counts_them_all(cast, client):
    for days in range(8):
        pending_member(cast.association, days=days)
    members = group(todo_of(client, cast.staff), "members")
    assert count_of(members) == 8
    assert len(item_links(members)) == 5
    assert "8 份入会申请" in members


def test_staff_of_two_associations_see_both_each_item_naming_its_association(cast, client):
    AssociationUser.objects.create(user=cast.staff, association=cast.other_association)
    pending_member(cast.association, name="广东申请企业有限公司")
    pending_member(cast.other_association, name="浙江申请企业有限公司")

    members = group(todo_of(client, cast.staff), "members")
    assert "广东申请企业有限公司" in members and "浙江申请企业有限公司" in members
    names = re.findall(r'data-testid="todo-association">([^<]+)<', members)
    assert sorted(names) == sorted([cast.association.name, cast.other_association.name])

    # The other association's staff see theirs alone.
    other = group(todo_of(client, cast.other_staff), "members")
    assert "浙江申请企业有限公司" in other and "广东申请企业有限公司" not in other


def everything_waits(cast, many: int, *, first_day: int = 1) -> None:
    """`many` items of every group for the cast's association (reports of `many` days from
    `first_day` days ago)."""
    batch = BatchFactory(association=cast.association)
    today = timezone.localdate()
    for n in range(many):
        enterprise = member_of(cast.association)
        pending_member(cast.association, days=n)
        claim_on(enterprise)
        ApplicationFactory(batch=batch, enterprise=enterprise)
        need_of(enterprise, cast.association)
        ready_report(cast.association, today - timedelta(days=first_day + n))
        BatchFactory(association=cast.association)


def test_the_page_takes_the_same_queries_for_a_few_dozen_items_as_for_one(
    cast, client, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    everything_waits(cast, 1)
    client.force_login(cast.staff)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("dashboard"))

    everything_waits(cast, 30, first_day=2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(reverse("dashboard")).content.decode()
    assert count_of(group(html, "applications")) == 31


# --- due times in words ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due_at", "words"),
    [
        ((2026, 3, 3, 9, 0), "逾期 2 天"),
        ((2026, 3, 5, 7, 30), "逾期 2 小时"),
        ((2026, 3, 5, 17, 0), "今天 17:00 前"),
        ((2026, 3, 6, 0, 0), "今天 24:00 前"),
        ((2026, 3, 6, 12, 0), "明天 12:00 前"),
        ((2026, 3, 9, 12, 0), "3月9日 12:00 前"),
    ],
)
def test_a_due_time_reads_as_a_person_says_it(due_at, words):
    at_ten = timezone.make_aware(datetime(2026, 3, 5, 9, 30))
    assert due(timezone.make_aware(datetime(*due_at)), at_ten) == words


def test_due_times_read_in_english_too():
    from django.utils import translation

    at_ten = timezone.make_aware(datetime(2026, 3, 5, 9, 30))
    with translation.override("en"):
        assert due(timezone.make_aware(datetime(2026, 3, 4, 9, 0)), at_ten) == "Overdue by 1 day"
        assert due(timezone.make_aware(datetime(2026, 3, 9, 12, 0)), at_ten) == (
            "Before March 9 12:00"
        )


def test_staff_of_an_association_cannot_open_what_another_associations_list_would_link(
    cast, client
):
    other = pending_member(cast.other_association)
    client.force_login(cast.staff)
    assert client.get(reverse("membership-detail", args=[other.pk])).status_code == 404


def _figure(html: str, testid: str) -> int:
    return int(re.search(rf'data-testid="{testid}"><span class="figure">(\d+)<', html).group(1))


def test_the_needs_figures_are_counted_again_once_one_of_the_associations_needs_changes(
    cast, client
):
    """The home page's need figures and to-do counts are kept between visits (an association
    has hundreds of thousands of active needs) and counted again after a change to one of its
    needs, on the next page."""
    first = need_of(cast.member, cast.association)
    client.force_login(cast.staff)
    page = client.get(reverse("dashboard")).content.decode()
    assert _figure(page, "needs-open") == 1 and _figure(page, "needs-active") == 1

    # Written behind the services' back: the kept figures still show (for up to
    # core.badges.TIMEOUT), as the menu's counts do.
    need_of(cast.member, cast.association)
    page = client.get(reverse("dashboard")).content.decode()
    assert _figure(page, "needs-open") == 1

    # Taken up through the service: counted again at once, with the need written above.
    needs.need_take(actor=cast.staff, need_id=first.pk)
    page = client.get(reverse("dashboard")).content.decode()
    assert _figure(page, "needs-open") == 1 and _figure(page, "needs-active") == 2
    assert count_of(group(todo_of(client, cast.staff), "needs")) == 1

    # Another association's change leaves these figures as they are kept.
    need_of(cast.member, cast.association)
    other = need_of(cast.other_member, cast.other_association)
    needs.need_take(actor=cast.other_staff, need_id=other.pk)
    page = client.get(reverse("dashboard")).content.decode()
    assert _figure(page, "needs-active") == 2
