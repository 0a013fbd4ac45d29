"""The house's layers hold: core imports no feature app, and no two apps import each other."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


APPS = (
    "core",
    "associations",
    "enterprises",
    "members",
    "batches",
    "supplies",
    "reports",
    "portal",
)


def _python_files():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts or path.name in ("access.py", "admin.py"):
                continue
            yield path


def test_who_is_an_admin_is_decided_only_in_access_modules():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _python_files()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "is_superuser" in line or "Role.ADMIN" in line
    ]
    assert offenders == []


ROLE_CHECK = re.compile(r"\.role\s*(==|!=|in\b)|is_superuser|is_manager|\.role\s*%\}")


def test_templates_check_no_roles():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if ROLE_CHECK.search(line)
    ]
    assert offenders == []
