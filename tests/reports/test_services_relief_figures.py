"""Support services and relief in the reports (docs/decisions/0019), against a fixture whose
figures are worked out by hand below: the snapshot, the CSV, the XLSX, the PDF and the page say
the same, the rows add up to the totals to the fen, and the period's edges are where they are.

The period is the ISO week Mon 2020-02-10 – Sun 2020-02-16; its end is 2020-02-17 00:00 local
time (Asia/Shanghai). Every change goes through the services with the clock set to its moment.
"""

import csv
import io
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.models import Industry, Region, Role
from core.workflow import record_status
from demo.timeline import happened_at
from relief import services as relief_services
from relief.models import ReliefGrant, ReliefGrantBatch, ReliefScheme
from reports import figures, rendering
from reports import services as report_services
from reports.figures import Scope
from reports.models import Report
from reports.tables import tables
from services import services as svc
from services.models import Service, ServiceProvider
from tests.factories import (
    AssociationFactory,
    EnterpriseFactory,
    MembershipFactory,
    UserFactory,
    staff_of,
)
from tests.reports.sample import quiet_tasks

pytestmark = pytest.mark.django_db

START, END = date(2020, 2, 10), date(2020, 2, 17)


def at(month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(date(2020, month, day), time(hour, minute, second)))


BEFORE, INSIDE, AFTER = at(2, 5), at(2, 12), at(2, 20)


@pytest.fixture(autouse=True)
def _quiet(monkeypatch, queued):
    quiet_tasks(monkeypatch)


class Story:
    """Association A (Guangdong) and association B; enterprises in Guangzhou (440106) and
    Shenzhen (440304), in manufacturing (C: division 39) and wholesale and retail (F: 51)."""

    def __init__(self):
        self.a = AssociationFactory(name="广东省电子行业协会", region_id="440100")
        self.b = AssociationFactory(name="广东省五金商会", region_id="440100")
        self.staff = staff_of(self.a)
        self.manager = staff_of(self.a, manager=True)
        self.b_staff = staff_of(self.b)
        self.b_manager = staff_of(self.b, manager=True)
        self.service = self._service(self.a, "劳动合同咨询")
        self.b_service = self._service(self.b, "融资对接")

    def _service(self, association, title) -> Service:
        provider = ServiceProvider.objects.create(
            association=association, name=f"{title}服务方", capacity=50
        )
        return Service.objects.create(
            association=association, provider=provider, category="legal", title=title, capacity=50
        )

    def enterprise(self, name, region_id, industry_id, association=None):
        enterprise = EnterpriseFactory(name=name, region_id=region_id, industry_id=industry_id)
        MembershipFactory(enterprise=enterprise, association=association or self.a)
        enterprise.user = UserFactory(role=Role.ENTERPRISE, enterprise=enterprise)
        return enterprise

    # --- service requests

    def request(self, moment, enterprise, service=None):
        with happened_at(moment):
            return svc.request_submit(
                actor=enterprise.user, service=service or self.service, description="需要帮助"
            )

    def _staff_for(self, request):
        return self.staff if request.association_id == self.a.pk else self.b_staff

    def resolve(self, moment, request):
        """Accepted, started and resolved at `moment` (a request resolved once already is
        only resolved again)."""
        staff = self._staff_for(request)
        request.refresh_from_db()
        with happened_at(moment):
            if request.status == "submitted":
                svc.request_accept(actor=staff, request_id=request.pk)
                svc.request_start(actor=staff, request_id=request.pk)
            return svc.request_resolve(actor=staff, request_id=request.pk)

    def rate_low(self, moment, request, enterprise):
        with happened_at(moment):
            return svc.request_rate(
                actor=enterprise.user, request_id=request.pk, rating=1, comment="问题没有解决"
            )

    def reopen(self, moment, request):
        with happened_at(moment):
            return svc.request_reopen(
                actor=self._staff_for(request), request_id=request.pk, reason="材料不全"
            )

    # --- relief

    def scheme(self, association, name, kind=ReliefScheme.Kind.SUBSIDY) -> ReliefScheme:
        return ReliefScheme.objects.create(
            association=association,
            name=name,
            kind=kind,
            grades=["severe", "moderate"],
            budget=Decimal("100000.00"),
            amount_per_grant=Decimal("1000.00"),
            active_from=date(2020, 1, 1),
            active_to=date(2020, 12, 31),
        )

    def _manager_of(self, scheme):
        return self.manager if scheme.association_id == self.a.pk else self.b_manager

    def proposed(self, moment, scheme, amounts: dict) -> ReliefGrantBatch:
        """A batch of grants as staff propose it ({enterprise: amount}): a dues scheme's amount
        is each member's own dues, so the amounts differ."""
        with happened_at(moment):
            batch = ReliefGrantBatch.objects.create(scheme=scheme, proposed_by=self.staff)
            ReliefGrant.objects.bulk_create(
                ReliefGrant(batch=batch, scheme=scheme, enterprise=e, amount=Decimal(amount))
                for e, amount in amounts.items()
            )
            record_status(batch, from_status="", to_status=batch.status, actor=self.staff)
        return batch

    def granted(self, moment, scheme, amounts: dict) -> dict:
        """Proposed early in February and approved at `moment`: {enterprise: grant}."""
        batch = self.proposed(at(2, 1), scheme, amounts)
        with happened_at(moment):
            relief_services.grant_batch_approve(actor=self._manager_of(scheme), batch_id=batch.pk)
        return {grant.enterprise: grant for grant in batch.grants.select_related("enterprise")}

    def revoke(self, moment, grant):
        with happened_at(moment):
            relief_services.grant_revoke(
                actor=self._manager_of(grant.scheme), grant_id=grant.pk, reason="已停业"
            )

    # --- reports

    def compute(self, *, association=True, region="440000", start=START, end=END) -> dict:
        scope = Scope(
            region=Region.objects.get(code=region) if region else None,
            association=self.a if association else None,
            start=start,
            end=end,
        )
        return figures.compute(scope)

    def report(self, *, association=True, region="440000") -> Report:
        report = Report.objects.create(
            region_id=region,
            association=self.a if association else None,
            period_type="week",
            period_start=START,
            period_end=END,
        )
        return report_services.generate(report.pk)


