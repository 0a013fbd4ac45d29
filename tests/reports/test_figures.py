"""A report's figures, checked section by section against numbers worked out by hand.

The period is the ISO week Mon 2020-02-10 – Sun 2020-02-16 (end: 2020-02-17 00:00 Asia/Shanghai);
the previous period is 2020-02-03 – 2020-02-09. Dates below are local.

Enterprises (A: the Guangdong association, B: the Zhejiang one):

    e1  440106 Tianhe, GZ    39 (C)  A active (joined 2019), also B active
    e2  440104 Yuexiu, GZ    51 (F)  A active, imported today with joined_on 2015-03-01
    e3  440305 (Shenzhen)    39 (C)  A active
    e4  440106 Tianhe, GZ    52 (F)  A left on 2020-02-20 (after the period): still a member
    e5  330106 Xihu, HZ      18 (C)  B active
    e6  440305 (Shenzhen)    51 (F)  A asked 2020-02-05, joined 2020-02-18 (after the period)
    e7  440104 Yuexiu, GZ    39 (C)  A left on 2020-02-12 (inside the period)

Applications (submitted, decided, resumed on, returning workers):

    app1 e1 A resumed    02-05  02-06  02-11  30
    app2 e2 A resumed    02-11  02-12  02-17  12   resumed on the day after the period
    app3 e3 A approved   02-12  02-18   —     50   decided after the period
    app4 e4 A rejected   02-13  02-14   —      8
    app5 e7 A submitted  02-08   —      —     15
    app6 e3 A withdrawn  02-11   —      —     99   withdrawn: never counted
    app7 e5 B resumed    02-03  02-04  02-07  20
    app8 e6 A approved   02-18  02-19   —     40   submitted after the period

Needs (A unless said; filed, closed, escalated [replied]; needed by; urgency):

    n1  e1 supply mask-n95 1000 piece  02-11 open; matched 300 on 02-12, 200 on 02-18;
                                       by 02-20; normal
    n2  e1 supply disinfectant 20.5 l  02-03, resolved 02-14 by a match of 20.5 on 02-14;
                                       by 02-09; high
    n3  e3 supply disinfectant 10.125  02-15, cancelled 02-20; by 02-16; critical
    n4  e2 supply mask-n95 400         02-18 (after the period)
    n5  e2 labour 普工 × 10             02-10 00:30, resolved 02-19; placed 4 on 02-13, 6 on
                                       02-19; by 02-25; high
    n6  e6 labour 电焊工 × 5             02-09 23:30 (previous period); placed 2 on 02-09 23:50;
                                       by 02-12; normal
    n7  e1 difficulty finance          02-12; escalated 02-13 [replied 02-14], escalated again
                                       02-18; phone numbers in its text; normal
    n8  e3 difficulty transport        01-20; escalated 02-16 [replied 02-18]; by 02-05; low
    n9  e5 difficulty energy (B)       02-11; escalated 02-12 [no reply]; high
    n10 e2 difficulty policy           02-11, resolved 02-12
    n11 e1 difficulty other            02-12, cancelled 02-13
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from associations.models import Membership
from batches.models import Application
from core.models import Region, Role
from core.workflow import record_status
from reports import figures
from reports.figures import Scope
from supplies import services as needs
from supplies.models import Escalation, Match, Need, Placement, SupplyItem
from tests.factories import (
    ApplicationFactory,
    AssociationFactory,
    BatchFactory,
    EnterpriseFactory,
    MembershipFactory,
    UserFactory,
    staff_of,
)

pytestmark = pytest.mark.django_db

START, END = date(2020, 2, 10), date(2020, 2, 17)
A = Application.Status


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(2020, month, day, hour, minute))


def feb(day: int) -> date:
    return date(2020, 2, day)


def later(days: int = 30) -> date:
    """A needed-by date the services accept at filing; the fixture moves it back afterwards."""
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture(autouse=True)
def _no_notifications(monkeypatch):
    from core.tasks import send_notification_email

    monkeypatch.setattr(send_notification_email, "delay", lambda *args: None)


def happened(obj, *steps) -> None:
    """Write `obj`'s status history: each (moment, status) as the event of that change."""
    previous = ""
    for moment, status in steps:
        record_status(obj, from_status=previous, to_status=status, actor=None, at=moment)
        previous = status


