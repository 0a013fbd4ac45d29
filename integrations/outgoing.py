"""Outgoing webhook requests, sent only to destinations the portal may reach.

A partner registers the address of its receiver; a hostile one could give an address that leads
back into the portal's own network (the database, Redis, a cloud metadata service). So every
address is checked twice: `check_url` when the endpoint is registered (a clear message to fix
it), and again at connect time, on the very address the socket connects to, so that a host name
that resolves to a public address at registration and to 127.0.0.1 later (DNS rebinding) is
still refused. The host name stays the one of the URL: the `Host` header, SNI and the TLS
certificate check are unchanged.

The rule (`refusal`): loopback, link-local, cloud metadata, unspecified, multicast and reserved
addresses are always refused; private ones (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7,
documentation ranges …) only unless listed in WEBHOOK_ALLOWED_NETWORKS (intranets of government
partners); public addresses are allowed. An IPv6 address that carries an IPv4 one (mapped, 6to4,
NAT64) is judged by the IPv4 address.

`post` never raises for network problems and never follows redirects; each call opens its own
connection, so the check runs on every delivery.
"""

import contextlib
import email.utils
import ipaddress
import socket
import ssl
import sys
import threading
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool, Timeout
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import (
    ConnectTimeoutError,
    NameResolutionError,
    NewConnectionError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.util import parse_url
from urllib3.util.connection import allowed_gai_family

BODY_READ_LIMIT = 64 * 1024  # bytes of a response read at most; the rest is never read
BODY_START_CHARS = 1000
RETRY_AFTER_MAX = 24 * 3600
USER_AGENT = "ResumptionPortal-Webhooks/1"

METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack …
        "169.254.170.2",  # AWS ECS task credentials
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",  # Azure wire server (a public address)
        "192.0.0.192",  # Oracle Cloud
    )
)
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

# Reasons `refusal` gives; those in ALWAYS_REFUSED no setting unlocks.
ALWAYS_REFUSED = ("metadata", "unspecified", "loopback", "link-local", "multicast", "reserved")
PRIVATE = "private"


