"""Seed 000's curl calls, verbatim, against a real API, Beat and redis-server.

The commands below are the seed's "API 사용법" blocks as printed, continuation lines and
all; only `http://localhost:8000` becomes this test's API. They run through bash with
the `curl` on PATH, in the seed's order, against a stack applying the shipped
schedules.json as `./run.sh` does (so job 1 is the file's first, 도매처_상품_수집).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from app.schedules import PRESETS, ScheduleStore
from tests.integration.conftest import Stack, wait_until

SHIPPED = Path(__file__).resolve().parents[2] / "backend" / "app" / "config" / "schedules.json"
SEED_HOST = "http://localhost:8000"
START = 'curl -X POST "http://localhost:8000/scheduler/start"'
STOP = 'curl -X POST "http://localhost:8000/scheduler/stop"'
STATUS = 'curl "http://localhost:8000/scheduler/status"'
LIST = 'curl "http://localhost:8000/scheduler/jobs"'
CREATE = """curl -X POST "http://localhost:8000/scheduler/jobs" \\
  -H "Content-Type: application/json" \\
  -d '{
    "name": "커스텀 수집 작업",
    "job_type": "COLLECTION",
    "function_name": "collect_wholesale_products",
    "cron_expression": "0 3 * * *",
    "parameters": {"test_mode": false},
    "max_retries": 3,
    "timeout_seconds": 3600
  }'"""
PRESETS_CALL = 'curl -X POST "http://localhost:8000/scheduler/jobs/presets"'
PATCH = """curl -X PATCH "http://localhost:8000/scheduler/jobs/1" \\
  -H "Content-Type: application/json" \\
  -d '{"is_active": false}'"""
HISTORY = 'curl "http://localhost:8000/scheduler/jobs/1?limit=10"'


def seed_call(base_url: str, command: str) -> dict[str, Any]:
    """One of the seed's command lines, run by bash as a reader would paste it."""
    line = command.replace(SEED_HOST, base_url)
    done = subprocess.run(["bash", "-c", line], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_seed_000_curl_calls_as_printed(
    stack: Stack, store: ScheduleStore, schedules_file: Path
) -> None:
    # Not skipped without curl: the seed's calls are what this proves.
    assert shutil.which("curl"), "curl is needed to run seed 000's calls as printed"
    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))["schedules"]
    schedules_file.write_text(json.dumps({"schedules": shipped}, ensure_ascii=False), "utf-8")
    stack.beat()
    url = stack.api()
    wait_until(lambda: store.count() == len(shipped), what="Beat applying schedules.json")
    first = next(iter(shipped))

    assert seed_call(url, START)["paused"] is False
    assert seed_call(url, STOP)["paused"] is True
    status = seed_call(url, STATUS)
    assert (status["paused"], status["beat_running"], status["running"]) == (True, True, False)
    assert status["jobs"] == len(shipped)
    listed = seed_call(url, LIST)
    assert {j["name"]: j["id"] for j in listed["jobs"]} == {
        name: i for i, name in enumerate(shipped, start=1)
    }
    created = seed_call(url, CREATE)["job"]
    assert (created["id"], created["job_type"], created["task"]) == (
        len(shipped) + 1,
        "COLLECTION",
        "app.tasks.collection.collect_wholesale_products",
    )
    assert (created["cron_expression"], created["parameters"]) == (
        "0 3 * * *",
        {"test_mode": False},
    )
    assert (created["max_retries"], created["timeout_seconds"]) == (3, 3600)
    presets = seed_call(url, PRESETS_CALL)
    assert presets["created"] == []  # the file made all six already
    assert [j["name"] for j in presets["existing"]] == [p.name for p in PRESETS]
    patched = seed_call(url, PATCH)["job"]
    assert (patched["id"], patched["name"], patched["is_active"]) == (1, first, False)
    history = seed_call(url, HISTORY)
    assert (history["name"], history["is_active"], history["next_run_at"]) == (first, False, None)
    assert history["runs"] == [] and history["stats"]["run_count"] == 0
    entry = store.get(first)
    assert entry is not None and entry.enabled is False  # the schedule itself, in Redis
    assert store.pause_state().paused is True  # the seed's order leaves it stopped
