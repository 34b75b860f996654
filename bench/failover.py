"""Beat failover: how long after the leader dies (SIGKILL) or stops (SIGTERM) a standby
holds the lock, and whether any (schedule, slot) was sent twice meanwhile.

Two Beats run on one redis-server with their default settings; --schedules entries
fire every second onto a queue nobody consumes, so every message stays countable.
Each round signals the leader at a random moment, times until the lock's token
changes hands (read from Redis every millisecond), then starts a fresh Beat as the next
standby. Stock RedBeat (`celery beat -S redbeat.RedBeatScheduler`, its lock timeout
five loop intervals) runs the same rounds at each --stock-intervals, on a Redis of its
own; its messages carry no slot header, so only its takeover times are reported.

    .venv/bin/python -m bench.failover [--rounds 20] [--schedules 20]
        [--stock-intervals 1] [--stock-rounds 5] [--no-stock]
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from redis import Redis

from app.core.constants import REDBEAT_LOCK_KEY
from app.launcher import Child
from bench import common
from bench.common import Side

FAILOVER_QUEUE = "failover"
# Ours: the leader's line once it holds the lock; a standby's once it has looked.
OURS_LEADING, OURS_STANDING_BY = "acquired the lock", "standing by"
# Stock RedBeat: a standby blocks in start-up until it holds the lock.
STOCK_LEADING, STOCK_STARTED = "beat: Acquired lock", "beat: Starting..."
# A takeover slower than this is reported as failed, not waited for.
TAKEOVER_DEADLINE = 120.0
# Fires to see between rounds; then a random pause of up to one loop interval, so the
# signal lands anywhere between two renewals of the lock (right after one is the worst
# case for a crash: the lock then has its whole timeout left).
FIRES_BETWEEN_ROUNDS = 2
JITTER_SECONDS = 1.0


class Pair:
    """A leader and a standby Beat of one side, on one Redis."""

    def __init__(self, side: Side, env: dict[str, str], logs: Path) -> None:
        self.side, self.env, self.logs = side, env, logs
        self.started = 0
        self.leader = self._start(OURS_LEADING if not side.stock else STOCK_LEADING)
        self.standby = self._start(OURS_STANDING_BY if not side.stock else STOCK_STARTED)

    def _start(self, ready: str) -> Child:
        self.started += 1
        log = self.logs / f"beat{self.started}.log"
        if not self.side.stock:
            return common.start("run_celery_beat.sh", self.env, log, ready)
        # As common.start_beat, but a stock standby never logs that it leads: it blocks
        # in start-up until it does, so its start is the ready line.
        command = [
            str(Path(sys.executable).with_name("celery")),
            *("-A", "app.core.celery_app:celery_app", "beat", "-S", "redbeat.RedBeatScheduler"),
            *("--max-interval", f"{self.side.max_interval:g}", "--loglevel", "INFO"),
            "--pidfile=",
        ]
        lock = f"{common.STOCK_LOCK_FACTOR * self.side.max_interval:g}"
        env = {**self.env, "BEAT_LOCK_TIMEOUT": lock}
        return common.start_command(command, env, log, ready, cwd=common.ROOT / "backend")

    def hand_over(self, redis: Redis, sig: int) -> float:
        """Signal the leader; seconds until the lock is another token's. The standby
        becomes the leader and a fresh Beat the standby."""
        before = redis.get(REDBEAT_LOCK_KEY)
        signalled = time.monotonic()
        self.leader.process.send_signal(sig)
        common.wait_for(
            lambda: redis.get(REDBEAT_LOCK_KEY) not in (None, before),
            "the standby to take the lock",
            TAKEOVER_DEADLINE,
        )
        took = time.monotonic() - signalled
        common.stop(self.leader)  # reaps it (a SIGKILLed one is gone already)
        self.leader = self.standby
        self.standby = self._start(OURS_STANDING_BY if not self.side.stock else STOCK_STARTED)
        return took

    def stop(self) -> None:
        for child in (self.standby, self.leader):
            common.stop(child)


@contextmanager
def pair(side: Side, redis_url: str, workdir: Path) -> Iterator[Pair]:
    env = common.stack_env(redis_url, workdir, **side.env)
    # Beat's own defaults: the point is the takeover an operator gets without tuning.
    for name in ("BEAT_LOCK_TIMEOUT", "BEAT_MAX_LOOP_INTERVAL"):
        env.pop(name, None)
    beats = Pair(side, env, workdir)
    try:
        yield beats
    finally:
        beats.stop()


def create_schedules(redis: Redis, count: int) -> None:
    from app.core.celery_app import celery_app
    from app.schedules import ScheduleService, ScheduleStore, TaskRegistry

    store = ScheduleStore(redis, celery_app, "UTC")
    service = ScheduleService(store, TaskRegistry.from_celery(celery_app))
    for i in range(count):
        service.create(
            {
                "name": f"failover-{i:03d}",
                "task": common.TASK,
                "interval": 1,
                "options": {"queue": FAILOVER_QUEUE},
                "policy": {"overlap": "allow"},
            }
        )


def doubled(redis: Redis) -> int:
    """(schedule, slot) pairs sent more than once."""
    pairs = Counter(
        (h.get("schedule"), h.get("scheduled_at"))
        for h in (json.loads(m)["headers"] for m in redis.lrange(FAILOVER_QUEUE, 0, -1))
    )
    return sum(n - 1 for n in pairs.values() if n > 1)


def wait_for_fires(redis: Redis, count: int) -> None:
    start = redis.llen(FAILOVER_QUEUE)
    common.wait_for(lambda: redis.llen(FAILOVER_QUEUE) >= start + count, "fires", 60)


def run_side(side: Side, rounds: int, schedules: int) -> list[list[str]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp, common.redis_server() as server:
        redis = common.client(server)
        with pair(side, server.url, Path(tmp)) as beats:
            create_schedules(redis, schedules)
            results: dict[str, list[float]] = {"SIGKILL": [], "SIGTERM": []}
            for name, sig in (("SIGKILL", signal.SIGKILL), ("SIGTERM", signal.SIGTERM)):
                for _ in range(rounds):
                    wait_for_fires(redis, FIRES_BETWEEN_ROUNDS * schedules)
                    time.sleep(random.uniform(0, JITTER_SECONDS))
                    results[name].append(beats.hand_over(redis, sig))
            wait_for_fires(redis, FIRES_BETWEEN_ROUNDS * schedules)
            sent = redis.llen(FAILOVER_QUEUE)
            twice = "-" if side.stock else str(doubled(redis))
        for name, times in results.items():
            rows.append(
                [
                    side.label,
                    name,
                    len(times),
                    f"{statistics.median(times):.2f}",
                    f"{max(times):.2f}",
                    f"{min(times):.2f}",
                    sent,
                    twice,
                ]
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--schedules", type=int, default=5)
    parser.add_argument("--stock-intervals", type=common.floats, default=[1.0])
    parser.add_argument("--stock-rounds", type=int, default=1)
    parser.add_argument("--no-stock", action="store_true", help="ours only")
    args = parser.parse_args()
    ours = Side("ours (defaults)", stock=False)
    rows = run_side(ours, args.rounds, args.schedules)
    for interval in [] if args.no_stock else args.stock_intervals:
        rows += run_side(common.stock_side(interval), args.stock_rounds, args.schedules)
    print(
        common.table(
            [
                "side",
                "signal to leader",
                "rounds",
                "takeover median s",
                "worst s",
                "best s",
                "messages",
                "slots sent twice",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
