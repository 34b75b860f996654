"""app/core/run_dir.py: what the tools find of a running ./run.sh in RUN_DATA_DIR."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.config import Settings
from app.core.run_dir import RunDir, resolved_redis_url
from app.launcher.pidfile import PidFile
from app.launcher.stack import Layout

EMBEDDED = "redis://127.0.0.1:40123/0"


@pytest.fixture(autouse=True)
def no_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)


def settings(data_dir: Path, **values: str) -> Settings:
    # No .env: a developer's REDIS_URL there would name a Redis.
    return Settings(_env_file=None, run_data_dir=data_dir, **values)  # type: ignore[call-arg]


def a_dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_launcher_and_the_tools_agree_on_the_layout(tmp_path: Path) -> None:
    layout, run_dir = Layout(tmp_path / "repo", tmp_path), RunDir(tmp_path)

    assert (layout.log_dir, layout.redis_dir, layout.pid_file) == (
        run_dir.log_dir,
        run_dir.redis_dir,
        run_dir.pid_file,
    )


def test_the_embedded_redis_is_found_while_its_launcher_lives(tmp_path: Path) -> None:
    run_dir = RunDir(tmp_path)
    run_dir.write_redis_url(EMBEDDED)
    with PidFile(run_dir.pid_file):  # this process stands in for ./run.sh
        assert run_dir.launcher_pid() == os.getpid()
        assert run_dir.embedded_redis_url() == EMBEDDED
        assert resolved_redis_url(settings(tmp_path)) == EMBEDDED


def test_a_named_redis_url_wins(tmp_path: Path) -> None:
    run_dir = RunDir(tmp_path)
    run_dir.write_redis_url(EMBEDDED)
    named = settings(tmp_path, redis_url="redis://cache:6379/2")

    with PidFile(run_dir.pid_file):
        assert resolved_redis_url(named) == "redis://cache:6379/2"


def test_a_dead_launcher_leaves_the_default(tmp_path: Path) -> None:
    run_dir = RunDir(tmp_path)
    run_dir.write_redis_url(EMBEDDED)
    run_dir.pid_file.write_text(f"{a_dead_pid()}\n")

    assert run_dir.launcher_pid() is None


def test_a_stale_pid_file_naming_a_live_process_is_not_a_launcher(tmp_path: Path) -> None:
    """Its pid reused by another process: no lock held, so `restart` signals nobody."""
    run_dir = RunDir(tmp_path)
    run_dir.pid_file.write_text(f"{os.getpid()}\n")

    assert run_dir.launcher_pid() is None
    assert resolved_redis_url(settings(tmp_path)) == Settings.model_fields["redis_url"].default


def test_no_files_at_all(tmp_path: Path) -> None:
    assert RunDir(tmp_path / "missing").embedded_redis_url() is None
    assert RunDir(tmp_path / "missing").launcher_pid() is None
