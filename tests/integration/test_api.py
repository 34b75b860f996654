"""The API against a real stack: ./run_api.sh, a real redis-server, worker and Beat."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from redis import Redis

from app.core.constants import BEAT_LEADER_KEY
from app.schedules.store import ScheduleStore
from tests.integration.conftest import Stack, wait_until
from tests.integration.test_beat import task_results

CRAWL = "app.tasks.scheduler.crawl_all_complexes"
BASE = "/api/scheduler/schedule"


def soon(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def last_tick(redis: Redis) -> datetime | None:
    raw = redis.get(BEAT_LEADER_KEY)
    return datetime.fromisoformat(json.loads(raw)["last_tick"]) if raw else None


def wait_for_beat_tick_after(redis: Redis, moment: datetime) -> None:
    """Beat has looked at Redis after `moment` (its heartbeat is written every tick)."""
    wait_until(lambda: (last_tick(redis) or moment) > moment, what=f"a Beat tick after {moment}")


@pytest.fixture
def api(stack: Stack) -> httpx.Client:
    with httpx.Client(base_url=stack.api(), timeout=10) as client:
        yield client  # type: ignore[misc]


def seed_curl(base_url: str, *args: str) -> dict[str, Any]:
    """Seed 004's curl calls as printed, with the port of this test's API."""
    command = [a.replace("http://localhost:8000", base_url) for a in args]
    out = subprocess.run(["curl", "-sS", *command], capture_output=True, check=True, text=True)
    return json.loads(out.stdout)  # type: ignore[no-any-return]


@pytest.mark.skipif(shutil.which("curl") is None, reason="the seed's calls need curl")
def test_seed_004_curl_calls_as_printed(stack: Stack, api: httpx.Client) -> None:
    url = str(api.base_url).rstrip("/")
    body = """{
    "name": "테스트_크롤링",
    "task": "app.tasks.scheduler.crawl_all_complexes",
    "hour": 14,
    "minute": 30,
    "day_of_week": "3",
    "description": "매주 수요일 오후 2시 30분"
  }"""
    created = seed_curl(
        url,
        "-X",
        "POST",
        "http://localhost:8000/api/scheduler/schedule",
        "-H",
        "Content-Type: application/json",
        "-d",
        body,
    )
    assert created["message"] == "Schedule '테스트_크롤링' was created."
    assert created["schedule"]["hour"] == "14"
    listed = seed_curl(url, "http://localhost:8000/api/scheduler/schedule")
    assert listed["schedule"]["테스트_크롤링"]["task"] == CRAWL
    updated = seed_curl(
        url,
        "-X",
        "PUT",
        "http://localhost:8000/api/scheduler/schedule/테스트_크롤링",
        "-H",
        "Content-Type: application/json",
        "-d",
        '{\n    "hour": 15,\n    "minute": 0\n  }',
    )
    assert updated["schedule"]["timing"]["hour"] == "15"
    deleted = seed_curl(
        url, "-X", "DELETE", "http://localhost:8000/api/scheduler/schedule/테스트_크롤링"
    )
    assert deleted["name"] == "테스트_크롤링"
    assert seed_curl(url, "http://localhost:8000/api/scheduler/schedule")["schedule"] == {}


def test_seed_004_immediate_test_fires_through_the_worker(
    stack: Stack, api: httpx.Client, redis: Redis
) -> None:
    """Seed 004's "two minutes from now" check, due in two seconds instead."""
    stack.worker()
    stack.beat()
    body = {"name": "즉시_테스트", "task": CRAWL, "at": soon(2), "description": "즉시 테스트"}
    assert api.post(BASE, json=body).status_code == 201
    results = wait_until(lambda: task_results(redis, CRAWL), what="the crawl to finish")
    assert results[0]["status"] == "SUCCESS"
    entry = api.get(f"{BASE}/즉시_테스트").json()
    assert entry["total_run_count"] == 1
    assert entry["next_run_at"] is None  # a one-off is finished once it fired
    assert api.delete(f"{BASE}/즉시_테스트").status_code == 200