def _carried_ipv4(ip):
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, NAT64, compatible), else ip."""
    if ip.version == 4:
        return ip
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64 or (int(ip) >> 32 == 0 and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def allowed_networks():
    networks = []
    for text in getattr(settings, "WEBHOOK_ALLOWED_NETWORKS", []) or []:
        try:
            networks.append(ipaddress.ip_network(text.strip(), strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"WEBHOOK_ALLOWED_NETWORKS: {text!r} is not a network such as 10.20.0.0/16."
            ) from exc
    return networks


def refusal(address: str, networks=None) -> str:
    """Why webhooks may not go to this IP address ("" when they may): a reason in
    ALWAYS_REFUSED, or PRIVATE for a private address outside the allowed networks."""
    ip = _carried_ipv4(ipaddress.ip_address(address.split("%", 1)[0]))
    if ip in METADATA_ADDRESSES:
        return "metadata"
    if ip.is_unspecified or ip in _THIS_NETWORK:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_reserved or (ip.version == 6 and ip.is_site_local):
        return "reserved"
    if ip.is_global:
        return ""
    if networks is None:
        networks = allowed_networks()
    if any(ip.version == network.version and ip in network for network in networks):
        return ""
    return PRIVATE


def _resolve(host: str, port: int) -> list:
    return socket.getaddrinfo(host.strip("[]"), port, allowed_gai_family(), socket.SOCK_STREAM)


# ---------------------------------------------------------------------------------------------
# Registration: check_url


def _refusal_message(host, address, reason):
    whats = {
        "metadata": _("a cloud metadata service"),
        "unspecified": _("no particular computer (an unspecified address)"),
        "loopback": _("the portal's own server (loopback)"),
        "link-local": _("a link-local address"),
        "multicast": _("a multicast address"),
        "reserved": _("a reserved address"),
    }
    if reason == PRIVATE:
        return _(
            "%(host)s leads to %(address)s, a private network address. Give the public address "
            "of the receiving system, or ask the platform administrator to list its network in "
            "WEBHOOK_ALLOWED_NETWORKS."
        ) % {"host": host, "address": address}
    return _(
        "%(host)s leads to %(address)s, %(what)s, where webhooks are never sent. Give the "
        "address of the receiving system."
    ) % {"host": host, "address": address, "what": whats[reason]}


def _split(url: str):
    if not url or any(char.isspace() or ord(char) < 32 for char in url):
        raise ValidationError(_("Remove the spaces from the address."), code="spaces")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValidationError(
            _("The address cannot be read: check the host name and the port number after “:”."),
            code="invalid",
        ) from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise ValidationError(
            _("Give an address that starts with https:// (or http://)."), code="scheme"
        )
    if "@" in parts.netloc:
        raise ValidationError(
            _(
                "Remove the user name and password (the part before “@”) from the address: "
                "webhooks are signed instead."
            ),
            code="userinfo",
        )
    if not parts.hostname:
        raise ValidationError(
            _("Give the host name of the receiving system, e.g. https://hooks.example.cn/portal."),
            code="host",
        )
    if parts.fragment or "#" in url:
        raise ValidationError(
            _("Remove the part from “#” on: it is never sent to the receiving system."),
            code="fragment",
        )
    try:
        host = parts.hostname.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise ValidationError(
            _("The host name %(host)s is not valid.") % {"host": parts.hostname}, code="host"
        ) from exc
    return parts.scheme.lower(), host, port, parts.path or "/", parts.query


def check_url(url: str) -> str:
    """The normalised URL if webhooks may be sent there; ValidationError saying what to fix."""
    scheme, host, port, path, query = _split(url.strip() if url else "")
    default_port = 443 if scheme == "https" else 80
    try:
        infos = _resolve(host, port or default_port)
        if not infos:
            raise socket.gaierror(socket.EAI_NONAME, "no address")
    except (socket.gaierror, UnicodeError) as exc:
        raise ValidationError(
            _(
                "The host name %(host)s cannot be found. Check its spelling, or give the address "
                "of a system that can be reached from the internet."
            )
            % {"host": host},
            code="unresolved",
        ) from exc
    networks = allowed_networks()
    for info in infos:
        address = info[4][0]
        reason = refusal(address, networks)
        if reason:
            raise ValidationError(_refusal_message(host, address, reason), code="destination")
    netloc = f"[{host}]" if ":" in host else host
    if port and port != default_port:
        netloc = f"{netloc}:{port}"
    return f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")


# ---------------------------------------------------------------------------------------------
# Connect-time check


class DestinationRefused(Exception):
    """Raised by a guarded connection instead of connecting; not an OSError, so urllib3 lets it
    through untouched."""

    def __init__(self, address: str, reason: str):
        super().__init__(f"refused destination {address}")
        self.address = address
        self.reason = reason


class _Guard:
    """One request's allowed networks and deadline; closes its connection's socket when the
    deadline passes, however slowly the other side sends."""

    def __init__(self, timeout: float):
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self.networks = allowed_networks()
        self.expired = False
        self.sockets = []  # kept here: http.client drops conn.sock once the response has it
        self._lock = threading.Lock()
        self._done = False
        self._timer = threading.Timer(timeout, self._expire)
        self._timer.daemon = True

    def remaining(self) -> float:
        return max(0.001, self.deadline - time.monotonic())

    def watch(self, sock):
        with self._lock:
            self.sockets.append(sock)

    def _expire(self):
        with self._lock:
            if self._done:
                return
            self.expired = True
            for sock in self.sockets:
                # On the descriptor, beneath TLS: a read blocked in another thread returns.
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc):
        with self._lock:
            self._done = True
        self._timer.cancel()


def _guarded_socket(conn) -> socket.socket:
    """Resolve the host, keep the allowed addresses, connect to one of them."""
    guard = conn.guard
    try:
        infos = _resolve(conn.host, conn.port)
    except socket.gaierror as exc:
        raise NameResolutionError(conn.host, conn, exc) from exc
    if not infos:
        raise NameResolutionError(conn.host, conn, socket.gaierror(socket.EAI_NONAME, "no address"))
    allowed, refused = [], []
    for info in infos:
        reason = refusal(info[4][0], guard.networks)
        if reason:
            refused.append((info[4][0], reason))
        else:
            allowed.append(info)
    if not allowed:
        raise DestinationRefused(*refused[0])
    error = None
    for family, kind, proto, _canonname, sockaddr in allowed:
        sock = socket.socket(family, kind, proto)
        try:
            for option in conn.socket_options or ():
                sock.setsockopt(*option)
            connect_timeout = conn.timeout if isinstance(conn.timeout, int | float) else None
            sock.settimeout(min(connect_timeout or guard.timeout, guard.remaining()))
            if conn.source_address:
                sock.bind(conn.source_address)
            guard.watch(sock)
            sock.connect(sockaddr)
            sys.audit("http.client.connect", conn, conn.host, conn.port)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    if isinstance(error, TimeoutError):
        raise ConnectTimeoutError(conn, f"Connection to {conn.host} timed out.") from error
    raise NewConnectionError(conn, f"Failed to establish a new connection: {error}") from error


class GuardedHTTPConnection(HTTPConnection):
    def __init__(self, *args, guard: _Guard, **kwargs):
        self.guard = guard
        super().__init__(*args, **kwargs)

    def _new_conn(self) -> socket.socket:
        return _guarded_socket(self)


class GuardedHTTPSConnection(HTTPSConnection):
    def __init__(self, *args, guard: _Guard, **kwargs):
        self.guard = guard
        super().__init__(*args, **kwargs)

    def _new_conn(self) -> socket.socket:
        return _guarded_socket(self)

    def connect(self) -> None:
        super().connect()
        self.guard.watch(self.sock)  # the TLS socket that replaced the plain one


class GuardedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


# ---------------------------------------------------------------------------------------------
# post


@dataclass(frozen=True)
class Outcome:
    status: int | None
    headers: dict = field(default_factory=dict)
    body_start: str = ""
    duration_ms: int = 0
    error: str = ""
    retry_after: int | None = None

    @property
    def ok(self) -> bool:
        """The receiver took it: a 2xx answer (a redirect or anything else is not)."""
        return self.status is not None and 200 <= self.status < 300


def parse_retry_after(value: str | None, now: datetime | None = None) -> int | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP-date), at most a day."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(int(value), RETRY_AFTER_MAX)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(0, int(seconds + 0.999)), RETRY_AFTER_MAX)


def _decode(raw: bytes, headers: dict) -> str:
    if headers.get("content-encoding", "").strip().lower() in ("gzip", "deflate"):
        with contextlib.suppress(zlib.error):  # bounded: no more out than the characters kept
            raw = zlib.decompressobj(47).decompress(raw, BODY_START_CHARS * 4)
    charset = "utf-8"
    for part in headers.get("content-type", "").split(";")[1:]:
        name, _sep, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            charset = value.strip('"').strip()
    try:
        text = raw.decode(charset, errors="replace")
    except LookupError:
        text = raw.decode("utf-8", errors="replace")
    return text[:BODY_START_CHARS]


def _describe(exc: BaseException, guard: _Guard) -> str:
    if guard.expired:
        return f"timed out after {guard.timeout:g} s"
    chain, stack = [], [exc]
    while stack:  # the exception, its causes and urllib3's reasons
        current = stack.pop()
        if isinstance(current, BaseException) and all(current is not seen for seen in chain):
            chain.append(current)
            stack += [current.__cause__, current.__context__, getattr(current, "reason", None)]

    def first(kinds):
        return next((item for item in chain if isinstance(item, kinds)), None)

    if refused := first(DestinationRefused):
        return str(refused)
    if first(NameResolutionError | socket.gaierror):
        return "host not found"
    if first(ConnectionRefusedError):
        return "connection refused"
    if tls := first(ssl.SSLError | SSLError):
        reason = getattr(tls, "verify_message", "") or getattr(tls, "reason", "") or tls
        return f"TLS error: {reason}"[:200]
    # urllib3's NewConnectionError is a ConnectTimeoutError: a timeout is judged last
    if (
        first(TimeoutError | ReadTimeoutError)
        or type(first(ConnectTimeoutError)) is ConnectTimeoutError
    ):
        return f"timed out after {guard.timeout:g} s"
    if reset := first(ConnectionError):
        return f"connection failed: {reset.strerror or reset.__class__.__name__}"[:200]
    return f"connection failed: {exc.__class__.__name__}: {exc}"[:200]


def _pool_for(url: str, guard: _Guard):
    parsed = parse_url(url)
    if parsed.scheme not in ("http", "https") or not parsed.host or parsed.auth:
        raise ValueError(f"not an address webhooks are sent to: {url!r}")
    pool_class = GuardedHTTPConnectionPool
    if parsed.scheme == "https":
        pool_class = GuardedHTTPSConnectionPool
    timeout = Timeout(connect=guard.timeout, read=guard.timeout)
    pool = pool_class(parsed.host, parsed.port, timeout=timeout, maxsize=1, guard=guard)
    return pool, parsed.request_uri


def post(url: str, body: bytes, headers: dict, *, timeout: float = 30) -> Outcome:
    """POST body to url once; what happened, network problems included, as an Outcome."""
    started = time.monotonic()
    guard = _Guard(timeout)
    try:
        pool, path = _pool_for(url, guard)
    except ValueError as exc:  # not an http(s) URL with a host
        return Outcome(status=None, error=str(exc)[:200])
    status, response_headers, raw, error, response = None, {}, b"", "", None
    try:
        with guard:
            try:
                response = pool.urlopen(
                    "POST",
                    path,
                    body=body,
                    headers={"User-Agent": USER_AGENT, **headers},
                    redirect=False,
                    retries=False,
                    assert_same_host=False,
                    preload_content=False,
                    decode_content=False,
                    release_conn=False,
                )
                status = response.status
                response_headers = {name.lower(): v for name, v in response.headers.itermerged()}
                raw, error = _read_bounded(response, guard)
            except Exception as exc:  # every network problem becomes the outcome
                error = _describe(exc, guard)
    finally:  # after the guard's timer is done with the sockets
        if response is not None:
            response.close()
        pool.close()
    return Outcome(
        status=status,
        headers=response_headers,
        body_start=_decode(raw, response_headers),
        duration_ms=int((time.monotonic() - started) * 1000),
        error=error,
        retry_after=parse_retry_after(response_headers.get("retry-after")),
    )


def _read_bounded(response, guard: _Guard) -> tuple[bytes, str]:
    """The first BODY_READ_LIMIT bytes of the body (what came of it), and what went wrong."""
    chunks, size, error = [], 0, ""
    try:
        while size < BODY_READ_LIMIT:
            chunk = response.read(min(16 * 1024, BODY_READ_LIMIT - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except Exception as exc:  # a body cut short is part of the outcome
        error = _describe(exc, guard)
    if guard.expired and not error:
        error = f"timed out after {guard.timeout:g} s"
    return b"".join(chunks), error