class World:
    def __init__(self):
        self.a = AssociationFactory(name="广东省电子行业协会", region_id="440100")
        self.b = AssociationFactory(name="浙江省服装商会", region_id="330100")
        self.staff_a = staff_of(self.a)
        self.staff_b = staff_of(self.b)
        self.official = UserFactory(role=Role.OFFICIAL, jurisdiction_id="440000")
        self.enterprises()
        self.memberships()
        self.applications()
        self.needs()

    # --- who ----------------------------------------------------------------------------

    def enterprises(self):
        spec = {
            "e1": ("440106", "39"),
            "e2": ("440104", "51"),
            "e3": ("440305", "39"),
            "e4": ("440106", "52"),
            "e5": ("330106", "18"),
            "e6": ("440305", "51"),
            "e7": ("440104", "39"),
        }
        for name, (region, division) in spec.items():
            enterprise = EnterpriseFactory(
                name=f"企业{name}", region_id=region, industry_id=division
            )
            setattr(self, name, enterprise)
            setattr(self, f"u_{name}", UserFactory(role=Role.ENTERPRISE, enterprise=enterprise))

    def memberships(self):
        M = Membership.Status
        joined = date(2019, 6, 1)
        # (enterprise, association, joined_on, history: (moment, status) oldest first)
        rows = [
            (self.e1, self.a, joined, [(at(1, 1), M.ACTIVE)]),
            (self.e1, self.b, date(2019, 1, 1), [(at(1, 1), M.ACTIVE)]),
            # imported today, a member since 2015
            (self.e2, self.a, date(2015, 3, 1), [(timezone.now(), M.ACTIVE)]),
            (self.e3, self.a, joined, [(at(1, 1), M.ACTIVE)]),
            # left after the period
            (self.e4, self.a, joined, [(at(1, 1), M.ACTIVE), (at(2, 20), M.LEFT)]),
            (self.e5, self.b, joined, [(at(1, 1), M.ACTIVE)]),
            # asked before the period, approved after it
            (self.e6, self.a, date(2020, 2, 18), [(at(2, 5), M.PENDING), (at(2, 18), M.ACTIVE)]),
            # left inside the period
            (self.e7, self.a, joined, [(at(1, 1), M.ACTIVE), (at(2, 12), M.LEFT)]),
        ]
        for enterprise, association, joined_on, steps in rows:
            membership = MembershipFactory(
                enterprise=enterprise,
                association=association,
                status=steps[-1][1],
                joined_on=joined_on,
            )
            happened(membership, *steps)

    def applications(self):
        batch_a = BatchFactory(association=self.a, regions=["440000"], industries=["C", "F"])
        batch_b = BatchFactory(association=self.b, regions=["330000"], industries=["C"])
        sub, ok, no, out, back = A.SUBMITTED, A.APPROVED, A.REJECTED, A.WITHDRAWN, A.RESUMED
        a1, a2, b = batch_a, batch_a, batch_b
        # (batch, enterprise, resumed on, returning workers, history: (moment, status))
        rows = [
            (a1, self.e1, feb(11), 30, [(at(2, 5), sub), (at(2, 6), ok), (at(2, 11), back)]),
            # resumed on the day after the period
            (a2, self.e2, feb(17), 12, [(at(2, 11), sub), (at(2, 12), ok), (at(2, 17), back)]),
            # decided after the period
            (batch_a, self.e3, None, 50, [(at(2, 12), sub), (at(2, 18), ok)]),
            (batch_a, self.e4, None, 8, [(at(2, 13), sub), (at(2, 14), no)]),
            (batch_a, self.e7, None, 15, [(at(2, 8), sub)]),
            # withdrawn inside the period: not counted
            (batch_a, self.e3, None, 99, [(at(2, 11), sub), (at(2, 12), out)]),
            (b, self.e5, feb(7), 20, [(at(2, 3), sub), (at(2, 4), ok), (at(2, 7), back)]),
            # submitted after the period
            (batch_a, self.e6, None, 40, [(at(2, 18), sub), (at(2, 19), ok)]),
        ]  # fmt: skip
        for batch, enterprise, resumed_on, workers, steps in rows:
            decided = [moment for moment, status in steps if status in (ok, no)]
            application = ApplicationFactory(
                batch=batch,
                enterprise=enterprise,
                status=steps[-1][1],
                submitted_at=steps[0][0],
                review_due_at=steps[0][0],
                decided_at=decided[0] if decided else None,
                resumed_on=resumed_on,
                returning_workers=workers,
                workers_from_other_provinces=0,
            )
            happened(application, (steps[0][0] - timedelta(hours=1), A.DRAFT), *steps)

    # --- needs --------------------------------------------------------------------------

    def file(self, user, association, kind, **fields):
        return needs.need_file(actor=user, kind=kind, association_id=association.pk, **fields)

    def needs(self):
        mask = SupplyItem.objects.get(code="mask-n95")
        disinfectant = SupplyItem.objects.get(code="disinfectant")
        a, b = self.a, self.b
        S, L, D = Need.Kind.SUPPLY, Need.Kind.LABOUR, Need.Kind.DIFFICULTY
        n1 = self.file(self.u_e1, a, S, item=mask, quantity="1000", needed_by=later())
        n2 = self.file(
            self.u_e1, a, S, item=disinfectant, quantity="20.5", needed_by=later(), urgency="high"
        )
        n3 = self.file(
            self.u_e3,
            a,
            S,
            item=disinfectant,
            quantity="10.125",
            needed_by=later(),
            urgency="critical",
        )
        n4 = self.file(self.u_e2, a, S, item=mask, quantity="400", needed_by=later())
        n5 = self.file(
            self.u_e2, a, L, trade="普工", headcount=10, needed_by=later(), urgency="high"
        )
        n6 = self.file(self.u_e6, a, L, trade="电焊工", headcount=5, needed_by=later())
        n7 = self.file(
            self.u_e1,
            a,
            D,
            difficulty_kind="finance",
            description="贷款到期，请联系13812345678或020-87654321",
        )
        n8 = self.file(
            self.u_e3,
            a,
            D,
            difficulty_kind="transport",
            description="货车通行证办理困难",
            needed_by=later(),
            urgency="low",
        )
        n9 = self.file(
            self.u_e5, b, D, difficulty_kind="energy", description="申请临时增容", urgency="high"
        )
        n10 = self.file(self.u_e2, a, D, difficulty_kind="policy", description="社保减免")
        n11 = self.file(self.u_e1, a, D, difficulty_kind="other", description="园区未开放")
        self.n = dict(enumerate([n1, n2, n3, n4, n5, n6, n7, n8, n9, n10, n11], 1))

        # What happened to them, through the services; the times are set afterwards.
        offer_mask = needs.offer_create(
            actor=self.u_e3, item=mask, quantity="5000", available_until=later()
        )
        offer_disinfectant = needs.offer_create(
            actor=self.u_e2, item=disinfectant, quantity="100", available_until=later()
        )
        staff = self.staff_a
        m1 = needs.match_create(actor=staff, need_id=n1.pk, offer_id=offer_mask.pk, quantity="300")
        m2 = needs.match_create(actor=staff, need_id=n1.pk, offer_id=offer_mask.pk, quantity="200")
        m3 = needs.match_create(
            actor=staff, need_id=n2.pk, offer_id=offer_disinfectant.pk, quantity="20.5"
        )
        needs.need_cancel(actor=self.u_e3, need_id=n3.pk)
        p1 = needs.placement_create(actor=staff, need_id=n5.pk, headcount=4)
        p2 = needs.placement_create(actor=staff, need_id=n5.pk, headcount=6)
        p3 = needs.placement_create(actor=staff, need_id=n6.pk, headcount=2)
        needs.need_escalate(actor=staff, need_id=n7.pk, summary="联系人电话13912345678")
        needs.need_reply(
            actor=self.official,
            need_id=n7.pk,
            reply="已协调银行，联系 13700001111",
            outcome="partly_resolved",
        )
        needs.need_escalate(actor=staff, need_id=n7.pk, summary="仍未解决")
        needs.need_escalate(actor=staff, need_id=n8.pk, summary="请协调交通部门")
        needs.need_reply(actor=self.official, need_id=n8.pk, reply="已办理", outcome="resolved")
        needs.need_escalate(actor=self.staff_b, need_id=n9.pk, summary="用电负荷不足")
        needs.need_resolve(actor=staff, need_id=n10.pk)
        needs.need_cancel(actor=self.u_e1, need_id=n11.pk)

        for match, when in ((m1, at(2, 12)), (m2, at(2, 18)), (m3, at(2, 14))):
            Match.objects.filter(pk=match.pk).update(matched_at=when)
        for placement, when in ((p1, at(2, 13)), (p2, at(2, 19)), (p3, at(2, 9, 23, 50))):
            Placement.objects.filter(pk=placement.pk).update(recorded_at=when)
        first, second = Escalation.objects.filter(need=n7).order_by("id")
        Escalation.objects.filter(pk=first.pk).update(escalated_at=at(2, 13), replied_at=at(2, 14))
        Escalation.objects.filter(pk=second.pk).update(escalated_at=at(2, 18))
        Escalation.objects.filter(need=n8).update(escalated_at=at(2, 16), replied_at=at(2, 18))
        Escalation.objects.filter(need=n9).update(escalated_at=at(2, 12))

        times = {  # need: (filed, closed, escalated, needed by)
            1: (at(2, 11), None, None, date(2020, 2, 20)),
            2: (at(2, 3), at(2, 14), None, date(2020, 2, 9)),
            3: (at(2, 15), at(2, 20), None, date(2020, 2, 16)),
            4: (at(2, 18), None, None, date(2020, 2, 28)),
            5: (at(2, 10, 0, 30), at(2, 19), None, date(2020, 2, 25)),
            6: (at(2, 9, 23, 30), None, None, date(2020, 2, 12)),
            7: (at(2, 12), None, at(2, 18), None),
            8: (at(1, 20), None, at(2, 16), date(2020, 2, 5)),
            9: (at(2, 11), None, at(2, 12), None),
            10: (at(2, 11), at(2, 12), None, None),
            11: (at(2, 12), at(2, 13), None, None),
        }
        for number, (filed, closed, escalated, needed_by) in times.items():
            need = self.n[number]
            weight = Need.URGENCY_WEIGHT[need.urgency]
            Need.objects.filter(pk=need.pk).update(
                created_at=filed,
                rank_at=filed - weight * Need.URGENCY_STEP,
                closed_at=closed,
                escalated_at=escalated,
                needed_by=needed_by,
            )
        statuses = dict(
            Need.objects.filter(pk__in=[n.pk for n in self.n.values()]).values_list("pk", "status")
        )
        assert [statuses[self.n[i].pk] for i in range(1, 12)] == [
            "in_progress", "resolved", "cancelled", "open", "resolved", "in_progress",
            "escalated", "answered", "escalated", "resolved", "cancelled",
        ]  # fmt: skip

    def id(self, number: int) -> int:
        return self.n[number].pk


