"""Pickup: time from a schedule write to the running Beat acting on it.

Writers: our store (which pushes a wake token), and RedBeat's own `entry.save()` and
`delete()` (seed 004's Method 3), which push nothing: our Beat hears those through
Redis keyspace notifications (app/beat/notifications.py) when Redis sends them, and
otherwise at its next poll. Beats, one after the other, each alone on a fresh
redis-server (the embedded one, started with `--notify-keyspace-events Kz` as ./run.sh
starts it):

- ours as shipped (notifications on);
- ours with BEAT_KEYSPACE_NOTIFICATIONS=false, which is what a Redis sending no events
  gives (the 1 s poll);
- stock RedBeat, `celery beat -S redbeat.RedBeatScheduler --max-interval 1`.

Figures, from the write call's start (the write itself is included):
- store write, entry.save(): an entry due at once, to the fire the Beat commits (meta
  `last_run_at`, stamped just before the send);
- entry.delete(): of an hourly entry not due, to the Beat's next look at Redis (each
  pass begins by renewing its lock, whose TTL then jumps back up).

Each try starts after a random part of the loop interval, so a polled figure spreads
over the interval as a real write's would instead of sitting at one phase of it; the
Beat is idle otherwise (nothing else is due). Usage, from the repo root:

    .venv/bin/python -m bench.pickup [--tries 20] [--stock-interval 1]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from redis import Redis

from app.core.constants import REDBEAT_LOCK_KEY
from app.schedules.spec import parse_spec
from app.schedules.store import ScheduleStore
from bench import common, load
from bench.pickup_stock import HOUR, entry, last_run

WAIT_SECONDS = 30.0
WRITERS = ("store write (wakes Beat)", "RedBeat entry.save()", "RedBeat entry.delete()")


def notifications_off() -> common.Side:
    return common.Side(
        "ours, keyspace notifications off (1 s poll)",
        stock=False,
        env={"BEAT_KEYSPACE_NOTIFICATIONS": "false"},
    )


def ours_on() -> common.Side:
    return common.Side("ours, keyspace notifications on", stock=False)


def fired_since(redis: Redis, name: str, moment: float) -> float | None:
    fired = last_run(redis, name)
    return fired.timestamp() if fired is not None and fired.timestamp() > moment else None


def fire_time(redis: Redis, name: str, started: float) -> float:
    """When the Beat committed a fire of `name` after `started`, by its own stamp (so
    how often this polls does not enter the figure; 5 ms keeps the poll light)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while (fired := fired_since(redis, name, started)) is None:
        if time.monotonic() > deadline:
            raise SystemExit(f"{name} did not fire within {WAIT_SECONDS:g} s")
        time.sleep(0.005)
    return fired


def store_write(store: ScheduleStore, redis: Redis, name: str) -> float:
    spec = parse_spec({"task": common.TASK, "at": datetime.now(UTC).isoformat()})
    started = time.time()
    store.save(name, spec)
    return fire_time(redis, name, started) - started


def redbeat_save(redis: Redis, name: str) -> float:
    due = entry(name, 3600, last_run_at=datetime.now(UTC) - 2 * HOUR)
    started = time.time()
    due.save()
    return fire_time(redis, name, started) - started


def redbeat_delete(redis: Redis, name: str) -> float:
    """From the call's start to the Beat's next look: each pass begins by renewing the
    lock, so its TTL jumps up (polled every millisecond, only while waiting)."""
    previous = quiet_lock(redis)
    started = time.time()
    entry(name, 3600).delete()
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        ttl = int(redis.pttl(REDBEAT_LOCK_KEY))
        if ttl > previous + 20:
            return time.time() - started
        previous = ttl
        time.sleep(0.001)
    raise SystemExit(f"the Beat did not look within {WAIT_SECONDS:g} s of deleting {name}")


def quiet_lock(redis: Redis) -> int:
    """The lock's TTL once no pass has begun for 30 ms: a pass just before the call (one
    the previous write caused) would otherwise hide the next one, whose jump would be
    under the 20 ms this counts as one."""
    while True:
        first = int(redis.pttl(REDBEAT_LOCK_KEY))
        time.sleep(0.03)
        second = int(redis.pttl(REDBEAT_LOCK_KEY))
        if second < first - 20:
            return second


def stats(seconds: list[float]) -> str:
    """`p50 | p90 | p99 | max` in milliseconds (with 50 tries p99 is the largest)."""
    ms = sorted(s * 1000 for s in seconds)
    return " | ".join(f"{common.pct(ms, q):.1f}" for q in (0.5, 0.9, 0.99, 1.0))


def measure(side: common.Side, tries: int, rng: random.Random) -> list[list[object]]:
    delays: dict[str, list[float]] = {writer: [] for writer in WRITERS}
    with common.redis_server() as server, tempfile.TemporaryDirectory() as tmp:
        load.point_redbeat_at(server.url)
        redis = common.client(server)
        store = ScheduleStore(redis, load.celery_app(), load.TIMEZONE)
        ran = datetime.now(UTC) - HOUR / 2
        for i in range(tries):  # not due for half an hour: deleting them wakes nobody
            entry(f"delete_{i}", 3600, last_run_at=ran).save()
        env = {**common.stack_env(server.url, Path(tmp)), **side.env}
        with common.running(common.start_beat(side, env, Path(tmp) / "beat.log")):
            steps: list[tuple[str, Callable[[int], float]]] = [
                (WRITERS[0], lambda i: store_write(store, redis, f"store_{i}")),
                (WRITERS[1], lambda i: redbeat_save(redis, f"save_{i}")),
                (WRITERS[2], lambda i: redbeat_delete(redis, f"delete_{i}")),
            ]
            for i in range(tries):
                for writer, step in steps:
                    # At least 50 ms, so the look a step's own write caused is over.
                    time.sleep(max(0.05, rng.random() * side.max_interval))
                    delays[writer].append(step(i))
    return [[side.label, w, len(d), stats(d)] for w, d in delays.items()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tries", type=int, default=2)
    parser.add_argument("--stock-interval", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=16, help="of the random phases")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rows: list[list[object]] = []
    for side in (ours_on(), notifications_off(), common.stock_side(args.stock_interval)):
        rows += measure(side, args.tries, rng)
    header = ["Beat", "writer", "tries", "p50 ms", "p90 ms", "p99 ms", "max ms"]
    print(common.table(header, rows))


if __name__ == "__main__":
    main()
