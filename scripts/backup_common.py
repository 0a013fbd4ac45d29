"""What scripts/backup and scripts/restore share: the database named by DATABASE_URL reached
with the PostgreSQL client tools, the media directory, checksums and the manifest's names.

Standard library only, so that the scripts run wherever Python 3.11 and the PostgreSQL client
tools are, without Django or the portal's settings."""

import hashlib
import json
import os
import subprocess
import tarfile
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

DUMP = "database.dump"
MEDIA = "media.tar"
MANIFEST = "manifest.json"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/resumption_portal"
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "postgis"}
CHECKOUT = Path(__file__).resolve().parents[1]


class Failure(Exception):
    """Stops the script with this message and exit status 1."""


def run(command: list[str], *, what: str, stdin: str | None = None) -> str:
    try:
        done = subprocess.run(  # noqa: S603 (the commands are the PostgreSQL tools)
            command, input=stdin, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as error:
        raise Failure(
            f"{command[0]} was not found: install the PostgreSQL client tools "
            f"(Debian/Ubuntu: apt-get install postgresql-client) or put them on PATH."
        ) from error
    if done.returncode != 0:
        detail = done.stderr.strip() or done.stdout.strip() or f"exit status {done.returncode}"
        raise Failure(f"{what} failed: {detail}")
    return done.stdout


class Database:
    """The database of a PostgreSQL URL, as libpq takes it (a password in the URL is used)."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        if parts.scheme not in POSTGRES_SCHEMES:
            raise Failure(
                f"DATABASE_URL must name a PostgreSQL database (postgres://…), not "
                f"{parts.scheme or 'an address without a scheme'}: only PostgreSQL is backed up "
                f"this way (the SQLite file of `make run` is copied as a file)."
            )
        self.name = unquote(parts.path.lstrip("/"))
        if not self.name:
            raise Failure("DATABASE_URL names no database (postgres://user@host:5432/NAME).")
        self._parts = parts._replace(scheme="postgresql")
        self.host_label = f"{parts.hostname or 'localhost'}:{parts.port or 5432}"

    @property
    def url(self) -> str:
        return urlunsplit(self._parts)

    def url_of(self, name: str) -> str:
        """The URL of another database on the same server, as the same user."""
        return urlunsplit(self._parts._replace(path="/" + quote(name, safe="")))

    def psql(self, sql: str, *, on: str | None = None, what: str = "", **variables) -> list[list]:
        """Rows of `sql` (read from stdin, so that :'name' and :"name" take `variables`)."""
        command = ["psql", "--no-psqlrc", "--no-password", "--tuples-only", "--no-align"]
        command += ["--field-separator=\t", "--set=ON_ERROR_STOP=1"]
        for name, value in variables.items():
            command.append(f"--set={name}={value}")
        command.append(self.url_of(on) if on else self.url)
        output = run(command, what=what or f"psql on {on or self.name}", stdin=sql)
        return [line.split("\t") for line in output.splitlines() if line]

    def migration_state(self) -> dict[str, str]:
        """The last migration applied of each app (by name: they are numbered), or {} for a
        database never migrated."""
        [[found]] = self.psql("SELECT to_regclass('django_migrations') IS NOT NULL;")
        if found != "t":
            return {}
        rows = self.psql("SELECT app, max(name) FROM django_migrations GROUP BY app ORDER BY app;")
        return dict(rows)

    def check_reachable(self) -> None:
        self.psql("SELECT 1;", what=f"Connecting to the database {self.name} on {self.host_label}")

    def server_version(self) -> str:
        [[version]] = self.psql("SHOW server_version;")
        return version


def database() -> Database:
    return Database(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)


def media_root() -> Path:
    """settings.MEDIA_ROOT as the portal computes it: $MEDIA_ROOT, else media/ in the checkout."""
    return Path(os.environ.get("MEDIA_ROOT") or CHECKOUT / "media")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n")


def write_media_tar(media: Path, target: Path) -> int:
    """A tar of every file under `media` (an absent directory: an empty tar). Answers how many
    files it holds."""
    count = 0
    with tarfile.open(target, "w") as archive:
        if media.is_dir():
            for path in sorted(media.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    archive.add(path, arcname=str(path.relative_to(media)), recursive=False)
                    count += 1
        elif media.exists():
            raise Failure(f"MEDIA_ROOT {media} is not a directory.")
    return count


def extract_media(archive_path: Path, media: Path) -> int:
    """Put the archived files back under `media` (made if absent); answers how many. Only
    plain files inside `media` are written (the "data" filter refuses absolute paths, `..` and
    links that point out)."""
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive_path) as archive:
        members = [member for member in archive.getmembers() if member.isfile()]
        archive.extractall(media, members=members, filter="data")
    return len(members)
