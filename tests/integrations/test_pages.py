"""The webhook pages: registering an endpoint (its secret shown once), changing it, turning it off
and on, a new secret, a test message, deleting it, its delivery log with redelivery, and who may
open them."""

import datetime
import re
from html import unescape

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from core.models import Event
from integrations import services
from integrations.models import Attempt, Delivery, Endpoint
from tests.factories import staff_of

pytestmark = pytest.mark.django_db

# A public address given as such: checked without a DNS lookup, never connected to here.
PUBLIC_URL = "https://93.184.216.34/hooks"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _text(response) -> str:
    return unescape(response.content.decode())


def _endpoint(cast, url=PUBLIC_URL, types=("need.*",)) -> Endpoint:
    return services.endpoint_register(
        actor=cast.manager, url=url, event_types=list(types), account=cast.partner
    )


def _field_errors(html: str) -> list[str]:
    return re.findall(r'<p class="field-error" role="alert">(.*?)</p>', html, re.S)


def _delivery(endpoint, *, status=Delivery.Status.FAILED, at=None, event=None, **values):
    """A delivery in the log (a test message unless an event is given), with one attempt."""
    found = Delivery.objects.create(
        endpoint=endpoint,
        event=event,
        variant="" if event else Delivery.Variant.PING,
        event_type=event.action if event else "webhook.ping",
        status=status,
        attempts=1,
        last_status_code=500,
        **values,
    )
    if at is not None:
        Delivery.objects.filter(pk=found.pk).update(created_at=at)
    Attempt.objects.create(
        delivery=found,
        number=1,
        request_body='{"type":"webhook.ping"}',
        status_code=500,
        response_start="upstream broke",
        duration_ms=42,
    )
    return found


# --- registering ------------------------------------------------------------------------------


def test_a_manager_registers_an_endpoint_and_sees_its_secret_once(cast):
    client = _client(cast.manager)
    form = _text(client.get("/webhooks/new/"))
    assert 'value="need.*"' in form and 'value="enterprise.left_scope"' in form
    assert 'value="*"' in form

    response = client.post(
        "/webhooks/new/",
        {
            "url": PUBLIC_URL,
            "description": "数据平台",
            "event_types": ["need.*", "membership.*"],
            "exact_types": "report.submitted, enterprise.left_scope",
            "account": cast.partner.pk,
        },
    )
    endpoint = Endpoint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/webhooks/{endpoint.pk}/"
    assert endpoint.account == cast.partner
    assert endpoint.association == cast.association
    assert endpoint.event_types == [
        "need.*",
        "membership.*",
        "report.submitted",
        "enterprise.left_scope",
    ]

    shown = _text(client.get(response["Location"]))
    assert endpoint.secret in shown
    assert "it will not be shown again" in shown
    assert "webhook-signature" in shown

    again = _text(client.get(response["Location"]))
    assert endpoint.secret not in again
    assert 'data-testid="webhook-secret"' not in again


def test_the_list_shows_the_endpoint_its_account_state_and_last_delivery(cast):
    endpoint = _endpoint(cast)
    _delivery(endpoint, status=Delivery.Status.FAILED)
    services.endpoint_switch(actor=cast.manager, endpoint_id=endpoint.pk, active=False)
    html = _text(_client(cast.manager).get("/webhooks/"))
    (row,) = re.findall(r'<tr data-testid="webhook-row".*?</tr>', html, re.S)
    assert PUBLIC_URL in row
    assert "partner" in row and cast.association.name in row
    assert "need.*" in row
    assert "Turned off by its owner" in row
    assert "Given up" in row
    assert 'href="/webhooks/new/"' in html


def test_a_loopback_url_is_refused_at_its_field_keeping_what_was_typed(cast):
    client = _client(cast.manager)
    response = client.post(
        "/webhooks/new/",
        {"url": "http://127.0.0.1:8000/hooks", "description": "本机", "event_types": ["*"]},
    )
    assert response.status_code == 400
    html = _text(response)
    assert len(_field_errors(html)) == 1
    assert 'value="http://127.0.0.1:8000/hooks"' in html
    assert 'value="本机"' in html
    assert not Endpoint.objects.exists()


