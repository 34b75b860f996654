"""app/cli/control.py and collect.py: seed 001's stop, start, restart and collect."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Any

import pytest

from app.cli.control import RESTART_SIGNAL
from app.cli.failures import EXIT_FAILED
from app.core.celery_app import celery_app
from app.core.run_dir import RunDir
from app.launcher.pidfile import PidFile
from tests.unit.cli.conftest import World

COLLECT_ONE = "app.tasks.collection.collect_supplier"
COLLECT_ALL = "app.tasks.collection.collect_all_suppliers"


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What reached the broker: each send_task's name, kwargs and task id."""
    calls: list[dict[str, Any]] = []

    def send_task(name: str, args: Any, kwargs: Any, **options: Any) -> None:
        calls.append({"name": name, "kwargs": kwargs, "id": options["task_id"]})

    monkeypatch.setattr(celery_app, "send_task", send_task)
    return calls


@pytest.fixture
def suppliers(world: World) -> World:
    """schedules.json's three collection schedules, plus one of another task."""
    world.add("오너클랜_수집", task=COLLECT_ONE, cron="0 3 * * *", kwargs={"supplier": "오너클랜"})
    world.add(
        "젠트레이드_수집", task=COLLECT_ONE, cron="0 4 * * *", kwargs={"supplier": "zentrade"}
    )
    world.add("전체_공급사_수집", task=COLLECT_ALL)
    world.add("오너클랜_리포트", kwargs={})
    return world


def test_stop_pauses_dispatching_with_its_reason_and_author(world: World) -> None:
    world.add("매시")

    result = world.cli("stop", "--reason", "DB 점검")

    assert result.code == 0, result.err
    state = world.store.pause_state()
    assert state.paused and state.reason == "DB 점검"
    assert state.by is not None and state.by.startswith("cli:")
    assert result.lines[0].startswith("Dispatching is paused")
    assert "reason: DB 점검" in result.lines[1] and "(Asia/Seoul)" in result.lines[1]
    assert world.store.get("매시").enabled  # the schedule's own switch is untouched


def test_stop_twice_keeps_the_first_pause(world: World) -> None:
    world.cli("stop", "--reason", "first")

    again = world.cli("stop", "--reason", "second")

    assert again.code == 0
    assert "already paused" in again.lines[0]
    assert world.store.pause_state().reason == "first"


def test_start_resumes_and_says_when_it_was_not_paused(world: World) -> None:
    world.cli("stop")

    resumed = world.cli("start")
    again = world.cli("start")

    assert resumed.code == again.code == 0
    assert not world.store.pause_state().paused
    assert resumed.lines[0].startswith("Dispatching resumed")
    assert again.lines[0] == "Dispatching was not paused; nothing changed."
    assert "no Beat is running" not in resumed.out  # the world's Beat holds the lock


def test_start_warns_when_no_beat_runs(world: World) -> None:
    world.store.beats.release("beat", "beat")
    world.cli("stop")

    result = world.cli("start", language="ko")

    assert result.lines[0].startswith("스케줄러가 시작되었습니다")
    assert "실행 중인 Beat가 없어서" in result.lines[1]


def test_status_says_whether_dispatching_is_paused(world: World) -> None:
    world.add("매시")
    running = world.cli("status", "--ping-timeout", "0")
    world.cli("stop", "--reason", "점검")

    paused = world.cli("status", "--ping-timeout", "0")

    assert "Dispatching: running" in running.out
    line = next(x for x in paused.lines if x.startswith("Dispatching: PAUSED"))
    assert "reason: 점검" in line and "batchsched-cli start" in line


def test_collect_runs_the_schedule_of_that_supplier(suppliers: World, sent: list[Any]) -> None:
    result = suppliers.cli("collect", "오너클랜")

    assert result.code == 0, result.err
    assert [(s["name"], s["kwargs"]) for s in sent] == [(COLLECT_ONE, {"supplier": "오너클랜"})]
    task_id = sent[0]["id"]
    assert result.lines[0] == (
        f"Collection of 오너클랜 sent now through schedule '오너클랜_수집' (task id {task_id})."
    )
    assert "batchsched-cli runs 오너클랜_수집" in result.lines[1]
    [record] = suppliers.store.in_progress("오너클랜_수집")
    assert (record.task_id, record.trigger) == (task_id, "run_now")


