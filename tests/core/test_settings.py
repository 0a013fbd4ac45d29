"""The settings are safe by default: each case starts a fresh Python with a given environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "SECRET_KEY": "x7$kq!v3p@9w#z2m&n5r*t8y^b4c(e6f)h1j+l0o-s_u=a%dG4hT8mQ2",
    "ALLOWED_HOSTS": "portal.example.org",
    "DATABASE_URL": "postgres://portal@db:5432/portal",
    "REDIS_URL": "redis://redis:6379/0",
}


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "resumption_portal.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


SHOW = "import django; django.setup(); from django.conf import settings as s; print(repr(({},)))"


def test_debug_is_off_and_https_enforced_unless_asked():
    result = run_python(
        SHOW.format("s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE"), PRODUCTION_ENV
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(False, True, True)"


def test_secret_key_is_required():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = run_python(SHOW.format("s.DEBUG"), env)
    assert result.returncode != 0
    assert "Set the environment variable SECRET_KEY" in result.stderr


def test_secret_key_can_come_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file-" + "k" * 50 + "\n")
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = run_python(SHOW.format("s.SECRET_KEY"), {**env, "SECRET_KEY_FILE": str(secret)})
    assert result.stdout.strip() == repr(("from-a-file-" + "k" * 50,))


@pytest.mark.parametrize("value", ["yes", "1", "True", "flase"])
def test_a_boolean_is_true_or_false_and_nothing_else(value):
    result = run_python(SHOW.format("s.DEBUG"), {**PRODUCTION_ENV, "DEBUG": value})
    assert result.returncode != 0
    assert 'DEBUG must be "true" or "false"' in result.stderr


def test_production_settings_pass_the_deployment_check():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={**{k: v for k, v in os.environ.items() if k in ("PATH", "HOME")}, **PRODUCTION_ENV},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_tasks_run_in_process_only_when_asked():
    result = run_python(
        SHOW.format("s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL"), PRODUCTION_ENV
    )
    assert result.stdout.strip() == "(False, 'redis://redis:6379/0')"


def test_an_empty_redis_url_is_the_zero_service_mode():
    env = {**PRODUCTION_ENV, "REDIS_URL": "", "CELERY_TASK_ALWAYS_EAGER": "true"}
    result = run_python(SHOW.format("s.CACHES['default']['BACKEND'], s.CELERY_BROKER_URL"), env)
    assert result.stdout.strip() == repr(
        ("django.core.cache.backends.locmem.LocMemCache", "memory://localhost/")
    )


def test_an_empty_secret_key_is_refused():
    result = run_python(SHOW.format("s.DEBUG"), {**PRODUCTION_ENV, "SECRET_KEY": ""})
    assert "Set the environment variable SECRET_KEY" in result.stderr


def test_a_pin_shorter_than_the_replica_lag_allowed_is_refused():
    env = {**PRODUCTION_ENV, "REPLICA_MAX_LAG_SECONDS": "30", "REPLICA_PIN_SECONDS": "10"}
    result = run_python(SHOW.format("s.REPLICA_PIN_SECONDS"), env)
    assert result.returncode != 0
    assert "REPLICA_PIN_SECONDS (10) must be at least REPLICA_MAX_LAG_SECONDS (30)" in result.stderr
    env["REPLICA_PIN_SECONDS"] = "30"
    assert run_python(SHOW.format("s.REPLICA_PIN_SECONDS"), env).stdout.strip() == "(30,)"
