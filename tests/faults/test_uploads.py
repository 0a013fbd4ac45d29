"""A member import whose upload cannot be received is refused cleanly, with nothing written: no
import job, no enterprise, no membership, no temporary file left behind.

The portal is a real gunicorn serving the test database (as in production: the Dockerfile's
command). The disk fills while the upload is received: the server's temporary directory (where
Django spools an upload larger than FILE_UPLOAD_MAX_MEMORY_SIZE) is a 256 KB tmpfs when this
runs as root; elsewhere mounting is not permitted and the server process gets a file-size limit
of 256 KB instead (RLIMIT_FSIZE, SIGXFSZ ignored), so that its writes fail with EFBIG as they
would with ENOSPC. A slow client is a raw socket that declares the body's length, sends part of
it, then stalls or hangs up."""

import contextlib
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from associations.models import Membership
from core.tokens import sign_in_token_create
from enterprises.models import Enterprise, ImportJob
from tests.members.test_import import csv_file, member_rows

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]
SMALL_DISK = 256 * 1024
ENDPOINT = "/api/v1/enterprises/import/"
WORKER_TIMEOUT = 30  # seconds gunicorn lets a request take before it ends the worker
STALL = 2  # seconds without a byte of the body before the portal gives up (UPLOAD_STALL_SECONDS)


def database_url() -> str:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def small_disk(path: Path) -> Iterator[str]:
    """`path` as a 256 KB filesystem if this may mount one; answers how ("tmpfs" or "rlimit")."""
    path.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SMALL_DISK}", "tmpfs", str(path)],
        capture_output=True,
        check=False,
    )
    try:
        yield "tmpfs" if mounted.returncode == 0 else "rlimit"
    finally:
        if mounted.returncode == 0:
            subprocess.run(["umount", str(path)], check=False)


def _file_size_limit() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (SMALL_DISK, SMALL_DISK))


class Portal:
    """gunicorn serving the portal on a free port, its temporary files in `tmp`."""

    def __init__(self, tmp: Path, log: Path, *, limit_files: bool = False):
        self.port = free_port()
        self.tmp = tmp
        env = {
            **os.environ,
            # the suite's settings: the real ones, with static files served without a manifest
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "SECRET_KEY": settings.SECRET_KEY,
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "CACHE_KEY_PREFIX": f"uploads-{uuid.uuid4().hex[:8]}",
            "CELERY_KEY_PREFIX": f"uploads-{uuid.uuid4().hex[:8]}:",
            "HTTPS": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "TMPDIR": str(tmp),
            "UPLOAD_STALL_SECONDS": str(STALL),
        }
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "resumption_portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            "1",
            "--timeout",
            str(WORKER_TIMEOUT),
            "--worker-tmp-dir",
            str(log.parent),  # its heartbeat file, not on the small disk
        ]
        self.output = log.open("wb")
        self.log = log
        self.process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=self.output,
            stderr=subprocess.STDOUT,
            preexec_fn=_file_size_limit if limit_files else None,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return
            time.sleep(0.1)
        raise AssertionError(f"gunicorn did not start:\n{self.tail()}")

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        self.process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.output.close()


def multipart(content: bytes, association: int) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="association"\r\n\r\n{association}\r\n'
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="members.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\n"
    ).encode()
    body += content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def request_head(key: str, content_type: str, length: int) -> bytes:
    return (
        f"POST {ENDPOINT} HTTP/1.1\r\n"
        f"Host: 127.0.0.1\r\n"
        f"Authorization: Token {key}\r\n"
        f"Accept: application/json\r\n"
        f"Accept-Language: en\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {length}\r\n"
        f"Connection: close\r\n\r\n"
    ).encode()


def answer_of(client: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (b"" if it only closed it)."""
    client.settimeout(WORKER_TIMEOUT * 2)
    received = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := client.recv(65536):
            received += chunk
    return received


def written() -> tuple[int, int, int]:
    return ImportJob.objects.count(), Enterprise.objects.count(), Membership.objects.count()


@pytest.fixture
def upload(cast):
    """A valid member file larger than FILE_UPLOAD_MAX_MEMORY_SIZE (so that it is spooled to
    disk), and a token of the association's staff to send it with."""
    rows = member_rows(1)
    content = csv_file(rows)
    while len(content) <= settings.FILE_UPLOAD_MAX_MEMORY_SIZE + SMALL_DISK:
        rows += member_rows(5000)
        content = csv_file(rows)
    _token, key = sign_in_token_create(user=cast.staff)
    body, content_type = multipart(content, cast.association.pk)
    return {"key": key, "body": body, "content_type": content_type}


def test_an_upload_that_fills_the_disk_is_refused_and_nothing_is_written(upload, tmp_path):
    before = written()
    spool = tmp_path / "spool"
    with small_disk(spool) as how:
        portal = Portal(spool, tmp_path / "gunicorn.log", limit_files=how == "rlimit")
        try:
            with socket.create_connection(("127.0.0.1", portal.port)) as client:
                head = request_head(upload["key"], upload["content_type"], len(upload["body"]))
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    client.sendall(head + upload["body"])
                answer = answer_of(client)
        finally:
            portal.stop()
            log = portal.tail()
        left = list(spool.iterdir())
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.split()[1] == b"503", (answer[:2000], log)
    assert b"Retry-After: 600" in rest
    assert b'"code":"storage_full"' in rest.replace(b" ", b"")
    assert b"no room to receive the file" in rest, rest[-2000:]
    assert b"Traceback" not in answer
    assert written() == before
    assert left == []


@pytest.mark.parametrize("then", ["stalls", "hangs up"])
def test_an_upload_whose_client_stops_half_way_is_dropped_and_nothing_is_written(
    upload, tmp_path, then
):
    before = written()
    spool = tmp_path / "spool"
    spool.mkdir()
    portal = Portal(spool, tmp_path / "gunicorn.log")
    try:
        client = socket.create_connection(("127.0.0.1", portal.port))
        head = request_head(upload["key"], upload["content_type"], len(upload["body"]))
        client.sendall(head + upload["body"][: len(upload["body"]) // 2])
        started = time.monotonic()
        if then == "hangs up":
            client.shutdown(socket.SHUT_WR)
        answer = answer_of(client)
        waited = time.monotonic() - started
        client.close()
        # the server is still there for the next person
        with socket.create_connection(("127.0.0.1", portal.port)) as other:
            other.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            assert answer_of(other).split(b"\r\n", 1)[0].split()[1] in (b"200", b"301", b"302")
    finally:
        portal.stop()
        log = portal.tail()
    status_line, _, rest = answer.partition(b"\r\n")
    if then == "stalls":
        assert status_line.split()[1] == b"408", (answer[:2000], log)
        assert b'"code":"request_timeout"' in rest.replace(b" ", b"")
        assert waited < STALL + 10  # not held until gunicorn's own limit
        assert b"The upload stopped before the whole file arrived" in rest
    else:  # the body ended early: refused as a form without its file, or just closed
        assert answer == b"" or status_line.split()[1] == b"400", (answer[:2000], log)
    assert b"Traceback" not in answer
    assert written() == before
    assert list(spool.iterdir()) == []