@pytest.mark.parametrize("spelling", ["젠트레이드", "zentrade", " ZenTrade "])
def test_a_supplier_is_found_by_either_spelling(
    suppliers: World, sent: list[Any], spelling: str
) -> None:
    result = suppliers.cli("collect", spelling)

    assert result.code == 0, result.err
    assert sent[0]["kwargs"] == {"supplier": "zentrade"}
    assert "'젠트레이드_수집'" in result.lines[0]


def test_collect_alone_runs_every_supplier(suppliers: World, sent: list[Any]) -> None:
    result = suppliers.cli("collect", language="ko")

    assert result.code == 0, result.err
    assert [s["name"] for s in sent] == [COLLECT_ALL]
    assert result.lines[0].startswith("전체 공급사 수집을 스케줄 '전체_공급사_수집'으로")


def test_an_unknown_supplier_is_refused_naming_the_known_ones(
    suppliers: World, sent: list[Any]
) -> None:
    result = suppliers.cli("collect", "쿠팡")

    assert result.code == EXIT_FAILED
    assert result.err == (
        "Unknown supplier '쿠팡'; suppliers with a collection schedule: 젠트레이드, 오너클랜.\n"
    )
    assert sent == []


def test_a_known_supplier_without_a_schedule_is_refused(suppliers: World, sent: list[Any]) -> None:
    result = suppliers.cli("collect", "도매꾹")

    assert result.code == EXIT_FAILED
    assert result.err.startswith("No schedule collects 도매꾹")
    assert sent == []


def test_collect_with_no_schedule_for_all_is_refused(world: World, sent: list[Any]) -> None:
    result = world.cli("collect")

    assert result.code == EXIT_FAILED
    assert COLLECT_ALL in result.err and sent == []


def test_collect_is_sent_while_paused_and_says_so(suppliers: World, sent: list[Any]) -> None:
    suppliers.cli("stop")

    result = suppliers.cli("collect", "오너클랜")

    assert result.code == 0 and len(sent) == 1
    assert "sent anyway" in result.out


def test_collect_honours_the_overlap_policy_unless_forced(
    suppliers: World, sent: list[Any]
) -> None:
    suppliers.cli("collect", "오너클랜")

    refused = suppliers.cli("collect", "오너클랜")
    forced = suppliers.cli("collect", "오너클랜", "--force")

    assert refused.code == EXIT_FAILED and "Add --force" in refused.err
    assert forced.code == 0 and len(sent) == 2


# ---- restart: a signal to the ./run.sh holding RUN_DATA_DIR ----


def test_restart_without_a_running_stack_says_what_to_do(world: World, tmp_path: Path) -> None:
    result = world.cli("restart", RUN_DATA_DIR=str(tmp_path))

    assert result.code == EXIT_FAILED
    assert f"No ./run.sh is running with its data in {tmp_path}" in result.err
    assert "docker compose restart" in result.err


def test_restart_signals_the_running_launcher(world: World, tmp_path: Path) -> None:
    # This test process stands in for the launcher: its pid is in the pid file.
    got = threading.Event()
    previous = signal.signal(RESTART_SIGNAL, lambda signum, frame: got.set())
    try:
        with PidFile(RunDir(tmp_path).pid_file):
            result = world.cli("restart", RUN_DATA_DIR=str(tmp_path))

        assert got.wait(5), "no SIGUSR1 arrived"
    finally:
        signal.signal(RESTART_SIGNAL, previous)
    assert result.code == 0, result.err
    assert f"(pid {os.getpid()})" in result.out


def test_restart_sends_the_signal_the_launcher_restarts_on() -> None:
    from app.launcher import supervisor

    assert RESTART_SIGNAL == supervisor.RESTART_SIGNAL


def test_a_passing_check_still_says_dispatching_is_paused(world: World) -> None:
    world.add("매시")
    running = world.cli("status", "--check", "--ping-timeout", "0")
    world.cli("stop")

    paused = world.cli("status", "--check", "--ping-timeout", "0")

    assert running.code == paused.code == 0
    assert running.out.startswith("OK: ") and "PAUSED" not in running.out
    assert paused.out.startswith("OK: ")
    assert paused.out.rstrip().endswith("nothing is sent until `batchsched-cli start`.")
    assert "Dispatching is PAUSED (since " in paused.out