@pytest.fixture
def world(db) -> World:
    return World()


def compute(region: str | None = None, association=None) -> dict:
    scope = Scope(
        region=Region.objects.get(code=region) if region else None,
        association=association,
        start=START,
        end=END,
    )
    return figures.compute(scope)


# --- expected rows, written as tables -----------------------------------------------------

PROGRESS = ("region", "section", "members", "applied", "approved", "resumed", "returning_workers")
NEEDS = ("kind", "region", "section", "new", "resolved", "open", "escalated", "overdue")
NEEDS += ("headcount_asked", "headcount_filled")


def progress_rows(*rows, not_members: dict | None = None) -> list[dict]:
    """(region, section, members, applied, approved, resumed, workers, rate), and for the rows
    keyed (region, section) in `not_members` the enterprises resumed but no members (else 0)."""
    not_members = not_members or {}
    return [
        {
            **dict(zip((*PROGRESS, "rate"), row, strict=True)),
            "resumed_not_members": not_members.get(row[:2], 0),
        }
        for row in rows
    ]


def need_rows(*rows) -> list[dict]:
    return [dict(zip(NEEDS, row, strict=True)) for row in rows]


def progress_totals(*values, not_members: int = 0) -> dict:
    """(members, applied, approved, resumed, workers, rate)"""
    return {
        **dict(zip((*PROGRESS[2:], "rate"), values, strict=True)),
        "resumed_not_members": not_members,
    }