def test_an_unknown_event_type_or_none_at_all_is_refused_at_the_events(cast):
    client = _client(cast.manager)
    unknown = client.post("/webhooks/new/", {"url": PUBLIC_URL, "exact_types": "weather.sunny"})
    assert unknown.status_code == 400
    assert "weather.sunny" in " ".join(_field_errors(_text(unknown)))
    nothing = client.post("/webhooks/new/", {"url": PUBLIC_URL})
    assert nothing.status_code == 400
    assert "Tick the events" in _text(nothing)
    assert not Endpoint.objects.exists()


def test_a_manager_cannot_register_for_another_associations_partner(cast):
    from associations.models import AssociationUser
    from core.models import Role
    from tests.factories import UserFactory

    stranger = UserFactory(username="far_partner", role=Role.PARTNER)
    AssociationUser.objects.create(user=stranger, association=cast.other_association)
    response = _client(cast.manager).post(
        "/webhooks/new/", {"url": PUBLIC_URL, "event_types": ["*"], "account": stranger.pk}
    )
    assert response.status_code == 400
    assert "far_partner" not in _text(response)
    assert not Endpoint.objects.exists()


def test_a_partner_account_registers_for_itself_without_choosing(cast):
    client = _client(cast.partner)
    assert 'type="hidden" name="account"' in client.get("/webhooks/new/").content.decode()
    response = client.post(
        "/webhooks/new/",
        {"url": PUBLIC_URL, "event_types": ["*"], "account": cast.partner.pk},
    )
    assert response.status_code == 302
    assert Endpoint.objects.get().account == cast.partner


# --- changing ---------------------------------------------------------------------------------


