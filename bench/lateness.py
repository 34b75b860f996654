"""Fire lateness: when each message reaches the broker, minus its entry's due time.

For each Beat, on a fresh redis-server: N anchored hourly entries, due on exact
seconds spread over a window of S seconds (N/S due together each second), written
before the Beat starts, so every Beat, stock RedBeat at any loop interval included,
knows them from its first look. No worker runs: bench/consumer.py takes each message
off the `celery` list as it lands and stamps it, for ours and stock alike. Both Beats
read the same stored data (RedBeat reads our anchored interval as an rrule).

    .venv/bin/python -m bench.lateness [--entries 1000] [--seconds 20]
        [--stock-intervals 1,5,300]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import common, load
from bench.common import Side


def run_one(side: Side, entries: int, seconds: int, lead: float) -> tuple[list[float], list[float]]:
    """Lateness in seconds of every message that arrived (missing ones are absent), and
    of the first message of each due second (how precisely the Beat wakes)."""
    with tempfile.TemporaryDirectory() as tmp, common.redis_server() as server:
        redis = common.client(server)
        start = round(time.time() + lead)
        due = [start + i % seconds for i in range(entries)]
        load.load_ours(redis, [load.anchored_at(i, due[i]) for i in range(entries)])
        if time.time() > start - lead / 2:
            raise SystemExit("loading took more than half of --lead; raise it")
        timeout = start + seconds + 30 - time.time()
        consumer = subprocess.Popen(
            [sys.executable, "-m", "bench.consumer", server.url]
            + ["--expect", str(entries), "--timeout", f"{timeout:.1f}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=common.ROOT,
        )
        assert consumer.stderr is not None
        consumer.stderr.readline()  # "ready"
        env = common.stack_env(server.url, Path(tmp))
        with common.running(common.start_beat(side, env, Path(tmp) / "beat.log")):
            if time.time() > start - 0.5:
                raise SystemExit(f"{side.label} led only after the first due time; raise --lead")
            out, _ = consumer.communicate(timeout=timeout + 30)
    arrivals = json.loads(out)
    first: dict[int, float] = {}
    for arrived, index in arrivals:
        first[due[index]] = min(first.get(due[index], arrived), arrived)
    return [a - due[i] for a, i in arrivals], [a - d for d, a in first.items()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=5, help="window the due times spread over")
    parser.add_argument("--stock-intervals", type=common.floats, default=[1.0])
    parser.add_argument("--lead", type=float, default=15.0, help="seconds from loading to due")
    args = parser.parse_args()
    rows, p99 = [], {}
    for side in common.sides(args.stock_intervals):
        late, firsts = run_one(side, args.entries, args.seconds, args.lead)
        p99[side.slug] = common.pct(late, 0.99) if late else float("nan")
        early = sum(1 for x in late if x < 0)
        rows.append(
            [side.label, args.entries, len(late), early, common.ms_stats(late)]
            + [f"{statistics.median(firsts) * 1000:.1f}" if firsts else "-"]
            + [common.ratio(p99["ours"], p99[side.slug]) if side.stock else ""]
        )
    per_second = args.entries / args.seconds
    print(f"{args.entries} entries due over {args.seconds} s ({per_second:g} a second)")
    print()
    header = ["Beat", "entries", "sent", "early", "p50 ms", "p99 ms", "max ms"]
    header += ["first of each second, p50 ms", "p99 ours/stock"]
    print(common.table(header, rows))


if __name__ == "__main__":
    main()