def need_totals(*values) -> dict:
    return dict(zip(NEEDS[3:], values, strict=True))


def headline(current: dict, previous: dict) -> dict:
    rows = []
    for name in figures.HEADLINE:
        now, before = current[name], previous[name]
        rows.append({"figure": name, "current": now, "previous": before})
    return {"previous_start": "2020-02-03", "previous_end": "2020-02-10", "rows": rows}


def headline_without_change(data: dict) -> dict:
    return {
        **data["headline"],
        "rows": [
            {k: v for k, v in row.items() if k != "change"} for row in data["headline"]["rows"]
        ],
    }


def changes(data: dict) -> dict:
    return {row["figure"]: row["change"] for row in data["headline"]["rows"]}


def figures_of(*, workers: int, **values) -> dict:
    """The headline figures, in the report's order."""
    values["returning_workers"] = workers
    values.setdefault("resumed_not_members", 0)
    assert set(values) == set(figures.HEADLINE)
    return {name: values[name] for name in figures.HEADLINE}


def urgent_ids(data: dict) -> list[int]:
    return [row["id"] for row in data["urgent"]["rows"]]


SUPPLIES_ALL = [
    # n3 asked 10.125 l in the period; n2 (filed before it) was matched 20.5 l inside it
    {"item": "disinfectant", "unit": "litre", "requests": 1, "asked": "10.125", "matched": "20.5"},
    # n1 asked 1000 and was matched 300 inside the period (200 more after it)
    {"item": "mask-n95", "unit": "piece", "requests": 1, "asked": "1000", "matched": "300"},
]
SUPPLIES_GUANGZHOU = [
    {"item": "disinfectant", "unit": "litre", "requests": 0, "asked": "0", "matched": "20.5"},
    {"item": "mask-n95", "unit": "piece", "requests": 1, "asked": "1000", "matched": "300"},
]


