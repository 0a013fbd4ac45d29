"""A partner system integrates through a client generated from the served OpenAPI schema.

openapi-python-client generates the client (with no warning) from `/api/v1/schema/` of a live
server; the partner then uses nothing else to talk to the API: it syncs the members and follows
the change feed, the enterprise's own system files an application and a need with
`Idempotency-Key` and sends each again, the partner registers a webhook endpoint, checks the
signatures of what arrives with the `standardwebhooks` package, has one delivery sent again,
and rotates its token. The webhook sweeper's work (dispatch, then one sender) is called here
directly, as tests/integrations/test_webhooks.py does.
"""

import contextlib
import datetime
import importlib
import subprocess
import sys
import uuid

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from batches.models import Application
from enterprises import services as enterprise_services
from integrations import delivery
from supplies.models import Need
from tests.factories import BatchFactory, api_token

PACKAGE = "portal_client"
# No post hooks: the generator's default ones run ruff from PATH, which a test cannot count on.
GENERATOR_CONFIG = (
    f"project_name_override: portal-client\npackage_name_override: {PACKAGE}\npost_hooks: []\n"
)

pytestmark = pytest.mark.django_db(transaction=True)


def generate_client(base_url: str, directory) -> None:
    """Generate the client from the schema the server serves, failing on any warning."""
    schema = httpx.get(f"{base_url}/api/v1/schema/", params={"format": "json"}, timeout=60)
    assert schema.status_code == 200, schema.text[:500]
    (directory / "schema.json").write_bytes(schema.content)
    (directory / "config.yaml").write_text(GENERATOR_CONFIG)
    generated = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(directory / "schema.json"),
            "--config",
            str(directory / "config.yaml"),
            "--meta",
            "none",
            "--output-path",
            str(directory / PACKAGE),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    said = generated.stdout + generated.stderr
    assert generated.returncode == 0, said
    assert "warning" not in said.lower(), said
    # Names do not depend on the schema's language (Chinese by default).
    names = [path.stem for path in (directory / PACKAGE).rglob("*.py")]
    assert all(name.isascii() for name in names), [n for n in names if not n.isascii()]


@pytest.fixture
def portal_client(live_server, tmp_path, monkeypatch):
    """The generated package, imported from tmp_path (and forgotten afterwards)."""
    generate_client(live_server.url, tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield importlib.import_module(PACKAGE)
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]


def _api(name: str):
    return importlib.import_module(f"{PACKAGE}.api.{name}")


def _models():
    return importlib.import_module(f"{PACKAGE}.models")


@pytest.fixture
def connect(portal_client, live_server):
    """A client of the API signed with a token; its connections are closed when the test ends
    (an open keep-alive connection would keep a live server's thread, and its database
    connection, alive)."""
    with contextlib.ExitStack() as clients:

        def connect(key: str):
            return clients.enter_context(
                portal_client.AuthenticatedClient(
                    base_url=live_server.url, token=key, prefix="Token", timeout=30
                )
            )

        yield connect


