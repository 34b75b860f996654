"""API pickup: time from an API call returning to the running Beat acting on it.

Starts a real redis-server, Beat (./run_celery_beat.sh) and the API (./run_api.sh), then
for each kind of call, N times:

- create: POST a one-off entry due 0.3 s ahead; Beat acts when it commits the fire,
  measured from the later of the call's return and the due time;
- update: PUT a far-future one-off to 0.3 s ahead; same;
- pause, delete: of an entry that fires every second; from the call's start to Beat
  taking the wake-up token that the write pushed (it reads Redis right after), and
  the fires committed after the call returned (must be 0; one send already committed
  when the call returned may still be logged after it and is not counted).

Usage, from the repo root:

    .venv/bin/python -m bench.api_pickup [--tries 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from redis import Redis

from app.core.constants import BEAT_LEADER_KEY, BEAT_WAKE_KEY
from app.core.embedded_redis import RedisServer, free_port
from bench.common import OURS, start, start_beat, stop, wait_for

CRAWL = "app.tasks.scheduler.crawl_all_complexes"
BASE = "/api/scheduler/schedule"


def now() -> datetime:
    return datetime.now(UTC)


def last_run(api: httpx.Client, name: str) -> datetime | None:
    value = api.get(f"{BASE}/{name}").json().get("last_run_at")
    return datetime.fromisoformat(value) if value else None


def measure_fire(api: httpx.Client, tries: int, kind: str) -> list[float]:
    delays = []
    for i in range(tries):
        name = f"{kind}_{i}"
        # Due just ahead: a one-off in the past is refused (422), as it should be.
        due = now() + timedelta(seconds=0.3)
        if kind == "update":
            api.post(BASE, json={"name": name, "task": CRAWL, "at": "2035-01-01T00:00:00"})
            api.put(f"{BASE}/{name}", json={"at": due.isoformat()}).raise_for_status()
        else:
            body = {"name": name, "task": CRAWL, "at": due.isoformat()}
            api.post(BASE, json=body).raise_for_status()
        returned = now()
        fired = wait_for(lambda n=name: last_run(api, n), f"{name} to fire")
        delays.append((fired - max(returned, due)).total_seconds())
        api.delete(f"{BASE}/{name}")
    return delays


def next_tick_after(redis: Redis, moment: datetime) -> datetime:
    def tick() -> datetime | None:
        raw = redis.get(BEAT_LEADER_KEY)
        seen = datetime.fromisoformat(json.loads(raw)["last_tick"]) if raw else None
        return seen if seen and seen > moment else None

    return wait_for(tick, "a Beat tick")  # type: ignore[no-any-return]


def measure_stop(api: httpx.Client, redis: Redis, tries: int, kind: str) -> tuple[list[float], int]:
    """From the call's start to Beat taking the wake-up token the write pushed (Beat reads
    Redis at once after it), and fires committed after the call returned."""
    delays, late_fires = [], 0
    for i in range(tries):
        name = f"{kind}_{i}"
        api.post(BASE, json={"name": name, "task": CRAWL, "interval": 1}).raise_for_status()
        wait_for(lambda n=name: last_run(api, n), f"{name} to fire")
        wait_for(lambda: redis.llen(BEAT_WAKE_KEY) == 0, "Beat to take the create's wake-up")
        path = f"{BASE}/{name}" if kind == "delete" else f"{BASE}/{name}/pause"
        count_before = beat_sends(name)
        started = time.perf_counter()
        api.request("DELETE" if kind == "delete" else "POST", path).raise_for_status()
        returned = now()
        wait_for(lambda: redis.llen(BEAT_WAKE_KEY) == 0, "Beat to take the wake-up")
        delays.append(time.perf_counter() - started)
        next_tick_after(redis, returned + timedelta(seconds=2.5))
        late_fires += max(0, beat_sends(name) - count_before - 1)  # one may be in flight
        api.delete(f"{BASE}/{name}")
    return delays, late_fires


BEAT_LOG: Path | None = None


def beat_sends(name: str) -> int:
    assert BEAT_LOG is not None
    return BEAT_LOG.read_text(errors="replace").count(f"sending due task {name} (")


def row(label: str, delays: list[float], extra: str = "") -> str:
    ms = sorted(d * 1000 for d in delays)
    return (
        f"| {label} | {len(ms)} | {statistics.median(ms):.1f} | "
        f"{ms[int(0.99 * (len(ms) - 1))]:.1f} | {ms[-1]:.1f} | {extra} |"
    )


def main() -> None:
    global BEAT_LOG
    parser = argparse.ArgumentParser()
    parser.add_argument("--tries", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, RedisServer(Path(tmp) / "redis") as server:
        schedules = Path(tmp) / "schedules.json"
        schedules.write_text('{"schedules": {}}')
        port = free_port()
        env = {
            **os.environ,
            "REDIS_URL": server.url,
            "SCHEDULES_FILE": str(schedules),
            "API_PORT": str(port),
        }
        BEAT_LOG = Path(tmp) / "beat.log"
        beat = start_beat(OURS, env, BEAT_LOG)
        api_proc = start("run_api.sh", env, Path(tmp) / "api.log", "Application startup complete")
        redis = Redis.from_url(server.url, decode_responses=True)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as api:
                rows = [
                    row("create (due 0.3 s ahead)", measure_fire(api, args.tries, "create")),
                    row("update (moved to 0.3 s ahead)", measure_fire(api, args.tries, "update")),
                ]
                for kind in ("pause", "delete"):
                    delays, late = measure_stop(api, redis, args.tries, kind)
                    rows.append(row(f"{kind} (entry firing every 1 s)", delays, f"{late}"))
        finally:
            stop(api_proc)
            stop(beat)
    print(
        "| call | tries | median ms | p99 ms | max ms | fires after the call |\n"
        "|---|---|---|---|---|---|"
    )
    print("\n".join(rows))


if __name__ == "__main__":
    main()
