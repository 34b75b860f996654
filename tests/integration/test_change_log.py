"""Logs that tell a story, with the real processes: Beat's line per applied change and
the audit trail behind it, and JSON lines that follow a run from Beat to the worker."""

from __future__ import annotations

import json
from typing import Any

import httpx

from app.schedules.spec import parse_spec
from app.schedules.store import CREATE, ScheduleStore
from tests.integration.conftest import Proc, Stack, wait_until

CRAWL = "app.tasks.scheduler.crawl_all_complexes"
NAME = "테스트_크롤링"
SEED_004 = {"name": NAME, "task": CRAWL, "hour": 14, "minute": 30, "day_of_week": "3"}


def json_lines(proc: Proc) -> list[dict[str, Any]]:
    """The process's log as JSON objects; fails on a line that is not one."""
    return [json.loads(line) for line in proc.log().splitlines() if line.strip()]


def test_beat_logs_each_api_change_and_the_api_keeps_the_audit_trail(stack: Stack) -> None:
    beat = stack.beat()
    beat.wait_for_log("beat: acquired the lock")
    base = stack.api(LOG_FORMAT="json")
    one = f"{base}/api/scheduler/schedule/{NAME}"

    assert httpx.post(f"{base}/api/scheduler/schedule", json=SEED_004).status_code == 201
    beat.wait_for_log(f"beat: schedule {NAME} created: task {CRAWL}")
    assert httpx.put(one, json={"hour": 15}).status_code == 200
    beat.wait_for_log(f"beat: schedule {NAME} changed: hour 14→15 (api) by client:127.0.0.1")
    assert httpx.post(f"{one}/pause").status_code == 200
    beat.wait_for_log(f"beat: schedule {NAME} paused (api)")

    trail = httpx.get(f"{one}/audit").json()["events"]
    assert [(e["action"], e["actor"]) for e in trail] == [
        ("paused", "client:127.0.0.1"),
        ("changed", "client:127.0.0.1"),
        ("created", "client:127.0.0.1"),
    ]
    assert trail[1]["changes"] == [{"field": "hour", "old": "14", "new": "15"}]
    assert beat.log().count(f"schedule {NAME} changed:") == 1

    # The API's own log under LOG_FORMAT=json: every line an object, uvicorn's too.
    lines = json_lines(_api_proc(stack))
    assert any(line["message"] == "Application startup complete." for line in lines)
    assert {"time", "level", "logger", "message"} <= set(lines[0])


def _api_proc(stack: Stack) -> Proc:
    """`stack.api()` gives the URL; its process is the child it named `api-<n>`."""
    child = next(c for c in stack.supervisor.children if c.name.startswith("api-"))
    return Proc(child, "run_api.sh")


def test_json_lines_follow_a_run_from_beat_to_the_worker(
    stack: Stack, store: ScheduleStore
) -> None:
    worker = stack.start("run_worker.sh", "worker", LOG_FORMAT="json")
    worker.wait_for_log("ready.")
    beat = stack.beat(LOG_FORMAT="json")
    store.save("매초", parse_spec({"task": CRAWL, "interval": 1}), mode=CREATE)

    def ended() -> dict[str, Any] | None:
        return next(
            (
                line
                for line in json_lines(worker)
                if line.get("schedule") == "매초" and " succeeded (fire " in line["message"]
            ),
            None,
        )

    run_end = wait_until(ended, what="the worker's JSON line for the run's end")
    task_id = run_end["task_id"]
    sends = [line for line in json_lines(beat) if line.get("task_id") == task_id]
    assert [s["schedule"] for s in sends] == ["매초"]
    assert sends[0]["message"].startswith("beat: sending due task 매초")
    # Celery's own lines for that task carry its id too.
    celery_lines = [line for line in json_lines(worker) if line.get("task_id") == task_id]
    assert any(line["logger"].startswith("celery") for line in celery_lines), celery_lines