@pytest.fixture
def story(db) -> Story:
    return Story()


@pytest.fixture
def hand_computed(story) -> Story:
    """The fixture whose figures the tests below write out by hand.

    Enterprises of A: e1 Guangzhou C, e2 Guangzhou F, e3 Shenzhen C, e4 Shenzhen F; x is B's
    member in Guangzhou C; z is A's member in Hangzhou (outside Guangdong).
    """
    s = story
    assert Industry.objects.get(code="39").parent_id == "C"
    assert Industry.objects.get(code="51").parent_id == "F"
    e1 = s.enterprise("广州一厂", "440106", "39")
    e2 = s.enterprise("广州二商", "440106", "51")
    e3 = s.enterprise("深圳三厂", "440304", "39")
    e4 = s.enterprise("深圳四商", "440304", "51")
    x = s.enterprise("广州B会员", "440106", "39", association=s.b)
    z = s.enterprise("杭州会员", "330106", "39")
    s.e = {"e1": e1, "e2": e2, "e3": e3, "e4": e4, "x": x, "z": z}

    # Service requests to A
    r1 = s.request(BEFORE, e1)  # made before, resolved inside: resolved (440100 C)
    s.resolve(INSIDE, r1)
    r2 = s.request(at(2, 11), e1)  # made inside; resolved, reopened by a low rating and
    s.resolve(at(2, 13), r2)  # resolved again, all inside: requested and resolved, once
    s.rate_low(at(2, 14), r2, e1)
    s.resolve(at(2, 15), r2)
    s.request(INSIDE, e2)  # made inside, never resolved: requested (440100 F)
    r4 = s.request(INSIDE, e3)  # made inside, resolved after: requested (440300 C)
    s.resolve(AFTER, r4)
    r5 = s.request(at(2, 3), e3)  # first resolved before the period, reopened and resolved
    s.resolve(BEFORE, r5)  # again inside: not resolved in the period
    s.reopen(at(2, 11), r5)
    s.resolve(at(2, 12), r5)
    s.request(AFTER, e4)  # made after: nothing
    rz = s.request(INSIDE, z)  # outside Guangdong: in no report on Guangdong
    s.resolve(INSIDE, rz)
    # B's request: not in A's report; in the report on all of Guangdong (440100 C)
    rx = s.request(at(2, 11), x, service=s.b_service)
    s.resolve(INSIDE, rx)

    # Relief of A: P, a subsidy; Q, half the dues
    p = s.scheme(s.a, "困难企业补贴")
    q = s.scheme(s.a, "会费减半", kind=ReliefScheme.Kind.DUES_WAIVED_HALF)
    s.p, s.q = p, q
    first = s.granted(BEFORE, p, {e1: "1234.56", e3: "1234.56", e4: "1234.56"})
    s.revoke(AFTER, first[e3])  # revoked after the end: still held at the end
    s.revoke(at(2, 13), first[e4])  # revoked inside: revoked in the period, not held
    s.granted(INSIDE, p, {e2: "1000.01", e1: "0.01"})  # e1's second grant under P
    s.granted(at(2, 18), p, {e2: "500.00"})  # granted after the end: nothing
    s.proposed(INSIDE, p, {e3: "999.99"})  # proposed, never decided: nothing
    rejected = s.proposed(at(2, 11), p, {e4: "777.77"})
    with happened_at(INSIDE):
        relief_services.grant_batch_reject(actor=s.manager, batch_id=rejected.pk, reason="不符合")
    s.granted(at(2, 11), q, {e1: "333.33", e3: "333.34"})
    s.granted(INSIDE, q, {z: "99.99"})  # outside Guangdong
    # B's scheme: not in A's report; in the report on all of Guangdong
    r = s.scheme(s.b, "五金企业纾困")
    s.r = r
    s.granted(INSIDE, r, {x: "5000.00"})
    return s


