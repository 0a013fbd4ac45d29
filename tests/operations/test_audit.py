"""The audit viewer: what each role reads of the event log, on the page and in the CSV.

Events are written by the real services: association A (the cast's, in Guangdong) and B (the
other, in Zhejiang) each suspend a member and invite staff; an administrator (government side)
changes each member; the cast member's own user changes its contact name."""

import csv
import io
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from associations import services as association_services
from associations.models import Membership
from core.models import Event, User
from enterprises import services as enterprise_services
from integrations import subjects
from operations import audit
from tests.factories import staff_of

pytestmark = pytest.mark.django_db

PAGE = "/operations/audit/"
EXPORT = "/operations/audit/export.csv"


@dataclass
class Story:
    cast: object
    b_manager: User
    a_membership: Membership
    b_membership: Membership
    admin_changed_a: Event  # government side, on A's member
    member_changed_a: Event  # the enterprise's own user, no status
    a_suspended: Event  # A's manager, a status change with a reason
    a_invited: Event  # A's manager invites staff
    b_suspended: Event
    b_invited: Event
    admin_changed_b: Event

    def a_events(self) -> set[int]:
        return {
            e.pk
            for e in (self.admin_changed_a, self.member_changed_a, self.a_suspended, self.a_invited)
        }

    def b_events(self) -> set[int]:
        return {e.pk for e in (self.b_suspended, self.b_invited, self.admin_changed_b)}


def _last(action: str, obj) -> Event:
    return Event.objects.filter(action=action, object_id=obj.pk).latest("id")


@pytest.fixture
def story(cast) -> Story:
    User.objects.filter(pk=cast.manager.pk).update(first_name="王芳")
    User.objects.filter(pk=cast.admin.pk).update(first_name="陈平")
    cast.manager.refresh_from_db()
    b_manager = staff_of(
        cast.other_association, manager=True, username="b_manager", first_name="赵敏"
    )
    a_membership = Membership.objects.get(association=cast.association, enterprise=cast.member)
    b_membership = Membership.objects.get(
        association=cast.other_association, enterprise=cast.other_member
    )
    enterprise_services.enterprise_update(
        actor=cast.admin, enterprise_id=cast.member.pk, employees=321
    )
    admin_changed_a = _last("enterprise.updated", cast.member)
    enterprise_services.enterprise_update(
        actor=cast.enterprise_user, enterprise_id=cast.member.pk, contact_name="李雷"
    )
    member_changed_a = _last("enterprise.updated", cast.member)
    association_services.membership_suspend(
        actor=cast.manager, membership_id=a_membership.pk, reason="=1+2 会费未缴"
    )
    association_services.staff_invite(
        actor=cast.manager,
        association_id=cast.association.pk,
        username="a_new_staff",
        email="a_new@example.org",
    )
    association_services.membership_suspend(
        actor=b_manager, membership_id=b_membership.pk, reason="B 的理由"
    )
    association_services.staff_invite(
        actor=b_manager,
        association_id=cast.other_association.pk,
        username="b_new_staff",
        email="b_new@example.org",
    )
    enterprise_services.enterprise_update(
        actor=cast.admin, enterprise_id=cast.other_member.pk, employees=77
    )
    return Story(
        cast=cast,
        b_manager=b_manager,
        a_membership=a_membership,
        b_membership=b_membership,
        admin_changed_a=admin_changed_a,
        member_changed_a=member_changed_a,
        a_suspended=_last("membership.suspended", a_membership),
        a_invited=_last("association.staff_invited", cast.association),
        b_suspended=_last("membership.suspended", b_membership),
        b_invited=_last("association.staff_invited", cast.other_association),
        admin_changed_b=_last("enterprise.updated", cast.other_member),
    )


def _client(user, *, english: bool = False) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    if english:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _page(user, *, english: bool = False, **params):
    response = _client(user, english=english).get(PAGE, params)
    return response, response.content.decode()


def _page_ids(user, **params) -> list[int]:
    response, html = _page(user, **params)
    assert response.status_code == 200, html[:500]
    return [row.event.pk for row in response.context["rows"]]


def _csv(user, **params) -> list[list[str]]:
    response = _client(user).get(EXPORT, params)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def _csv_ids(user, **params) -> list[int]:
    return [int(row[0]) for row in _csv(user, **params)[1:]]


def _new_ids(ids, story: Story) -> set[int]:
    """The ids among `ids` that the story wrote (other events may exist from the cast)."""
    return set(ids) & (story.a_events() | story.b_events())


