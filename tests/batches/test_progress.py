"""Resumption progress, checked against figures worked out by hand.

The association (cast.association, Guangdong) and its members:

    enterprise  county                industry    batch 1 (GD, section C)   batch 2 (GD, C and F)
    e1          440106 Tianhe, GZ     39 (C)      resumed, 30 workers      approved, 25 workers
    e2          440106 Tianhe, GZ     18 (C)      approved, 20
    e3          440104 Yuexiu, GZ     13 (C)      submitted, 15
    e4          440304 Futian, SZ     39 (C)      rejected, 40
    e5          440304 Futian, SZ     38 (C)      returned, 10
    e6          440106 Tianhe, GZ     39 (C)      withdrawn, 6
    e7          440304 Futian, SZ     39 (C)      draft, 8
    e8          440303 Luohu, SZ      18 (C)      resumed, 12
    e9          440304 Futian, SZ     39 (C)      —
    eF          440106 Tianhe, GZ     51 (F)      — (not eligible)          submitted, 5
    eZ          330106 Xihu, HZ       39 (C)      — (not eligible)
plus a suspended member (440104, 39) and an enterprise that is no member (440106, 39), both
outside every figure, and the other association's member with an approved application in that
association's batch, which none of our figures may count.

Batch 1 — eligible: e1–e9 = 9; applied (handed in, not withdrawn): e1 e2 e3 e4 e5 e8 = 6;
approved (approved or resumed): e1 e2 e8 = 3; rejected: e4; resumed: e1 e8 = 2; returning workers
over approved and resumed: 30 + 20 + 12 = 62; rate: 2 / 9.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from associations.models import Membership
from batches.figures import RESUMED_OF_ELIGIBLE, progress
from batches.models import Application
from core.models import Region
from tests.factories import ApplicationFactory, BatchFactory, EnterpriseFactory, MembershipFactory

S = Application.Status
pytestmark = pytest.mark.django_db

FIGURES = ("eligible", "applied", "approved", "rejected", "resumed", "returning_workers")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


class World:
    def __init__(self, cast):
        self.cast = cast
        association = cast.association
        self.batch = BatchFactory(association=association, regions=["440000"], industries=["C"])
        self.batch2 = BatchFactory(
            association=association, regions=["440000"], industries=["C", "F"]
        )

        def member(region, division, status=Membership.Status.ACTIVE):
            enterprise = EnterpriseFactory(region_id=region, industry_id=division)
            MembershipFactory(enterprise=enterprise, association=association, status=status)
            return enterprise

        e1 = cast.member  # 440106, 39
        e2, e3 = member("440106", "18"), member("440104", "13")
        e4, e5 = member("440304", "39"), member("440304", "38")
        e6, e7 = member("440106", "39"), member("440304", "39")
        e8, e9 = member("440303", "18"), member("440304", "39")
        f_member, zhejiang_member = member("440106", "51"), member("330106", "39")
        member("440104", "39", Membership.Status.SUSPENDED)
        EnterpriseFactory(region_id="440106", industry_id="39")  # no member at all
        for enterprise, status, workers in (
            (e1, S.RESUMED, 30),
            (e2, S.APPROVED, 20),
            (e3, S.SUBMITTED, 15),
            (e4, S.REJECTED, 40),
            (e5, S.RETURNED, 10),
            (e6, S.WITHDRAWN, 6),
            (e7, S.DRAFT, 8),
            (e8, S.RESUMED, 12),
        ):
            self.apply(self.batch, enterprise, status, workers)
        self.apply(self.batch2, e1, S.APPROVED, 25)
        self.apply(self.batch2, f_member, S.SUBMITTED, 5)
        elsewhere = BatchFactory(association=cast.other_association, regions=["330000"])
        self.apply(elsewhere, cast.other_member, S.APPROVED, 99)
        self.members = [e1, e2, e3, e4, e5, e6, e7, e8, e9, f_member, zhejiang_member]

    @staticmethod
    def apply(batch, enterprise, status, workers):
        return ApplicationFactory(
            batch=batch,
            enterprise=enterprise,
            status=status,
            returning_workers=workers,
            workers_from_other_provinces=0,
        )


@pytest.fixture
def world(cast) -> World:
    return World(cast)


def figures(row: dict) -> dict:
    return {name: row[name] for name in FIGURES}


def table(result: dict) -> dict[str, tuple]:
    """code → (name, drill, figures…, rate)"""
    return {
        row["code"]: (
            row["name"],
            row["drill"],
            *(row[name] for name in FIGURES),
            None if row["rate"] is None else round(row["rate"], 4),
        )
        for row in result["rows"]
    }


BATCH_TOTALS = {
    "eligible": 9,
    "applied": 6,
    "approved": 3,
    "rejected": 1,
    "resumed": 2,
    "returning_workers": 62,
}


def test_a_batch_at_province_level_is_one_row_for_guangdong(world):
    result = progress(batch=world.batch)

    assert figures(result["totals"]) == BATCH_TOTALS
    assert result["totals"]["rate"] == 0.2222  # 2/9 to four places
    #                               name        drill elig appl appr rej res workers rate
    assert table(result) == {"440000": ("Guangdong", True, 9, 6, 3, 1, 2, 62, 0.2222)}


def test_inside_the_province_a_row_per_city_each_drilling_further(world):
    result = progress(batch=world.batch, within=Region.objects.get(code="440000"))

    assert table(result) == {
        "440100": ("Guangzhou", True, 4, 3, 2, 0, 1, 50, 0.25),  # e1 e2 e3 e6
        "440300": ("Shenzhen", True, 5, 3, 1, 1, 1, 12, 0.2),  # e4 e5 e7 e8 e9
    }
    assert figures(result["totals"]) == BATCH_TOTALS


def test_inside_a_city_a_row_per_county_that_drills_no_further(world):
    result = progress(batch=world.batch, within=Region.objects.get(code="440100"))

    assert table(result) == {
        "440104": ("Yuexiu District", False, 1, 1, 0, 0, 0, 0, 0.0),  # e3; the suspended one is out
        "440106": ("Tianhe District", False, 3, 2, 2, 0, 1, 50, 0.3333),  # e1 e2 e6
    }
    assert figures(result["totals"]) == {
        "eligible": 4,
        "applied": 3,
        "approved": 2,
        "rejected": 0,
        "resumed": 1,
        "returning_workers": 50,
    }
    assert result["totals"]["rate"] == pytest.approx(1 / 4)


def test_by_industry_a_row_per_section(world):
    result = progress(batch=world.batch, by="industry")

    assert table(result) == {"C": ("Manufacturing", False, 9, 6, 3, 1, 2, 62, 0.2222)}
    assert figures(result["totals"]) == BATCH_TOTALS


def test_returning_workers_count_only_approved_and_resumed_applications(world):
    """Submitted (15), rejected (40), returned (10), withdrawn (6) and draft (8) are not on
    site: only 30 + 20 + 12."""
    assert progress(batch=world.batch)["totals"]["returning_workers"] == 62


def test_an_enterprise_in_two_batches_counts_once_for_the_association(world):
    """e1 resumed in batch 1 and is approved in batch 2: one enterprise applied, approved and
    resumed. Eligible: every active member, wherever it is (11); the workers of both of e1's
    applications are on site (30 + 25 + 20 + 12)."""
    result = progress(association_id=world.cast.association.pk)

    assert figures(result["totals"]) == {
        "eligible": 11,
        "applied": 7,
        "approved": 3,
        "rejected": 1,
        "resumed": 2,
        "returning_workers": 87,
    }
    assert result["totals"]["rate"] == 0.1818  # 2/11 to four places
    assert table(result) == {
        "330000": ("Zhejiang", True, 1, 0, 0, 0, 0, 0, 0.0),
        "440000": ("Guangdong", True, 10, 7, 3, 1, 2, 87, 0.2),
    }


def test_the_association_by_industry_has_a_row_per_section_of_its_members(world):
    result = progress(association_id=world.cast.association.pk, by="industry")

    assert table(result) == {
        "C": ("Manufacturing", False, 10, 6, 3, 1, 2, 87, 0.2),
        "F": ("Wholesale and retail trades", False, 1, 1, 0, 0, 0, 0, 0.0),
    }


def test_a_member_registered_with_a_section_is_counted_in_that_section(world):
    """Industry grouping is the one of batches.figures.section_of: a division's section, or the
    section an enterprise was registered with."""
    registered_with_section = EnterpriseFactory(region_id="440106", industry_id="F")
    MembershipFactory(enterprise=registered_with_section, association=world.cast.association)

    result = progress(association_id=world.cast.association.pk, by="industry")

    assert table(result)["F"] == ("Wholesale and retail trades", False, 2, 1, 0, 0, 0, 0, 0.0)
    assert set(table(result)) == {"C", "F"}


def test_each_row_and_the_totals_name_the_rate_by_what_it_divides(world):
    result = progress(batch=world.batch, within=Region.objects.get(code="440000"))

    for row in [*result["rows"], result["totals"]]:
        rounded = round(row["resumed"] / row["eligible"], 4)
        assert row["resumed_of_eligible"] == row["rate"] == rounded
    assert RESUMED_OF_ELIGIBLE.key == "resumed_of_eligible"
    assert str(RESUMED_OF_ELIGIBLE.label) == "Resumption rate (resumed ÷ eligible)"


def test_another_association_counts_only_its_own(world):
    result = progress(association_id=world.cast.other_association.pk)
    assert figures(result["totals"]) == {
        "eligible": 1,
        "applied": 1,
        "approved": 1,
        "rejected": 0,
        "resumed": 0,
        "returning_workers": 99,
    }


def test_a_batch_with_no_application_yet_shows_its_eligible_members_and_no_rate_error(cast):
    batch = BatchFactory(association=cast.association, regions=["440100"], industries=["39"])
    result = progress(batch=batch)
    assert figures(result["totals"]) == {
        "eligible": 1,
        "applied": 0,
        "approved": 0,
        "rejected": 0,
        "resumed": 0,
        "returning_workers": 0,
    }
    assert result["totals"]["rate"] == 0.0
    empty = BatchFactory(association=cast.association, regions=["110000"])
    assert progress(batch=empty)["totals"]["rate"] is None
    assert progress(batch=empty)["rows"] == []


def test_drilling_into_a_batch_for_several_regions_keeps_to_the_batch_and_the_subtree(cast):
    """A batch for Guangzhou and Futian alone: Luohu, in Shenzhen too, is outside it."""
    batch = BatchFactory(association=cast.association, regions=["440100", "440304"])
    for region, status, workers in (("440106", S.APPROVED, 10), ("440304", S.SUBMITTED, 5)):
        enterprise = EnterpriseFactory(region_id=region, industry_id="39")
        MembershipFactory(enterprise=enterprise, association=cast.association)
        World.apply(batch, enterprise, status, workers)
    luohu = EnterpriseFactory(region_id="440303", industry_id="39")
    MembershipFactory(enterprise=luohu, association=cast.association)

    def drill(code: str) -> dict:
        return table(progress(batch=batch, within=Region.objects.get(code=code)))

    # cast.member (Tianhe) is eligible too, without an application
    assert drill("440000") == {
        "440100": ("Guangzhou", True, 2, 1, 1, 0, 0, 10, 0.0),
        "440300": ("Shenzhen", True, 1, 1, 0, 0, 0, 0, 0.0),
    }
    assert drill("440300") == {"440304": ("Futian District", False, 1, 1, 0, 0, 0, 0, 0.0)}
    assert drill("440106") == {"440106": ("Tianhe District", False, 2, 1, 1, 0, 0, 10, 0.0)}
    assert drill("330000") == {}
    outside = progress(batch=batch, within=Region.objects.get(code="330000"))
    assert (outside["totals"]["eligible"], outside["totals"]["rate"]) == (0, None)


# --- the queries do not grow with the data ------------------------------------------------


def _grow(cast, count: int):
    """A fresh batch with `count` applications of eligible members in several cities and
    industries and every status."""
    batch = BatchFactory(association=cast.association, regions=["440000"], industries=["C"])
    counties = ["440106", "440104", "440304", "440303", "440113"]
    divisions = ["39", "18", "13", "38"]
    statuses = [S.SUBMITTED, S.APPROVED, S.RESUMED, S.REJECTED, S.RETURNED, S.DRAFT]
    for index in range(count):
        enterprise = EnterpriseFactory(
            region_id=counties[index % len(counties)],
            industry_id=divisions[index % len(divisions)],
        )
        MembershipFactory(enterprise=enterprise, association=cast.association)
        ApplicationFactory(batch=batch, enterprise=enterprise, status=statuses[index % 6])
    return batch


@pytest.mark.parametrize(
    "view",
    [
        {},
        {"within": "440000"},
        {"within": "440100"},
        {"by": "industry"},
    ],
    ids=["province", "within-440000", "within-440100", "by-industry"],
)
def test_progress_runs_the_same_few_queries_for_5_or_50_applications(cast, view):
    def queries(batch) -> int:
        within = Region.objects.get(code=view["within"]) if "within" in view else None
        with CaptureQueriesContext(connection) as captured:
            result = progress(batch=batch, within=within, by=view.get("by", "region"))
        assert result["rows"]
        return len(captured.captured_queries)

    small, large = queries(_grow(cast, 5)), queries(_grow(cast, 50))

    assert small == large
    assert large <= 6, "progress should be a handful of grouped queries"


def test_association_progress_runs_the_same_few_queries_for_5_or_50_applications(cast):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            progress(association_id=cast.association.pk)
        return len(captured.captured_queries)

    _grow(cast, 5)
    small = queries()
    _grow(cast, 45)
    assert queries() == small <= 6