def _relief_rows(data: dict) -> list[tuple]:
    return [
        (
            int(row["scheme"]),
            row["region"],
            row["section"],
            row["enterprises"],
            row["granted"],
            row["revoked_enterprises"],
            row["revoked"],
        )
        for row in data["relief"]["rows"]
    ]


def _service_rows(data: dict) -> list[tuple]:
    return [
        (row["region"], row["section"], row["requested"], row["resolved"])
        for row in data["services"]["rows"]
    ]


# Worked out by hand from the fixture above.
A_SERVICES = [
    # r2 made; r1 and r2 resolved (r2 once, though resolved twice)
    ("440100", "C", 1, 2),
    ("440100", "F", 1, 0),  # r3 made
    ("440300", "C", 1, 0),  # r4 made (resolved after); r5 first resolved before the period
]
A_SERVICE_TOTALS = {"requested": 3, "resolved": 2}


def a_relief(s: Story) -> list[tuple]:
    p, q = s.p.pk, s.q.pk
    return [
        (p, "440100", "C", 1, "1234.57", 0, "0.00"),  # e1: 1234.56 + 0.01, one enterprise
        (p, "440100", "F", 1, "1000.01", 0, "0.00"),  # e2 (its grant after the end left out)
        (p, "440300", "C", 1, "1234.56", 0, "0.00"),  # e3: revoked after the end, still held
        (p, "440300", "F", 0, "0.00", 1, "1234.56"),  # e4: revoked inside; rejected not counted
        (q, "440100", "C", 1, "333.33", 0, "0.00"),
        (q, "440300", "C", 1, "333.34", 0, "0.00"),
    ]


A_RELIEF_TOTALS = {
    "enterprises": 5,
    "granted": "4135.81",  # 1234.57 + 1000.01 + 1234.56 + 333.33 + 333.34
    "revoked_enterprises": 1,
    "revoked": "1234.56",
}