# --- who reads what ---------------------------------------------------------------------------


def test_an_admin_reads_every_event_newest_first(story):
    ids = _page_ids(story.cast.admin)
    assert _new_ids(ids, story) == story.a_events() | story.b_events()
    assert ids == sorted(ids, reverse=True)
    assert _new_ids(_csv_ids(story.cast.admin), story) == story.a_events() | story.b_events()


def test_a_manager_reads_their_associations_events_and_never_another_associations(story):
    manager = story.cast.manager
    ids = _page_ids(manager)
    assert _new_ids(ids, story) == story.a_events()
    assert _new_ids(_csv_ids(manager), story) == story.a_events()
    assert not set(ids) & story.b_events()
    # B's manager reads B's, not A's.
    assert _new_ids(_page_ids(story.b_manager), story) == story.b_events()
    assert _new_ids(_csv_ids(story.b_manager), story) == story.b_events()


def test_a_manager_filtering_by_another_associations_object_finds_nothing(story):
    manager = story.cast.manager
    for params in (
        {"kind": "membership", "object_id": story.b_membership.pk},
        {"kind": "enterprise", "object_id": story.cast.other_member.pk},
        {"kind": "association", "object_id": story.cast.other_association.pk},
    ):
        assert _page_ids(manager, **params) == [], params
        assert _csv_ids(manager, **params) == [], params
    # the same filter on their own object finds it
    own = _page_ids(manager, kind="membership", object_id=story.a_membership.pk)
    assert own == [story.a_suspended.pk]


def test_a_manager_reads_who_did_what_and_why(story):
    response, html = _page(story.cast.manager, kind="membership")
    (row,) = response.context["rows"]
    assert row.who.startswith("王芳")
    assert row.reason == "=1+2 会费未缴"
    assert "manager" not in row.who  # never the login name
    response, html = _page(story.cast.manager, action="enterprise.updated")
    changed = {row.event.pk: row for row in response.context["rows"]}
    admin_change = changed[story.admin_changed_a.pk]
    assert [new for _label, _old, new in admin_change.changes] == [321]
    assert f'href="/enterprises/{story.cast.member.pk}/"' in html


def test_an_official_reads_the_status_changes_of_their_jurisdiction_without_who_or_why(story):
    official = story.cast.official
    response, html = _page(official)
    rows = {row.event.pk: row for row in response.context["rows"]}
    # government's own change in full; the association's suspension as a status change only;
    # the enterprise's own edit and the staff invitation (no status) not at all; nothing of B.
    assert _new_ids(rows, story) == {story.admin_changed_a.pk, story.a_suspended.pk}
    suspended = rows[story.a_suspended.pk]
    assert suspended.who == "—"
    assert suspended.reason == "" and suspended.changes == []
    assert suspended.to_label
    assert "王芳" not in html and "会费未缴" not in html
    changed = rows[story.admin_changed_a.pk]
    assert changed.who.startswith("陈平")
    assert changed.changes
    assert 'data-testid="audit-government-note"' in html

    table = _csv(official)
    by_id = {int(row[0]): row for row in table[1:]}
    assert _new_ids(by_id, story) == {story.admin_changed_a.pk, story.a_suspended.pk}
    assert by_id[story.a_suspended.pk][2] == "—"
    assert by_id[story.a_suspended.pk][9] == ""  # reason
    assert "王芳" not in str(table) and "会费未缴" not in str(table)


def test_an_official_cannot_find_an_association_side_actor_by_name(story):
    assert _page_ids(story.cast.official, person="王芳") == []
    assert _csv_ids(story.cast.official, person="王芳") == []
    # government's own actors are found
    assert story.admin_changed_a.pk in _page_ids(story.cast.official, person="陈平")


def test_an_official_of_another_jurisdiction_reads_only_theirs(story):
    ids = _page_ids(story.cast.other_official)
    assert _new_ids(ids, story) == {story.admin_changed_b.pk, story.b_suspended.pk}
    assert _new_ids(_csv_ids(story.cast.other_official), story) == {
        story.admin_changed_b.pk,
        story.b_suspended.pk,
    }


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("staff", 403),
        ("other_staff", 403),
        ("enterprise_user", 403),
        ("outsider", 403),
        ("partner", 403),
        ("anonymous", 302),
    ],
)
def test_roles_without_the_audit_log_are_refused(story, role, expected):
    user = story.cast.by_role(role)
    for url in (PAGE, EXPORT):
        response = _client(user).get(url)
        assert response.status_code == expected, (role, url)
        if expected == 302:
            assert response["Location"].startswith("/login/")
    assert not audit.events_for(user).exists()


