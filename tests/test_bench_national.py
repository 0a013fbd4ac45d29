"""The national data set's generator (bench/national.py) at a tiny size: every association has
members in its own province, its tables are filled in proportion to its members, every row
points at rows that exist, and a second run adds nothing."""

import pytest
from django.db import connection
from django.db.models import Count

from associations.models import Association, Membership
from batches.models import Application
from bench import generate, national
from core.models import Event
from enterprises.models import Enterprise
from integrations.models import Delivery
from market.models import Complaint
from notices.models import NoticeRecipient
from services.models import ServiceRequest
from supplies.models import Escalation, Need

TINY = national.Scale(enterprises=700, associations=32, needs_per_member=3, chunk=250)
BENCH_MEMBERS = 200


@pytest.fixture
def national_set(monkeypatch):
    import bench.__main__ as bench_main

    monkeypatch.setattr(bench_main, "APPLICATIONS", 20)
    monkeypatch.setattr(bench_main, "NEEDS", BENCH_MEMBERS * TINY.needs_per_member)
    codes = generate.ReferenceCodes()
    bench = generate.populate_members(BENCH_MEMBERS, codes)
    return bench, national.populate(bench, TINY, codes=codes), codes


FOREIGN_KEYS = """
SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, p.attname
FROM pg_constraint c
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
JOIN pg_attribute p ON p.attrelid = c.confrelid AND p.attnum = c.confkey[1]
WHERE c.contype = 'f' AND cardinality(c.conkey) = 1 AND c.conparentid = 0
"""


def _dangling_keys() -> list[str]:
    """Every single-column foreign key of the schema whose value names no row."""
    dangling = []
    with connection.cursor() as cursor:
        cursor.execute(FOREIGN_KEYS)
        for table, column, target, key in cursor.fetchall():
            cursor.execute(
                f'SELECT count(*) FROM {table} t WHERE t."{column}" IS NOT NULL AND NOT EXISTS '  # noqa: S608 - names from the catalog
                f'(SELECT 1 FROM {target} p WHERE p."{key}" = t."{column}")'
            )
            if count := cursor.fetchone()[0]:
                dangling.append(f"{table}.{column}: {count}")
    return dangling


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_national_set_is_in_proportion_and_consistent(national_set):
    bench, populations, codes = national_set
    assert Association.objects.count() == TINY.associations
    assert Enterprise.objects.count() == TINY.enterprises
    members = dict(Membership.objects.values_list("association").annotate(n=Count("id")).order_by())
    assert sum(members.values()) == TINY.enterprises
    # Each association's members are in its own province (the bench association excepted).
    for population in populations:
        province = population.association.region_id[:2]
        assert (
            not Membership.objects.filter(association=population.association)
            .exclude(enterprise__region__code__startswith=province)
            .exists()
        )
    # Needs: ten (here three) a member, in every association.
    needs = dict(Need.objects.values_list("association").annotate(n=Count("id")).order_by())
    assert needs == {a: n * TINY.needs_per_member for a, n in members.items()}
    # Every need was filed (an event each), every escalation has its event.
    need_events = Event.objects.filter(content_type__model="need")
    assert need_events.filter(action="need.created").count() == Need.objects.count()
    assert need_events.filter(action="need.escalated").count() == Escalation.objects.count()
    # Two batches an association, applications in their share of the members.
    applications = Application.objects.exclude(batch__association=bench.association).count()
    national_members = TINY.enterprises - BENCH_MEMBERS
    share = TINY.first_batch_share + TINY.second_batch_share
    assert national_members * share // 100 - 2 * len(populations) <= applications
    assert applications <= national_members * share // 100
    # The newer capabilities, in proportion: two requests and a complaint a member, a notice
    # receipt per member, a delivery per tenth need.
    assert ServiceRequest.objects.count() == 2 * TINY.enterprises
    assert Complaint.objects.count() == TINY.enterprises
    assert NoticeRecipient.objects.count() == TINY.enterprises
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM supplies_need WHERE id % 10 = 0")
        assert Delivery.objects.filter(event__isnull=False).count() == cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM supplies_need n LEFT JOIN associations_membership m "
            "ON m.enterprise_id = n.enterprise_id AND m.association_id = n.association_id "
            "WHERE m.id IS NULL"
        )
        assert cursor.fetchone()[0] == 0  # every need is of a member of its association
        # Each event of a membership, application or need carries its enterprise's region
        # (the key an official's audit log reads by, decision 0038).
        for table in ("associations_membership", "batches_application", "supplies_need"):
            model = table.split("_", 1)[1]
            cursor.execute(
                f"SELECT count(*), count(*) FILTER (WHERE v.region <> e.region_id) "  # noqa: S608
                f"FROM core_event v JOIN django_content_type t ON t.id = v.content_type_id "
                f"JOIN {table} s ON s.id = v.object_id "
                f"JOIN enterprises_enterprise e ON e.id = s.enterprise_id WHERE t.model = %s",
                [model],
            )
            events, other_region = cursor.fetchone()
            assert events > 0 and other_region == 0, table

    counts = {model: model.objects.count() for model in (Need, Event, Delivery, Complaint)}
    national.populate(bench, TINY, codes=codes)
    assert {model: model.objects.count() for model in counts} == counts