def test_an_associations_report_counts_its_requests_and_grants_as_at_the_end(hand_computed):
    s = hand_computed
    data = s.compute()

    assert _service_rows(data) == A_SERVICES
    assert data["services"]["totals"] == A_SERVICE_TOTALS
    assert _relief_rows(data) == sorted(a_relief(s))
    assert data["relief"]["totals"] == A_RELIEF_TOTALS
    assert data["names"]["schemes"][str(s.p.pk)] == {
        "name": "困难企业补贴",
        "kind": "subsidy",
        "association": "广东省电子行业协会",
    }
    assert {"440100", "440300"} <= set(data["names"]["regions"])
    assert {"C", "F"} <= set(data["names"]["sections"])


def test_the_report_on_a_jurisdiction_counts_every_association_inside_it_and_nothing_outside(
    hand_computed,
):
    s = hand_computed
    data = s.compute(association=False)

    assert _service_rows(data) == [
        ("440100", "C", 2, 3),  # and B's rx, made and resolved inside
        ("440100", "F", 1, 0),
        ("440300", "C", 1, 0),
    ]
    assert data["services"]["totals"] == {"requested": 4, "resolved": 3}
    assert _relief_rows(data) == sorted(
        [*a_relief(s), (s.r.pk, "440100", "C", 1, "5000.00", 0, "0.00")]
    )
    assert data["relief"]["totals"] == {
        "enterprises": 6,
        "granted": "9135.81",
        "revoked_enterprises": 1,
        "revoked": "1234.56",
    }
    # Zhejiang's report has z's request and grant, and nothing of Guangdong
    zhejiang = s.compute(association=False, region="330000")
    assert _service_rows(zhejiang) == [("330100", "C", 1, 1)]
    assert _relief_rows(zhejiang) == [(s.q.pk, "330100", "C", 1, "99.99", 0, "0.00")]


def test_a_request_reopened_and_resolved_again_in_a_later_week_is_counted_once(hand_computed):
    s = hand_computed
    # r4 (e3) was resolved the week after; that week counts it. The following week, reopened
    # and resolved again: not counted again.
    r4 = s.e["e3"].service_requests.get(created_at=INSIDE)
    s.rate_low(at(2, 25), r4, s.e["e3"])
    s.resolve(at(2, 26), r4)

    week_after = s.compute(start=date(2020, 2, 17), end=date(2020, 2, 24))
    assert ("440300", "C", 0, 1) in _service_rows(week_after)
    later = s.compute(start=date(2020, 2, 24), end=date(2020, 3, 2))
    assert _service_rows(later) == []
    # and the week of the fixture is as it was
    assert _service_rows(s.compute()) == A_SERVICES


def test_the_period_starts_at_local_midnight_and_its_end_is_left_out(story):
    s = story
    e = s.enterprise("边界企业", "440106", "39")
    just_before, first = at(2, 9, 23, 59, 59), at(2, 10, 0)
    last, end = at(2, 16, 23, 59, 59), at(2, 17, 0)
    # made: one a second before the start, one at it, one a second before the end, one at it
    for moment in (just_before, first, last, end):
        s.request(moment, e)
    # resolved: a second before the start, at it, at the end
    resolved = [s.request(at(2, 1), e) for _ in range(3)]
    for moment, request in zip((just_before, first, end), resolved, strict=True):
        s.resolve(moment, request)

    p = s.scheme(s.a, "边界补贴")
    s.granted(last, p, {e: "10.00"})  # held at the end
    s.granted(end, p, {e: "20.00"})  # granted at the end: not yet
    early = s.granted(at(2, 3), p, {e: "40.00"})[e]
    s.revoke(end, early)  # revoked at the end: still held, not revoked in the period
    other = s.enterprise("边界二", "440106", "39")
    gone = s.granted(at(2, 3), p, {other: "80.00"})[other]
    s.revoke(first, gone)  # revoked at the start: revoked in the period, not held

    data = s.compute()
    assert _service_rows(data) == [("440100", "C", 2, 1)]
    assert _relief_rows(data) == [(p.pk, "440100", "C", 1, "50.00", 1, "80.00")]

    # the day before and the day after say the rest
    eve = s.compute(start=date(2020, 2, 9), end=START)
    assert _service_rows(eve) == [("440100", "C", 1, 1)]
    assert _relief_rows(eve) == [(p.pk, "440100", "C", 2, "120.00", 0, "0.00")]
    morning = s.compute(start=END, end=date(2020, 2, 18))
    assert _service_rows(morning) == [("440100", "C", 1, 1)]
    assert _relief_rows(morning) == [(p.pk, "440100", "C", 1, "30.00", 1, "40.00")]


