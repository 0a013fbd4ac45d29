"""Relief schemes as staff and managers use them: a scheme made on its page, its eligible
members ticked and proposed, the batch approved by a manager, a grant revoked, the ledger adding
up on the page and in the downloads, and an enterprise reading its own relief."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from relief.models import ReliefGrant, ReliefScheme
from tests.relief.test_eligibility import _assess, _member

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_scheme_from_its_page_to_the_ledger(cast):
    staff, manager = _client(cast.staff), _client(cast.manager)
    refused = staff.post(
        "/relief/schemes/new/",
        {
            "name": "会费全免",
            "kind": "dues_full",
            "budget": "2500",
            "amount_per_grant": "1000",
            "active_from": "2026-01-01",
            "active_to": "2025-01-01",
        },
    )
    assert refused.status_code == 200 and not ReliefScheme.objects.exists()
    answer = staff.post(
        "/relief/schemes/new/",
        {
            "name": "会费全免",
            "kind": "dues_full",
            "grades": ["severe"],
            "budget": "2500",
            "amount_per_grant": "1000",
            "active_from": "2026-01-01",
            "active_to": "2099-12-31",
            "regions": "广东省",
            "industries": "C",
        },
    )
    scheme = ReliefScheme.objects.get()
    assert answer.status_code == 302 and [r.code for r in scheme.regions.all()] == ["440000"]
    members = [_member(cast.association) for _ in range(3)]
    for member in members:
        _assess(member, cast.association, "severe", valid=date(2099, 1, 1))
    page = staff.get(f"/relief/schemes/{scheme.pk}/").content.decode()
    assert page.count('data-testid="eligible-row"') == 3
    assert page.count('data-testid="eligible-amount">1000.00<') == 3  # no dues recorded
    staff.post(f"/relief/schemes/{scheme.pk}/propose/", {"enterprise": [m.pk for m in members]})
    batch = scheme.grant_batches.get()
    # three grants of 1000 pass a budget of 2500: refused whole
    assert staff.post(f"/relief/batches/{batch.pk}/approve/").status_code == 403
    manager.post(f"/relief/batches/{batch.pk}/approve/")
    assert not ReliefGrant.objects.filter(status="granted").exists()
    manager.post(f"/relief/batches/{batch.pk}/reject/", {"reason": "超出预算"})
    staff.post(
        f"/relief/schemes/{scheme.pk}/propose/", {"enterprise": [members[0].pk, members[1].pk]}
    )
    second = scheme.grant_batches.exclude(pk=batch.pk).get()
    manager.post(f"/relief/batches/{second.pk}/approve/")
    grant = ReliefGrant.objects.filter(status="granted").first()
    manager.post(f"/relief/grants/{grant.pk}/revoke/", {"reason": "已恢复经营"})
    page = staff.get("/relief/").content.decode()
    ledger = page.split('data-testid="ledger-row"')[1]
    assert "2500.00" in ledger and "1000.00" in ledger and "1500.00" in ledger
    rows = list(
        csv.reader(io.StringIO(staff.get("/relief/ledger.csv").getvalue().decode("utf-8-sig")))
    )
    assert rows[1][2:] == ["2500.00", "1000.00", "1000.00", "1500.00"]
    assert rows[-1][2:] == rows[1][2:]  # the total of one scheme
    assert Decimal(rows[1][3]) + Decimal(rows[1][5]) == Decimal(rows[1][2])
    # the enterprise granted reads its own relief; another association's staff nothing of it
    mine = _client(cast.enterprise_user).get("/relief/mine/").content.decode()
    assert 'data-testid="grant-row"' not in mine  # the cast member was not granted
    assert _client(cast.other_staff).get(f"/relief/schemes/{scheme.pk}/").status_code == 404
    assert _client(cast.other_staff).post(f"/relief/grants/{grant.pk}/revoke/").status_code == 403


def test_the_eligible_list_shows_what_each_member_would_be_granted(cast):
    """A half waiver: a member with recorded dues is offered half of them, one without the
    scheme's amount."""
    from associations.models import Membership

    scheme = ReliefScheme.objects.create(
        association=cast.association,
        name="会费减半",
        kind=ReliefScheme.Kind.DUES_WAIVED_HALF,
        grades=["severe"],
        budget=Decimal("10000"),
        amount_per_grant=Decimal("500"),
        active_from=date(2026, 1, 1),
        active_to=date(2099, 12, 31),
    )
    recorded, unrecorded = _member(cast.association), _member(cast.association)
    for member in (recorded, unrecorded):
        _assess(member, cast.association, "severe", valid=date(2099, 1, 1))
    Membership.objects.filter(enterprise=recorded).update(annual_dues=Decimal("2400.00"))
    page = _client(cast.staff).get(f"/relief/schemes/{scheme.pk}/").content.decode()
    rows = page.split('data-testid="eligible-row"')[1:]
    amounts = {
        next(m.name for m in (recorded, unrecorded) if m.name in row): row.split(
            'data-testid="eligible-amount">'
        )[1].split("<")[0]
        for row in rows
    }
    assert amounts == {recorded.name: "1200.00", unrecorded.name: "500.00"}