# --- a province: rows keyed by city -------------------------------------------------------


def test_province_progress_counts_members_at_the_end_and_applications_by_then(world):
    data = compute("440000")

    assert data["progress"]["rows"] == progress_rows(
        # e1 member; e1 and e7 applied; e1 approved and resumed with 30 workers
        ("440100", "C", 1, 2, 1, 1, 30, "1.0000"),
        # e2 and e4 members (e4 left after the period); e2 approved, resumed only on 02-17
        ("440100", "F", 2, 2, 1, 0, 12, "0.0000"),
        # e3 applied; decided after the period; its withdrawn application is not counted
        ("440300", "C", 1, 1, 0, 0, 0, "0.0000"),
        # e6 (joined after the period, applied after it) is in no row
    )
    assert data["progress"]["totals"] == progress_totals(4, 5, 2, 1, 42, "0.2500")


def test_province_needs_by_kind_city_and_section(world):
    data = compute("440000")

    assert data["needs"]["rows"] == need_rows(
        # n7 n11 filed; n7 escalated (again after the period too), still open
        ("difficulty", "440100", "C", 2, 0, 1, 1, 0, 0, 0),
        # n10 filed and resolved
        ("difficulty", "440100", "F", 1, 1, 0, 0, 0, 0, 0),
        # n8: filed before, escalated inside, open and overdue
        ("difficulty", "440300", "C", 0, 0, 1, 1, 1, 0, 0),
        # n5: 10 asked, 4 placed inside the period (6 after it), resolved only after it
        ("labour", "440100", "F", 1, 0, 1, 0, 0, 10, 4),
        # n6: filed the week before (its 2 placed then), open and overdue
        ("labour", "440300", "F", 0, 0, 1, 0, 1, 0, 0),
        # n1 filed and open, n2 resolved inside the period
        ("supply", "440100", "C", 1, 1, 1, 0, 0, 0, 0),
        # n3 filed, open at the end (cancelled after it) and overdue
        ("supply", "440300", "C", 1, 0, 1, 0, 1, 0, 0),
    )
    assert data["needs"]["totals"] == need_totals(6, 2, 6, 2, 3, 10, 4)


def test_province_supplies_asked_and_matched_in_the_period_as_decimal_strings(world):
    assert compute("440000")["supplies"]["rows"] == SUPPLIES_ALL