# --- the snapshot and every download ------------------------------------------------------


def _titles(report: Report) -> dict[str, str]:
    return {table.key: table.title for table in tables(report)}


def _csv_blocks(content: bytes) -> dict[str, list[list[str]]]:
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    blocks, block = [], []
    for row in rows:
        if row:
            block.append(row)
        else:
            blocks.append(block)
            block = []
    blocks.append(block)
    return {block[0][0]: block[1:] for block in blocks[1:]}


def test_the_snapshot_csv_and_xlsx_say_the_same_figures(hand_computed):
    s = hand_computed
    report = s.report()
    assert report.status == Report.Status.READY
    report.refresh_from_db()  # as stored: JSON
    assert _service_rows(report.data) == A_SERVICES
    assert report.data["services"]["totals"] == A_SERVICE_TOTALS
    assert _relief_rows(report.data) == sorted(a_relief(s))
    assert report.data["relief"]["totals"] == A_RELIEF_TOTALS
    assert report.checksum == report_services.checksum(report.data)

    titles = _titles(report)
    blocks = _csv_blocks(rendering.render_csv(report))
    services_block = blocks[titles["services"]]
    assert [row[2:] for row in services_block[1:5]] == [
        ["1", "2"],
        ["1", "0"],
        ["1", "0"],
        ["3", "2"],
    ]
    assert services_block[4][0] and services_block[5][0]  # the total, and what it counts
    relief_block = blocks[titles["relief"]]
    header, *rows = relief_block
    assert len(header) == 8
    body, totals = rows[:6], rows[6]
    assert [row[4:] for row in body] == [
        ["1", "1234.57", "0", "0.00"],
        ["1", "1000.01", "0", "0.00"],
        ["1", "1234.56", "0", "0.00"],
        ["0", "0.00", "1", "1234.56"],
        ["1", "333.33", "0", "0.00"],
        ["1", "333.34", "0", "0.00"],
    ]
    assert body[0][0] == "困难企业补贴" and body[4][0] == "会费减半"
    assert totals[4:] == ["5", "4135.81", "1", "1234.56"]
    # the rows add up to the total, to the fen
    assert sum(Decimal(row[5]) for row in body) == Decimal(totals[5])
    assert sum(Decimal(row[7]) for row in body) == Decimal(totals[7])
    # each section says what it counts
    assert len(rows) == 8 and rows[7][0]

    workbook = load_workbook(io.BytesIO(rendering.render_xlsx(report)))
    keys = [table.key for table in tables(report)]
    services_sheet = workbook.worksheets[1 + keys.index("services")]
    values = [
        [cell.value for cell in row] for row in services_sheet.iter_rows(min_row=2, max_row=5)
    ]
    assert [row[2:] for row in values] == [[1, 2], [1, 0], [1, 0], [3, 2]]
    relief_sheet = workbook.worksheets[1 + keys.index("relief")]
    grid = list(relief_sheet.iter_rows(min_row=2, max_row=8))
    money = [Decimal(str(row[5].value)).quantize(Decimal("0.01")) for row in grid]
    assert money == [
        Decimal(v) for v in ("1234.57", "1000.01", "1234.56", "0.00", "333.33", "333.34", "4135.81")
    ]
    assert sum(money[:-1]) == money[-1]
    assert [row[4].value for row in grid] == [1, 1, 1, 0, 1, 1, 5]
    assert [row[6].value for row in grid] == [0, 0, 0, 1, 0, 0, 1]
    assert all(row[5].number_format == "#,##0.00" for row in grid)
    assert all(isinstance(row[5].value, int | float) for row in grid)  # numbers, not text