def test_a_partner_integrates_with_the_generated_client(connect, cast, receiver):
    models = _models()

    partner = connect(api_token(cast.partner, name="HR sync"))

    # Sync the members: the association's enterprises and memberships, and no other's.
    enterprises = _api("enterprises.enterprises_list").sync(client=partner, page_size=1000)
    assert isinstance(enterprises, models.PaginatedEnterpriseList), enterprises
    assert [e.id for e in enterprises.results] == [cast.member.pk]
    memberships = _api("memberships.memberships_list").sync(client=partner, page_size=1000)
    assert isinstance(memberships, models.PaginatedMembershipList), memberships
    assert {m.enterprise for m in memberships.results} == {cast.member.pk}

    # From now on, the change feed tells what changes.
    events = _api("events.events_retrieve")
    start = events.sync(client=partner, after="now")
    assert isinstance(start, models.FeedPage), start
    assert start.results == []
    enterprise_services.enterprise_update(
        actor=cast.enterprise_user, enterprise_id=cast.member.pk, employees=321
    )
    enterprise_services.enterprise_update(
        actor=cast.admin, enterprise_id=cast.other_member.pk, employees=55
    )
    page = events.sync(client=partner, after=start.next_cursor, types="enterprise.*")
    assert [(m.type_, m.data.object_id) for m in page.results] == [
        ("enterprise.updated", cast.member.pk)
    ]
    assert page.results[0].data.object_["employees"] == 321
    assert page.has_more is False
    assert events.sync(client=partner, after=page.next_cursor).results == []

    # A webhook endpoint for applications and needs, on a receiver of the partner's.
    endpoint = _api("webhooks.webhooks_create").sync(
        client=partner,
        body=models.EndpointRequest(
            url=receiver.url_for("/hooks"),
            event_types=["application.*", "need.*"],
            description="HR platform",
        ),
    )
    assert isinstance(endpoint, models.EndpointWithSecret), endpoint
    assert endpoint.secret.startswith("whsec_")

    # The enterprise's own system files an application and a need, each sent twice with its
    # Idempotency-Key (a retry after a timeout): one object each, the same answer twice.
    enterprise = connect(api_token(cast.enterprise_user, name="ERP"))
    batch = BatchFactory(association=cast.association)
    today = datetime.date.today()
    key = str(uuid.uuid4())
    answers = [
        _api("applications.applications_create").sync_detailed(
            client=enterprise,
            body=models.ApplicationCreateRequest(
                batch=batch.pk, planned_date=today, returning_workers=30
            ),
            idempotency_key=key,
        )
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].content == answers[1].content
    assert answers[1].headers["Idempotent-Replayed"] == "true"
    application = answers[0].parsed
    assert isinstance(application, models.Application), application
    assert Application.objects.filter(batch=batch).count() == 1
    submitted = _api("applications.applications_submit_create").sync(
        application.id, client=enterprise
    )
    assert isinstance(submitted, models.Application), submitted
    assert submitted.status.value == "submitted"

    key = str(uuid.uuid4())
    answers = [
        _api("supply_requests.supply_requests_create").sync_detailed(
            client=enterprise,
            body=models.SupplyRequestRequest(
                needed_by=today + datetime.timedelta(days=7),
                item="mask-medical",
                quantity="5000",
            ),
            idempotency_key=key,
        )
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].content == answers[1].content
    need = answers[0].parsed
    assert isinstance(need, models.SupplyRequest), need
    assert Need.objects.filter(enterprise=cast.member).count() == 1

    # What the sweeper and a sender do: the partner's receiver gets the application's
    # submission and the need, as the partner sees them, signed with the endpoint's secret.
    delivery.dispatch()
    delivery.send_due(endpoint.id)
    received = list(receiver.requests)
    payloads = [Webhook(endpoint.secret).verify(r.body, r.headers) for r in received]
    told = [(p["type"], p["data"]["object_id"]) for p in payloads]
    assert ("application.submitted", application.id) in told
    assert [t for t, _id in told if t.startswith("need.")] == ["need.created"]
    assert all(p["data"]["object"] is not None for p in payloads)
    assert [r.headers["webhook-id"] for r in received] == [p["id"] for p in payloads]

    # The delivery log, and one delivery sent again: the same message (webhook-id) arrives.
    log = _api("webhooks.webhooks_deliveries_list").sync(endpoint.id, client=partner)
    assert isinstance(log, models.PaginatedDeliveryList), log
    assert {d.status.value for d in log.results} == {"delivered"}
    assert len(log.results) == len(received)
    again = next(d for d in log.results if d.event_type == "need.created")
    redelivered = _api("webhooks.webhooks_redeliver_create").sync(
        endpoint.id, client=partner, body=models.RedeliverRequest(delivery=again.id)
    )
    assert isinstance(redelivered, models.Redelivered), redelivered
    assert redelivered.redelivered == 1
    assert delivery.send_due(endpoint.id) == 1
    assert len(receiver.requests) == len(received) + 1
    repeat = receiver.requests[-1]
    assert repeat.headers["webhook-id"] == again.message_id
    assert Webhook(endpoint.secret).verify(repeat.body, repeat.headers)["type"] == "need.created"

    # Rotating the token: a new one made with the old, then the old one revoked with the new.
    created = _api("tokens.tokens_create").sync(
        client=partner,
        body=models.ApiTokenCreateRequest(
            name="HR sync 2", access=models.ApiTokenAccessEnum.READ_WRITE
        ),
    )
    assert isinstance(created, models.ApiTokenCreated), created
    rotated = connect(created.key)
    tokens = _api("tokens.tokens_list").sync(client=rotated, active=True)
    assert {t.name for t in tokens.results} == {"HR sync", "HR sync 2"}
    old = next(t for t in tokens.results if t.name == "HR sync")
    revoked = _api("tokens.tokens_destroy").sync_detailed(old.id, client=rotated)
    assert revoked.status_code == 204

    refused = _api("enterprises.enterprises_list").sync_detailed(client=partner)
    assert refused.status_code == 401
    assert isinstance(refused.parsed, models.Error)
    assert refused.parsed.code == "token_revoked"
    works = _api("enterprises.enterprises_list").sync_detailed(client=rotated)
    assert works.status_code == 200
    assert [e.id for e in works.parsed.results] == [cast.member.pk]
    listed = _api("tokens.tokens_retrieve").sync(old.id, client=rotated)
    assert listed.active is False
    assert listed.revoke_reason.value == "revoked"
