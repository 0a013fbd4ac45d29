"""Staff give the contact persons of their members an account of the enterprise: a text message
to the recorded mobile number with a link that sets the password — one member from its page or
many from the member list, after a page that says who gets a message and who cannot."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from associations import services
from associations.access import has_own_users
from associations.services import contact_invite
from core import sms
from core.errors import DomainError
from core.models import Role, User
from core.tasks import send_password_link
from enterprises.access import may_edit
from tests.factories import EnterpriseFactory, MembershipFactory, UserFactory, staff_of

pytestmark = pytest.mark.django_db

INVITE = "/members/invite-contacts/"
NEW_PASSWORD = "Resume-Work-2020!"


@pytest.fixture(autouse=True)
def _outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def texts(monkeypatch):
    """The invitations handed to Celery on commit, sent at once as the worker would."""
    monkeypatch.setattr(send_password_link, "delay", lambda **k: send_password_link.run(**k))
    return sms.outbox


@pytest.fixture
def kept(cast):
    """A member the association registered, with no account of its own yet."""
    enterprise = EnterpriseFactory(
        name="广州顺达五金有限公司", contact_name="陈静", contact_phone="+8613912345678"
    )
    return MembershipFactory(enterprise=enterprise, association=cast.association)


@pytest.fixture
def invite(django_capture_on_commit_callbacks):
    """Invite as the service does, the text leaving once the change commits."""

    def invite(actor, membership):
        with django_capture_on_commit_callbacks(execute=True):
            return contact_invite(actor=actor, membership_ids=[membership.pk])

    return invite


def post(client, url, django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(url, data)


def test_one_contact_is_invited_from_the_member_page_and_sets_a_password(
    cast, kept, texts, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(cast.manager)
    page = client.get(f"/memberships/{kept.pk}/").content.decode()
    assert f"{INVITE}?membership={kept.pk}" in page

    confirm = client.get(f"{INVITE}?membership={kept.pk}")
    assert confirm.status_code == 200 and [m.pk for m in confirm.context["ready"]] == [kept.pk]
    assert not texts and not User.objects.filter(phone="+8613912345678").exists()

    response = post(
        client,
        f"{INVITE}?membership={kept.pk}",
        django_capture_on_commit_callbacks,
        confirm="yes",
        membership=[kept.pk],
    )
    assert response.status_code == 302 and response["Location"] == f"/memberships/{kept.pk}/"
    user = User.objects.get(phone="+8613912345678")
    assert (user.role, user.enterprise_id, user.first_name, user.username) == (
        Role.ENTERPRISE,
        kept.enterprise_id,
        "陈静",
        "13912345678",
    )
    assert not user.has_usable_password()
    [text] = texts
    assert text.number == "+8613912345678" and "13912345678" in text.text
    # Until the contact sets a password, the association still keeps the record.
    assert may_edit(cast.manager, kept.enterprise) and not has_own_users(kept.enterprise_id)

    link = re.search(r"http://testserver(/accounts/reset/\S+/)", text.text).group(1)
    invitee = Client()
    form_page = invitee.get(link, follow=True)
    invitee.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert invitee.login(username="13912345678", password=NEW_PASSWORD)
    assert invitee.get("/batches/").status_code == 200
    # Now the enterprise answers for itself.
    assert has_own_users(kept.enterprise_id) and not may_edit(cast.manager, kept.enterprise)
    assert "invite-contact" not in client.get(f"/memberships/{kept.pk}/").content.decode()


def test_inviting_again_sends_again_to_the_same_account_once_a_day(
    cast, kept, texts, monkeypatch, invite
):
    invite(cast.manager, kept)
    # Once a day at most: a second text the same day is refused with the reason.
    with pytest.raises(DomainError):
        contact_invite(actor=cast.manager, membership_ids=[kept.pk])
    monkeypatch.setattr(services, "CONTACT_INVITE_AGAIN_AFTER", timedelta(0))  # a day later
    invite(cast.manager, kept)
    assert len(texts) == 2
    assert User.objects.filter(enterprise=kept.enterprise).count() == 1


def test_the_page_lists_who_cannot_be_invited_and_why_and_sends_only_on_confirming(
    cast, kept, texts, django_capture_on_commit_callbacks
):
    landline = MembershipFactory(
        enterprise=EnterpriseFactory(name="广州固话公司", contact_phone="+862087654321"),
        association=cast.association,
    )
    no_phone = MembershipFactory(
        enterprise=EnterpriseFactory(name="广州无电话公司", contact_phone=""),
        association=cast.association,
    )
    taken = MembershipFactory(
        enterprise=EnterpriseFactory(name="广州号码已用公司", contact_phone="+8613700000001"),
        association=cast.association,
    )
    UserFactory(username="someone", phone="+8613700000001")
    # cast.member has an enterprise user of its own already.
    client = Client()
    client.force_login(cast.manager)

    page = client.get(INVITE)
    assert {m.pk for m in page.context["ready"]} == {kept.pk}
    reasons = {m.pk: problem for m, problem in page.context["left_out"]}
    assert set(reasons) == {landline.pk, no_phone.pk, taken.pk, cast.member.memberships.get().pk}
    assert "mobile" in str(reasons[landline.pk]) or "手机" in str(reasons[landline.pk])

    post(client, INVITE, django_capture_on_commit_callbacks)  # no confirmation: nothing
    assert not texts
    response = post(
        client, INVITE, django_capture_on_commit_callbacks, confirm="yes", membership=[kept.pk]
    )
    assert response.status_code == 302
    assert [t.number for t in texts] == ["+8613912345678"]
    assert not User.objects.filter(enterprise=landline.enterprise).exists()


def test_the_list_filters_choose_the_members(cast, kept, texts, django_capture_on_commit_callbacks):
    other = MembershipFactory(
        enterprise=EnterpriseFactory(name="深圳另一家公司", contact_phone="+8613812345679"),
        association=cast.association,
    )
    client = Client()
    client.force_login(cast.manager)
    page = client.get(INVITE, {"search": "顺达"})
    assert [m.pk for m in page.context["ready"]] == [kept.pk]
    post(
        client,
        f"{INVITE}?search=顺达",
        django_capture_on_commit_callbacks,
        confirm="yes",
        membership=[kept.pk, other.pk],  # what the page did not show is not invited
    )
    assert not User.objects.filter(enterprise=other.enterprise).exists()
    assert User.objects.filter(enterprise=kept.enterprise).exists()


def test_nobody_invites_for_an_enterprise_another_association_keeps(cast, texts):
    shared = EnterpriseFactory(name="两会共有公司", contact_phone="+8613600000002")
    MembershipFactory(enterprise=shared, association=cast.other_association)
    mine = MembershipFactory(enterprise=shared, association=cast.association)

    with pytest.raises(DomainError):
        contact_invite(actor=cast.manager, membership_ids=[mine.pk])
    # Staff of another association cannot reach this association's members at all.
    client = Client()
    client.force_login(staff_of(cast.other_association, manager=True))
    assert client.get(f"{INVITE}?membership={mine.pk}").context["ready"] == []
    with pytest.raises(DomainError):
        contact_invite(actor=cast.other_staff, membership_ids=[mine.pk])
    assert not texts and not User.objects.filter(enterprise=shared).exists()


@pytest.mark.parametrize(
    "role", ["staff", "other_staff", "enterprise_user", "official", "partner", "outsider"]
)
def test_only_association_people_invite_contacts(cast, kept, role):
    client = Client()
    client.force_login(getattr(cast, role))
    assert client.get(f"{INVITE}?membership={kept.pk}").status_code == 403
    with pytest.raises((DomainError, PermissionDenied)):
        contact_invite(actor=getattr(cast, role), membership_ids=[kept.pk])
    assert not User.objects.filter(enterprise=kept.enterprise).exists()


def test_a_membership_id_that_is_not_a_number_is_no_error(cast):
    client = Client()
    client.force_login(cast.manager)
    for odd in ("abc", "²", "-1"):
        assert client.get(f"{INVITE}?membership={odd}").context["ready"] == []


def test_a_waiting_invitation_stops_working_once_the_enterprise_has_its_own_user(
    cast, kept, texts, invite
):
    """The owner claimed the enterprise meanwhile: the association's old link opens nothing."""
    invite(cast.manager, kept)
    link = re.search(r"(/accounts/reset/\S+/)", texts[0].text).group(1)
    UserFactory(username="real_owner", enterprise=kept.enterprise)

    invitee = Client()
    page = invitee.get(link, follow=True)
    assert not page.context["validlink"]
    assert (
        not has_own_users(kept.enterprise_id)
        or User.objects.get(username="13912345678").has_usable_password() is False
    )


def test_an_account_an_admin_made_without_a_password_still_answers_for_the_enterprise(cast, kept):
    """Only the association's own invitations wait: any other account of the enterprise,
    even one that never logged in, keeps the association from inviting."""
    made = UserFactory(username="made_by_admin", enterprise=kept.enterprise)
    made.set_unusable_password()
    made.save()
    assert has_own_users(kept.enterprise_id)
    with pytest.raises(DomainError):
        contact_invite(actor=cast.manager, membership_ids=[kept.pk])


def test_confirming_invites_only_the_members_the_page_showed(
    cast, kept, texts, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(cast.manager)
    shown = client.get(INVITE, {"search": "广州"}).context["ready"]
    assert [m.pk for m in shown] == [kept.pk]
    # A member the filter lists only after the page was shown.
    MembershipFactory(
        enterprise=EnterpriseFactory(name="广州后来公司", contact_phone="+8613812345670"),
        association=cast.association,
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{INVITE}?search=广州", {"confirm": "yes", "membership": [kept.pk]})
    assert [t.number for t in texts] == ["+8613912345678"]
