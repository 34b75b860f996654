"""File pickup: time from saving schedules.json to the running Beat having applied it.

Starts a real redis-server and Beat (./run_celery_beat.sh) on a temporary schedules
file, then N times saves an edited file, alternately by rename (as vim and VS Code
save) and in place, and waits for the entry in Redis to carry the edit. Usage, from
the repo root:

    .venv/bin/python -m bench.file_pickup [--tries 20]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from redis import Redis

from app.core.embedded_redis import RedisServer
from bench.common import start, stop

CRAWL = "app.tasks.scheduler.crawl_all_complexes"
DEADLINE = 30.0


def document(minute: int) -> str:
    entry = {"task": CRAWL, "hour": 6, "minute": minute, "day_of_week": "1"}
    return json.dumps({"schedules": {"주간업데이트": entry}}, ensure_ascii=False)


def save(path: Path, text: str, by_rename: bool) -> None:
    if by_rename:
        tmp = path.with_suffix(".swp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    else:
        path.write_text(text, encoding="utf-8")


def applied_minute(redis: Redis) -> str | None:
    raw = redis.hget("redbeat:주간업데이트", "manager")
    return json.loads(raw)["spec"].get("minute") if raw else None


def measure(path: Path, redis: Redis, tries: int) -> dict[str, list[float]]:
    delays: dict[str, list[float]] = {"rename": [], "in place": []}
    for i in range(tries):
        # A random pause, so saves land anywhere in Beat's loop, not just after a sync
        # (whose own wake-up gives Beat an extra pass right away).
        time.sleep(random.uniform(0.1, 1.1))
        minute = (i % 59) + 1
        by_rename = i % 2 == 0
        started = time.perf_counter()
        save(path, document(minute), by_rename)
        end = started + DEADLINE
        while applied_minute(redis) != str(minute):
            if time.perf_counter() > end:
                raise SystemExit(f"try {i}: the edit was not applied within {DEADLINE}s")
            time.sleep(0.002)
        delays["rename" if by_rename else "in place"].append(time.perf_counter() - started)
    return delays


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tries", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, RedisServer(Path(tmp) / "redis") as server:
        path = Path(tmp) / "schedules.json"
        path.write_text(document(0), encoding="utf-8")
        env = {**os.environ, "REDIS_URL": server.url, "SCHEDULES_FILE": str(path)}
        beat = start("run_celery_beat.sh", env, Path(tmp) / "beat.log", "acquired the lock")
        redis = Redis.from_url(server.url, decode_responses=True)
        try:
            delays = measure(path, redis, args.tries)
        finally:
            stop(beat)
    print("| save | tries | median ms | max ms |\n|---|---|---|---|")
    for label, values in delays.items():
        ms = sorted(v * 1000 for v in values)
        print(f"| {label} | {len(ms)} | {statistics.median(ms):.0f} | {ms[-1]:.0f} |")


if __name__ == "__main__":
    main()
