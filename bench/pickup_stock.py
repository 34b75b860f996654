"""Pickup on stock RedBeat: time from a write to `celery beat -S RedBeatScheduler` acting.

Stock RedBeat has no API, so the writer is RedBeat's own `RedBeatSchedulerEntry`
(`save()` and `delete()`), as a stock user would write. Tries are staggered (one write
every --gap seconds, each on its own entry) so a slow Beat costs one wait, not one per
try; each try's figure depends only on where its write falls between the Beat's looks.

- create: save an hourly entry whose last run was two hours ago (due at once);
  update: re-save an hourly entry that last ran 30 minutes ago as every 10 minutes
  (due at once). Each fires once, measured from the save returning to the fire the
  Beat commits (its meta `last_run_at`, stamped just before the send). Beat starts
  idle: its other entries are not due within its loop interval, so it sleeps up to it.
- pause (save with enabled=False) and delete: of entries that fire every second, so the
  Beat looks at least once a second whatever its loop interval. Measured from the
  call's start to the Beat's next look at Redis (each tick begins by extending its
  lock: the lock's TTL jumps back up), plus fires committed after the call returned.

Tries not acted on within --wait seconds are counted, not waited for. Usage:

    .venv/bin/python -m bench.pickup_stock [--tries 50] [--stock-intervals 1,5,300] [--wait 60]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from redbeat import RedBeatSchedulerEntry
from redbeat.decoder import RedBeatJSONDecoder
from redis import Redis

from app.core.constants import REDBEAT_LOCK_KEY
from app.schedules.keys import entry_key
from app.schedules.timing import build_schedule
from bench import common, load

HOUR = timedelta(hours=1)


def entry(name: str, seconds: float, **kwargs: object) -> RedBeatSchedulerEntry:
    schedule = build_schedule(load.interval_spec(seconds), load.TIMEZONE, load.celery_app())
    return RedBeatSchedulerEntry(
        name=name, task=common.TASK, schedule=schedule, app=load.celery_app(), **kwargs
    )


def last_run(redis: Redis, name: str) -> datetime | None:
    raw = redis.hget(entry_key(name), "meta")
    meta = json.loads(raw, cls=RedBeatJSONDecoder) if raw else {}
    fired: datetime | None = meta.get("last_run_at")
    return fired


class TickWatch(threading.Thread):
    """Records when the Beat extends its lock, i.e. when each of its ticks begins."""

    def __init__(self, redis: Redis) -> None:
        super().__init__(daemon=True)
        self.redis, self.running = redis, True
        self.ticks: list[float] = []

    def run(self) -> None:
        previous = -1
        while self.running:
            ttl = int(self.redis.pttl(REDBEAT_LOCK_KEY))
            if ttl > previous + 20:
                self.ticks.append(time.time())
            previous = ttl
            time.sleep(0.001)

    def first_after(self, moment: float) -> float | None:
        return next((t for t in self.ticks if t >= moment), None)


def fire_phase(
    server_url: str, side: common.Side, tries: int, gap: float, wait: float
) -> dict[str, tuple[list[float], int]]:
    """create and update tries, interleaved; returns {kind: (delays, not acted on)}."""
    with tempfile.TemporaryDirectory() as tmp:
        redis = Redis.from_url(server_url, decode_responses=True)
        ran = datetime.now(UTC) - HOUR / 2
        for i in range(tries):  # not due for 30 minutes: the Beat sleeps its full interval
            entry(f"update_{i}", 3600, last_run_at=ran).save()
        env = common.stack_env(server_url, Path(tmp))
        with common.running(common.start_beat(side, env, Path(tmp) / "beat.log")):
            written: dict[str, float] = {}
            for i in range(tries):
                entry(f"create_{i}", 3600, last_run_at=datetime.now(UTC) - 2 * HOUR).save()
                written[f"create_{i}"] = time.time()
                time.sleep(gap / 2)
                entry(f"update_{i}", 600, last_run_at=ran).save()
                written[f"update_{i}"] = time.time()
                time.sleep(gap / 2)
            delays = wait_fires(redis, written, wait)
    return {k: split(delays, k, tries) for k in ("create", "update")}


def wait_fires(redis: Redis, written: dict[str, float], wait: float) -> dict[str, float]:
    delays: dict[str, float] = {}
    end = max(written.values()) + wait
    while time.time() < end and len(delays) < len(written):
        for name, at in written.items():
            fired = None if name in delays else last_run(redis, name)
            if fired is not None and fired.timestamp() > at:
                delays[name] = fired.timestamp() - at
        time.sleep(0.05)
    return delays


def split(delays: dict[str, float], kind: str, tries: int) -> tuple[list[float], int]:
    values = [v for k, v in delays.items() if k.startswith(kind + "_")]
    return values, tries - len(values)


def stop_phase(
    server_url: str, side: common.Side, tries: int, gap: float, wait: float
) -> dict[str, tuple[list[float], int, int]]:
    """pause and delete tries, interleaved, on entries firing every second."""
    with tempfile.TemporaryDirectory() as tmp:
        redis = Redis.from_url(server_url, decode_responses=True)
        names = [f"{kind}_{i}" for i in range(tries) for kind in ("pause", "delete")]
        for name in names:
            entry(name, 1).save()
        env = common.stack_env(server_url, Path(tmp))
        with common.running(common.start_beat(side, env, Path(tmp) / "beat.log")):
            common.wait_for(
                lambda: all(last_run(redis, n) for n in names), "every entry to fire", 60
            )
            watch = TickWatch(Redis.from_url(server_url))
            watch.start()
            calls: dict[str, tuple[float, float]] = {}
            for name in names:
                started = time.time()
                if name.startswith("pause"):
                    entry(name, 1, enabled=False).save()
                else:
                    entry(name, 1).delete()
                calls[name] = (started, time.time())
                time.sleep(gap / 2)
            # Paused entries still wake a stock Beat every 5 s (RedBeat's is_due for a
            # disabled entry); 2.5 s more lets a stale fire land.
            time.sleep(min(wait, side.max_interval, 5.0) + 2.5)
            watch.running = False
            return {kind: stop_results(redis, watch, calls, kind) for kind in ("pause", "delete")}


def stop_results(
    redis: Redis, watch: TickWatch, calls: dict[str, tuple[float, float]], kind: str
) -> tuple[list[float], int, int]:
    """(delays to the Beat's next look, calls it never looked after, fires after the
    call returned: a stale fire rewrites the meta of even a deleted entry)."""
    delays, missed, late = [], 0, 0
    for name, (started, returned) in calls.items():
        if not name.startswith(kind):
            continue
        tick = watch.first_after(returned)
        if tick is None:
            missed += 1
        else:
            delays.append(tick - started)
        fired = last_run(redis, name)
        late += int(fired is not None and fired.timestamp() > returned)
    return delays, missed, late


def measure(side: common.Side, tries: int, gap: float, wait: float) -> list[list[object]]:
    rows: list[list[object]] = []
    with common.redis_server() as server:
        load.point_redbeat_at(server.url)
        fires = fire_phase(server.url, side, tries, gap, wait)
    with common.redis_server() as server:
        load.point_redbeat_at(server.url)
        stops = stop_phase(server.url, side, tries, gap, wait)
    for kind in ("create", "update"):
        delays, missed = fires[kind]
        rows.append([side.label, kind, len(delays), missed, common.ms_stats(delays), ""])
    for kind in ("pause", "delete"):
        delays, missed, late = stops[kind]
        rows.append([side.label, kind, len(delays), missed, common.ms_stats(delays), late])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tries", type=int, default=5)
    parser.add_argument("--stock-intervals", type=common.floats, default=[1.0])
    parser.add_argument("--gap", type=float, default=0.25, help="seconds between writes")
    parser.add_argument(
        "--wait", type=float, default=60.0, help="longest wait after the last write"
    )
    args = parser.parse_args()
    rows = []
    for interval in args.stock_intervals:
        rows += measure(common.stock_side(interval), args.tries, args.gap, args.wait)
    print(f"waits bounded at {args.wait:g} s after the last write")
    print()
    header = ["Beat", "call", "acted on", f"not within {args.wait:g} s", "p50 ms", "p99 ms"]
    print(common.table(header + ["max ms", "fires after the call"], rows))


if __name__ == "__main__":
    main()
