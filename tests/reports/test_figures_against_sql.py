"""Every value of the reports, at every scope and period type, against SQL written apart from the
figures module (bench.reports.plain_sql: docs/decisions/0002 written again as GROUP BY queries).

The data are adversarial: a seeded random walk of people using the portal through its services,
each step with the clock set to its moment, and many moments on the edges — local midnight (the
very end of a period: a change at that moment belongs to the next one) and 00:30 local time
(the previous day in UTC). Members join, ask to join and withdraw, are suspended, reinstated,
leave and come back; applications are handed in, returned, handed in again, approved, rejected,
withdrawn and resumed, some enterprises in two batches; needs are filed, matched, placed,
escalated, answered, resolved and cancelled.
"""

import random
from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from associations import services as memberships
from associations.models import Membership
from batches import services as batches
from batches.models import Application
from bench.reports import comparable, plain_sql
from core.errors import DomainError
from core.models import Event, Industry, Region, Role
from demo.timeline import happened_at
from reports import figures
from reports.periods import period_of
from supplies import services as needs
from supplies.models import Need, SupplyItem
from tests.factories import (
    AssociationFactory,
    EnterpriseFactory,
    UserFactory,
    hand_in,
    staff_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

FIRST_DAY, LAST_DAY = date(2020, 1, 27), date(2020, 3, 8)
# Counties of two Guangdong cities and of Hangzhou, each with an industry division (section).
PLACES = [
    ("440106", "39"),  # 天河区, C
    ("440104", "51"),  # 越秀区, F
    ("440106", "52"),  # 天河区, F
    ("440305", "39"),  # 深圳 (南山区), C
    ("440305", "54"),  # G
    ("330106", "18"),  # 西湖区, C
]
MINUTES = [(0, 0), (0, 30), (9, 15), (23, 59)]  # local midnight, 00:30 (UTC: the day before)…
REFUSED = (DomainError, PermissionDenied, ValidationError)


def moment(day: date, rng: random.Random) -> datetime:
    hour, minute = rng.choice(MINUTES)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


class Walk:
    def __init__(self, seed: int = 2260):
        self.rng = random.Random(seed)
        self.guangdong = AssociationFactory(name="广东省电子行业协会", region_id="440100")
        self.zhejiang = AssociationFactory(name="浙江省服装商会", region_id="330100")
        self.staff = {a.pk: staff_of(a, manager=True) for a in (self.guangdong, self.zhejiang)}
        self.official = UserFactory(role=Role.OFFICIAL, jurisdiction_id="440000")
        self.people = []  # (enterprise, user or None)
        self.batches = []
        self.items = list(SupplyItem.objects.filter(code__in=["mask-n95", "disinfectant"]))
        with happened_at(timezone.make_aware(datetime(2020, 1, 20, 9))):
            for index in range(24):
                region, division = PLACES[index % len(PLACES)]
                association = self.zhejiang if region.startswith("33") else self.guangdong
                enterprise = EnterpriseFactory(
                    name=f"企业{index}",
                    region_id=region,
                    industry_id=division,
                    registered_by=association if index % 3 else None,
                )
                self.people.append([enterprise, None, association])
            for association in (self.guangdong, self.zhejiang):
                for name in ("第一批", "第二批"):
                    self.batches.append(self._batch(association, name))
        self.offers = {}

    def _batch(self, association, name):
        staff = self.staff[association.pk]
        province = "440000" if association == self.guangdong else "330000"
        batch = batches.batch_create(
            actor=staff,
            association_id=association.pk,
            regions=[Region.objects.get(code=province)],
            industries=list(Industry.objects.filter(code__in=["C", "F", "G"])),
            name=name,
            opens_at=timezone.make_aware(datetime(2020, 1, 20)),
            closes_at=timezone.make_aware(datetime(2020, 4, 1)),
            planned_start=date(2020, 2, 10),
            capacity=100,
            review_days=3,
        )
        return batches.batch_open(actor=staff, batch_id=batch.pk)

    # --- one step -----------------------------------------------------------------------

    def user_of(self, index):
        enterprise, user, _association = self.people[index]
        if user is None:
            user = UserFactory(role=Role.ENTERPRISE, enterprise=enterprise)
            self.people[index][1] = user
        return user

    def step(self, when: datetime) -> None:
        rng = self.rng
        index = rng.randrange(len(self.people))
        enterprise, _user, association = self.people[index]
        staff = self.staff[association.pk]
        membership = Membership.objects.filter(
            enterprise=enterprise, association=association
        ).first()
        applications = list(Application.objects.filter(enterprise=enterprise))
        open_needs = list(Need.objects.filter(enterprise=enterprise, status__in=Need.ACTIVE))
        choice = rng.random()
        with happened_at(when):
            if membership is None or membership.status in Membership.ENDED:
                if rng.random() < 0.5 or enterprise.registered_by_id is None:
                    memberships.membership_request(
                        actor=self.user_of(index), association_id=association.pk
                    )
                else:
                    memberships.membership_add(
                        actor=staff, association_id=association.pk, enterprise_id=enterprise.pk
                    )
            elif membership.status == Membership.Status.PENDING:
                if choice < 0.7:
                    memberships.membership_approve(actor=staff, membership_id=membership.pk)
                else:  # the request is withdrawn
                    memberships.membership_leave(
                        actor=self.user_of(index), membership_id=membership.pk
                    )
            elif membership.status == Membership.Status.INVITED:
                memberships.membership_accept(
                    actor=self.user_of(index), membership_id=membership.pk
                )
            elif membership.status == Membership.Status.SUSPENDED:
                if choice < 0.6:
                    memberships.membership_reinstate(actor=staff, membership_id=membership.pk)
                else:
                    memberships.membership_leave(actor=staff, membership_id=membership.pk)
            elif choice < 0.05:
                memberships.membership_suspend(
                    actor=staff, membership_id=membership.pk, reason="欠缴会费"
                )
            elif choice < 0.09:
                memberships.membership_leave(actor=staff, membership_id=membership.pk)
            elif choice < 0.55:
                self.application_step(index, applications, when)
            else:
                self.need_step(index, association, open_needs)

    def application_step(self, index, applications, when) -> None:
        rng = self.rng
        user = self.user_of(index)
        association = self.people[index][2]
        staff = self.staff[association.pk]
        live = [a for a in applications if a.status in Application.LIVE]
        if not live or (len(live) == 1 and rng.random() < 0.2):
            mine = [b for b in self.batches if b.association_id == association.pk]
            taken = {a.batch_id for a in live}
            batch = rng.choice([b for b in mine if b.pk not in taken] or mine)
            hand_in(user, batch, workers=rng.randrange(1, 80))
            return
        application = rng.choice(live)
        S = Application.Status
        if application.status in (S.DRAFT, S.RETURNED):
            if rng.random() < 0.8:
                batches.application_submit(actor=user, application_id=application.pk)
            else:
                batches.application_withdraw(actor=user, application_id=application.pk)
        elif application.status == S.SUBMITTED:
            decision = rng.random()
            if decision < 0.55:
                batches.application_approve(actor=staff, application_id=application.pk)
            elif decision < 0.7:
                batches.application_reject(
                    actor=staff, application_id=application.pk, reason="条件不足"
                )
            elif decision < 0.85:
                batches.application_return(
                    actor=staff, application_id=application.pk, reason="请补充材料"
                )
            else:
                batches.application_withdraw(actor=user, application_id=application.pk)
        elif application.status == S.APPROVED:
            approved_on = timezone.localdate(application.decided_at)
            today = timezone.localdate()
            batches.application_resume(
                actor=user,
                application_id=application.pk,
                resumed_on=approved_on
                + timedelta(days=rng.randrange((today - approved_on).days + 1)),
                workers_on_site=rng.randrange(0, 50),
            )

    def need_step(self, index, association, open_needs) -> None:
        rng = self.rng
        user = self.user_of(index)
        staff = self.staff[association.pk]
        today = timezone.localdate()
        if not open_needs or rng.random() < 0.45:
            kind = rng.choice(list(Need.Kind))
            common = {
                "association_id": association.pk,
                "urgency": rng.choice(list(Need.Urgency)),
                "needed_by": today + timedelta(days=rng.randrange(0, 12)),
            }
            if kind == Need.Kind.SUPPLY:
                needs.need_file(
                    actor=user, kind=kind, item=rng.choice(self.items),
                    quantity=str(rng.randrange(1, 500)), **common,
                )  # fmt: skip
            elif kind == Need.Kind.LABOUR:
                needs.need_file(
                    actor=user, kind=kind, trade="普工", headcount=rng.randrange(1, 20), **common
                )
            else:
                needs.need_file(
                    actor=user, kind=kind, difficulty_kind="finance",
                    description="贷款到期，请联系 13812345678", **common,
                )  # fmt: skip
            return
        need = rng.choice(open_needs)
        action = rng.random()
        if action < 0.15:
            needs.need_cancel(actor=user, need_id=need.pk)
        elif action < 0.3:
            needs.need_resolve(actor=staff, need_id=need.pk)
        elif action < 0.45 and need.status != Need.Status.ESCALATED:
            needs.need_escalate(actor=staff, need_id=need.pk, summary="请政府协调")
        elif action < 0.6 and need.status == Need.Status.ESCALATED:
            if association == self.guangdong:
                needs.need_reply(
                    actor=self.official, need_id=need.pk, reply="已协调", outcome="resolved"
                )
        elif need.kind == Need.Kind.LABOUR and need.remaining_headcount:
            needs.placement_create(
                actor=staff, need_id=need.pk,
                headcount=rng.randrange(1, need.remaining_headcount + 1),
            )  # fmt: skip
        elif need.kind == Need.Kind.SUPPLY and need.remaining_quantity:
            offer = self.offer(association, need.item, staff)
            if offer is not None:
                needs.match_create(
                    actor=staff, need_id=need.pk, offer_id=offer.pk,
                    quantity=str(min(need.remaining_quantity, rng.randrange(1, 300))),
                )  # fmt: skip

    def offer(self, association, item, staff):
        key = (association.pk, item.pk)
        if key not in self.offers:
            supplier = next(
                (user for enterprise, user, a in self.people if a == association and user), None
            )
            member = (
                supplier is not None
                and Membership.objects.filter(
                    enterprise=supplier.enterprise,
                    association=association,
                    status=Membership.Status.ACTIVE,
                ).exists()
            )
            if not member:
                return None
            self.offers[key] = needs.offer_create(
                actor=supplier, item=item, quantity="100000",
                available_until=timezone.localdate() + timedelta(days=90),
            )  # fmt: skip
        return self.offers[key]

    def run(self, steps_per_day: int = 9) -> int:
        taken = 0
        day = FIRST_DAY
        while day <= LAST_DAY:
            for when in sorted(moment(day, self.rng) for _ in range(steps_per_day)):
                try:
                    self.step(when)
                    taken += 1
                except REFUSED:
                    pass  # a step the portal refuses (a full batch, a status moved on…)
            day += timedelta(days=1)
        return taken


SCOPES = [
    # (region code or None, association: "guangdong" / "zhejiang" / None)
    ("440000", None),
    ("330000", None),
    ("440100", None),
    ("440106", None),
    ("110000", None),  # a province with nobody in it
    (None, None),
    (None, "guangdong"),
    (None, "zhejiang"),
    ("440100", "guangdong"),
]
PERIODS = [("week", date(2020, 2, 10)), ("month", date(2020, 2, 1)), ("day", date(2020, 2, 17))]
PERIODS += [("week", date(2020, 3, 2)), ("day", date(2020, 3, 2))]


@pytest.fixture(scope="module")
def walk(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            walked = Walk()
            taken = walked.run()
            yield walked, taken
            transaction.set_rollback(True)


def test_the_walk_covers_the_cases_the_figures_must_get_right(walk):
    _walked, taken = walk
    assert taken > 200
    actions = set(Event.objects.values_list("action", flat=True))
    for action in (
        "membership.suspended", "membership.left", "membership.active",
        "application.returned", "application.withdrawn", "application.resumed",
        "application.rejected", "need.escalated", "need.cancelled", "need.resolved",
    ):  # fmt: skip
        assert action in actions, action
    # (lookups on `at` read local time: 00:30 local is 16:30 UTC the day before)
    at_midnight = Event.objects.filter(at__hour=0, at__minute=0).count()
    at_half_past = Event.objects.filter(at__hour=0, at__minute=30).count()
    assert at_midnight > 20 and at_half_past > 20
    # some enterprises were approved in two batches
    approved = Application.objects.filter(status__in=("approved", "resumed"))
    per_enterprise = [
        approved.filter(enterprise_id=e).count()
        for e in approved.values_list("enterprise", flat=True)
    ]
    assert max(per_enterprise) >= 2


@pytest.mark.parametrize("period_type,start", PERIODS)
@pytest.mark.parametrize("region_code,association", SCOPES)
def test_every_value_matches_sql_written_apart(walk, region_code, association, period_type, start):
    walked, _taken = walk
    region = Region.objects.get(code=region_code) if region_code else None
    chosen = getattr(walked, association) if association else None
    begin, end = period_of(period_type, start)
    scope = figures.Scope(region=region, association=chosen, start=begin, end=end)

    ours = comparable(figures.compute(scope))
    theirs = plain_sql(
        region, begin, end, association_id=chosen.pk if chosen else None, period_type=period_type
    )

    for key, value in ours.items():
        assert value == theirs[key], key
    for row in ours["progress"]:
        assert row["resumed"] <= row["members"]
