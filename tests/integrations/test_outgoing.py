"""Outgoing webhook requests: what a receiver's answer becomes, and where requests never go.

The receiver is real (tests/integrations/receiver.py) and listens on this machine's own
non-loopback address, allowed for the test. Any connection to an address that is not this
machine's is stopped by `_only_this_machine`, so even a broken guard sends nothing outside.
"""

import contextlib
import socket
import ssl
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import translation

from integrations.outgoing import check_url, post, refusal
from tests.integrations.receiver import Receiver, local_address

LOCAL = local_address()


@pytest.fixture(autouse=True)
def _only_this_machine(monkeypatch):
    real_connect = socket.socket.connect
    local = {LOCAL, "127.0.0.1", "::1"}

    def connect(sock, address):
        if address[0] not in local:
            raise ConnectionRefusedError(f"test network: {address[0]} is not this machine")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture
def receiver(settings):
    with Receiver() as receiver:
        settings.WEBHOOK_ALLOWED_NETWORKS = receiver.allowed_networks
        yield receiver


@pytest.fixture
def fake_dns(monkeypatch):
    """Names of our own that resolve to the addresses given, one answer per lookup (the last
    repeats); every other name resolves as usual."""
    real = socket.getaddrinfo
    answers = {}

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        if host not in answers:
            return real(host, port, family, type, proto, flags)
        queue = answers[host]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (address, port, 0, 0) if ":" in address else (address, port),
            )
            for address in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


def message(exc_info) -> str:
    return " ".join(exc_info.value.messages)


# --- answers --------------------------------------------------------------------------------


def test_a_2xx_answer_gives_status_headers_body_start_and_duration(receiver):
    receiver.respond(202, {"X-Request-Id": "abc"}, "已收到 received".encode() + b"." * 3000)

    outcome = post(
        receiver.url_for("/hooks?x=1"), b'{"type": "ping"}', {"Content-Type": "application/json"}
    )

    assert outcome.ok and outcome.status == 202 and outcome.error == ""
    assert outcome.headers["x-request-id"] == "abc"
    assert outcome.body_start.startswith("已收到 received.")
    assert len(outcome.body_start) == 1000
    assert 0 <= outcome.duration_ms < 5000
    assert outcome.retry_after is None
    (request,) = receiver.requests
    assert (request.method, request.path, request.body) == (
        "POST",
        "/hooks?x=1",
        b'{"type": "ping"}',
    )
    assert request.headers["content-type"] == "application/json"


def test_a_redirect_is_an_outcome_and_never_followed(receiver):
    receiver.respond(302, {"Location": receiver.url_for("/elsewhere")}, b"moved")

    outcome = post(receiver.url_for("/hooks"), b"{}", {})

    assert outcome.status == 302 and not outcome.ok and outcome.error == ""
    assert outcome.headers["location"].endswith("/elsewhere")
    time.sleep(0.2)
    assert receiver.paths() == ["/hooks"]


@pytest.mark.parametrize("status", [500, 410, 400])
def test_an_error_status_is_an_outcome(receiver, status):
    receiver.respond(status, {"Content-Type": "text/plain; charset=utf-8"}, b"boom")

    outcome = post(receiver.url, b"{}", {})

    assert (outcome.status, outcome.ok, outcome.body_start, outcome.error) == (
        status,
        False,
        "boom",
        "",
    )


def test_429_retry_after_in_seconds_and_as_a_date_capped_at_a_day(receiver):
    later = datetime.now(UTC) + timedelta(seconds=120)
    receiver.respond(429, {"Retry-After": "90"})
    receiver.respond(503, {"Retry-After": format_datetime(later, usegmt=True)})
    receiver.respond(429, {"Retry-After": "9999999"})
    receiver.respond(429, {"Retry-After": "soon"})

    seconds, date, capped, unreadable = (post(receiver.url, b"{}", {}) for _ in range(4))

    assert (seconds.status, seconds.retry_after) == (429, 90)
    assert date.status == 503 and 110 <= date.retry_after <= 121
    assert capped.retry_after == 86400
    assert unreadable.status == 429 and unreadable.retry_after is None


