"""Notices: who they reach (each targeting rule and their combination, fixed at publishing,
written once however often the task runs), versions and withdrawal, read and sign receipts,
reminders once a day, the figures staff and officials see, policy matching."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import DomainError, TransitionNotAllowed
from core.models import Notification, Role
from core.workflow import history_for
from notices import access, selectors, services
from notices.models import (
    Notice,
    NoticeIndustry,
    NoticePick,
    NoticePolicyIndustry,
    NoticePolicyRegion,
    NoticeRecipient,
    NoticeRegion,
)
from tests.factories import EnterpriseFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

BODY = "## 关于做好复工复产有关工作的通知\n\n各会员单位：请于3月10日前报送复工情况。"


def _notice(cast, **data) -> Notice:
    fields = {"title": "复工复产工作通知", "body": BODY, "category": "resumption", **data}
    return services.notice_create(actor=cast.staff, association_id=cast.association.pk, data=fields)


def _publish(cast, notice, django_capture_on_commit_callbacks) -> Notice:
    with django_capture_on_commit_callbacks(execute=True):
        services.notice_publish(actor=cast.staff, notice_id=notice.pk)
    notice.refresh_from_db()
    return notice


def _members(cast, **kinds) -> dict:
    """Members of the cast's association: name → enterprise, each with the attributes given."""
    made = {}
    for name, attributes in kinds.items():
        status = attributes.pop("status", "active")
        enterprise = EnterpriseFactory(name=name, **attributes)
        MembershipFactory(enterprise=enterprise, association=cast.association, status=status)
        made[name] = enterprise
    return made


def _reached(notice) -> set[str]:
    return set(notice.recipients.values_list("enterprise__name", flat=True))


@pytest.fixture
def members(cast):
    return _members(
        cast,
        天河小厂={"region_id": "440106", "industry_id": "39", "size": "small"},
        深圳中厂={"region_id": "440305", "industry_id": "39", "size": "medium"},
        广州饭店={"region_id": "440104", "industry_id": "62", "size": "micro"},
        杭州小厂={"region_id": "330106", "industry_id": "18", "size": "small"},
        停牌企业={
            "region_id": "440106",
            "industry_id": "39",
            "size": "small",
            "status": "suspended",
        },
        待审企业={"region_id": "440106", "industry_id": "39", "size": "small", "status": "pending"},
    )


ALL_ACTIVE = {"广州华兴电子有限公司", "天河小厂", "深圳中厂", "广州饭店", "杭州小厂"}


@pytest.mark.parametrize(
    ("rules", "reached"),
    [
        ({}, ALL_ACTIVE),
        ({"regions": ["440100"]}, {"广州华兴电子有限公司", "天河小厂", "广州饭店"}),
        ({"regions": ["440300", "330000"]}, {"深圳中厂", "杭州小厂"}),
        ({"industries": ["H"]}, {"广州饭店"}),
        ({"industries": ["39", "18"]}, ALL_ACTIVE - {"广州饭店"}),
        ({"sizes": ["medium", "micro"]}, {"深圳中厂", "广州饭店"}),
        ({"member_statuses": ["suspended"]}, {"停牌企业"}),
        ({"member_statuses": ["active", "suspended"]}, ALL_ACTIVE | {"停牌企业"}),
        # combined: inside Guangdong AND electronics AND small
        (
            {"regions": ["440000"], "industries": ["C"], "sizes": ["small"]},
            {"广州华兴电子有限公司", "天河小厂"},
        ),
    ],
)
def test_each_targeting_rule_and_their_combination(
    cast, members, rules, reached, django_capture_on_commit_callbacks
):
    notice = _publish(cast, _notice(cast, **rules), django_capture_on_commit_callbacks)
    assert _reached(notice) == reached
    assert notice.recipients_total == len(reached)


def test_a_hand_picked_list_reaches_only_those_and_refuses_a_stranger(
    cast, members, django_capture_on_commit_callbacks
):
    with pytest.raises(DomainError) as refused:
        _notice(cast, picked=[members["天河小厂"].pk, cast.other_member.pk])
    assert "picked" in refused.value.fields
    notice = _notice(
        cast, picked=[members["天河小厂"].pk, members["广州饭店"].pk], sizes=["medium"]
    )
    notice = _publish(cast, notice, django_capture_on_commit_callbacks)
    assert _reached(notice) == {"天河小厂", "广州饭店"}


def test_recipients_are_fixed_at_publishing_and_written_once_in_one_statement(
    cast, members, django_capture_on_commit_callbacks
):
    notice = _publish(cast, _notice(cast), django_capture_on_commit_callbacks)
    joined_later = EnterpriseFactory(name="后来的会员")
    MembershipFactory(enterprise=joined_later, association=cast.association)
    with CaptureQueriesContext(connection) as captured:
        assert services.write_recipients(notice.pk) == len(ALL_ACTIVE)  # the task run again
    assert not any("INSERT" in q["sql"] for q in captured.captured_queries)
    assert "后来的会员" not in _reached(notice)
    assert notice.recipients.count() == len(ALL_ACTIVE)


