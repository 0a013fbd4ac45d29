"""Figures as at the end of the period (docs/decisions/0002): each change made through the
services with the clock set to its moment, the report's figures read from the history.

The period is the ISO week Mon 2020-02-10 – Sun 2020-02-16 (its end: 2020-02-17 00:00 local);
"after" is 2020-02-20, when a report of that week may already have been sent.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from associations import services as memberships
from associations.models import Membership
from batches import services as batches
from batches.models import Application
from core.errors import DomainError
from core.models import Industry, Region, Role
from demo.timeline import happened_at
from reports import figures
from reports.figures import Scope
from tests.factories import (
    AssociationFactory,
    EnterpriseFactory,
    UserFactory,
    hand_in,
    staff_of,
)

pytestmark = pytest.mark.django_db

START, END = date(2020, 2, 10), date(2020, 2, 17)


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(date(2020, month, day), time(hour, minute)))


BEFORE, INSIDE, AFTER = at(2, 5), at(2, 12), at(2, 20)


@pytest.fixture(autouse=True)
def _quiet(queued):
    """Notifications and e-mails are queued, not sent."""


class Story:
    """One Guangdong association; each enterprise registered by it, with a user of its own."""

    def __init__(self):
        self.association = AssociationFactory(name="广东省电子行业协会", region_id="440100")
        self.staff = staff_of(self.association, manager=True)
        self.count = 0

    def enterprise(self, registered: bool = False):
        self.count += 1
        enterprise = EnterpriseFactory(
            name=f"企业{self.count}",
            region_id="440106",
            registered_by=self.association if registered else None,
        )
        return enterprise, UserFactory(role=Role.ENTERPRISE, enterprise=enterprise)

    def member(self, since=None):
        """An enterprise the association registered and added, active from `since` (added
        while it had no users of its own: its user signs up afterwards)."""
        enterprise = EnterpriseFactory(
            name=f"会员{self.count}", region_id="440106", registered_by=self.association
        )
        self.count += 1
        with happened_at(since or at(1, 6)):
            membership = memberships.membership_add(
                actor=self.staff, association_id=self.association.pk, enterprise_id=enterprise.pk
            )
        user = UserFactory(role=Role.ENTERPRISE, enterprise=enterprise)
        return enterprise, user, membership

    def do(self, moment, service, **arguments):
        with happened_at(moment):
            return service(**arguments)

    def batch(self, name="第一批"):
        with happened_at(at(2, 1)):
            batch = batches.batch_create(
                actor=self.staff,
                association_id=self.association.pk,
                regions=[Region.objects.get(code="440000")],
                industries=[Industry.objects.get(code="C")],
                name=name,
                opens_at=at(2, 1),
                closes_at=at(3, 31),
                planned_start=date(2020, 2, 10),
                capacity=100,
                review_days=3,
            )
            return batches.batch_open(actor=self.staff, batch_id=batch.pk)

    def apply(self, moment, batch, user, workers=20) -> Application:
        with happened_at(moment):
            return hand_in(user, batch, workers=workers)

    def approve(self, moment, application):
        return self.do(
            moment, batches.application_approve, actor=self.staff, application_id=application.pk
        )

    def resume(self, moment, application, user):
        return self.do(
            moment,
            batches.application_resume,
            actor=user,
            application_id=application.pk,
            resumed_on=timezone.localtime(moment).date(),
            workers_on_site=5,
        )

    def figures(self, *, start=START, end=END, association=True) -> dict:
        scope = Scope(
            region=Region.objects.get(code="440000"),
            association=self.association if association else None,
            start=start,
            end=end,
        )
        return figures.compute(scope)

    def totals(self, **scope) -> dict:
        return self.figures(**scope)["progress"]["totals"]


@pytest.fixture
def story(db) -> Story:
    return Story()


# --- memberships --------------------------------------------------------------------------


def test_a_join_request_withdrawn_after_the_period_never_made_a_member(story):
    _enterprise, user = story.enterprise()
    request = story.do(
        BEFORE, memberships.membership_request, actor=user, association_id=story.association.pk
    )
    story.do(AFTER, memberships.membership_leave, actor=user, membership_id=request.pk)

    assert story.totals()["members"] == 0
    assert story.totals(association=False)["members"] == 0


def test_a_member_suspended_after_the_period_was_a_member_at_its_end(story):
    _enterprise, _user, membership = story.member()
    story.do(
        AFTER,
        memberships.membership_suspend,
        actor=story.staff,
        membership_id=membership.pk,
        reason="欠缴会费",
    )

    assert story.totals()["members"] == 1


def test_a_member_suspended_inside_the_period_and_gone_after_it_was_no_member_at_its_end(story):
    _enterprise, _user, membership = story.member()
    story.do(
        INSIDE,
        memberships.membership_suspend,
        actor=story.staff,
        membership_id=membership.pk,
        reason="欠缴会费",
    )
    story.do(AFTER, memberships.membership_leave, actor=story.staff, membership_id=membership.pk)

    assert story.totals()["members"] == 0


def test_a_member_that_left_inside_the_period_and_rejoined_after_it_was_no_member_then(story):
    _enterprise, user, membership = story.member()
    story.do(INSIDE, memberships.membership_leave, actor=story.staff, membership_id=membership.pk)
    story.do(AFTER, memberships.membership_request, actor=user, association_id=story.association.pk)
    story.do(AFTER, memberships.membership_approve, actor=story.staff, membership_id=membership.pk)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE

    assert story.totals()["members"] == 0
    # and in the week it rejoined, it is one again
    assert story.totals(start=date(2020, 2, 17), end=date(2020, 2, 24))["members"] == 1


# --- applications -------------------------------------------------------------------------


def test_an_application_withdrawn_after_the_period_was_handed_in_at_its_end(story):
    batch = story.batch()
    _enterprise, user, _membership = story.member()
    application = story.apply(INSIDE, batch, user)
    story.do(AFTER, batches.application_withdraw, actor=user, application_id=application.pk)

    assert story.totals()["applied"] == 1


def test_a_resubmission_after_the_period_does_not_move_the_first_hand_in(story):
    batch = story.batch()
    _enterprise, user, _membership = story.member()
    application = story.apply(at(2, 11), batch, user)
    story.do(
        INSIDE,
        batches.application_return,
        actor=story.staff,
        application_id=application.pk,
        reason="请补充隔离区说明",
    )
    story.do(AFTER, batches.application_submit, actor=user, application_id=application.pk)
    application.refresh_from_db()
    assert timezone.localtime(application.submitted_at).date() == date(2020, 2, 20)

    assert story.totals()["applied"] == 1


def test_an_enterprise_approved_in_two_batches_counts_once_with_its_latest_workers(story):
    first, second = story.batch("第一批"), story.batch("第二批")
    _enterprise, user, _membership = story.member()
    # handed in first, approved last, and the smaller figure: neither the newest application
    # nor the largest number wins, the latest approval does
    approved_last = story.apply(at(2, 10), first, user, workers=30)
    approved_first = story.apply(at(2, 11), second, user, workers=50)
    story.approve(at(2, 11, 15), approved_first)
    story.approve(at(2, 13), approved_last)
    story.resume(at(2, 14), approved_first, user)
    story.resume(at(2, 15), approved_last, user)

    totals = story.totals()
    assert (totals["applied"], totals["approved"], totals["resumed"]) == (1, 1, 1)
    assert totals["returning_workers"] == 30
    # before the second approval, the first one's figure
    assert story.totals(start=date(2020, 2, 11), end=date(2020, 2, 12))["returning_workers"] == 50


def test_resumed_members_never_exceed_members(story):
    """Two enterprises resumed; one left the association before the period's end: it is
    counted as resumed but no longer a member, and the rate stays within 100 %."""
    batch = story.batch()
    stays = story.member()
    goes = story.member()
    for _enterprise, user, _membership in (stays, goes):
        application = story.apply(at(2, 10), batch, user)
        story.approve(at(2, 10, 15), application)
        story.resume(at(2, 11), application, user)
    story.do(INSIDE, memberships.membership_leave, actor=story.staff, membership_id=goes[2].pk)

    totals = story.totals()
    assert totals["members"] == 1
    assert (totals["resumed"], totals["resumed_not_members"]) == (1, 1)
    assert totals["rate"] == "1.0000"
    [row] = story.figures()["progress"]["rows"]
    assert row["resumed"] <= row["members"]


def test_resumption_cannot_be_dated_before_the_approval(story):
    batch = story.batch()
    _enterprise, user, _membership = story.member()
    application = story.apply(at(2, 10), batch, user)
    story.approve(at(2, 12), application)

    with pytest.raises(DomainError) as refused, happened_at(at(2, 13)):
        batches.application_resume(
            actor=user,
            application_id=application.pk,
            resumed_on=date(2020, 2, 11),
            workers_on_site=5,
        )
    assert "2020-02-12" in str(refused.value)
    assert "resumed_on" in refused.value.fields
    # nor can the row be written so behind the services' back
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=application.pk).update(
            status=Application.Status.RESUMED, resumed_on=date(2020, 2, 11)
        )
    # the day of the approval itself is fine
    story.resume(at(2, 12, 18), application, user)
    application.refresh_from_db()
    assert application.resumed_on == date(2020, 2, 12)


def test_a_resumption_recorded_after_the_period_counts_in_the_period_it_was_recorded(story):
    batch = story.batch()
    _enterprise, user, _membership = story.member()
    application = story.apply(at(2, 10), batch, user)
    story.approve(at(2, 11), application)
    with happened_at(at(2, 18)):  # work resumed on the 16th; the enterprise says so on the 18th
        batches.application_resume(
            actor=user, application_id=application.pk, resumed_on=date(2020, 2, 16),
            workers_on_site=5,
        )  # fmt: skip

    assert story.totals()["resumed"] == 0
    assert story.totals(start=date(2020, 2, 17), end=date(2020, 2, 24))["resumed"] == 1


# --- a past period's report does not change ---------------------------------------------


def test_last_months_figures_are_the_same_before_and_after_later_changes(story):
    batch = story.batch()
    month = {"start": date(2020, 2, 1), "end": date(2020, 3, 1)}
    people = [story.member() for _ in range(4)]
    applications = []
    for _enterprise, user, _membership in people:
        applications.append(story.apply(at(2, 10), batch, user))
    story.approve(at(2, 11), applications[0])
    story.approve(at(2, 11), applications[1])
    story.resume(at(2, 12), applications[0], user=people[0][1])
    pending_enterprise, pending_user = story.enterprise()
    story.do(
        at(2, 14),
        memberships.membership_request,
        actor=pending_user,
        association_id=story.association.pk,
    )

    before = {scope: story.figures(**month, association=scope) for scope in (True, False)}

    later = at(3, 5)
    story.do(later, memberships.membership_leave, actor=story.staff, membership_id=people[0][2].pk)
    story.do(
        later,
        memberships.membership_suspend,
        actor=story.staff,
        membership_id=people[1][2].pk,
        reason="欠缴会费",
    )
    story.resume(later, applications[1], user=people[1][1])
    story.do(
        later, batches.application_withdraw, actor=people[2][1], application_id=applications[2].pk
    )
    story.approve(later, applications[3])
    [request] = Membership.objects.filter(enterprise=pending_enterprise)
    story.do(later, memberships.membership_approve, actor=story.staff, membership_id=request.pk)

    after = {scope: story.figures(**month, association=scope) for scope in (True, False)}
    assert after == before
    assert before[True]["progress"]["totals"] == {
        "members": 4,
        "applied": 4,
        "approved": 2,
        "resumed": 1,
        "resumed_not_members": 0,
        "returning_workers": 40,
        "rate": "0.2500",
    }


# --- one number for one scope and moment --------------------------------------------------


def test_progress_page_progress_api_and_report_agree_for_the_same_scope_and_moment(story, client):
    """Today: the association's progress page (all its batches), its only batch's progress in
    the API (open to every member here) and the association's report of today give the same
    members, applications, approvals, resumptions and returning workers."""
    from tests.conftest import api_as

    batch = story.batch()
    people = [story.member() for _ in range(5)]
    apps = [story.apply(at(2, 10), batch, user, workers=10 * (n + 1)) for n, (*_, user, _m) in
            enumerate(people)]  # fmt: skip
    for application in apps[:4]:
        story.approve(at(2, 11), application)
    for (_enterprise, user, _membership), application in zip(people[:3], apps[:3], strict=True):
        story.resume(at(2, 12), application, user)
    # one resumed member leaves: counted beside the resumed, outside the rate, everywhere
    story.do(
        at(2, 13), memberships.membership_leave, actor=story.staff, membership_id=people[0][2].pk
    )
    story.do(
        at(2, 13), batches.application_reject, actor=story.staff,
        application_id=apps[4].pk, reason="材料不全",
    )  # fmt: skip

    today = timezone.localdate()
    report = story.figures(start=today, end=today + timedelta(days=1), association=True)
    totals = report["progress"]["totals"]

    client.force_login(story.staff)
    page = client.get(reverse("association-progress")).context["figures"]["totals"]
    api = api_as(story.staff).get(f"/api/v1/batches/{batch.pk}/progress/").json()["totals"]

    expected = {
        "members": 4, "applied": 5, "approved": 4, "resumed": 2, "resumed_elsewhere": 1,
        "returning_workers": 100, "rate": "0.5000",
    }  # fmt: skip
    as_report = {**totals, "resumed_elsewhere": totals["resumed_not_members"]}
    for progress in (page, api):
        assert {
            "members": progress["eligible"],
            "applied": progress["applied"],
            "approved": progress["approved"],
            "resumed": progress["resumed"],
            "resumed_elsewhere": progress["resumed_not_eligible"],
            "returning_workers": progress["returning_workers"],
            "rate": f"{Decimal(str(progress['rate'])):.4f}",
        } == expected
    assert {name: as_report[name] for name in expected} == expected