def test_province_urgent_list_names_open_pressing_needs_most_pressing_first(world):
    data = compute("440000")

    # rank: n8 01-20 (low), n3 01-25 (critical), n5 01-27 (high), n7 02-05 (normal, escalated);
    # n2 (high) was closed inside the period, n1 and n6 are normal and never escalated.
    assert urgent_ids(data) == [world.id(8), world.id(3), world.id(5), world.id(7)]
    assert data["urgent"]["total"] == 4
    n8, n3, n5, n7 = data["urgent"]["rows"]
    assert n8 == {
        "id": world.id(8),
        "enterprise": "企业e3",
        "region": "440305",
        "kind": "difficulty",
        "need": {"difficulty": "transport", "text": "货车通行证办理困难"},
        "urgency": "low",
        "filed": "2020-01-20",
        "age_days": 28,
        "needed_by": "2020-02-05",
        "overdue": True,
        "escalated": True,
        "summary": "请协调交通部门",
        # replied on 02-18, after the period: not shown
        "outcome": "",
        "reply": "",
    }
    assert n3 == {
        "id": world.id(3),
        "enterprise": "企业e3",
        "region": "440305",
        "kind": "supply",
        "need": {"item": "disinfectant", "quantity": "10.125", "unit": "litre"},
        "urgency": "critical",
        "filed": "2020-02-15",
        "age_days": 2,
        "needed_by": "2020-02-16",
        "overdue": True,
        "escalated": False,
        "summary": "",
        "outcome": "",
        "reply": "",
    }
    assert (n5["need"], n5["filed"], n5["age_days"], n5["overdue"]) == (
        {"trade": "普工", "headcount": 10},
        "2020-02-10",
        7,
        False,
    )
    assert n5["escalated"] is False
    assert n7 == {
        "id": world.id(7),
        "enterprise": "企业e1",
        "region": "440106",
        "kind": "difficulty",
        # phone numbers in free text are masked
        "need": {"difficulty": "finance", "text": "贷款到期，请联系138********或020-********"},
        "urgency": "normal",
        "filed": "2020-02-12",
        "age_days": 5,
        "needed_by": None,
        "overdue": False,
        # the escalation made inside the period, answered inside it (not the one after it)
        "escalated": True,
        "summary": "联系人电话139********",
        "outcome": "partly_resolved",
        "reply": "已协调银行，联系 137********",
    }


def test_province_headline_against_the_previous_week(world):
    data = compute("440000")

    current = figures_of(
        members=4, applied=5, approved=2, resumed=1, rate="0.2500", workers=42,
        new=6, resolved=2, open=6, escalated=2, overdue=3,
    )  # fmt: skip
    # at 02-10: e1 e2 e3 e4 e7 members; app1 (approved, resumed only on 02-11) and app5;
    # n2 n6 filed that week, n2 n6 n8 open, n2 (by 02-09) and n8 (by 02-05) overdue
    previous = figures_of(
        members=5, applied=2, approved=1, resumed=0, rate="0.0000", workers=30,
        new=2, resolved=0, open=3, escalated=0, overdue=2,
    )  # fmt: skip
    assert headline_without_change(data) == headline(current, previous)
    assert changes(data) == {
        "members": -1,
        "applied": 3,
        "approved": 1,
        "resumed": 1,
        "resumed_not_members": 0,
        "rate": "0.2500",
        "returning_workers": 12,
        "new": 4,
        "resolved": 2,
        "open": 3,
        "escalated": 2,
        "overdue": 1,
    }


def test_the_report_names_its_regions_sections_and_items(world):
    names = compute("440000")["names"]

    # the cities of the rows and the counties of the urgent needs
    assert set(names["regions"]) == {"440100", "440300", "440104", "440106", "440305"}
    assert names["regions"]["440100"][0] == "广州"
    assert set(names["sections"]) == {"C", "F"}
    assert set(names["items"]) == {"disinfectant", "mask-n95"}


# --- a city: rows keyed by county ---------------------------------------------------------


def test_city_figures_are_keyed_by_county(world):
    data = compute("440100")

    assert data["progress"]["rows"] == progress_rows(
        # e7 left inside the period: applied, but no member at the end (no rate)
        ("440104", "C", 0, 1, 0, 0, 0, None),
        ("440104", "F", 1, 1, 1, 0, 12, "0.0000"),
        ("440106", "C", 1, 1, 1, 1, 30, "1.0000"),
        ("440106", "F", 1, 1, 0, 0, 0, "0.0000"),
    )
    assert data["progress"]["totals"] == progress_totals(3, 4, 2, 1, 42, "0.3333")
    assert data["needs"]["rows"] == need_rows(
        ("difficulty", "440104", "F", 1, 1, 0, 0, 0, 0, 0),
        ("difficulty", "440106", "C", 2, 0, 1, 1, 0, 0, 0),
        ("labour", "440104", "F", 1, 0, 1, 0, 0, 10, 4),
        ("supply", "440106", "C", 1, 1, 1, 0, 0, 0, 0),
    )
    assert data["needs"]["totals"] == need_totals(5, 2, 3, 1, 0, 10, 4)
    assert data["supplies"]["rows"] == SUPPLIES_GUANGZHOU
    assert urgent_ids(data) == [world.id(5), world.id(7)]
    assert data["urgent"]["total"] == 2
    current = figures_of(
        members=3, applied=4, approved=2, resumed=1, rate="0.3333", workers=42,
        new=5, resolved=2, open=3, escalated=1, overdue=0,
    )  # fmt: skip
    previous = figures_of(
        members=4, applied=2, approved=1, resumed=0, rate="0.0000", workers=30,
        new=1, resolved=0, open=1, escalated=0, overdue=1,
    )  # fmt: skip
    assert headline_without_change(data) == headline(current, previous)
    assert changes(data)["rate"] == "0.3333"
    assert changes(data)["members"] == -1


