"""The request id, the request metrics and the metrics' access rule against what a client may
send: a request id with a line break, made-up HTTP methods, a proxy's other forwarding headers."""

import ipaddress
import logging
import uuid

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-tests-0123456789"


@pytest.mark.parametrize("given", ["abcdefgh\n", "proxy-4f2a9c1e-77\n", "a" * 64 + "\n"])
def test_a_request_id_with_a_line_break_is_replaced_not_logged(given, caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.INFO, logger="portal.request"):
        response = client.get("/healthz", HTTP_X_REQUEST_ID=given)
    assert response.status_code == 200
    answered = response["X-Request-ID"]
    assert answered != given and len(answered) == 32 and "\n" not in answered
    lines = [record for record in caplog.records if record.name == "portal.request"]
    assert [record.request_id for record in lines] == [answered]


def test_made_up_methods_are_counted_as_one(client, settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []
    invented = [f"X{uuid.uuid4().hex[:10].upper()}" for _ in range(5)]
    for method in invented:
        assert client.generic(method, "/healthz").status_code == 405
    client.get("/healthz")
    text = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()
    assert not [method for method in invented if method in text]
    assert 'portal_http_requests_total{method="other",route="/healthz",status="405"}' in text
    assert 'portal_http_requests_total{method="GET",route="/healthz",status="200"}' in text


@pytest.mark.parametrize(
    "header",
    [
        {"HTTP_FORWARDED": "for=203.0.113.9"},
        {"HTTP_X_REAL_IP": "203.0.113.9"},
        {"HTTP_X_FORWARDED_FOR": "203.0.113.9"},
    ],
)
def test_metrics_are_not_opened_by_network_through_a_proxy(client, settings, header):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.0/8")]
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", **header).status_code == 404
