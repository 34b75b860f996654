"""app/cli/logs.py: `logs` over ./run.sh's log files in RUN_DATA_DIR."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from app.cli import logs
from app.cli.failures import EXIT_FAILED
from app.core.run_dir import RunDir
from app.launcher.pidfile import PidFile
from tests.unit.cli.conftest import World

TASK_ID = "6f1c0d2e-5b7a-4c1e-9f0a-2d3b4c5d6e7f"
OTHER_ID = "0a0b0c0d-1111-2222-3333-444455556666"
BEAT = [
    "[2026-11-30 12:00:00] beat: Starting...",
    f"sending due task 오너클랜_수집 (app.tasks.collection.collect_supplier) task id {TASK_ID}",
    f"sending due task 젠트레이드_수집 (app.tasks.collection.collect_supplier) task id {OTHER_ID}",
]
WORKER = [
    "celery@host ready.",
    f"Task app.tasks.collection.collect_supplier[{TASK_ID}] received",
    f"Task app.tasks.collection.collect_supplier[{OTHER_ID}] received",
    f"Task app.tasks.collection.collect_supplier[{TASK_ID}] succeeded in 0.01s",
]


def write_logs(data_dir: Path, **files: list[str]) -> None:
    log_dir = RunDir(data_dir).log_dir
    log_dir.mkdir(parents=True, exist_ok=True)
    for name, lines in files.items():
        (log_dir / f"{name}.log").write_text("".join(f"{line}\n" for line in lines))


def test_no_logs_says_where_they_would_be(world: World, tmp_path: Path) -> None:
    result = world.cli("logs", RUN_DATA_DIR=str(tmp_path))

    assert result.code == EXIT_FAILED
    assert result.err.startswith(f"No logs in {tmp_path / 'logs'}: ./run.sh writes redis.log")
    assert "docker compose logs -f" in result.err


def test_without_a_running_stack_the_last_lines_of_each_log(world: World, tmp_path: Path) -> None:
    write_logs(tmp_path, api=["api up"], beat=BEAT, worker=WORKER, redis=["r1", "r2", "r3"])
    (RunDir(tmp_path).log_dir / "worker.log.1").write_text("an older run\n")

    result = world.cli("logs", "-n", "2", RUN_DATA_DIR=str(tmp_path))

    assert result.code == 0
    assert result.err.startswith("./run.sh is not running: the last lines of its last run")
    assert result.lines == [
        "[redis] r2",
        "[redis] r3",
        *(f"[worker] {line}" for line in WORKER[-2:]),
        *(f"[beat] {line}" for line in BEAT[-2:]),
        "[api] api up",
    ]


def test_schedule_keeps_its_lines_and_those_of_its_task_ids(world: World, tmp_path: Path) -> None:
    write_logs(tmp_path, beat=BEAT, worker=WORKER)

    result = world.cli("logs", "--schedule", "오너클랜_수집", RUN_DATA_DIR=str(tmp_path))

    # The worker's log comes first, before Beat's line names the task id: still kept.
    assert result.lines == [
        f"[worker] {WORKER[1]}",
        f"[worker] {WORKER[3]}",
        f"[beat] {BEAT[1]}",
    ]


def test_an_unknown_process_is_refused_naming_the_logs(world: World, tmp_path: Path) -> None:
    write_logs(tmp_path, beat=BEAT, worker=WORKER)

    result = world.cli("logs", "flower", RUN_DATA_DIR=str(tmp_path))

    assert result.code == EXIT_FAILED
    assert result.err == "No log named flower; there are: worker, beat.\n"


def test_follows_new_lines_and_a_replaced_file_until_the_stack_stops(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_logs(tmp_path, worker=["old"])
    run_dir = RunDir(tmp_path)
    launcher = PidFile(run_dir.pid_file)  # this process stands in for ./run.sh
    launcher.claim()
    following = threading.Event()
    real_follow = logs.follow

    def follow(*args: Any, **kwargs: Any) -> None:
        following.set()
        real_follow(*args, **kwargs)

    monkeypatch.setattr(logs, "follow", follow)

    def the_stack() -> None:
        assert following.wait(30)
        log = run_dir.log_dir / "worker.log"
        with log.open("a") as f:
            f.write("appended\nhalf a ")
            f.flush()
            f.write("line\n")
        log.replace(log.with_name("worker.log.1"))  # a restart: a new file
        log.write_text("restarted\n")
        launcher.release()  # ./run.sh stops

    writer = threading.Thread(target=the_stack)
    writer.start()
    result = world.cli("logs", RUN_DATA_DIR=str(tmp_path))
    writer.join()

    assert result.code == 0
    assert result.lines == [
        "[worker] old",
        "[worker] appended",
        "[worker] half a line",
        "[worker] restarted",
    ]
    assert result.err == "./run.sh stopped; no more lines will come.\n"