def test_the_recipients_are_inserted_by_one_statement_whatever_their_number(cast):
    for n in range(30):
        MembershipFactory(association=cast.association, enterprise__name=f"会员{n}")
    notice = _notice(cast)
    with CaptureQueriesContext(connection) as captured:
        services.notice_publish(actor=cast.staff, notice_id=notice.pk)
        services.write_recipients(notice.pk)
    table = NoticeRecipient._meta.db_table
    inserts = [q for q in captured.captured_queries if f"INSERT INTO {table}" in q["sql"]]
    assert len(inserts) == 1
    assert NoticeRecipient.objects.filter(notice=notice).count() == 31


def test_a_notice_nobody_would_receive_is_not_published(cast):
    notice = _notice(cast, regions=["650000"])
    with pytest.raises(DomainError):
        services.notice_publish(actor=cast.staff, notice_id=notice.pk)
    notice.refresh_from_db()
    assert notice.status == "draft"


def test_only_the_associations_side_writes_and_publishes(cast):
    with pytest.raises(PermissionDenied):
        services.notice_create(
            actor=cast.other_staff, association_id=cast.association.pk, data={"title": "x"}
        )
    notice = _notice(cast)
    for outsider in (cast.other_staff, cast.enterprise_user, cast.official):
        with pytest.raises(PermissionDenied):
            services.notice_publish(actor=outsider, notice_id=notice.pk)


def test_reading_signing_and_the_figures(cast, members, django_capture_on_commit_callbacks):
    notice = _notice(cast, needs_sign_off=True, sign_by=date(2099, 1, 1))
    notice = _publish(cast, notice, django_capture_on_commit_callbacks)
    user = cast.enterprise_user
    assert selectors.unread_count(user) == 1
    assert services.mark_read(actor=user, notice=notice) is True
    assert services.mark_read(actor=user, notice=notice) is False  # the first time counts
    assert selectors.unread_count(user) == 0
    colleague = UserFactory(role=Role.ENTERPRISE, enterprise=cast.member)
    receipt = services.notice_sign(actor=colleague, notice_id=notice.pk, reply="已收到，按期报送")
    assert (receipt.signed_by, receipt.reply) == (colleague, "已收到，按期报送")
    with pytest.raises(DomainError):
        services.notice_sign(actor=user, notice_id=notice.pk)  # the enterprise signed already
    figures = selectors.receipt_figures(notice)
    assert (figures["total"], figures["read"], figures["signed"]) == (5, 1, 1)
    assert figures["overdue"] == 0
    # past the day to sign by, the four who have not signed are overdue
    assert selectors.receipt_figures(notice, today=date(2099, 1, 2))["overdue"] == 4
    assert [e.action for e in history_for(notice)][-1] == "notice.signed"


def test_no_signing_for_a_non_recipient_a_notice_without_sign_off_or_a_withdrawn_one(
    cast, members, django_capture_on_commit_callbacks
):
    plain = _publish(cast, _notice(cast), django_capture_on_commit_callbacks)
    with pytest.raises(DomainError):
        services.notice_sign(actor=cast.enterprise_user, notice_id=plain.pk)
    signing = _notice(cast, needs_sign_off=True, sign_by=date(2099, 1, 1), regions=["330000"])
    signing = _publish(cast, signing, django_capture_on_commit_callbacks)
    with pytest.raises(PermissionDenied):  # 广州华兴 is not among its recipients
        services.notice_sign(actor=cast.enterprise_user, notice_id=signing.pk)
    asked = _publish(
        cast,
        _notice(cast, needs_sign_off=True, sign_by=date(2099, 1, 1)),
        django_capture_on_commit_callbacks,
    )
    services.notice_withdraw(actor=cast.staff, notice_id=asked.pk, reason="内容有误，另行通知")
    with pytest.raises(TransitionNotAllowed):
        services.notice_sign(actor=cast.enterprise_user, notice_id=asked.pk)
    # withdrawn: still visible to its recipients, marked withdrawn
    seen = access.visible(cast.enterprise_user).get(pk=asked.pk)
    assert seen.status == "withdrawn"


def test_withdrawing_needs_a_reason(cast, members, django_capture_on_commit_callbacks):
    notice = _publish(cast, _notice(cast), django_capture_on_commit_callbacks)
    with pytest.raises(DomainError):
        services.notice_withdraw(actor=cast.staff, notice_id=notice.pk, reason=" ")


def test_a_correction_is_a_new_version_pointing_to_the_old(
    cast, members, django_capture_on_commit_callbacks
):
    first = _publish(cast, _notice(cast, regions=["440100"]), django_capture_on_commit_callbacks)
    fresh = services.notice_correct(actor=cast.staff, notice_id=first.pk)
    assert (fresh.previous, fresh.version, fresh.status) == (first, 2, "draft")
    assert [r.code for r in fresh.regions.all()] == ["440100"]
    with pytest.raises(TransitionNotAllowed):  # one correction at a time
        services.notice_correct(actor=cast.staff, notice_id=first.pk)
    services.notice_update(actor=cast.staff, notice_id=fresh.pk, data={"body": BODY + "（更正）"})
    fresh = _publish(cast, fresh, django_capture_on_commit_callbacks)
    assert _reached(fresh) == _reached(first)
    first.refresh_from_db()
    assert first.correction == fresh


