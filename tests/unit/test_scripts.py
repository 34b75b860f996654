"""Static checks on the shell scripts: the house style, bash syntax, and shellcheck."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import tomllib
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


# ---- the process scripts are thin: they exec a console script of the package ----

CONSOLE_SCRIPTS = tomllib.loads((ROOT / "backend" / "pyproject.toml").read_text())["project"][
    "scripts"
]
PROCESS_SCRIPTS = {
    "run.sh": "batchsched-run",
    "run_api.sh": "batchsched-api",
    "run_worker.sh": "batchsched-worker",
    "run_celery_beat.sh": "batchsched-beat",
    "check_schedules.sh": "batchsched-cli",
    "scheduler_control.sh": "batchsched-cli",
    "run_flower.sh": "batchsched-flower",
}


def code_lines(script: Path) -> list[str]:
    lines = (line.strip() for line in script.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


@pytest.mark.parametrize("name", sorted(PROCESS_SCRIPTS))
def test_process_script_execs_its_console_script(name: str) -> None:
    lines = code_lines(ROOT / name)
    command = PROCESS_SCRIPTS[name]

    assert len(lines) <= 4, "logic belongs in the package, not in the script"
    assert lines[-1].split()[1].endswith(command), lines[-1]
    assert lines[-1].startswith("exec "), "exec, so signals reach the process itself"
    target = CONSOLE_SCRIPTS[command]
    module, _, function = target.partition(":")
    assert callable(getattr(importlib.import_module(module), function)), target


FAKE_COMMAND = """#!/usr/bin/env bash
echo "$(basename "$0") from {where}, pid $$, args: $*"
"""


def fake_command(directory: Path, name: str, where: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(FAKE_COMMAND.format(where=where))
    path.chmod(0o755)


@pytest.mark.parametrize(
    "name", ["run_api.sh", "run_worker.sh", "run_celery_beat.sh", "run_flower.sh"]
)
def test_script_runs_the_command_from_path_when_there_is_no_venv(name: str, tmp_path: Path) -> None:
    # As in the Docker image: the script at /app, the package installed, no .venv.
    shutil.copy(ROOT / name, tmp_path / name)
    fake_command(tmp_path / "bin", PROCESS_SCRIPTS[name], "PATH")
    env = {"PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}"}

    result = subprocess.run(
        ["bash", "-c", f'"{tmp_path / name}" -Q reports & wait_pid=$!; wait; echo $wait_pid'],
        capture_output=True,
        text=True,
        env=env,
    )

    said, pid = result.stdout.splitlines()
    assert said == f"{PROCESS_SCRIPTS[name]} from PATH, pid {pid}, args: -Q reports"


def test_script_prefers_the_repo_venv_over_path(tmp_path: Path) -> None:
    shutil.copy(ROOT / "check_schedules.sh", tmp_path / "check_schedules.sh")
    fake_command(tmp_path / "bin", "batchsched-cli", "PATH")
    fake_command(tmp_path / ".venv" / "bin", "batchsched-cli", "venv")
    env = {"PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}"}

    result = subprocess.run(
        [str(tmp_path / "check_schedules.sh"), "--check"], capture_output=True, text=True, env=env
    )

    assert result.stdout.startswith("batchsched-cli from venv, pid ")
    assert result.stdout.endswith("args: status --check\n")


def test_scheduler_control_passes_seed_001s_verbs_to_the_cli(tmp_path: Path) -> None:
    shutil.copy(ROOT / "scheduler_control.sh", tmp_path / "scheduler_control.sh")
    fake_command(tmp_path / ".venv" / "bin", "batchsched-cli", "venv")

    result = subprocess.run(
        [str(tmp_path / "scheduler_control.sh"), "collect", "오너클랜"],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"]},
    )

    assert result.stdout.startswith("batchsched-cli from venv, pid ")
    assert result.stdout.endswith("args: collect 오너클랜\n")
