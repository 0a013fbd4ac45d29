"""The daily rollups against the demand reports' figures, computed apart from them for the same
scope and day, on the adversarial walk of tests/reports/test_figures_against_sql.py (members
suspended and back, applications returned and withdrawn, needs escalated and cancelled, changes
at local midnight and at 00:30, which is the day before in UTC).

A dashboard reading the rollup of a day shows what that day's report would say."""

from collections import defaultdict
from datetime import date, timedelta

import pytest
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from associations.models import Membership
from core.models import Region
from reports import figures, rollups
from reports.models import (
    ENTERPRISE_FIGURES,
    HEADCOUNT_FIGURES,
    NEED_COLUMNS,
    NEED_FIGURES_BY_KIND,
    ROLLUP_FIGURES,
    Rollup,
    RollupDay,
)
from supplies.models import Need
from tests.reports.test_figures_against_sql import FIRST_DAY, LAST_DAY, Walk

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

DAYS = [date(2020, 1, 27), date(2020, 2, 3), date(2020, 2, 17), date(2020, 3, 2), LAST_DAY]
SCOPES = [
    (None, None),
    ("440000", None),
    ("440100", None),
    ("440106", None),
    ("330000", None),
    (None, "guangdong"),
    (None, "zhejiang"),
    ("440100", "guangdong"),
    ("440305", "guangdong"),
]


@pytest.fixture(scope="module")
def rolled(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            walked = Walk()
            walked.run()
            rollups.compute_days(FIRST_DAY, LAST_DAY)
            yield walked
            transaction.set_rollback(True)


def report_figures(region, association, day) -> dict:
    """What the day's report on the scope says, in the rollup's names."""
    scope = figures.Scope(
        region=region, association=association, start=day, end=day + timedelta(days=1)
    )
    progress = figures.progress(scope)["totals"]
    expected = {name: progress[name] for name in ENTERPRISE_FIGURES}
    by_kind: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    for row in figures.needs(scope)["rows"]:
        for name in (*NEED_FIGURES_BY_KIND, *HEADCOUNT_FIGURES):
            by_kind[row["kind"]][name] += row[name]
    for column in NEED_COLUMNS:
        kind, name = column.split("_", 1)
        expected[column] = by_kind[kind][name]
    for name in HEADCOUNT_FIGURES:
        expected[name] = sum(kind[name] for kind in by_kind.values())
    return expected


def rollup_figures(region_code, association, day) -> dict:
    row = Rollup.objects.totals().filter(day=day, region_id=region_code, association=association)
    found = row.values(*ROLLUP_FIGURES).first()
    return found or dict.fromkeys(ROLLUP_FIGURES, 0)


@pytest.mark.parametrize("day", DAYS)
@pytest.mark.parametrize("region_code,association", SCOPES)
def test_a_days_rollup_says_what_that_days_report_says(rolled, region_code, association, day):
    region = Region.objects.get(code=region_code) if region_code else None
    chosen = getattr(rolled, association) if association else None

    expected = report_figures(region, chosen, day)
    found = rollup_figures(region_code, chosen, day)

    assert found == expected


def test_the_walk_gives_the_rollups_something_to_count(rolled):
    busy = Rollup.objects.totals().across_associations().filter(region=None)
    sums = busy.aggregate(**{name: Sum(name) for name in ROLLUP_FIGURES})
    for name in ("members", "applied", "approved", "resumed", "returning_workers"):
        assert sums[name] > 0, name
    for kind in ("supply", "labour", "difficulty"):
        assert sums[f"{kind}_new"] > 0 and sums[f"{kind}_open"] > 0, kind
    assert sums["supply_resolved"] + sums["labour_resolved"] > 0
    assert sums["difficulty_escalated"] + sums["supply_escalated"] > 0
    assert sums["headcount_asked"] > 0 and sums["headcount_filled"] > 0


def test_the_industry_rows_add_up_to_the_region_rows(rolled):
    """The finest rows (region × industry) add up to the rows of all industries, at every
    level of region and for each association."""
    for day in DAYS:
        for region_code, association in SCOPES:
            chosen = getattr(rolled, association) if association else None
            finest = Rollup.objects.filter(day=day, industry__isnull=False, association=chosen)
            if region_code:
                path = Region.objects.get(code=region_code).path
                finest = finest.filter(region__path__startswith=path)
            added = finest.aggregate(**{name: Sum(name) for name in ROLLUP_FIGURES})
            added = {name: value or 0 for name, value in added.items()}
            assert added == rollup_figures(region_code, chosen, day), (day, region_code)


def _scope(region_code, association, day):
    return figures.Scope(
        region=Region.objects.get(code=region_code) if region_code else None,
        association=association,
        start=day,
        end=day + timedelta(days=1),
    )


@pytest.mark.parametrize("region_code,association", SCOPES)
def test_a_days_report_read_from_the_rollups_is_the_report_computed_whole(
    rolled, region_code, association
):
    """A day's report reads its progress, its needs and the previous day's headline from the
    rollups when those days were rolled up after their end: every figure, row and name as the
    report computed from the event log and the needs says."""
    chosen = getattr(rolled, association) if association else None
    for day in DAYS:
        scope = _scope(region_code, chosen, day)
        assert figures.day_rollup(scope, day) is not None
        from_rollups = figures.compute(scope)
        with transaction.atomic():
            RollupDay.objects.all().delete()
            assert figures.day_rollup(scope, day) is None
            whole = figures.compute(scope)
            transaction.set_rollback(True)
        assert from_rollups == whole, (day, region_code, association)


def test_a_days_report_reads_the_days_rollup_only_once_the_day_was_rolled_up_to_its_end(rolled):
    day = DAYS[2]
    scope = _scope("440000", None, day)
    before = figures.compute(scope)
    with transaction.atomic():
        finest = Rollup.objects.filter(
            day__in=(day, day - timedelta(days=1)),
            industry__isnull=False,
            association=None,
            region__path__startswith=scope.region.path,
        ).exclude(members=0)
        changed = finest.filter(day=day).count()
        assert changed > 0
        finest.update(members=F("members") + 1)

        read = figures.compute(scope)
        assert read["progress"]["totals"]["members"] == before["progress"]["totals"]["members"] + (
            changed
        )
        previous = {row["figure"]: row for row in read["headline"]["rows"]}["members"]
        assert previous["previous"] == (
            {row["figure"]: row for row in before["headline"]["rows"]}["members"]["previous"]
            + finest.filter(day=day - timedelta(days=1)).count()
        )

        # A member written since the rollup was made (joined on a date long past): the
        # report computes afresh, and says what the tables say.
        with transaction.atomic():
            Membership.objects.filter(pk=Membership.objects.order_by("pk")[0].pk).update(
                updated_at=timezone.now()
            )
            assert figures.compute(scope) == before
            transaction.set_rollback(True)
        assert figures.compute(scope) == read

        # A need filed since (after the day's end) counts in none of its figures: the rollup
        # is still read.
        with transaction.atomic():
            Need.objects.filter(pk=Need.objects.order_by("pk")[0].pk).update(
                created_at=timezone.now(), updated_at=timezone.now()
            )
            assert figures.compute(scope) == read
            transaction.set_rollback(True)

        # A day rolled up before its end (today's, as at now) is not what the report says.
        RollupDay.objects.filter(day__in=(day, day - timedelta(days=1))).update(complete=False)
        assert figures.compute(scope) == before
        transaction.set_rollback(True)
