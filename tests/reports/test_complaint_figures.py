"""Complaints in the reports (docs/decisions/0022), against a fixture worked out by hand: filed,
upheld (the first time) and handed to market regulation in the period, by category, the
business's region and its industry section (blank for a non-member), as at the period's edges;
in the snapshot and the CSV; no personal data.

The period is the ISO week Mon 2020-02-10 – Sun 2020-02-16 (its end 2020-02-17 00:00 local).
"""

from datetime import date

import pytest

from demo.timeline import happened_at
from market import complaints as svc
from reports import figures, rendering
from reports import services as report_services
from reports.figures import Scope
from reports.models import Report
from tests.factories import (
    AssociationFactory,
    EnterpriseFactory,
    MembershipFactory,
    UserFactory,
    staff_of,
)
from tests.reports.sample import quiet_tasks
from tests.reports.test_services_relief_figures import END, START, at

pytestmark = pytest.mark.django_db


def _story():
    a = AssociationFactory(name="广东省电子行业协会", region_id="440100")
    b = AssociationFactory(name="广东省五金商会", region_id="440100")
    staff = staff_of(a)
    staff_of(b)
    gz = EnterpriseFactory(name="广州电子厂", region_id="440106", industry_id="39")
    sz = EnterpriseFactory(name="深圳批发行", region_id="440304", industry_id="51")
    MembershipFactory(enterprise=gz, association=a, status="active")
    MembershipFactory(enterprise=sz, association=a, status="active")
    complainant = UserFactory(first_name="举报人甲")

    def file(moment, member=None, *, category="price_gouging", association=None):
        with happened_at(moment):
            return svc.complaint_file(
                actor=complainant,
                respondent_name=member.name if member else "某网店",
                respondent_credit_code=member.uscc if member else "",
                respondent_region=member.region_id if member else "440106",
                association_id=(association or a).pk if member is None else None,
                category=category,
                what_happened="加价",
                happened_on=date(2020, 2, 1),
                place="广州",
            )

    def uphold(moment, complaint, staff=staff, upheld=True):
        with happened_at(moment):
            svc.complaint_triage(actor=staff, complaint_id=complaint.pk, outcome="accepted")
            svc.complaint_move(actor=staff, complaint_id=complaint.pk, to="investigating")
            svc.complaint_decide(
                actor=staff, complaint_id=complaint.pk, upheld=upheld, decision="查实"
            )

    # gz, price gouging: filed inside and upheld inside
    c1 = file(at(2, 11), gz)
    uphold(at(2, 13), c1)
    # gz, price gouging: filed before, upheld inside, reopened and upheld again the week after
    c2 = file(at(2, 5), gz)
    uphold(at(2, 12), c2)
    with happened_at(at(2, 14)):
        svc.complaint_move(actor=staff, complaint_id=c2.pk, to="closed")
    with happened_at(at(2, 18)):
        svc.complaint_reopen(actor=complainant, complaint_id=c2.pk, reason="再查")
        svc.complaint_decide(actor=staff, complaint_id=c2.pk, upheld=True, decision="再查属实")
    # sz, hoarding: filed inside, handed off inside, decided not upheld inside
    c3 = file(at(2, 12), sz, category="hoarding")
    with happened_at(at(2, 13)):
        svc.complaint_hand_off(
            actor=staff,
            complaint_id=c3.pk,
            department="福田区市场监督管理局",
            handed_on=date(2020, 2, 13),
            reference="A-1",
        )
    uphold(at(2, 14), c3, upheld=False)
    # a non-member in Guangzhou, handled by a: filed inside (no section)
    file(at(2, 16, 23, 59), category="false_advertising")
    # filed at the very end: the next week
    file(at(2, 17, 0, 0), gz)
    # b's complaint about a non-member in Guangzhou: not in a's report, in the region's
    file(at(2, 12), None, association=b, category="hoarding")
    return a, b, (c1, c2, c3)


def _rows(data: dict) -> list[tuple]:
    return [
        (r["category"], r["region"], r["section"], r["new"], r["upheld"], r["handed_off"])
        for r in data["complaints"]["rows"]
    ]


def _compute(association, *, region="440000", start=START, end=END) -> dict:
    from core.models import Region

    scope = Scope(
        region=Region.objects.get(code=region),
        association=association,
        start=start,
        end=end,
    )
    return figures.compute(scope)


def test_an_associations_report_counts_its_complaints_by_hand():
    a, _b, _ = _story()
    data = _compute(a)
    # by hand: (category, city, section, filed, upheld, handed off)
    assert _rows(data) == [
        ("false_advertising", "440100", "", 1, 0, 0),
        ("hoarding", "440300", "F", 1, 0, 1),
        ("price_gouging", "440100", "C", 1, 2, 0),
    ]
    assert data["complaints"]["totals"] == {"new": 3, "upheld": 2, "handed_off": 1}
    assert "举报人甲" not in str(data["complaints"])
    # the week after: the one filed at midnight; the re-upholding is not counted again
    after = _compute(a, start=END, end=date(2020, 2, 24))
    assert after["complaints"]["totals"] == {"new": 1, "upheld": 0, "handed_off": 0}


def test_the_regions_report_counts_every_association_inside_it():
    _story()
    data = _compute(None)
    assert data["complaints"]["totals"] == {"new": 4, "upheld": 2, "handed_off": 1}
    zhejiang = _compute(None, region="330000")
    assert zhejiang["complaints"]["rows"] == []


def test_the_csv_has_the_complaints_section(monkeypatch):
    quiet_tasks(monkeypatch)
    a, _b, _ = _story()
    report = Report.objects.create(
        region_id="440000", association=a, period_type="week", period_start=START, period_end=END
    )
    report = report_services.generate(report.pk)
    lines = rendering.render_csv(report).decode("utf-8-sig").splitlines()
    start = next(i for i, line in enumerate(lines) if "价格" in line or "Price gouging" in line)
    block = "\n".join(lines[start - 3 : start + 5])
    assert ",1,2,0" in block and ",3,2,1" in block  # the row and the total
