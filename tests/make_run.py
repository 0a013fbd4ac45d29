"""The environment `make run` gives the web process (RUN_ENV of the Makefile), for tests that
run the portal as `make run` does: SQLite, tasks in-process, demo logins."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def make_run_environment(tmp_path: Path, **more: str) -> dict[str, str]:
    """RUN_ENV with its SQLite file in `tmp_path`; `more` adds or replaces variables."""
    return {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "resumption_portal.settings",
        "DEBUG": "true",
        "SECRET_KEY": "insecure-local-development-key-only-for-make-run",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "HTTPS": "false",
        "DEMO_MODE": "true",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        **more,
    }


# The start of a script for `run_as_make_run`: Django set up, its SQLite database migrated and
# the reference data loaded; `json` imported for the answer the script prints last.
MIGRATED = """
import json
import django
from django.core.management import call_command

django.setup()
call_command("migrate", verbosity=0)
call_command("load_reference_data", verbosity=0)
"""


def run_as_make_run(tmp_path: Path, script: str, **more: str) -> dict:
    """Run `script` in a Python process of its own with `make run`'s environment (`more` as in
    `make_run_environment`); answers the JSON object it printed last."""
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=make_run_environment(tmp_path, **more),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])
