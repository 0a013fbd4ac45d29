"""Read-your-writes with a replica configured (core.replica): a request that wrote pins its user
to the primary, in the shared cache by user id and in a signed cookie that still holds when the
cache has lost it; reads and refused writes pin nobody. Reads on a real replica:
tests/faults/test_replica.py."""

import pytest
from django.test import RequestFactory

from core import replica
from tests.reports.sample import quiet_tasks, ready_report

pytestmark = [
    pytest.mark.django_db,
    # Only `replica.configured()` reads the alias here; no connection is made to it.
    pytest.mark.filterwarnings("ignore:Overriding setting DATABASES"),
]


@pytest.fixture
def with_replica(settings, monkeypatch):
    quiet_tasks(monkeypatch)
    settings.DATABASES = {**settings.DATABASES, replica.REPLICA: settings.DATABASES["default"]}
    monkeypatch.setattr(replica, "replica_usable", lambda: False)  # reads stay on the primary


def pinned_with(cookies: dict, user) -> bool:
    request = RequestFactory().get("/reports/")
    request.COOKIES.update({name: morsel.value for name, morsel in cookies.items()})
    request.user = user
    return replica.pinned(request)


def test_a_write_pins_its_user_until_the_cookie_and_cache_expire(cast, client, with_replica):
    report = ready_report(association=cast.association)
    client.force_login(cast.staff)
    assert client.get(f"/reports/{report.pk}/").status_code == 200
    assert replica.PIN_COOKIE not in client.cookies
    assert not pinned_with({}, cast.staff)

    response = client.post(f"/reports/{report.pk}/remarks/", {"remarks": "复工顺利"})
    assert response.status_code == 302
    assert pinned_with({}, cast.staff)  # by user id: any web process, API tokens too
    assert not pinned_with({}, cast.manager)
    replica.unpin(cast.staff)  # lost, as when Redis is down: the cookie pins
    assert pinned_with(response.cookies, cast.staff)
    assert response.cookies[replica.PIN_COOKIE]["max-age"] == 10


def test_a_refused_write_pins_nobody(cast, client, with_replica):
    client.force_login(cast.staff)
    response = client.post("/reports/request/", {"period_type": "no such period"})
    assert response.status_code == 400
    assert replica.PIN_COOKIE not in response.cookies
    assert not pinned_with({}, cast.staff)


def test_without_a_replica_nothing_is_pinned(cast, client, settings, monkeypatch):
    quiet_tasks(monkeypatch)
    report = ready_report(association=cast.association)
    client.force_login(cast.staff)
    response = client.post(f"/reports/{report.pk}/remarks/", {"remarks": "复工顺利"})
    assert response.status_code == 302
    assert replica.PIN_COOKIE not in response.cookies
    # The write is remembered (it makes the user's list counts exact, core.api.pagination), but
    # with no replica every read is on the primary anyway.
    assert replica.wrote_within(cast.staff, 10)
    assert not replica.configured()
