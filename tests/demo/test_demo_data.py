from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone

from associations.models import Association, AssociationUser, Membership
from batches.models import Application, Batch
from core.models import Event, Role, User
from core.workflow import history_for
from demo.data import DEMO_PASSWORD, DEMO_USERNAMES, load_demo_data
from enterprises.models import Enterprise
from reports.models import Report
from supplies.models import Need, SupplyOffer

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEMO_MODE = True
    load_demo_data()


def state() -> dict[str, int]:
    return {
        "associations": Association.objects.count(),
        "enterprises": Enterprise.objects.count(),
        "memberships": Membership.objects.count(),
        "users": User.objects.count(),
        "batches": Batch.objects.count(),
        "applications": Application.objects.count(),
        "needs": Need.objects.count(),
        "offers": SupplyOffer.objects.count(),
        "reports": Report.objects.count(),
        "events": Event.objects.count(),
    }


def test_demo_data_is_refused_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    with pytest.raises(ImproperlyConfigured):
        load_demo_data()
    assert not User.objects.filter(username="admin").exists()


def test_demo_data_loads_twice_to_the_same_state(demo):
    first = state()
    load_demo_data()
    assert state() == first
    assert first["associations"] == 2
    assert first["enterprises"] >= 30


def test_every_demo_login_works(demo, client):
    for username in DEMO_USERNAMES:
        assert client.login(username=username, password=DEMO_PASSWORD), username
        assert client.get(reverse("dashboard")).status_code == 200, username
        client.logout()


def test_demo_logins_cover_every_role(demo):
    users = {u.username: u for u in User.objects.all()}
    assert users["admin"].is_superuser
    assert users["enterprise"].enterprise is not None
    assert users["official"].role == Role.OFFICIAL
    assert users["partner"].role == Role.PARTNER
    first, second = Association.objects.order_by("pk")
    assert users["official"].jurisdiction_id == first.region.parent_id
    assert first.region.parent_id != second.region.parent_id
    assert AssociationUser.objects.get(user=users["manager"]).is_manager
    assert AssociationUser.objects.get(user=users["staff2"]).association == second


def test_the_accounts_members_act_through_are_not_demo_logins(demo, client):
    accounts = User.objects.filter(username__startswith="member-")
    assert accounts.exists()
    for account in accounts:
        assert account.role == Role.ENTERPRISE and account.enterprise_id
        assert not account.has_usable_password()


def test_demo_enterprises_have_valid_credit_codes(demo):
    from stdnum.cn import uscc

    assert all(uscc.is_valid(code) for code in Enterprise.objects.values_list("uscc", flat=True))


def test_demo_data_has_requests_to_decide_and_valid_phones(demo):
    from core.validators import normalise_phone

    pending = Membership.objects.filter(status=Membership.Status.PENDING)
    assert pending.count() >= 2
    # The enterprises asked themselves, from their own accounts.
    for membership in pending:
        (asked,) = history_for(membership)
        assert asked.actor.enterprise_id == membership.enterprise_id
    phones = Enterprise.objects.values_list("contact_phone", flat=True)
    assert all(normalise_phone(phone) == phone for phone in phones)


def test_members_joined_on_their_day_and_their_history_says_who_added_them(demo):
    membership = Membership.objects.filter(member_number__startswith="M").order_by("pk").first()
    added, *later = history_for(membership)
    assert added.action == "membership.created"
    # later: only the association recording its dues (demo.relief)
    assert {event.action for event in later} <= {"membership.updated"}
    assert added.actor.username in ("manager", "manager2")
    assert timezone.localtime(added.at).date() == membership.joined_on
    assert membership.joined_on.year == 2019


def test_the_demo_applications_were_decided_through_the_services(demo):
    manager = User.objects.get(username="manager")
    actions = {
        application.status: [event.action for event in history_for(application)]
        for application in Application.objects.all()
    }
    assert actions[Application.Status.RESUMED] == [
        "application.created",
        "application.submitted",
        "application.approved",
        "application.resumed",
    ]
    assert actions[Application.Status.REJECTED][-1] == "application.rejected"
    assert actions[Application.Status.RETURNED][-1] == "application.returned"
    rejected = Application.objects.get(status=Application.Status.REJECTED)
    decision = history_for(rejected).last()
    assert decision.actor == manager and decision.reason
    batch = Batch.objects.get()
    assert batch.approved_count == 2  # one approved, one approved and resumed


def test_the_demo_timeline_makes_one_application_overdue(demo):
    now = timezone.now()
    waiting = Application.objects.filter(status=Application.Status.SUBMITTED)
    overdue = [a for a in waiting if a.review_due_at < now]
    assert len(waiting) == 2 and len(overdue) == 1
    (application,) = overdue
    submitted = [e for e in history_for(application) if e.action == "application.submitted"]
    assert submitted[0].at == application.submitted_at
    assert now - application.submitted_at > timedelta(days=4)


def test_the_demo_needs_went_through_matching_and_government(demo):
    official = User.objects.get(username="official")
    answered = Need.objects.get(status=Need.Status.ANSWERED)
    assert [e.action for e in history_for(answered)] == [
        "need.created",
        "need.escalated",
        "need.answered",
    ]
    assert history_for(answered).last().actor == official
    matched = Need.objects.get(status=Need.Status.IN_PROGRESS)
    assert matched.fulfilled_quantity == 600
    assert matched.matches.get().offer.remaining_quantity == 900
    # Needed two days ago: overdue now, and not yet when it was filed six days ago.
    overdue = Need.objects.get(urgency=Need.Urgency.CRITICAL)
    assert overdue.needed_by < timezone.localdate()
    assert timezone.localtime(overdue.created_at).date() < overdue.needed_by


def test_a_demo_enterprise_changed_while_trying_the_demo_is_put_back(demo):
    enterprise = Enterprise.objects.order_by("pk").first()
    name, phone = enterprise.name, enterprise.contact_phone
    Enterprise.objects.filter(pk=enterprise.pk).update(name="改过的名字", contact_phone="")
    association = Association.objects.order_by("pk").first()
    Association.objects.filter(pk=association.pk).update(contact_name="别人")
    load_demo_data()
    enterprise.refresh_from_db()
    association.refresh_from_db()
    assert (enterprise.name, enterprise.contact_phone) == (name, phone)
    assert association.contact_name == "陈敏"
    assert Enterprise.objects.filter(name=name).count() == 1
    # Put back through the service, so the history says so.
    put_back = history_for(enterprise).last()
    assert put_back.action == "enterprise.updated"
    assert put_back.actor.username == "admin"
    assert put_back.changes["name"] == ["改过的名字", name]


def test_what_was_decided_while_trying_the_demo_is_kept(demo):
    from associations.services import membership_approve

    manager = User.objects.get(username="manager")
    membership = Membership.objects.filter(
        status=Membership.Status.PENDING, association__user_links__user=manager
    ).first()
    membership_approve(actor=manager, membership_id=membership.pk)
    load_demo_data()
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE


def test_a_changed_demo_password_is_put_back(demo, client):
    staff = User.objects.get(username="staff")
    staff.set_password("something-else-2020")
    staff.save()
    load_demo_data()
    assert client.login(username="staff", password=DEMO_PASSWORD)


def test_the_demo_leaves_the_clock_as_it_found_it(demo):
    assert abs(timezone.now() - datetime.now(UTC)) < timedelta(minutes=1)
    filed = Need._meta.get_field("created_at").get_default()
    assert abs(filed - timezone.now()) < timedelta(minutes=1)
    assert abs(Event._meta.get_field("at").get_default() - timezone.now()) < timedelta(minutes=1)
