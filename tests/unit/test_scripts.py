"""Static checks on the shell scripts: the house style, bash syntax, and shellcheck."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted([*ROOT.glob("*.sh"), *(ROOT / "scripts").glob("*.sh"), ROOT / ".ci" / "run"])
IDS = [str(path.relative_to(ROOT)) for path in SCRIPTS]


def test_the_entry_points_are_all_checked() -> None:
    expected = {"run.sh", "test.sh", "run_worker.sh", "run_celery_beat.sh", "run_api.sh"}
    assert expected | {"scripts/bootstrap.sh", ".ci/run"} <= set(IDS)


@pytest.mark.parametrize("script", SCRIPTS, ids=IDS)
def test_script_follows_the_house_style(script: Path) -> None:
    lines = script.read_text().splitlines()

    assert lines[0] == "#!/usr/bin/env bash"
    assert "set -euo pipefail" in (line.strip() for line in lines)
    assert os.access(script, os.X_OK), f"{script.name} is not executable (chmod +x)"


@pytest.mark.parametrize("script", SCRIPTS, ids=IDS)
def test_script_parses(script: Path) -> None:
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)

    assert result.returncode == 0, result.stderr


def test_scripts_pass_shellcheck() -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck is not installed")

    result = subprocess.run(
        [shellcheck, *map(str, SCRIPTS)], capture_output=True, text=True, cwd=ROOT
    )

    assert result.returncode == 0, result.stdout + result.stderr
