"""Daily rollups on a small hand-counted story: who is counted where, each enterprise once across
associations, the rows a user may read, and a day's rollup being the same however often and by
how many workers at once it is made."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from associations import services as memberships
from associations.models import Membership
from reports import rollups
from reports.models import ROLLUP_FIGURES, Rollup, RollupDay
from reports.selectors import rollup_list
from reports.tasks import refresh_rollups
from supplies import services as needs
from supplies.models import Need, SupplyItem
from tests.concurrency import run_together
from tests.factories import EnterpriseFactory, MembershipFactory
from tests.reports.sample import quiet_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    quiet_tasks(monkeypatch)


@pytest.fixture
def story(cast):
    """Members: the cast's two (one per association), one enterprise in both associations
    (Tianhe, like the cast's Guangdong member), one suspended. Needs of the cast member: a
    supply request and a labour request for 12 workers overdue since yesterday."""
    both = EnterpriseFactory(name="天河两会企业", region_id="440106", industry_id="39")
    MembershipFactory(enterprise=both, association=cast.association)
    MembershipFactory(enterprise=both, association=cast.other_association)
    MembershipFactory(association=cast.association, status=Membership.Status.SUSPENDED)
    soon = timezone.localdate() + timedelta(days=5)
    needs.need_file(
        actor=cast.enterprise_user,
        kind=Need.Kind.SUPPLY,
        item=SupplyItem.objects.get(code="mask-n95"),
        quantity="100",
        needed_by=soon,
    )
    labour = needs.need_file(
        actor=cast.enterprise_user, kind=Need.Kind.LABOUR, trade="电工", headcount=12,
        needed_by=soon,
    )  # fmt: skip
    Need.objects.filter(pk=labour.pk).update(needed_by=timezone.localdate() - timedelta(days=1))
    return cast


def row(**where) -> dict:
    found = Rollup.objects.totals().filter(day=timezone.localdate(), **where)
    return found.values(*ROLLUP_FIGURES).get()


def test_an_enterprise_in_two_associations_is_one_enterprise_across_them(story):
    rollups.compute_day(timezone.localdate())

    assert row(region=None, association=None)["members"] == 3
    assert row(region=None, association=story.association)["members"] == 2
    assert row(region=None, association=story.other_association)["members"] == 2
    assert row(region_id="440000", association=None)["members"] == 2
    assert row(region_id="440106", association=None)["members"] == 2
    assert row(region_id="330000", association=None)["members"] == 1
    assert row(region_id="330106", association=story.other_association)["members"] == 1


def test_needs_are_counted_by_kind_for_the_association_they_are_addressed_to(story):
    rollups.compute_day(timezone.localdate())

    figures = row(region_id="440100", association=story.association)
    assert (figures["supply_new"], figures["supply_open"], figures["supply_overdue"]) == (1, 1, 0)
    assert (figures["labour_new"], figures["labour_open"], figures["labour_overdue"]) == (1, 1, 1)
    assert figures["headcount_asked"] == 12
    assert figures["difficulty_new"] == 0
    assert row(region=None, association=None)["labour_overdue"] == 1
    other = row(region=None, association=story.other_association)
    assert other["supply_new"] == other["labour_new"] == 0


def test_a_past_day_keeps_its_figures_when_made_again_after_a_change(story):
    yesterday = timezone.localdate() - timedelta(days=1)
    rollups.compute_day(yesterday)
    membership = Membership.objects.get(enterprise=story.member)
    memberships.membership_suspend(actor=story.manager, membership_id=membership.pk, reason="欠费")

    again = rollups.compute_day(yesterday)
    rollups.compute_day(timezone.localdate())

    assert again.complete
    past = Rollup.objects.totals().get(day=yesterday, region=None, association=None)
    assert past.members == 3  # suspended today: still a member at yesterday's end
    assert row(region=None, association=None)["members"] == 2


def test_making_a_day_again_replaces_its_rows(story):
    first = rollups.compute_day(timezone.localdate())
    before = list(Rollup.objects.order_by("pk").values(*ROLLUP_FIGURES, "region", "industry"))

    second = rollups.compute_day(timezone.localdate())

    after = list(Rollup.objects.order_by("pk").values(*ROLLUP_FIGURES, "region", "industry"))
    assert before == after and first.rows == second.rows == len(after)
    assert not second.complete  # today, as at now


@pytest.mark.django_db(transaction=True)
def test_workers_making_the_same_day_at_once_leave_one_set_of_rows(cast):
    EnterpriseFactory.reset_sequence()
    day = timezone.localdate()

    outcomes = run_together([lambda: rollups.compute_day(day).rows for _ in range(4)])

    assert [state for state, _ in outcomes] == ["ok"] * 4, outcomes
    assert len({rows for _, rows in outcomes}) == 1
    assert Rollup.objects.filter(day=day).count() == outcomes[0][1]
    assert Rollup.objects.totals().filter(day=day, region=None, association=None).count() == 1


def test_a_day_that_has_not_begun_is_refused(cast):
    with pytest.raises(ValueError):
        rollups.compute_day(timezone.localdate() + timedelta(days=1))


def test_the_beat_task_finishes_yesterday_once_and_refreshes_today(story):
    today = timezone.localdate()
    assert refresh_rollups() == [str(today - timedelta(days=1)), str(today)]
    assert refresh_rollups() == [str(today)]  # yesterday is complete now
    assert RollupDay.objects.get(day=today - timedelta(days=1)).complete


def test_the_backfill_command_makes_each_day_and_refuses_days_to_come(story, capsys):
    call_command("rollup", "--days", "3")
    today = timezone.localdate()
    assert set(RollupDay.objects.values_list("day", flat=True)) == {
        today - timedelta(days=2), today - timedelta(days=1), today,
    }  # fmt: skip
    assert "3 days in" in capsys.readouterr().out
    with pytest.raises(CommandError, match="has not begun"):
        call_command("rollup", "--day", str(today + timedelta(days=1)))
    with pytest.raises(CommandError, match="not a day"):
        call_command("rollup", "--from", "yesterday")


def test_each_user_reads_the_rows_of_their_own_scope(story):
    rollups.compute_day(timezone.localdate())
    everything = Rollup.objects.count()

    def regions(user, **where):
        rows = rollup_list(user=user).filter(**where)
        return {r.region_id[:2] if r.region_id else None for r in rows}

    assert rollup_list(user=story.admin).count() == everything
    # officials: rows of their jurisdiction only, never the country's
    assert regions(story.official) == {"44"}
    assert regions(story.other_official) == {"33"}
    # staff: their association's rows only, never the rows of all associations together
    staff_rows = rollup_list(user=story.staff)
    assert set(staff_rows.values_list("association", flat=True)) == {story.association.pk}
    assert set(rollup_list(user=story.other_staff).values_list("association", flat=True)) == {
        story.other_association.pk
    }
    assert rollup_list(user=story.partner).filter(association__isnull=True).count() == 0
    assert rollup_list(user=story.enterprise_user).count() == 0
    assert rollup_list(user=story.outsider).count() == 0
