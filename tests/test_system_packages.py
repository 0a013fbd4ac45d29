"""The first step of `make test` and `make run` (scripts/system-packages): on a machine without
the Debian packages the suite needs, it installs them when it can (root with apt-get) and
otherwise stops at once with the command to run, before anything else has started."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "system-packages"

# What `apt-get install` would bring, in a stand-in that records how it was called.
FAKE_APT_GET = """#!/bin/sh
echo "$@" >> "$APT_LOG"
if [ "$1" = install ]; then
    printf '#!/bin/sh\\n' > "$FAKE_BIN/msgfmt"
    printf '#!/bin/sh\\n' > "$FAKE_BIN/pdftotext"
    printf '#!/bin/sh\\n' > "$CHROMIUM_PATH"
    /bin/chmod +x "$FAKE_BIN/msgfmt" "$FAKE_BIN/pdftotext" "$CHROMIUM_PATH"
    : > "$REPORT_PDF_FONT"
fi
"""


@pytest.fixture
def machine(tmp_path):
    """A machine without Chromium, gettext, poppler-utils nor a TrueType Chinese font (the fonts
    for Chromium are this one's), whose user id the test chooses."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "grep").symlink_to(shutil.which("grep"))
    (bin_dir / "apt-get").write_text(FAKE_APT_GET)
    (bin_dir / "apt-get").chmod(0o755)

    def run(mode: str, uid: int, **env: str) -> subprocess.CompletedProcess:
        (bin_dir / "id").write_text(f"#!/bin/sh\necho {uid}\n")
        (bin_dir / "id").chmod(0o755)
        environment = {
            "PATH": str(bin_dir),
            "FAKE_BIN": str(bin_dir),
            "APT_LOG": str(tmp_path / "apt.log"),
            "CHROMIUM_PATH": str(tmp_path / "chromium"),
            "REPORT_PDF_FONT": str(tmp_path / "wqy-zenhei.ttc"),
            "VENV": str(ROOT / ".venv"),
            **env,
        }
        return subprocess.run(
            ["/bin/sh", str(SCRIPT), mode],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    run.apt_calls = lambda: (
        (tmp_path / "apt.log").read_text().splitlines() if (tmp_path / "apt.log").exists() else []
    )
    run.tmp_path = tmp_path
    if not Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc").is_file():
        pytest.skip("the stand-in machine borrows this one's fonts-noto-cjk")
    return run


def test_make_test_as_a_user_stops_at_once_with_the_command_to_run(machine):
    result = machine("test", uid=1000)

    assert result.returncode == 1
    assert (
        "sudo apt-get update && sudo apt-get install -y "
        "chromium fonts-wqy-zenhei gettext poppler-utils"
    ) in result.stderr
    assert machine.apt_calls() == []  # nothing was tried


def test_make_test_as_root_installs_what_is_missing_and_goes_on(machine):
    result = machine("test", uid=0)

    assert result.returncode == 0, result.stderr
    assert machine.apt_calls() == [
        "update -qq",
        "install -y -qq chromium fonts-wqy-zenhei gettext poppler-utils",
    ]
    assert machine("test", uid=0).returncode == 0
    assert len(machine.apt_calls()) == 2  # the second time there is nothing to install


def test_make_test_as_root_stops_when_apt_get_did_not_bring_everything(machine):
    broken_apt = machine.tmp_path / "bin" / "apt-get"
    broken_apt.write_text('#!/bin/sh\necho "$@" >> "$APT_LOG"\n')

    result = machine("test", uid=0)

    assert result.returncode == 1
    assert "still missing after apt-get install: chromium" in result.stderr


def test_make_run_only_mentions_the_font_pdfs_would_embed(machine):
    result = machine("run", uid=1000)

    assert result.returncode == 0
    assert "sudo apt-get install -y fonts-wqy-zenhei" in result.stdout
    assert machine.apt_calls() == []


def test_make_run_on_a_fresh_machine_without_python_venv_names_its_package(machine):
    result = machine(
        "run",
        uid=1000,
        VENV=str(machine.tmp_path / "no-venv-yet"),
        PYTHON=str(machine.tmp_path / "python-without-venv"),
    )

    assert result.returncode == 1
    assert "sudo apt-get update && sudo apt-get install -y python3-venv" in result.stderr


def test_the_script_looks_for_the_pdf_fonts_the_portal_embeds():
    script = SCRIPT.read_text()
    listed = script.split('PDF_FONTS="', 1)[1].split('"', 1)[0].split()
    assert listed == settings.REPORT_PDF_FONT_CANDIDATES


@pytest.mark.parametrize(("target", "mode"), [("test", "test"), ("run", "run")])
def test_make_checks_the_system_packages_before_anything_else(target, mode):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    outside_make = {name: value for name, value in os.environ.items() if "MAKE" not in name}
    planned = subprocess.run(
        ["make", "-n", "--always-make", "--no-print-directory", target],
        cwd=ROOT,
        env=outside_make,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.splitlines()

    assert planned[0].endswith(f"scripts/system-packages {mode}")
    assert any("-m venv" in line for line in planned[1:])