def test_editing_changes_url_description_and_event_types(cast):
    endpoint = _endpoint(cast, types=("need.*", "report.submitted"))
    client = _client(cast.manager)
    page = _text(client.get(f"/webhooks/{endpoint.pk}/"))
    # the free-typed type comes back in the text field, the pattern ticked
    assert 'value="report.submitted"' in page
    assert re.search(r'value="need\.\*"[^>]*checked', page)

    response = client.post(
        f"/webhooks/{endpoint.pk}/edit/",
        {
            "url": "https://93.184.216.35/v2/hooks",
            "description": "新平台",
            "event_types": ["membership.*"],
            "exact_types": "",
        },
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.url == "https://93.184.216.35/v2/hooks"
    assert endpoint.description == "新平台"
    assert endpoint.event_types == ["membership.*"]
    assert "The endpoint is saved." in _text(client.get(response["Location"]))


def test_an_edit_to_a_refused_url_shows_the_error_and_changes_nothing(cast):
    endpoint = _endpoint(cast)
    response = _client(cast.manager).post(
        f"/webhooks/{endpoint.pk}/edit/",
        {"url": "http://169.254.169.254/latest", "event_types": ["need.*"]},
    )
    assert response.status_code == 400
    html = _text(response)
    assert _field_errors(html)
    assert 'value="http://169.254.169.254/latest"' in html
    endpoint.refresh_from_db()
    assert endpoint.url == PUBLIC_URL


def test_turning_off_and_on_again(cast):
    endpoint = _endpoint(cast)
    client = _client(cast.manager)
    response = client.post(f"/webhooks/{endpoint.pk}/switch/", {"active": "off"})
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert endpoint.disabled == Endpoint.Disabled.BY_OWNER
    page = _text(client.get(f"/webhooks/{endpoint.pk}/"))
    assert "Turned off by its owner" in page and 'data-action="turn-on"' in page

    client.post(f"/webhooks/{endpoint.pk}/switch/", {"active": "on"})
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.disabled == ""


def test_a_new_secret_is_shown_once_and_the_old_one_signs_for_a_day(cast):
    endpoint = _endpoint(cast)
    old = endpoint.secret
    client = _client(cast.manager)

    unticked = client.post(f"/webhooks/{endpoint.pk}/rotate-secret/")
    assert unticked.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.secret == old

    client.post(f"/webhooks/{endpoint.pk}/rotate-secret/", {"confirm": "yes"})
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.previous_secret == old
    page = _text(client.get(f"/webhooks/{endpoint.pk}/"))
    assert endpoint.secret in page and old not in page
    assert "The new signing secret" in page
    assert "signed with the old secret too" in page
    assert endpoint.secret not in _text(client.get(f"/webhooks/{endpoint.pk}/"))


def test_deleting_asks_for_the_ticked_box(cast):
    endpoint = _endpoint(cast)
    client = _client(cast.manager)
    refused = client.post(f"/webhooks/{endpoint.pk}/delete/")
    assert refused.status_code == 302
    assert "Nothing was deleted" in _text(client.get(refused["Location"]))
    assert Endpoint.objects.filter(pk=endpoint.pk).exists()

    response = client.post(f"/webhooks/{endpoint.pk}/delete/", {"confirm": "yes"})
    assert response["Location"] == "/webhooks/"
    assert not Endpoint.objects.filter(pk=endpoint.pk).exists()
    assert "is deleted" in _text(client.get("/webhooks/"))
    assert client.get(f"/webhooks/{endpoint.pk}/").status_code == 404


# --- the test message -------------------------------------------------------------------------


def test_a_test_message_shows_what_the_receiver_answered(cast, receiver):
    endpoint = _endpoint(cast, url=receiver.url_for("/hooks"))
    client = _client(cast.manager)
    response = client.post(f"/webhooks/{endpoint.pk}/ping/", follow=True)
    page = _text(response)
    assert re.search(r"took the test message: 200 in \d+ ms", page)
    assert receiver.requests[0].headers["webhook-id"].startswith("ping_")
    assert 'data-status="delivered"' in page

    receiver.respond(503, body=b"maintenance")
    page = _text(client.post(f"/webhooks/{endpoint.pk}/ping/", follow=True))
    assert re.search(r"refused the test message: 503 in \d+ ms", page)
    assert "maintenance" in page  # the first bytes of the answer, in the log


# --- the log and redelivery -------------------------------------------------------------------


def test_the_log_lists_newest_first_with_attempts_and_filters_by_status(cast):
    endpoint = _endpoint(cast)
    now = timezone.now()
    older = _delivery(endpoint, at=now - datetime.timedelta(hours=2))
    newer = _delivery(
        endpoint, status=Delivery.Status.DELIVERED, at=now - datetime.timedelta(hours=1)
    )
    client = _client(cast.manager)
    page = _text(client.get(f"/webhooks/{endpoint.pk}/"))
    ids = re.findall(r'data-testid="delivery-row" data-id="(\d+)"', page)
    assert ids == [str(newer.pk), str(older.pk)]
    assert f"ping_{older.pk}" in page
    assert "upstream broke" in page and "42 ms" in page
    assert '{"type":"webhook.ping"}' in page

    failed = _text(client.get(f"/webhooks/{endpoint.pk}/?status=failed"))
    assert re.findall(r'data-testid="delivery-row" data-id="(\d+)"', failed) == [str(older.pk)]


def test_the_log_shows_fifty_a_page_keeping_the_filter(cast):
    endpoint = _endpoint(cast)
    for _ in range(51):
        _delivery(endpoint)
    client = _client(cast.manager)
    first = _text(client.get(f"/webhooks/{endpoint.pk}/?status=failed"))
    assert first.count('data-testid="delivery-row"') == 50
    assert "?status=failed&page=2" in first
    second = _text(client.get(f"/webhooks/{endpoint.pk}/?status=failed&page=2"))
    assert second.count('data-testid="delivery-row"') == 1


def test_one_delivery_is_sent_again(cast):
    endpoint = _endpoint(cast)
    event = Event.objects.filter(action="endpoint.created").get()
    given_up = _delivery(endpoint, event=event)
    client = _client(cast.manager)
    response = client.post(f"/webhooks/{endpoint.pk}/redeliver/", {"delivery": given_up.pk})
    assert response.status_code == 302
    given_up.refresh_from_db()
    assert given_up.status == Delivery.Status.PENDING and given_up.attempts == 0
    assert f"evt_{event.pk} will be sent again" in _text(client.get(response["Location"]))


def test_a_delivery_of_another_endpoint_is_not_found(cast):
    endpoint = _endpoint(cast)
    other = _delivery(_endpoint(cast))
    response = _client(cast.manager).post(
        f"/webhooks/{endpoint.pk}/redeliver/", {"delivery": other.pk}
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == Delivery.Status.FAILED


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_the_deliveries_given_up_in_a_time_range_are_sent_again(cast):
    endpoint = _endpoint(cast)
    now = timezone.now()
    inside = _delivery(endpoint, at=now - datetime.timedelta(hours=3))
    before = _delivery(endpoint, at=now - datetime.timedelta(days=2))
    delivered = _delivery(
        endpoint, status=Delivery.Status.DELIVERED, at=now - datetime.timedelta(hours=3)
    )
    client = _client(cast.manager)
    response = client.post(
        f"/webhooks/{endpoint.pk}/redeliver/",
        {
            "since": _local(now - datetime.timedelta(days=1)),
            "until": _local(now + datetime.timedelta(minutes=5)),
        },
    )
    assert response.status_code == 302
    assert "1 delivery will be sent again." in _text(client.get(response["Location"]))
    statuses = dict(Delivery.objects.values_list("pk", "status"))
    assert statuses == {
        inside.pk: Delivery.Status.PENDING,
        before.pk: Delivery.Status.FAILED,
        delivered.pk: Delivery.Status.DELIVERED,
    }


def test_a_range_that_ends_before_it_starts_is_refused_at_its_field(cast):
    endpoint = _endpoint(cast)
    given_up = _delivery(endpoint)
    now = timezone.now()
    response = _client(cast.manager).post(
        f"/webhooks/{endpoint.pk}/redeliver/",
        {"since": _local(now), "until": _local(now - datetime.timedelta(days=1))},
    )
    assert response.status_code == 400
    assert _field_errors(_text(response)) == ["The end must come after the start."]
    given_up.refresh_from_db()
    assert given_up.status == Delivery.Status.FAILED


# --- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "other_staff", "enterprise_user", "outsider"])
def test_roles_without_webhooks_are_refused(cast, role):
    endpoint = _endpoint(cast)
    client = _client(cast.by_role(role))
    assert client.get("/webhooks/").status_code == 403
    assert client.get("/webhooks/new/").status_code == 403
    assert client.get(f"/webhooks/{endpoint.pk}/").status_code == 403
    assert client.post(f"/webhooks/{endpoint.pk}/delete/", {"confirm": "yes"}).status_code == 403
    assert Endpoint.objects.filter(pk=endpoint.pk).exists()


def test_another_associations_manager_and_an_official_do_not_find_it(cast):
    endpoint = _endpoint(cast)
    delivery = _delivery(endpoint)
    for user in (staff_of(cast.other_association, manager=True), cast.official):
        client = _client(user)
        assert PUBLIC_URL not in _text(client.get("/webhooks/"))
        assert client.get(f"/webhooks/{endpoint.pk}/").status_code == 404
        for action, body in [
            ("edit", {"url": PUBLIC_URL, "event_types": ["*"]}),
            ("switch", {"active": "off"}),
            ("rotate-secret", {"confirm": "yes"}),
            ("ping", {}),
            ("delete", {"confirm": "yes"}),
            ("redeliver", {"delivery": delivery.pk}),
        ]:
            response = client.post(f"/webhooks/{endpoint.pk}/{action}/", body)
            assert response.status_code == 404, action
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.event_types == ["need.*"]
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED


def test_the_partner_account_sees_the_endpoint_made_for_it(cast):
    endpoint = _endpoint(cast)
    client = _client(cast.partner)
    assert PUBLIC_URL in _text(client.get("/webhooks/"))
    assert client.get(f"/webhooks/{endpoint.pk}/").status_code == 200