def test_a_receiver_that_does_not_answer_in_time_is_a_timeout(receiver):
    receiver.respond(200, body=b"late", delay=5)

    started = time.monotonic()
    outcome = post(receiver.url, b"{}", {}, timeout=0.5)

    assert time.monotonic() - started < 3
    assert outcome.status is None and outcome.error == "timed out after 0.5 s"


def test_the_timeout_is_for_the_whole_exchange_not_each_read(receiver):
    def drip():
        for _ in range(100):
            time.sleep(0.1)
            yield b"."

    receiver.respond(200, body=drip())

    started = time.monotonic()
    outcome = post(receiver.url, b"{}", {}, timeout=1)

    assert time.monotonic() - started < 3
    assert outcome.status == 200 and outcome.error == "timed out after 1 s"


def test_a_huge_or_endless_body_is_read_only_so_far(receiver):
    def endless():
        while True:
            yield b"x" * 65536

    receiver.respond(200, body=endless())

    started = time.monotonic()
    outcome = post(receiver.url, b"{}", {}, timeout=10)

    assert time.monotonic() - started < 5
    assert outcome.status == 200 and outcome.error == ""
    assert outcome.body_start == "x" * 1000


def test_a_receiver_that_is_not_listening_is_connection_refused(receiver):
    port = receiver.port
    receiver.stop()

    outcome = post(f"http://{LOCAL}:{port}/", b"{}", {})

    assert outcome.status is None and outcome.error == "connection refused"


# --- destinations refused -------------------------------------------------------------------


@pytest.fixture
def loopback_receiver():
    with Receiver(host="127.0.0.1") as receiver:
        yield receiver


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.1", "0x7f000001", "2130706433"])
def test_loopback_is_refused_however_it_is_spelt(loopback_receiver, settings, host):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8", "0.0.0.0/0"]  # listing never unlocks it

    outcome = post(f"http://{host}:{loopback_receiver.port}/hooks", b"{}", {})

    assert outcome.status is None and outcome.error == "refused destination 127.0.0.1"
    assert loopback_receiver.requests == []
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        check_url(f"http://{host}:{loopback_receiver.port}/hooks")
    assert "loopback" in message(refused)


