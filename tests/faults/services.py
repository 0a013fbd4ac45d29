"""Real services of the fault tests' own, started and stopped by the tests: a Redis server, a
PostgreSQL cluster, the portal under gunicorn, a Celery worker and beat. Each listens on a free
port of loopback and lives in a temporary directory, so that stopping one never touches the
services the rest of the suite uses."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from pathlib import Path

import httpx
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, what: str, timeout: float = 30.0, logs: tuple = ()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with suppress(Exception):
            result = condition()
            if result:
                return result
        time.sleep(0.2)
    tails = "\n".join(f"--- {log.name}:\n{log.read_text(errors='replace')[-3000:]}" for log in logs)
    raise AssertionError(f"waited {timeout} s for {what}\n{tails}")


class Process:
    """A command in a session of its own, its output in a log file."""

    def __init__(self, command: list[str], log: Path, env: dict | None = None, user: str = ""):
        self.log = log
        self.output = log.open("ab")
        if user:
            command = ["runuser", "-u", user, "--", *command]
        self.process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=self.output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        if self.alive():
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.output.close()


class RedisServer:
    """`redis-server` that keeps nothing on disk: stopped and started again, it is empty, as a
    Redis without persistence comes back after a crash."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.server: Process | None = None

    def start(self) -> None:
        command = [
            shutil.which("redis-server") or "redis-server",
            "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", str(self.directory),
        ]  # fmt: skip
        self.server = Process(command, self.directory / "redis.log")
        import redis

        client = redis.Redis.from_url(self.url)
        wait_until(client.ping, "redis to answer", logs=(self.server.log,))
        client.close()

    def kill(self) -> None:
        """As when the machine under it fails: SIGKILL, nothing flushed."""
        if self.server:
            self.server.stop(signal.SIGKILL)


def portal_environment(**overrides: str) -> dict:
    """The environment of a portal process on the test database (tests.settings, as the suite)."""
    db = settings.DATABASES["default"]
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "DATABASE_CONN_MAX_AGE": "60",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "HTTPS": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "INFO",
        **overrides,
    }


class Portal:
    """The portal under gunicorn on loopback, as in production (one worker, four threads)."""

    def __init__(self, directory: Path, env: dict):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [
            sys.executable, "-m", "gunicorn", "resumption_portal.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--threads", "4",
            "--timeout", "60", "--graceful-timeout", "5",
        ]  # fmt: skip
        self.server = Process(command, directory / f"gunicorn-{self.port}.log", env)
        wait_until(
            lambda: httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200,
            "gunicorn to answer",
            timeout=60,
            logs=(self.server.log,),
        )

    def stop(self) -> None:
        self.server.stop()


def celery(directory: Path, env: dict, *arguments: str, name: str) -> Process:
    command = [sys.executable, "-m", "celery", "-A", "resumption_portal", *arguments]
    return Process(command, directory / f"{name}.log", env)


def server_programs() -> Path:
    """Where PostgreSQL's server programs are: Debian keeps them per version under
    /usr/lib/postgresql (the newest is taken), elsewhere `pg_config --bindir` says."""
    installed = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3])
    )
    if installed:
        return installed[-1].parent
    found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True)
    return Path(found.stdout.strip())


class _Cluster:
    """A PostgreSQL server of the test's own on a free port of loopback, its data in a directory
    of its own, run as the `postgres` system user when the tests run as root (PostgreSQL refuses
    to run as root)."""

    pg_ctl_timeout = "60"

    def __init__(self, directory: Path):
        self.bin = server_programs()
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()
        self.user = "postgres" if os.geteuid() == 0 else ""
        if self.user:
            shutil.chown(directory, self.user)

    def _run(self, *command) -> None:
        command = [str(part) for part in command]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True)

    def pg_ctl(self, action: str, *extra: str) -> None:
        self._run(
            self.bin / "pg_ctl", "-D", self.data, "-l", self.directory / "postgres.log",
            "-w", "-t", self.pg_ctl_timeout, action, *extra,
        )  # fmt: skip

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def destroy(self) -> None:
        with suppress(subprocess.CalledProcessError):
            self.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.directory, ignore_errors=True)


class PostgresCluster(_Cluster):
    """A cluster made by initdb, in a directory of its own under the system's temporary
    directory (pytest's is readable by its owner only)."""

    def __init__(self):
        super().__init__(Path(tempfile.mkdtemp(prefix="portal-pg-")))
        directory = self.directory
        self._run(self.bin / "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{directory}'\nfsync = off\n"
                "shared_buffers = 32MB\n"
            )

    def copy_database(self, source_url: str, name: str) -> None:
        """The schema and rows of `source_url` into a new database `name` of this cluster."""
        self._run(self.bin / "createdb", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres", name)
        dump = subprocess.run(
            [self.bin / "pg_dump", "--no-owner", "--no-privileges", source_url],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(
            [self.bin / "psql", "-q", "-v", "ON_ERROR_STOP=1", self.url(name)],
            input=dump,
            capture_output=True,
            check=True,
        )


class StandbyCluster(_Cluster):
    """A streaming replica of a running cluster: `pg_basebackup -R` (a hot standby that follows
    the primary's WAL) into `directory`, served on a free port of loopback. The primary's
    pg_hba.conf must let `postgres` connect for replication from 127.0.0.1."""

    pg_ctl_timeout = "120"

    def __init__(self, primary_port: int, directory: Path | None = None, primary_host="127.0.0.1"):
        super().__init__(directory or Path(tempfile.mkdtemp(prefix="portal-replica-")))
        self._run(
            self.bin / "pg_basebackup", "-h", primary_host, "-p", primary_port, "-U", "postgres",
            "-D", self.data, "-R", "-X", "stream", "--checkpoint=fast",
        )  # fmt: skip
        # A configuration of its own (Debian keeps a cluster's in /etc, out of the base backup).
        (self.data / "postgresql.conf").write_text(
            f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.directory}'\nhot_standby = on\n"
            "hot_standby_feedback = on\nfsync = off\nshared_buffers = 32MB\n"
        )
        (self.data / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 trust\n"
        )
        if self.user:
            for name in ("postgresql.conf", "pg_hba.conf"):
                shutil.chown(self.data / name, self.user)

    def sql(self, database: str, statement: str):
        import psycopg2

        connection = psycopg2.connect(self.url(database), connect_timeout=5)
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(statement)
                return cursor.fetchone() if cursor.description else None
        finally:
            connection.close()

    def caught_up(self, database: str) -> bool:
        """Whether everything the replica received is replayed (and it streams)."""
        row = self.sql(database, "SELECT pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()")
        return bool(row and row[0])
