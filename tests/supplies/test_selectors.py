"""What each user reads of needs and offers: only their own scope; the staff queue in the order
of urgency and waiting; needs past their date shown as overdue."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import Region, Role
from supplies import selectors, services
from supplies.models import Need, SupplyItem
from tests.factories import EnterpriseFactory, MembershipFactory, UserFactory
from tests.supplies.conftest import days_from_today, file_supply, need_in, offer_of, supplier_in

S = Need.Status
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_broker(queued):
    """Nothing here is about notifications."""


# --- overdue ------------------------------------------------------------------------------


def test_a_need_past_its_date_is_overdue_until_it_is_closed(cast, mask):
    need = file_supply(cast, mask, needed_by=days_from_today(3))
    assert not need.is_overdue
    assert need not in Need.objects.overdue()

    # Filing refuses a past date; time passing is what makes a need overdue.
    Need.objects.filter(pk=need.pk).update(needed_by=days_from_today(-1))
    need.refresh_from_db()
    assert need.is_overdue
    assert list(Need.objects.overdue()) == [need]

    services.need_resolve(actor=cast.staff, need_id=need.pk, reason="已解决")
    need.refresh_from_db()
    assert not need.is_overdue
    assert need not in Need.objects.overdue()


def test_a_need_due_today_is_not_overdue_yet_and_one_without_a_date_never_is(cast):
    today = need_in(cast, S.OPEN, needed_by=timezone.localdate())
    undated = need_in(cast, S.OPEN, kind=Need.Kind.DIFFICULTY, needed_by=None)
    assert not today.is_overdue and not undated.is_overdue
    assert not Need.objects.overdue().exists()
    assert list(Need.objects.overdue(today=days_from_today(1))) == [today]


@pytest.mark.parametrize("status", [S.RESOLVED, S.CANCELLED])
def test_a_closed_need_is_never_overdue(cast, status):
    need = need_in(cast, status, needed_by=days_from_today(-10))
    assert not need.is_overdue
    assert not Need.objects.overdue().exists()


# --- the queue ----------------------------------------------------------------------------


def filed(cast, urgency: str, days_ago: float = 0) -> Need:
    """A need of cast.member filed `days_ago` days ago (its rank follows its filing time)."""
    need = need_in(cast, S.OPEN, urgency=urgency)
    need.created_at = timezone.now() - timedelta(days=days_ago)
    need.save(update_fields=["created_at"])
    return need


def queue(cast) -> list[Need]:
    return list(selectors.need_queue(user=cast.staff))


def test_a_critical_need_filed_today_comes_before_a_normal_one_filed_today(cast):
    normal = filed(cast, "normal")
    critical = filed(cast, "critical")
    low = filed(cast, "low")
    high = filed(cast, "high")
    assert queue(cast) == [critical, high, normal, low]


def test_a_need_waiting_long_enough_overtakes_more_urgent_new_ones(cast):
    critical_today = filed(cast, "critical")
    low_for_a_month = filed(cast, "low", days_ago=30)
    high_for_eight_days = filed(cast, "high", days_ago=8)  # two steps: 14 + 8 days
    normal_for_a_week = filed(cast, "normal", days_ago=6)  # one step: 7 + 6 days
    assert queue(cast) == [
        low_for_a_month,
        high_for_eight_days,
        critical_today,
        normal_for_a_week,
    ]


def test_a_change_of_urgency_moves_a_need_in_the_queue(cast):
    first = filed(cast, "normal", days_ago=1)
    second = filed(cast, "normal")
    assert queue(cast) == [first, second]
    second.urgency = "high"
    second.save(update_fields=["urgency"])
    assert queue(cast) == [second, first]


def test_met_and_cancelled_needs_drop_out_of_the_queue(cast, mask):
    waiting = filed(cast, "low", days_ago=3)
    met = file_supply(cast, mask, quantity="10")
    given_up = file_supply(cast, mask, quantity="10", urgency="critical")
    answered = need_in(cast, S.ANSWERED)
    asked = need_in(cast, S.INFO_REQUESTED)
    escalated = need_in(cast, S.ESCALATED)
    offer = offer_of(supplier_in(cast.association), mask, 10)
    services.match_create(actor=cast.staff, need_id=met.pk, offer_id=offer.pk, quantity="10")
    services.need_cancel(actor=cast.enterprise_user, need_id=given_up.pk, reason="已自行采购")

    assert set(queue(cast)) == {waiting, answered, asked, escalated}


def test_the_queue_is_the_associations_own(cast):
    ours = filed(cast, "normal")
    need_in(
        cast,
        S.OPEN,
        enterprise=cast.other_member,
        association=cast.other_association,
        urgency="critical",
    )
    assert queue(cast) == [ours]
    assert list(selectors.need_queue(user=cast.enterprise_user)) == [ours]
    assert not selectors.need_queue(user=cast.outsider).exists()


# --- who sees which needs and offers ------------------------------------------------------


@pytest.fixture
def needs(cast) -> dict[str, Need]:
    """Needs of both associations' members, some escalated to government."""
    theirs = {"enterprise": cast.other_member, "association": cast.other_association}
    return {
        "ours open": need_in(cast, S.OPEN),
        "ours escalated": need_in(cast, S.ESCALATED),
        "ours answered then resolved": need_in(cast, S.RESOLVED, escalated=True),
        "theirs open": need_in(cast, S.OPEN, **theirs),
        "theirs escalated": need_in(cast, S.ESCALATED, **theirs),
    }