def test_ipv6_loopback_is_refused(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["::/0"]
    with Receiver(host="::1") as loopback:
        outcome = post(loopback.url, b"{}", {})

        assert outcome.error == "refused destination ::1"
        assert loopback.requests == []
    with pytest.raises(ValidationError):
        check_url("http://[::1]/hooks")


def test_cloud_metadata_is_refused_even_when_its_network_is_listed(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["169.254.0.0/16", "100.64.0.0/10", "fc00::/7"]

    outcome = post("http://169.254.169.254/latest/meta-data/", b"", {})

    assert outcome.error == "refused destination 169.254.169.254"
    for address in (
        "169.254.169.254",
        "100.100.100.200",
        "fd00:ec2::254",
        "::ffff:169.254.169.254",
    ):
        assert refusal(address) == "metadata"
    assert refusal("169.254.1.1") == "link-local"  # listed, but link-local all the same
    assert refusal("100.64.1.1") == "" and refusal("fd12::1") == ""  # the rest is unlocked
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        check_url("http://169.254.169.254/latest/meta-data/")
    assert "metadata" in message(refused)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("0.0.0.0", "unspecified"),  # noqa: S104 - an address judged, not bound
        ("::", "unspecified"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("fe80::1", "link-local"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("2002:7f00:1::", "loopback"),  # 6to4 carrying 127.0.0.1
        ("64:ff9b::a9fe:a9fe", "metadata"),  # NAT64 carrying 169.254.169.254
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private"),
        ("192.0.2.10", "private"),
        ("198.51.100.1", "private"),
        ("fd12:3456::1", "private"),
        ("8.8.8.8", ""),
        ("2606:4700:4700::1111", ""),
        ("::ffff:8.8.8.8", ""),
    ],
)
def test_the_destination_rule(settings, address, reason):
    settings.WEBHOOK_ALLOWED_NETWORKS = []

    assert refusal(address) == reason


def test_a_private_address_is_refused_unless_its_network_is_listed(settings):
    with Receiver() as receiver:
        settings.WEBHOOK_ALLOWED_NETWORKS = []
        refused = post(receiver.url, b"{}", {})
        assert refused.error == f"refused destination {LOCAL}" and receiver.requests == []
        with translation.override("en"), pytest.raises(ValidationError) as unlisted:
            check_url("http://10.1.2.3/hooks")
        assert "WEBHOOK_ALLOWED_NETWORKS" in message(unlisted)

        settings.WEBHOOK_ALLOWED_NETWORKS = receiver.allowed_networks
        assert post(receiver.url, b"{}", {}).status == 200
        assert len(receiver.requests) == 1
    with override_settings(WEBHOOK_ALLOWED_NETWORKS=["10.0.0.0/8"]):
        assert check_url("http://10.1.2.3/hooks") == "http://10.1.2.3/hooks"


def test_dns_rebinding_is_refused_at_connect_time(receiver, fake_dns):
    with Receiver(host="127.0.0.1", port=receiver.port) as loopback:
        fake_dns["partner.example"] = [[LOCAL], ["127.0.0.1"]]
        url = check_url(f"http://partner.example:{receiver.port}/hooks")  # passes: LOCAL

        outcome = post(url, b"{}", {})

        assert outcome.error == "refused destination 127.0.0.1"
        assert loopback.requests == [] and receiver.requests == []


def test_a_host_name_connects_to_its_allowed_address_and_keeps_its_name(receiver, fake_dns):
    fake_dns["partner.example"] = [["127.0.0.1", LOCAL]]
    with pytest.raises(ValidationError):  # registration wants every address allowed
        check_url(f"http://partner.example:{receiver.port}/")

    with Receiver(host="127.0.0.1", port=receiver.port) as loopback:
        outcome = post(f"http://partner.example:{receiver.port}/hooks", b"{}", {})

        assert outcome.status == 200 and loopback.requests == []
    assert receiver.requests[0].headers["host"] == f"partner.example:{receiver.port}"


def test_tls_keeps_the_host_name_for_sni_and_the_certificate_check(settings, tmp_path, fake_dns):
    settings.WEBHOOK_ALLOWED_NETWORKS = [f"{LOCAL}/32"]
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=other.example", "-addext", "subjectAltName=DNS:other.example",
            "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    names = []
    context.sni_callback = lambda _sock, name, _ctx: names.append(name)
    with socket.create_server((LOCAL, 0)) as server:
        server.settimeout(5)
        port = server.getsockname()[1]
        fake_dns["hooks.example"] = [[LOCAL]]

        def handshake():
            connection, _ = server.accept()
            with connection, context.wrap_socket(connection, server_side=True) as tls:
                tls.recv(1)

        thread = threading.Thread(target=lambda: _quietly(handshake), daemon=True)
        thread.start()
        outcome = post(f"https://hooks.example:{port}/hooks", b"{}", {}, timeout=5)
        thread.join(5)

    assert names == ["hooks.example"]
    assert outcome.status is None and outcome.error.startswith("TLS error")
    assert "certificate" in outcome.error


def _quietly(function):
    with contextlib.suppress(OSError, ssl.SSLError):
        function()


def test_an_unknown_host_is_an_outcome(fake_dns):
    fake_dns["nowhere.example"] = [[]]

    outcome = post("https://nowhere.example/hooks", b"{}", {})

    assert outcome.status is None and outcome.error == "host not found"


# --- registration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://hooks.example/x", "https://"),
        ("javascript:alert(1)", "https://"),
        ("https://user:secret@hooks.example/x", "user name and password"),
        ("https:///x", "host name"),
        ("https://hooks.example/x#part", "#"),
        ("https://hooks.example/a b", "spaces"),
        ("https://hooks.example:99999/", "port"),
    ],
)
def test_check_url_says_what_to_fix(url, says):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        check_url(url)

    assert says in message(refused)


def test_check_url_says_when_the_host_cannot_be_found(fake_dns):
    fake_dns["hooks.example"] = [[]]
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        check_url("https://hooks.example/x")

    assert "hooks.example" in message(refused)


def test_check_url_normalises_an_allowed_address(fake_dns):
    fake_dns["hooks.example"] = [["8.8.8.8"]]

    assert check_url("HTTPS://Hooks.Example:443") == "https://hooks.example/"
    assert check_url("http://hooks.example:8080/in?a=1") == "http://hooks.example:8080/in?a=1"