def test_create_update_pause_delete_take_effect_on_the_running_beat(
    stack: Stack, api: httpx.Client, redis: Redis, store: ScheduleStore
) -> None:
    beat = stack.beat()
    beat.wait_for_log("beat: acquired the lock")

    api.post(BASE, json={"name": "생성", "task": CRAWL, "at": soon(1)})
    wait_until(lambda: store.get("생성").last_run_at, what="the created entry to fire")

    api.post(BASE, json={"name": "수정", "task": CRAWL, "at": "2035-01-01T00:00:00"})
    api.put(f"{BASE}/수정", json={"at": soon(1)})
    wait_until(lambda: store.get("수정").last_run_at, what="the updated entry to fire")

    for name, action in (("일시중지", "pause"), ("삭제", "delete")):
        api.post(BASE, json={"name": name, "task": CRAWL, "interval": 1})
        wait_until(lambda n=name: store.get(n).total_run_count, what=f"{name} to fire")
        if action == "pause":
            assert api.post(f"{BASE}/{name}/pause").status_code == 200
        else:
            assert api.delete(f"{BASE}/{name}").status_code == 200
        returned = datetime.now(UTC)
        # Sends committed before the call may still be logged just after it; from one
        # second after the call returned, nothing more may go out.
        wait_for_beat_tick_after(redis, returned + timedelta(seconds=1))
        settled = sends(beat.log(), name)
        wait_for_beat_tick_after(redis, returned + timedelta(seconds=3.5))
        assert sends(beat.log(), name) == settled >= 1, action


def sends(log: str, name: str) -> int:
    return log.count(f"sending due task {name} (")


def test_run_now_runs_on_the_worker_and_keeps_the_timing(
    stack: Stack, api: httpx.Client, redis: Redis
) -> None:
    stack.worker()
    api.post(BASE, json={"name": "수동", "task": CRAWL, "cron": "0 3 * * *"})
    before = api.get(f"{BASE}/수동").json()
    response = api.post(f"{BASE}/수동/run")
    assert response.status_code == 202
    task_id = response.json()["task_id"]
    meta = wait_until(
        lambda: (
            json.loads(redis.get(f"celery-task-meta-{task_id}") or "{}").get("status") == "SUCCESS"
        ),
        what="the manual run to succeed",
    )
    assert meta
    after = api.get(f"{BASE}/수동").json()
    assert (after["next_run_at"], after["total_run_count"]) == (before["next_run_at"], 0)


def test_concurrent_creates_of_one_name_exactly_one_wins(api: httpx.Client) -> None:
    statuses: list[int] = []
    barrier = threading.Barrier(8)

    def create(i: int) -> None:
        with httpx.Client(base_url=api.base_url, timeout=10) as client:
            barrier.wait()
            body = {"name": "경쟁", "task": CRAWL, "interval": 60 + i}
            statuses.append(client.post(BASE, json=body).status_code)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] + [409] * 7


def test_concurrent_updates_with_one_version_exactly_one_wins(api: httpx.Client) -> None:
    version = api.post(BASE, json={"name": "버전", "task": CRAWL, "interval": 60}).json()[
        "schedule"
    ]["version"]
    statuses: list[int] = []
    barrier = threading.Barrier(6)

    def update(i: int) -> None:
        with httpx.Client(base_url=api.base_url, timeout=10) as client:
            barrier.wait()
            headers = {"If-Match": f'"{version}"'}
            body = {"interval": 100 + i}
            statuses.append(client.put(f"{BASE}/버전", json=body, headers=headers).status_code)

    threads = [threading.Thread(target=update, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [412] * 5


@pytest.mark.parametrize("name", ["%3A", "50%", "%", "a/b?c#d", ":lock"])
def test_names_with_reserved_characters_over_http(api: httpx.Client, name: str) -> None:
    path = f"{BASE}/{quote(name, safe='')}"
    assert api.post(BASE, json={"name": name, "task": CRAWL, "interval": 60}).status_code == 201
    assert api.get(path).json()["name"] == name
    assert api.post(f"{path}/pause").json()["schedule"]["enabled"] is False
    assert api.delete(path).status_code == 200
    assert api.get(BASE).json()["total"] == 0


def test_refuses_a_public_address_without_a_token(stack: Stack) -> None:
    proc = stack.start("run_api.sh", "api-public", API_HOST="0.0.0.0", API_PORT="1")
    assert proc.popen.wait(60) == 2
    assert "refusing to listen on 0.0.0.0 without API_TOKEN" in proc.log()
    assert "Traceback" not in proc.log()