OURS = {"ours open", "ours escalated", "ours answered then resolved"}
THEIRS = {"theirs open", "theirs escalated"}
NEEDS_SEEN = {
    "enterprise_user": OURS,  # the enterprise's own
    "staff": OURS,
    "manager": OURS,
    "partner": OURS,  # bound to the association
    "other_staff": THEIRS,
    "official": {"ours escalated", "ours answered then resolved"},  # Guangdong, escalated only
    "other_official": {"theirs escalated"},  # Zhejiang
    "admin": OURS | THEIRS,
    "outsider": set(),  # an enterprise user with no enterprise
}


@pytest.mark.parametrize(("role", "expected"), NEEDS_SEEN.items(), ids=NEEDS_SEEN.keys())
def test_each_role_reads_only_the_needs_in_its_scope(cast, needs, role, expected):
    seen = selectors.need_list(user=cast.by_role(role))
    names = {name for name, need in needs.items() if need in seen}
    assert names == expected
    assert seen.count() == len(expected)  # and nothing else of anybody's


def test_anonymous_reads_no_needs_and_no_offers(cast, needs):
    from django.contrib.auth.models import AnonymousUser

    assert not selectors.need_list(user=AnonymousUser()).exists()
    assert not selectors.need_queue(user=AnonymousUser()).exists()
    assert not selectors.escalated_list(user=AnonymousUser()).exists()
    assert not selectors.offer_list(user=AnonymousUser()).exists()


def test_the_escalated_list_is_newest_escalation_first(cast, needs):
    older = needs["ours escalated"]
    Need.objects.filter(pk=older.pk).update(escalated_at=timezone.now() - timedelta(days=2))
    newer = need_in(cast, S.ESCALATED)
    newest_first = [newer, needs["ours answered then resolved"], older]
    assert list(selectors.escalated_list(user=cast.official)) == newest_first
    assert list(selectors.escalated_list(user=cast.staff)) == newest_first


@pytest.mark.parametrize(
    ("jurisdiction", "sees"),
    [
        ("440000", True),  # 广东省
        ("440100", True),  # 广州市
        ("440106", True),  # 天河区, where the enterprise is
        ("440103", False),  # 荔湾区, a neighbouring district
        ("440300", False),  # 深圳市
        ("330000", False),  # 浙江省
    ],
)
def test_an_official_sees_escalated_needs_of_enterprises_inside_the_jurisdiction_at_any_level(
    cast, jurisdiction, sees
):
    need = need_in(cast, S.ESCALATED)  # of cast.member in 440106
    official = UserFactory(role=Role.OFFICIAL, jurisdiction_id=jurisdiction)
    assert (need in selectors.need_list(user=official)) == sees


def test_an_official_of_a_municipality_sees_its_districts(cast):
    beijing = EnterpriseFactory(region_id="110105")  # 朝阳区, directly under 北京市
    MembershipFactory(enterprise=beijing, association=cast.association)
    need = need_in(cast, S.ESCALATED, enterprise=beijing)
    assert need in selectors.need_list(
        user=UserFactory(role=Role.OFFICIAL, jurisdiction_id="110000")
    )
    assert need not in selectors.need_list(user=cast.official)


def test_a_region_code_starts_as_every_code_of_its_subtree():
    """Officials' needs are scoped by the start of the enterprise's region code (two digits for
    a province, four for a prefecture), which must name the same regions as the path."""
    regions = list(Region.objects.values_list("code", "path", "level"))
    significant = {"province": 2, "prefecture": 4, "county": 6}
    for code, path, level in regions:
        prefix = code[: significant[level]]
        by_code = {c for c, _p, _l in regions if c.startswith(prefix)}
        by_path = {c for c, p, _l in regions if p.startswith(path)}
        assert by_code == by_path, code


@pytest.fixture
def offers(cast):
    mask = SupplyItem.objects.get(code="mask-medical")
    ours = UserFactory(enterprise=cast.member)
    return {
        "our member's": offer_of(ours, mask, 100),
        "another member's": offer_of(supplier_in(cast.association), mask, 200),
        "theirs": offer_of(supplier_in(cast.other_association, region_id="330106"), mask, 300),
    }


OFFERS_SEEN = {
    "enterprise_user": {"our member's"},
    "staff": {"our member's", "another member's"},
    "partner": {"our member's", "another member's"},
    "other_staff": {"theirs"},
    "official": set(),
    "other_official": set(),
    "admin": {"our member's", "another member's", "theirs"},
    "outsider": set(),
}


@pytest.mark.parametrize(("role", "expected"), OFFERS_SEEN.items(), ids=OFFERS_SEEN.keys())
def test_each_role_reads_only_the_offers_in_its_scope(cast, offers, role, expected):
    seen = selectors.offer_list(user=cast.by_role(role))
    assert {name for name, offer in offers.items() if offer in seen} == expected
    assert seen.count() == len(expected)


def test_offers_for_a_request_are_the_available_ones_of_its_item_nearby_first(cast, mask):
    need = file_supply(cast, mask)
    far = offer_of(supplier_in(cast.association, region_id="110105"), mask, 100)
    near = offer_of(supplier_in(cast.association, region_id="440604"), mask, 100)
    offer_of(supplier_in(cast.association), SupplyItem.objects.get(code="gloves"), 100)
    used_up = offer_of(supplier_in(cast.association), mask, 5)
    services.match_create(actor=cast.staff, need_id=need.pk, offer_id=used_up.pk, quantity="5")
    withdrawn = offer_of(supplier_in(cast.association), mask, 50)
    services.offer_withdraw(actor=cast.staff, offer_id=withdrawn.pk)

    assert list(selectors.offers_for(need, user=cast.staff)) == [near, far]
    assert not selectors.offers_for(need, user=cast.other_staff).exists()