# --- a county: keyed by itself ------------------------------------------------------------


def test_county_figures_are_keyed_by_the_county_itself(world):
    data = compute("440106")

    assert data["progress"]["rows"] == progress_rows(
        ("440106", "C", 1, 1, 1, 1, 30, "1.0000"),
        ("440106", "F", 1, 1, 0, 0, 0, "0.0000"),
    )
    assert data["progress"]["totals"] == progress_totals(2, 2, 1, 1, 30, "0.5000")
    assert data["needs"]["rows"] == need_rows(
        ("difficulty", "440106", "C", 2, 0, 1, 1, 0, 0, 0),
        ("supply", "440106", "C", 1, 1, 1, 0, 0, 0, 0),
    )
    assert data["needs"]["totals"] == need_totals(3, 1, 2, 1, 0, 0, 0)
    assert data["supplies"]["rows"] == SUPPLIES_GUANGZHOU
    assert urgent_ids(data) == [world.id(7)]
    current = figures_of(
        members=2, applied=2, approved=1, resumed=1, rate="0.5000", workers=30,
        new=3, resolved=1, open=2, escalated=1, overdue=0,
    )  # fmt: skip
    previous = figures_of(
        members=2, applied=1, approved=1, resumed=0, rate="0.0000", workers=30,
        new=1, resolved=0, open=1, escalated=0, overdue=1,
    )  # fmt: skip
    assert headline_without_change(data) == headline(current, previous)
    assert changes(data) == {
        "members": 0,
        "applied": 1,
        "approved": 0,
        "resumed": 1,
        "resumed_not_members": 0,
        "rate": "0.5000",
        "returning_workers": 0,
        "new": 2,
        "resolved": 1,
        "open": 1,
        "escalated": 1,
        "overdue": -1,
    }


# --- the whole country: keyed by province -------------------------------------------------


def test_national_figures_are_keyed_by_province(world):
    data = compute(None)

    assert data["progress"]["rows"] == progress_rows(
        ("330000", "C", 1, 1, 1, 1, 20, "1.0000"),
        # e1 (a member of both associations) counts once
        ("440000", "C", 2, 3, 1, 1, 30, "0.5000"),
        ("440000", "F", 2, 2, 1, 0, 12, "0.0000"),
    )
    assert data["progress"]["totals"] == progress_totals(5, 6, 3, 2, 62, "0.4000")
    assert data["needs"]["rows"] == need_rows(
        ("difficulty", "330000", "C", 1, 0, 1, 1, 0, 0, 0),
        ("difficulty", "440000", "C", 2, 0, 2, 2, 1, 0, 0),
        ("difficulty", "440000", "F", 1, 1, 0, 0, 0, 0, 0),
        ("labour", "440000", "F", 1, 0, 2, 0, 1, 10, 4),
        ("supply", "440000", "C", 2, 1, 2, 0, 1, 0, 0),
    )
    assert data["needs"]["totals"] == need_totals(7, 2, 7, 3, 3, 10, 4)
    assert data["supplies"]["rows"] == SUPPLIES_ALL
    # n9 (high, 02-11) ranks at 01-28, between n5 and n7; it is escalated without a reply
    assert urgent_ids(data) == [world.id(i) for i in (8, 3, 5, 9, 7)]
    n9 = data["urgent"]["rows"][3]
    assert (n9["region"], n9["escalated"], n9["summary"], n9["outcome"], n9["reply"]) == (
        "330106",
        True,
        "用电负荷不足",
        "",
        "",
    )
    current = figures_of(
        members=5, applied=6, approved=3, resumed=2, rate="0.4000", workers=62,
        new=7, resolved=2, open=7, escalated=3, overdue=3,
    )  # fmt: skip
    # at 02-10: e1 e2 e3 e4 e5 e7; app1 app5 app7 (e5 approved and resumed on 02-07)
    previous = figures_of(
        members=6, applied=3, approved=2, resumed=1, rate="0.1667", workers=50,
        new=2, resolved=0, open=3, escalated=0, overdue=2,
    )  # fmt: skip
    assert headline_without_change(data) == headline(current, previous)
    assert changes(data)["rate"] == "0.2333"
    assert set(data["names"]["regions"]) >= {"330000", "440000", "330106"}


