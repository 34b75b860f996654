"""Seed 002's examples, run from the README as a reader would run them, through app.facade
against a real redis-server, worker, Beat and API applying the shipped schedules.json.

The script is the README's one Python block under "Seed 002's scheduler service", taken
from README.md each run, so the README cannot drift from what works. Its jobs must then
show in the API (what the page reads) and the CLI table like any other schedule, and fire.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.core.config import Settings
from app.core.embedded_redis import RedisServer
from app.facade import SchedulerService, ScheduleType
from app.schedules import ScheduleStore
from tests.integration.conftest import ROOT, Stack, wait_until

README = ROOT / "README.md"
SECTION = "## Seed 002's scheduler service (Python)"
SHIPPED = ROOT / "backend" / "app" / "config" / "schedules.json"
API = "/api/scheduler/schedule"
JOBS = ("periodic_task", "daily_report", "distributed_task", "daily_table_creation")
# The interval job's first fire is 30 s after it is added; generous for a loaded machine.
FIRE_DEADLINE = 90.0


def readme_script() -> str:
    section = README.read_text(encoding="utf-8").split(SECTION, 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "the section has one Python block: seed 002's examples"
    return str(blocks[0])


@pytest.fixture
def facade(redis_server: RedisServer) -> Iterator[type[SchedulerService]]:
    """This process's own SchedulerService on the stack's Redis."""
    SchedulerService.init(Settings(redis_url=redis_server.url, timezone="Asia/Seoul"))
    yield SchedulerService
    SchedulerService.shutdown()


def test_seed_002_examples_from_the_readme(
    stack: Stack,
    store: ScheduleStore,
    schedules_file: Path,
    tmp_path: Path,
    facade: type[SchedulerService],
) -> None:
    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))["schedules"]
    schedules_file.write_text(json.dumps({"schedules": shipped}, ensure_ascii=False), "utf-8")
    worker = stack.start("run_worker.sh", "worker")
    stack.beat()
    wait_until(lambda: store.count() == len(shipped), what="Beat applying schedules.json")
    file_version = store.get("daily_table_creation").etag  # type: ignore[union-attr]

    script = tmp_path / "seed002.py"
    script.write_text(readme_script(), encoding="utf-8")
    env = {**stack.env, "LANGUAGE": "en", "PYTHONUTF8": "1"}
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=ROOT / "backend",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    printed = {line.split(" | ")[0]: line for line in done.stdout.splitlines()}
    assert set(JOBS) <= set(printed)
    assert "every 30 seconds" in printed["periodic_task"]
    assert "At 14:30" in printed["daily_report"]

    # The shipped file declares seed 002's table job as the example does: left as it is.
    table = store.get("daily_table_creation")
    assert table is not None and (table.origin, table.etag) == ("file", file_version)

    url = stack.api()
    worker.wait_for_log("ready.")
    with httpx.Client(base_url=url, timeout=10) as api:
        shown = {name: api.get(f"{API}/{name}").json() for name in JOBS}
        assert [shown[n]["origin"] for n in JOBS] == ["api", "api", "api", "file"]
        assert shown["periodic_task"]["timing"]["interval"] == 30.0
        assert shown["daily_report"]["timing_text"] == "At 14:30"
        assert shown["distributed_task"]["policy"]["lock_key"] == "unique_distributed_task"
        assert shown["distributed_task"]["policy"]["lease_seconds"] == 300.0
        listed = api.get(API, params={"limit": 1000}).json()["schedule"]
        assert set(JOBS) <= set(listed)
        sent = api.post(f"{API}/daily_table_creation/run")
        assert sent.status_code == 202, sent.text
        task_id = sent.json()["task_id"]

    table_lines = subprocess.run(
        [str(ROOT / "check_schedules.sh")],
        cwd=ROOT / "backend",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    ).stdout
    for name in JOBS:
        assert name in table_lines, f"{name} missing from the CLI table:\n{table_lines}"

    ran = wait_until(
        lambda: (r := store.run_by_task(task_id)) is not None and r.outcome == "succeeded" and r,
        what="the table job's run-now to succeed",
    )
    assert "crawler_log_" in (ran.result or "")
    wait_until(
        lambda: store.stats("periodic_task").run_count >= 1,
        timeout=FIRE_DEADLINE,
        what="Beat firing the 30-second job and the worker running it",
    )

    periodic = facade.get_job_status("periodic_task")
    assert periodic is not None
    assert (periodic.schedule_type, periodic.schedule_value) == (ScheduleType.INTERVAL, 30)
    assert periodic.run_count >= 1 and periodic.error_count == 0
    assert periodic.last_run is not None and periodic.next_run is not None
    status = facade.get_all_jobs_status()["daily_table_creation"]
    assert (status.schedule_type, status.schedule_value) == (ScheduleType.DAILY, "02:00")
    assert (status.run_count, status.error_count, status.lock_key) == (
        1,
        0,
        "scheduler:create_daily_tables",
    )