def test_every_kind_the_feed_follows_has_an_owner_and_a_government_decision():
    names = set(subjects.subjects())
    assert names == set(audit.MANAGED_BY)
    assert names == set(audit.OFFICIAL_READS) | audit.NOT_FOR_GOVERNMENT
    assert not set(audit.OFFICIAL_READS) & audit.NOT_FOR_GOVERNMENT


# --- filters ----------------------------------------------------------------------------------


def test_filters_by_person_action_object_and_days(story):
    manager = story.cast.manager
    assert _new_ids(_page_ids(manager, person="王芳"), story) == {
        story.a_suspended.pk,
        story.a_invited.pk,
    }
    assert _new_ids(_page_ids(manager, action="membership."), story) == {story.a_suspended.pk}
    assert _new_ids(_page_ids(manager, action="membership"), story) == {story.a_suspended.pk}
    assert _new_ids(_page_ids(manager, action="enterprise.updated"), story) == {
        story.admin_changed_a.pk,
        story.member_changed_a.pk,
    }
    assert _new_ids(
        _page_ids(manager, kind="enterprise", object_id=story.cast.member.pk), story
    ) == {story.admin_changed_a.pk, story.member_changed_a.pk}
    today = timezone.localdate()
    assert _new_ids(_page_ids(manager, since=today, until=today), story) == story.a_events()
    assert _page_ids(manager, until=today - timedelta(days=1)) == []
    assert _page_ids(manager, since=today + timedelta(days=1)) == []
    # the CSV takes the same filters
    assert _new_ids(_csv_ids(manager, action="membership."), story) == {story.a_suspended.pk}


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"since": "2026-03-10", "until": "2026-03-01"}, "until", "comes before the first"),
        ({"action": "need.*"}, "action", "as the log names it"),
        ({"object_id": "5"}, "kind", "which kind of object"),
        ({"object_id": "abc", "kind": "need"}, "object_id", ""),
        ({"kind": "nothing"}, "kind", ""),
        ({"since": "31/02/2026"}, "since", ""),
    ],
)
def test_bad_filters_are_refused_with_the_field_to_fix(story, params, field, message):
    response, html = _page(story.cast.manager, english=True, **params)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert 'class="field-error"' in html
    assert response.context["rows"] == []
    assert _client(story.cast.manager).get(EXPORT, params).status_code == 400


def test_an_official_may_not_filter_by_a_kind_they_do_not_read(story):
    response, _html = _page(story.cast.official, kind="case")
    assert response.status_code == 400
    assert "kind" in response.context["form"].errors


# --- pages and the CSV ------------------------------------------------------------------------


def test_pages_go_on_with_before_without_gaps_or_repeats(story):
    admin = story.cast.admin
    for employees in range(55):
        enterprise_services.enterprise_update(
            actor=admin, enterprise_id=story.cast.member.pk, employees=1000 + employees
        )
    response, html = _page(admin, action="enterprise.updated")
    first = [row.event.pk for row in response.context["rows"]]
    assert len(first) == audit.PAGE_SIZE
    older = response.context["older"]
    assert older == first[-1]
    assert f"before={older}" in html
    response, html = _page(admin, action="enterprise.updated", before=older)
    second = [row.event.pk for row in response.context["rows"]]
    assert second and max(second) < min(first)
    everything = Event.objects.filter(action="enterprise.updated").order_by("-id")
    assert first + second == list(everything.values_list("pk", flat=True))
    assert response.context["older"] is None
    assert 'data-testid="audit-newest"' in html


def test_the_csv_is_formula_safe_named_by_date_and_says_when_it_stops(story, monkeypatch):
    manager = story.cast.manager
    response = _client(manager).get(EXPORT)
    assert timezone.localdate().isoformat() in response["Content-Disposition"]
    assert response["Content-Type"].startswith("text/csv")
    table = _csv(manager, kind="membership")
    assert table[1][9] == "'=1+2 会费未缴"  # a reason typed as a formula stays text

    monkeypatch.setattr(audit, "CSV_CAP", 2)
    table = _csv(manager)
    assert len(table) == 1 + 2 + 1
    assert "2" in table[-1][0] and len(table[-1]) == 1
