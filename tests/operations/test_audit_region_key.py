"""An official's audit log reads a jurisdiction's events by their region key (decision 0038):
each event of an enterprise's record, membership, application or need carries the enterprise's
region code, set by the database for every writer, and the page reads by it exactly what the
rule allows (`audit.events_for`), also of an enterprise that has since moved."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import DatabaseError, connection, transaction
from django.test import Client

from associations import services as association_services
from associations.models import Membership
from batches.models import Application
from core.models import Event, Region, Role, User
from enterprises import services as enterprise_services
from enterprises.models import Enterprise
from operations import audit
from supplies import services as supply_services
from supplies.models import Need
from tests.factories import BatchFactory, UserFactory, hand_in, staff_of
from tests.members.test_import import csv_file, import_file, member_row, member_rows

pytestmark = pytest.mark.django_db

PAGE = "/operations/audit/"


def _all_pages(user: User, **params) -> list[int]:
    """Every event of the page, page after page (`before`), newest first."""
    client = Client()
    client.force_login(user)
    ids: list[int] = []
    while True:
        response = client.get(PAGE, params)
        assert response.status_code == 200
        ids += [row.event.pk for row in response.context["rows"]]
        if response.context["older"] is None:
            return ids
        params = {**params, "before": response.context["older"]}


def _by_rule(user: User) -> list[int]:
    return list(audit.events_for(user).order_by("-id").values_list("pk", flat=True))


def _region_of(event_id: int) -> str:
    return Event.objects.values_list("region", flat=True).get(pk=event_id)


def _labour_need(cast) -> Need:
    return supply_services.need_file(
        actor=cast.enterprise_user,
        kind=Need.Kind.LABOUR,
        trade="装配工",
        headcount=5,
        needed_by=cast.member.created_at.date(),
    )


def test_each_event_of_an_enterprises_records_carries_its_region_and_no_other_does(cast):
    enterprise_services.enterprise_update(
        actor=cast.admin, enterprise_id=cast.member.pk, employees=321
    )
    batch = BatchFactory(association=cast.association)
    application = hand_in(cast.enterprise_user, batch)
    need = _labour_need(cast)
    membership = Membership.objects.get(association=cast.association, enterprise=cast.member)
    association_services.membership_suspend(
        actor=cast.manager, membership_id=membership.pk, reason="会费未缴"
    )
    association_services.staff_invite(
        actor=cast.manager,
        association_id=cast.association.pk,
        username="new_staff",
        email="new@example.org",
    )

    def regions(model, pk) -> set[str]:
        return set(
            Event.objects.filter(
                content_type__model=model._meta.model_name, object_id=pk
            ).values_list("region", flat=True)
        )

    assert regions(Enterprise, cast.member.pk) == {"440106"}
    assert regions(Membership, membership.pk) == {"440106"}
    assert regions(Application, application.pk) == {"440106"}
    assert regions(Need, need.pk) == {"440106"}
    assert regions(type(cast.association), cast.association.pk) == {""}


def test_the_member_imports_events_carry_each_rows_region(cast):
    rows = member_rows(3)
    rows[1]["region_code"] = "440104"
    import_file(cast, csv_file(rows))
    rows[2]["region_code"] = "440303"  # moves to Shenzhen
    # A member of another association, in Hangzhou, is invited: its record is not the
    # importer's to change, and its events carry its own region, not the file's.
    rows.append(member_row(4, uscc=cast.other_member.uscc, region_code="440106"))
    import_file(cast, csv_file(rows), file_name="更新.csv")

    def keys(row) -> list[tuple[str, str]]:
        enterprise = Enterprise.objects.get(uscc=row["uscc"])
        membership = Membership.objects.get(enterprise=enterprise, association=cast.association)
        events = Event.objects.filter(
            content_type__model="enterprise", object_id=enterprise.pk
        ) | Event.objects.filter(content_type__model="membership", object_id=membership.pk)
        return sorted(events.values_list("action", "region"))

    assert keys(rows[0]) == [("enterprise.created", "440106"), ("membership.created", "440106")]
    assert keys(rows[1]) == [("enterprise.created", "440104"), ("membership.created", "440104")]
    invited = Membership.objects.get(enterprise=cast.other_member, association=cast.association)
    assert (
        Event.objects.get(content_type__model="membership", object_id=invited.pk).region == "330106"
    )
    assert keys(rows[2]) == [
        ("enterprise.created", "440106"),
        ("enterprise.updated", "440303"),
        ("membership.created", "440106"),
    ]


@pytest.fixture
def moved(cast):
    """A Zhejiang member suspended there, which then moved to Guangzhou (Yuexiu); and a
    Guangdong member suspended. Answers the Zhejiang suspension."""
    zhejiang = Membership.objects.get(
        association=cast.other_association, enterprise=cast.other_member
    )
    association_services.membership_suspend(
        actor=staff_of(cast.other_association, manager=True, username="zj_manager"),
        membership_id=zhejiang.pk,
        reason="会费未缴",
    )
    suspended_in_zhejiang = Event.objects.filter(action="membership.suspended").latest("id")
    _labour_need(cast)  # not escalated: not government's to read
    supply_services.need_escalate(
        actor=cast.manager, need_id=_labour_need(cast).pk, summary="本地招不到装配工"
    )
    guangdong = Membership.objects.get(association=cast.association, enterprise=cast.member)
    association_services.membership_suspend(
        actor=cast.manager, membership_id=guangdong.pk, reason="会费未缴"
    )
    enterprise_services.enterprise_update(
        actor=cast.admin,
        enterprise_id=cast.other_member.pk,
        region=Region.objects.get(code="440104"),
    )
    return suspended_in_zhejiang


def test_an_official_reads_by_the_key_exactly_what_the_rule_allows(cast, moved, monkeypatch):
    monkeypatch.setattr(audit, "PAGE_SIZE", 2)  # pages merged from the parts, and paged on
    # Written while the enterprise was in Hangzhou, and keyed so: found for Guangdong by the
    # enterprise's move.
    assert _region_of(moved.pk) == "330106"
    county = UserFactory(username="tianhe", role=Role.OFFICIAL, jurisdiction_id="440106")
    yuexiu = UserFactory(username="yuexiu", role=Role.OFFICIAL, jurisdiction_id="440104")
    guangzhou = UserFactory(username="guangzhou", role=Role.OFFICIAL, jurisdiction_id="440100")

    for official in (cast.official, cast.other_official, county, yuexiu, guangzhou):
        expected = _by_rule(official)
        assert _all_pages(official) == expected, official.username
        for kind in ("membership", "need"):
            of_kind = [pk for pk in expected if Event.objects.get(pk=pk).content_type.model == kind]
            assert _all_pages(official, kind=kind) == of_kind
            assert _all_pages(official, action=f"{kind}.") == of_kind
    escalated = Event.objects.filter(action="need.escalated").latest("id")
    assert escalated.pk in _all_pages(cast.official)
    assert len(_all_pages(cast.official, kind="need")) == 2  # filed, escalated; not the other
    assert _all_pages(cast.official, action="need.escalated") == [escalated.pk]
    assert moved.pk in _all_pages(cast.official)
    assert moved.pk in _all_pages(yuexiu)
    assert moved.pk in _all_pages(guangzhou)
    assert moved.pk not in _all_pages(cast.other_official)
    assert moved.pk not in _all_pages(county)


def test_the_key_stays_as_written_and_only_its_own_fill_may_write_it(cast):
    enterprise_services.enterprise_update(
        actor=cast.admin, enterprise_id=cast.member.pk, employees=321
    )
    keyed = Event.objects.filter(action="enterprise.updated").latest("id")
    association_services.staff_invite(
        actor=cast.manager,
        association_id=cast.association.pk,
        username="new_staff",
        email="new@example.org",
    )
    unkeyed = Event.objects.filter(action="association.staff_invited").latest("id")
    assert (keyed.region, unkeyed.region) == ("440106", "")

    def update(sql: str, event: Event) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])

    with pytest.raises(DatabaseError):
        update("UPDATE core_event SET region = '330106' WHERE id = %s", unkeyed)
    with transaction.atomic():
        # What the migration that keyed the past events says: an empty key may be filled,
        # with nothing else changed, and a key once written is not rewritten.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL portal.event_region_fill = 'on'")
        with pytest.raises(DatabaseError):
            update("UPDATE core_event SET region = '330106' WHERE id = %s", keyed)
        with pytest.raises(DatabaseError):
            update("UPDATE core_event SET region = '330106', reason = 'x' WHERE id = %s", unkeyed)
        update("UPDATE core_event SET region = '330106' WHERE id = %s", unkeyed)
    assert _region_of(keyed.pk) == "440106"
    assert _region_of(unkeyed.pk) == "330106"


def test_every_kind_read_by_the_key_is_keyed_by_the_database():
    """A kind read by its region key whose events the trigger did not key would vanish from the
    officials' pages: the trigger (operations 0002) keys exactly the kinds the audit reads so,
    and each names its enterprise."""
    trigger = importlib.import_module("operations.migrations.0002_event_region")
    keyed = {model for _app, model, _table in trigger.KINDS}
    assert keyed == set(audit.KEYED_BY_ENTERPRISE)
    assert keyed <= set(audit.OFFICIAL_READS)
    for kind, lookup in audit.KEYED_BY_ENTERPRISE.items():
        model = audit.model_of(kind)
        if lookup == "pk":
            assert model is Enterprise
        else:
            assert model._meta.get_field(lookup).related_model is Enterprise


def test_the_migration_keys_past_events_in_batches_and_only_the_empty_keys(cast, monkeypatch):
    """Events written before the key existed (here: with the triggers off) are keyed by
    operations 0002, a range of ids at a time; a key already written is left as it is."""
    migration = importlib.import_module("operations.migrations.0002_event_region")
    enterprise_services.enterprise_update(
        actor=cast.admin, enterprise_id=cast.other_member.pk, employees=12
    )
    keyed_before = Event.objects.filter(action="enterprise.updated").latest("id")
    enterprise_services.enterprise_update(  # it moves: its past key is not the region now
        actor=cast.admin,
        enterprise_id=cast.other_member.pk,
        region=Region.objects.get(code="440104"),
    )
    keyed = Event.objects.latest("id")
    with connection.cursor() as cursor:  # as if the trigger did not exist yet
        cursor.execute("SET LOCAL session_replication_role = replica")
    for employees in (1, 2, 3):
        enterprise_services.enterprise_update(
            actor=cast.admin, enterprise_id=cast.member.pk, employees=employees
        )
    membership = Membership.objects.get(association=cast.association, enterprise=cast.member)
    association_services.membership_suspend(
        actor=cast.manager, membership_id=membership.pk, reason="会费未缴"
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = origin")
    past = Event.objects.filter(pk__gt=keyed.pk)
    assert set(past.values_list("region", flat=True)) == {""}

    monkeypatch.setattr(migration, "FILL_BATCH", 2)
    with connection.schema_editor(atomic=False) as editor:
        migration.key_events(django_apps, editor)

    assert set(past.values_list("region", flat=True)) == {"440106"}
    assert _region_of(keyed_before.pk) == "330106"
    # Kept writing: the trigger, replaced as it was, keys what comes next.
    enterprise_services.enterprise_update(
        actor=cast.admin, enterprise_id=cast.member.pk, employees=4
    )
    assert Event.objects.latest("id").region == "440106"


def test_the_member_import_writes_the_key_itself_without_the_trigger(cast):
    """The import has each row's region at hand: it writes the key in its own statements, so
    that its events do not pay the trigger's lookup each (decision 0038, costs)."""
    rows = member_rows(2)
    first = Event.objects.order_by("id").values_list("pk", flat=True).last() or 0
    with connection.cursor() as cursor:  # the triggers off: what the import writes alone
        cursor.execute("SET LOCAL session_replication_role = replica")
    import_file(cast, csv_file(rows))
    rows[0]["region_code"] = "440104"
    rows.append(member_row(3, uscc=cast.other_member.uscc))
    import_file(cast, csv_file(rows), file_name="更新.csv")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = origin")
    written = Event.objects.filter(pk__gt=first)
    assert sorted(written.values_list("action", "region")) == [
        ("enterprise.created", "440106"),
        ("enterprise.created", "440106"),
        ("enterprise.updated", "440104"),
        ("membership.created", "330106"),
        ("membership.created", "440106"),
        ("membership.created", "440106"),
    ]
