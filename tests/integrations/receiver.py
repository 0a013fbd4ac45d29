"""A real HTTP receiver for webhook tests, on this machine's own non-loopback address.

Loopback is refused by the outgoing guard by design, so the receiver listens on the address of
this machine's network interface (eth0 here and on CI) and the tests allow that one address:

    with Receiver() as receiver:
        settings.WEBHOOK_ALLOWED_NETWORKS = receiver.allowed_networks  # pytest-django's settings
        receiver.respond(503, {"Retry-After": "120"})   # the next request gets this
        post(receiver.url_for("/hooks"), b"{}", {})
        receiver.requests[0].body

Answers are queued (`respond`, first in first out); when none is queued the default one
(`default(...)`, 200 "ok" unless changed) is given. `body` may be bytes or an iterable of byte
chunks (sent without a length, for endless bodies); `delay` seconds are waited before answering.
"""

import contextlib
import fcntl
import ipaddress
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SIOCGIFADDR = 0x8915


def _interface_addresses():
    for _index, name in socket.if_nameindex():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                request = struct.pack("256s", name[:15].encode())
                packed = fcntl.ioctl(probe.fileno(), SIOCGIFADDR, request)
            except OSError:
                continue
        yield socket.inet_ntoa(packed[20:24])


def _hostname_addresses():
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET, socket.SOCK_STREAM)
    except socket.gaierror:
        return
    for info in infos:
        yield info[4][0]


def local_address() -> str:
    """An IPv4 address of this machine that is not loopback (the receiver listens there)."""
    for address in [*_interface_addresses(), *_hostname_addresses()]:
        ip = ipaddress.ip_address(address)
        if not (ip.is_loopback or ip.is_unspecified or ip.is_link_local):
            return address
    raise AssertionError(
        "This machine has no network address other than loopback, and outgoing webhooks refuse "
        "loopback by design: the webhook tests need an interface such as eth0 with an address."
    )


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict  # lower-case names
    body: bytes
    at: float = field(default_factory=time.monotonic)


@dataclass
class Answer:
    status: int = 200
    headers: dict = field(default_factory=dict)
    body: object = b"ok"
    delay: float = 0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "TestReceiver/1"

    def log_message(self, format, *args):
        pass

    def do_POST(self):
        self._handle()

    def do_GET(self):
        self._handle()

    def do_PUT(self):
        self._handle()

    def _handle(self):
        receiver = self.server.receiver
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        receiver._record(
            Recorded(
                method=self.command,
                path=self.path,
                headers={name.lower(): value for name, value in self.headers.items()},
                body=body,
            )
        )
        answer = receiver._next_answer()
        if answer.delay and receiver._closing.wait(answer.delay):
            return
        # The client may stop reading: expected for endless bodies and timeouts.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._answer(answer)

    def _answer(self, answer):
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        if isinstance(answer.body, bytes | bytearray):
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)
            return
        self.send_header("Connection", "close")
        self.close_connection = True
        self.end_headers()
        deadline = time.monotonic() + 30  # bounded in time whatever the iterable
        for chunk in answer.body:
            if self.server.receiver._closing.is_set() or time.monotonic() > deadline:
                break
            self.wfile.write(chunk)


class _IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


class Receiver:
    def __init__(self, host: str | None = None, port: int = 0):
        self.host = host or local_address()
        self._port = port
        self.requests: list[Recorded] = []
        self._answers: deque[Answer] = deque()
        self._default = Answer()
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._closing = threading.Event()
        self._server = None
        self._thread = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.netloc}/"

    def url_for(self, path: str) -> str:
        return f"http://{self.netloc}/{path.lstrip('/')}"

    @property
    def allowed_networks(self) -> list[str]:
        return [f"{self.host}/32"]

    def respond(self, status=200, headers=None, body=b"", delay=0):
        """Queue the answer to the next request not yet answered."""
        with self._lock:
            self._answers.append(Answer(status, dict(headers or {}), body, delay))
        return self

    def default(self, status=200, headers=None, body=b"ok", delay=0):
        """The answer when none is queued."""
        with self._lock:
            self._default = Answer(status, dict(headers or {}), body, delay)
        return self

    def paths(self) -> list[str]:
        return [request.path for request in self.requests]

    def wait_for(self, count: int, timeout: float = 10) -> list[Recorded]:
        """Wait until `count` requests have arrived (AssertionError after `timeout` s)."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.requests) >= count, timeout):
                raise AssertionError(f"{len(self.requests)} requests arrived, not {count}")
            return list(self.requests)

    def _record(self, request):
        with self._arrived:
            self.requests.append(request)
            self._arrived.notify_all()

    def _next_answer(self) -> Answer:
        with self._lock:
            return self._answers.popleft() if self._answers else self._default

    def start(self):
        server_class = _IPv6Server if ":" in self.host else ThreadingHTTPServer
        self._server = server_class((self.host, self._port), _Handler)
        self._server.daemon_threads = True
        self._server.receiver = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._closing.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
