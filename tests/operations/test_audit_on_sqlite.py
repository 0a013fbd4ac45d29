"""The audit log as `make run` serves it, on SQLite: there the events carry no region key (the
database's trigger is PostgreSQL's) and a UNION cannot page its parts, so an official's page
reads by the rule as one query (operations.audit._parts)."""

import pytest

from tests.make_run import MIGRATED, run_as_make_run

SCRIPT = (
    MIGRATED
    + """
from django.test import Client
from django.test.utils import setup_test_environment

setup_test_environment()  # the responses carry their context
from associations import services as association_services
from core.models import Event, Role
from enterprises import services as enterprise_services
from tests.factories import AssociationFactory, EnterpriseFactory, MembershipFactory
from tests.factories import UserFactory, staff_of

association = AssociationFactory(region_id="440100")
member = EnterpriseFactory(region_id="440106")
membership = MembershipFactory(enterprise=member, association=association)
manager = staff_of(association, manager=True, username="manager")
admin = UserFactory(username="admin", role=Role.ADMIN, is_staff=True, is_superuser=True)
official = UserFactory(username="official", role=Role.OFFICIAL, jurisdiction_id="440000")
association_services.membership_suspend(
    actor=manager, membership_id=membership.pk, reason="fees"
)
enterprise_services.enterprise_update(actor=admin, enterprise_id=member.pk, employees=9)
seen = {}
for user in (official, manager, admin):
    client = Client()
    client.force_login(user)
    for query in ("", "?action=membership.", "?kind=enterprise"):
        response = client.get("/operations/audit/" + query)
        seen[user.username + query] = [response.status_code, len(response.context["rows"])]
seen["regions"] = sorted(set(Event.objects.values_list("region", flat=True)))
print(json.dumps(seen))
"""
)


@pytest.mark.slow
def test_each_reader_opens_the_audit_log_on_sqlite(tmp_path):
    seen = run_as_make_run(tmp_path, SCRIPT)
    assert seen.pop("regions") == [""]  # no key without the trigger
    assert seen == {
        "official": [200, 2],  # the suspension (a status change) and the admin's change
        "official?action=membership.": [200, 1],
        "official?kind=enterprise": [200, 1],
        "manager": [200, 2],
        "manager?action=membership.": [200, 1],
        "manager?kind=enterprise": [200, 1],
        "admin": [200, 2],
        "admin?action=membership.": [200, 1],
        "admin?kind=enterprise": [200, 1],
    }
