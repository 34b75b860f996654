"""Pickup: time from a schedule write returning to the running Beat acting on it.

Starts a real redis-server and Beat (through ./run_celery_beat.sh), then N times saves a
one-off entry due immediately and reads back when Beat committed its fire (the entry's
`last_run_at`, written just before the task is sent). Two writers are measured:
our store (which wakes Beat) and RedBeat's own `entry.save()` (seed 004's Method 3,
which does not, so Beat sees it at its next poll). Usage, from the repo root:

    .venv/bin/python -m bench.pickup [--tries 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from celery.schedules import schedule
from redbeat import RedBeatSchedulerEntry
from redis import Redis

from app.core.embedded_redis import RedisServer
from bench.common import OURS, start_beat, stop, wait_for


def measure_store(store, redis: Redis, tries: int) -> list[float]:  # type: ignore[no-untyped-def]
    from app.schedules.spec import parse_spec

    delays = []
    for i in range(tries):
        name = f"pickup_{i}"
        spec = parse_spec(
            {"task": "app.tasks.scheduler.crawl_all_complexes", "at": datetime.now(UTC).isoformat()}
        )
        saved = datetime.now(UTC)  # before the call: the figure includes the write itself
        store.save(name, spec)
        fired = wait_for(lambda n=name: store.get(n).last_run_at, f"{name} to fire")
        delays.append((fired - saved).total_seconds())
        store.delete(name)
    return delays


def fired_after(store, name: str, moment: datetime) -> datetime | None:  # type: ignore[no-untyped-def]
    last = store.get(name).last_run_at
    return last if last is not None and last > moment else None


def measure_redbeat(app, store, tries: int) -> list[float]:  # type: ignore[no-untyped-def]
    delays = []
    for i in range(tries):
        name = f"method3_{i}"
        entry = RedBeatSchedulerEntry(
            name=name,
            task="app.tasks.scheduler.crawl_all_complexes",
            schedule=schedule(timedelta(seconds=3600)),
            app=app,
            last_run_at=datetime.now(UTC) - timedelta(hours=2),
        )
        saved = datetime.now(UTC)
        entry.save()
        fired = wait_for(lambda n=name, t=saved: fired_after(store, n, t), f"{name} to fire")
        delays.append((fired - saved).total_seconds())
        entry.delete()
    return delays


def summary(label: str, delays: list[float]) -> str:
    ms = sorted(d * 1000 for d in delays)
    return (
        f"| {label} | {len(ms)} | {statistics.median(ms):.1f} | "
        f"{ms[int(0.99 * (len(ms) - 1))]:.1f} | {ms[-1]:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tries", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, RedisServer(Path(tmp) / "redis") as server:
        schedules = Path(tmp) / "schedules.json"
        schedules.write_text('{"schedules": {}}')
        env = {**os.environ, "REDIS_URL": server.url, "SCHEDULES_FILE": str(schedules)}
        os.environ.update(REDIS_URL=server.url)
        from app.core.celery_app import celery_app
        from app.schedules.store import ScheduleStore

        redis = Redis.from_url(server.url, decode_responses=True)
        store = ScheduleStore(redis, celery_app, "Asia/Seoul")
        beat = start_beat(OURS, env, Path(tmp) / "beat.log")
        try:
            rows = [
                summary("store write (wakes Beat)", measure_store(store, redis, args.tries)),
                summary(
                    "RedBeat entry.save() (Method 3, polled)",
                    measure_redbeat(celery_app, store, args.tries),
                ),
            ]
        finally:
            stop(beat)
    print("| writer | tries | median ms | p99 ms | max ms |\n|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
