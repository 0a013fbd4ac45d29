"""Relief through the API as a partner system would use it: a scheme, its eligible enterprises,
a batch proposed and approved whole within the budget, a revocation, and the figures adding up
exactly; an enterprise reads only its own grants."""

from datetime import date

import pytest

from core.models import Role
from tests.conftest import api_as
from tests.factories import UserFactory
from tests.relief.test_eligibility import _assess, _member

pytestmark = pytest.mark.django_db


def test_a_scheme_batch_and_ledger_through_the_api(cast):
    staff, manager = api_as(cast.staff), api_as(cast.manager)
    created = staff.post(
        "/api/v1/relief-schemes/",
        {
            "name": "会费减半",
            "kind": "dues_half",
            "grades": ["severe"],
            "budget": "2500.00",
            "amount_per_grant": "1250.00",
            "active_from": "2026-01-01",
            "active_to": "2099-12-31",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    scheme = created.json()["id"]
    members = [_member(cast.association) for _ in range(3)]
    for member in members:
        _assess(member, cast.association, "severe", valid=date(2099, 1, 1))
    eligible = staff.get(f"/api/v1/relief-schemes/{scheme}/eligible/").json()
    assert eligible["count"] == 3 and eligible["results"][0]["grade"] == "severe"
    over = staff.post(
        "/api/v1/relief-grants/",
        {"scheme": scheme, "enterprises": [m.pk for m in members]},
        format="json",
    ).json()
    refused = manager.post("/api/v1/relief-grants/approve-batch/", {"batch": over["id"]})
    assert refused.status_code == 400 and "预算" in refused.json()["detail"]
    assert (
        staff.post("/api/v1/relief-grants/approve-batch/", {"batch": over["id"]}).status_code == 403
    )
    rejected = manager.post(
        "/api/v1/relief-grants/reject-batch/", {"batch": over["id"], "reason": "超出预算"}
    )
    assert rejected.json()["status"] == "rejected"
    batch = staff.post(
        "/api/v1/relief-grants/",
        {"scheme": scheme, "enterprises": [members[0].pk, members[1].pk]},
        format="json",
    ).json()
    approved = manager.post("/api/v1/relief-grants/approve-batch/", {"batch": batch["id"]})
    assert {g["status"] for g in approved.json()["grants"]} == {"granted"}
    detail = staff.get(f"/api/v1/relief-schemes/{scheme}/").json()
    assert (detail["granted"], detail["remaining"]) == ("2500.00", "0.00")
    grant = approved.json()["grants"][0]["id"]
    again = manager.post(f"/api/v1/relief-grants/{grant}/revoke/", {"reason": ""})
    assert again.status_code == 400
    manager.post(f"/api/v1/relief-grants/{grant}/revoke/", {"reason": "已恢复经营"})
    detail = staff.get(f"/api/v1/relief-schemes/{scheme}/").json()
    assert (detail["granted"], detail["remaining"]) == ("1250.00", "1250.00")
    assert (
        manager.post(f"/api/v1/relief-grants/{grant}/revoke/", {"reason": "x"}).status_code == 409
    )
    owner = UserFactory(role=Role.ENTERPRISE, enterprise=members[1])
    mine = api_as(owner).get("/api/v1/relief-grants/").json()["results"]
    assert [g["enterprise"] for g in mine] == [members[1].pk]
    assert api_as(cast.other_staff).get(f"/api/v1/relief-schemes/{scheme}/").status_code == 404