def test_the_report_on_all_of_guangdong_names_each_schemes_association(hand_computed):
    s = hand_computed
    report = s.report(association=False)
    relief = {table.key: table for table in tables(report)}["relief"]
    schemes = {row[0] for row in relief.rows}
    assert any("困难企业补贴" in name and "广东省电子行业协会" in name for name in schemes)
    assert any("五金企业纾困" in name and "广东省五金商会" in name for name in schemes)
    assert relief.totals[4:] == [6, Decimal("9135.81"), 1, Decimal("1234.56")]


def test_the_pdf_has_both_sections(hand_computed, tmp_path):
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian package poppler-utils) is not installed")
    report = hand_computed.report()
    path = tmp_path / "report.pdf"
    path.write_bytes(rendering.render_pdf(report))
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    titles = _titles(report)
    assert titles["services"] in text and titles["relief"] in text
    assert "4135.81" in text and "1234.57" in text


def test_the_report_page_shows_both_sections_to_the_association_and_the_official(
    hand_computed, client
):
    s = hand_computed
    report = s.report()
    client.force_login(s.staff)
    page = client.get(reverse("report-detail", args=[report.pk])).content.decode()
    assert 'data-key="services"' in page and 'data-key="relief"' in page
    assert "4135.81" in page and "1234.57" in page and "困难企业补贴" in page

    official = UserFactory(role=Role.OFFICIAL, jurisdiction_id="440000")
    guangdong = s.report(association=False)
    client.force_login(official)
    page = client.get(reverse("report-detail", args=[guangdong.pk])).content.decode()
    assert "9135.81" in page and "五金企业纾困" in page
    # another association's staff do not see A's report at all
    client.force_login(s.b_staff)
    assert client.get(reverse("report-detail", args=[report.pk])).status_code == 404


def test_a_report_made_before_these_figures_existed_renders_as_it_did(hand_computed, client):
    s = hand_computed
    report = s.report()
    data = {k: v for k, v in report.data.items() if k not in ("services", "relief")}
    data["names"] = {k: v for k, v in data["names"].items() if k != "schemes"}
    Report.objects.filter(pk=report.pk).update(data=data)
    report.refresh_from_db()
    assert "services" not in _titles(report) and "relief" not in _titles(report)
    assert rendering.render_csv(report) and rendering.render_xlsx(report)
    client.force_login(s.staff)
    page = client.get(reverse("report-detail", args=[report.pk]))
    assert page.status_code == 200 and b'data-key="relief"' not in page.content


def test_a_correction_lists_the_relief_and_service_figures_that_differ(hand_computed):
    s = hand_computed
    # the association's report on all its members: the one it submits to government
    first = s.report(region=None)
    first = report_services.report_submit(actor=s.manager, report_id=first.pk)
    second = report_services.report_revise(actor=s.manager, report_id=first.pk, reason="更正")
    second = report_services.generate(second.pk)
    changes = {t.key: t for t in tables(second)}["changes"]
    assert changes.rows == []  # the same figures, as at the same end
    # had the first version held one fen for the first relief row and no request made:
    data = first.data
    granted = data["relief"]["rows"][0]["granted"]
    requested = data["services"]["rows"][0]["requested"]
    data["relief"]["rows"][0]["granted"] = "0.01"
    data["services"]["rows"][0]["requested"] = 0
    Report.objects.filter(pk=first.pk).update(data=data)
    changes = {t.key: t for t in tables(second)}["changes"]
    changed = {(row[0], row[3], row[4]) for row in changes.rows}
    titles = _titles(second)
    assert changed == {
        (titles["relief"], "0.01", granted),
        (titles["services"], "0", str(requested)),
    }