# --- an association: its members, its batches, the needs filed with it ---------------------


def test_association_figures_count_its_members_batches_and_needs_only(world):
    data = compute(None, association=world.a)

    assert data["progress"]["rows"] == progress_rows(
        ("440000", "C", 2, 3, 1, 1, 30, "0.5000"),
        ("440000", "F", 2, 2, 1, 0, 12, "0.0000"),
    )
    assert data["progress"]["totals"] == progress_totals(4, 5, 2, 1, 42, "0.2500")
    assert data["needs"]["rows"] == need_rows(
        ("difficulty", "440000", "C", 2, 0, 2, 2, 1, 0, 0),
        ("difficulty", "440000", "F", 1, 1, 0, 0, 0, 0, 0),
        ("labour", "440000", "F", 1, 0, 2, 0, 1, 10, 4),
        ("supply", "440000", "C", 2, 1, 2, 0, 1, 0, 0),
    )
    assert data["needs"]["totals"] == need_totals(6, 2, 6, 2, 3, 10, 4)
    assert data["supplies"]["rows"] == SUPPLIES_ALL
    assert urgent_ids(data) == [world.id(i) for i in (8, 3, 5, 7)]
    current = figures_of(
        members=4, applied=5, approved=2, resumed=1, rate="0.2500", workers=42,
        new=6, resolved=2, open=6, escalated=2, overdue=3,
    )  # fmt: skip
    previous = figures_of(
        members=5, applied=2, approved=1, resumed=0, rate="0.0000", workers=30,
        new=2, resolved=0, open=3, escalated=0, overdue=2,
    )  # fmt: skip
    assert headline_without_change(data) == headline(current, previous)


def test_the_other_association_sees_its_member_in_another_province(world):
    data = compute(None, association=world.b)

    assert data["progress"]["rows"] == progress_rows(
        ("330000", "C", 1, 1, 1, 1, 20, "1.0000"),
        # e1 is a member of B too; its applications are A's
        ("440000", "C", 1, 0, 0, 0, 0, "0.0000"),
    )
    assert data["needs"]["rows"] == need_rows(("difficulty", "330000", "C", 1, 0, 1, 1, 0, 0, 0))
    assert data["supplies"]["rows"] == []
    assert urgent_ids(data) == [world.id(9)]


# --- small rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话13812345678", "电话138********"),
        ("座机 0755-12345678 转 8", "座机 075*-******** 转 8"),
        ("手机 +8613800138000", "手机 +86***********"),
        ("手机 138-0013-8000 或 138 0013 8000", "手机 138-****-**** 或 138 **** ****"),
        (
            "电话 (020)87654321、020 87654321、020-8765-4321",
            "电话 (02*)********、020 ********、020-****-****",
        ),
        ("身份证 440106 19900101 123X", "身份证 440*** ******** ****"),
        ("型号 AB13812345678", "型号 AB13812345678"),
        ("身份证44010619900101123X", "身份证440***************"),
        ("订单号 20200210 共 1000 件", "订单号 20200210 共 1000 件"),
        ("", ""),
    ],
)
def test_personal_numbers_are_masked_and_other_numbers_kept(text, masked):
    assert figures.mask_personal(text) == masked


def test_an_empty_scope_has_no_rows_and_no_rate(db):
    data = compute("330100")

    assert data["progress"] == {"rows": [], "totals": progress_totals(0, 0, 0, 0, 0, None)}
    assert data["needs"]["totals"] == need_totals(0, 0, 0, 0, 0, 0, 0)
    assert data["supplies"]["rows"] == []
    assert data["urgent"] == {"rows": [], "total": 0}
    rate = next(row for row in data["headline"]["rows"] if row["figure"] == "rate")
    assert rate == {"figure": "rate", "current": None, "previous": None, "change": None}


def test_quantities_are_plain_decimal_strings():
    assert figures._quantity(Decimal("1E+3")) == "1000"
    assert figures._quantity(Decimal("20.500")) == "20.5"
    assert figures._quantity(None) == "0"
