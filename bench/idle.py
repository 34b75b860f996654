"""Idle cost: Beat CPU and Redis traffic with many entries, none of them due.

For each size the entries (weekly intervals, next due in a day) are written once and
saved as a Redis snapshot; every Beat then starts on a fresh redis-server loaded from
that snapshot, leads, settles for a few seconds and is measured for --duration
seconds: its CPU (from /proc) and the commands Redis ran (INFO commandstats; the
benchmark's own INFO calls are left out). The request counter of throughput.py is not
loaded here: its flush thread alone would cost about 0.06 CPU s/min.

    .venv/bin/python -m bench.idle [--sizes 10000,100000] [--duration 30]
        [--stock-intervals 1,5,300]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench import common, load
from bench.common import Side

SETTLE_SECONDS = 3.0


def snapshot(size: int, into: Path) -> Path:
    with common.redis_server() as server:
        redis = common.client(server)
        load.load_ours(redis, load.far_future(size))
        return common.save_snapshot(redis, server, into)


def measure(side: Side, dump: Path, duration: float) -> list[float]:
    """[Beat CPU s/min, Redis commands/s, Redis CPU s/min]."""
    with tempfile.TemporaryDirectory() as tmp, common.redis_server(dump) as server:
        redis = common.client(server)
        env = common.stack_env(server.url, Path(tmp))
        beat = common.start_beat(side, env, Path(tmp) / "beat.log")
        with common.running(beat):
            time.sleep(SETTLE_SECONDS)
            redis_pid = int(redis.info("server")["process_id"])
            cpu0, rcpu0 = common.cpu_seconds(beat.pid), common.cpu_seconds(redis_pid)
            stats0 = common.commandstats(redis)
            started = time.monotonic()
            time.sleep(duration)
            cpu1, rcpu1 = common.cpu_seconds(beat.pid), common.cpu_seconds(redis_pid)
            stats1 = common.commandstats(redis)
            elapsed = time.monotonic() - started
    commands = sum(v for k, v in common.delta(stats1, stats0).items() if k != "info")
    return [(cpu1 - cpu0) * 60 / elapsed, commands / elapsed, (rcpu1 - rcpu0) * 60 / elapsed]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=common.ints, default=[1000])
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--stock-intervals", type=common.floats, default=[1.0])
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            dump = snapshot(size, Path(tmp))
            for side in common.sides(args.stock_intervals):
                cpu, commands, redis_cpu = measure(side, dump, args.duration)
                rows.append(
                    [side.label, f"{size:,}", f"{cpu:.2f}", f"{commands:.1f}", f"{redis_cpu:.2f}"]
                )
    print(f"{args.duration:g} s measured per Beat, after {SETTLE_SECONDS:g} s to settle")
    print()
    header = ["Beat", "entries", "Beat CPU s/min", "Redis commands/s", "Redis CPU s/min"]
    print(common.table(header, rows))


if __name__ == "__main__":
    main()