def test_whom_a_notice_is_for_carries_its_association_for_a_distributed_database(
    cast, members, django_capture_on_commit_callbacks
):
    """Every row of a notice's regions, industries, picked members and policy filters keeps the
    notice's association (docs/scale-out.md), on the notice and on its correction; and the
    database keeps a notice to one correction, by a rule that holds the association."""
    first = _notice(
        cast,
        regions=["440100"],
        industries=["C"],
        is_policy=True,
        category="policy",
        policy_regions=["440000"],
        policy_industries=["C"],
    )
    picked = _notice(cast, picked=[members["天河小厂"].pk])
    first = _publish(cast, first, django_capture_on_commit_callbacks)
    fresh = services.notice_correct(actor=cast.staff, notice_id=first.pk)
    links = [NoticeRegion, NoticeIndustry, NoticePick, NoticePolicyRegion, NoticePolicyIndustry]
    keys = {
        (link.__name__, row.notice_id, row.association_id)
        for link in links
        for row in link.objects.all()
    }
    key = cast.association.pk
    made = {(link.__name__, notice.pk, key) for link in links for notice in (first, fresh)}
    assert keys == made - {("NoticePick", n.pk, key) for n in (first, fresh)} | {
        ("NoticePick", picked.pk, key)
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Notice.objects.create(
            association=cast.association,
            previous=first,
            title="再次更正",
            body=BODY,
            category="resumption",
            created_by=cast.staff,
        )


def test_reminders_go_to_those_who_have_not_signed_once_a_day(
    cast, members, django_capture_on_commit_callbacks
):
    notice = _notice(cast, needs_sign_off=True, sign_by=date(2099, 1, 1), regions=["440100"])
    notice = _publish(cast, notice, django_capture_on_commit_callbacks)
    waiting = UserFactory(role=Role.ENTERPRISE, enterprise=members["天河小厂"])
    signed = UserFactory(role=Role.ENTERPRISE, enterprise=members["广州饭店"])
    services.notice_sign(actor=signed, notice_id=notice.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.notice_remind(actor=cast.staff, notice_id=notice.pk)
    told = set(
        Notification.objects.filter(key__startswith="notice-remind:").values_list("user", flat=True)
    )
    assert told == {waiting.pk, cast.enterprise_user.pk}
    with pytest.raises(DomainError):  # again today
        services.notice_remind(actor=cast.staff, notice_id=notice.pk)
    # as if that reminder had gone out yesterday
    yesterday = timezone.now() - timedelta(days=1)
    Notice.objects.filter(pk=notice.pk).update(last_reminded_at=yesterday)
    Notification.objects.filter(key__startswith="notice-remind:").update(
        key=f"notice-remind:{notice.pk}:{timezone.localdate(yesterday).isoformat()}"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.notice_remind(actor=cast.staff, notice_id=notice.pk)
    assert Notification.objects.filter(user=waiting, key__startswith="notice-remind:").count() == 2


def test_an_official_sees_the_notices_addressed_inside_the_jurisdiction_and_counts_only(
    cast, members, django_capture_on_commit_callbacks
):
    zhejiang = _publish(cast, _notice(cast, regions=["330000"]), django_capture_on_commit_callbacks)
    everyone = _publish(cast, _notice(cast), django_capture_on_commit_callbacks)
    draft = _notice(cast)
    seen = set(access.visible(cast.official).values_list("pk", flat=True))
    assert seen == {everyone.pk}
    assert set(access.visible(cast.other_official).values_list("pk", flat=True)) == {
        zhejiang.pk,
        everyone.pk,
    }
    assert draft.pk not in set(access.visible(cast.enterprise_user).values_list("pk", flat=True))
    figures = selectors.figures_for(cast.official, everyone)
    assert figures["total"] == 4  # the Guangdong members only
    assert selectors.figures_for(cast.enterprise_user, everyone) == {}


def test_policies_for_an_enterprise_follow_their_eligibility(
    cast, members, django_capture_on_commit_callbacks
):
    def policy(**rules):
        return _publish(
            cast,
            _notice(cast, is_policy=True, category="policy", **rules),
            django_capture_on_commit_callbacks,
        )

    for_all = policy()
    for_guangzhou_small = policy(policy_regions=["440100"], policy_sizes=["small", "micro"])
    for_shenzhen = policy(policy_regions=["440300"])
    for_catering = policy(policy_industries=["H"])
    expired = policy(valid_until=date(2020, 1, 1))
    enterprise = members["天河小厂"]
    found = set(selectors.policies_for(enterprise).values_list("pk", flat=True))
    assert found == {for_all.pk, for_guangzhou_small.pk}
    found = set(selectors.policies_for(members["广州饭店"]).values_list("pk", flat=True))
    assert found == {for_all.pk, for_guangzhou_small.pk, for_catering.pk}
    assert for_shenzhen.pk in set(
        selectors.policies_for(members["深圳中厂"]).values_list("pk", flat=True)
    )
    assert expired.pk not in found
