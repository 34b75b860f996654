"""Redis memory per schedule: ours against stock RedBeat, for the same definitions.

For each size, on a fresh redis-server each: N typical API schedules (a weekly crontab
with kwargs and a description) written as our store writes them (RedBeat's
`definition` and `meta` plus our `manager` field), and the same N written with
RedBeat's own `entry.save()`. Reported: INFO memory `used_memory` after minus before,
divided by N, and MEMORY USAGE of one entry's hash. Run history's bytes per record are
measured by history.py.

    .venv/bin/python -m bench.memory [--sizes 10000,100000]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from redis import Redis

from app.core.constants import REDBEAT_SCHEDULE_KEY
from app.schedules.keys import entry_key
from bench import common, load


def measure(size: int, write: Callable[[Redis, str, list[load.Planned]], int]) -> list[float]:
    """[bytes per schedule, bytes of one entry hash, bytes of the index per entry]."""
    planned = load.crontab_entries(size)
    with common.redis_server() as server:
        redis = common.client(server)
        before = common.used_memory(redis)
        write(redis, server.url, planned)
        assert redis.zcard(REDBEAT_SCHEDULE_KEY) == size
        after = common.used_memory(redis)
        one = redis.memory_usage(entry_key(planned[0].name)) or 0
        index = redis.memory_usage(REDBEAT_SCHEDULE_KEY, samples=0) or 0
    return [(after - before) / size, float(one), index / size]


def ours(redis: Redis, _url: str, planned: list[load.Planned]) -> int:
    return load.load_ours(redis, planned)


def stock(_redis: Redis, url: str, planned: list[load.Planned]) -> int:
    load.point_redbeat_at(url)
    return load.load_stock(planned)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=common.ints, default=[1000])
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        mine, theirs = measure(size, ours), measure(size, stock)
        for label, values in (
            ("ours (store format)", mine),
            ("stock RedBeat entry.save()", theirs),
        ):
            rows.append([label, f"{size:,}"] + [f"{v:,.0f}" for v in values])
        rows.append(
            ["ratio ours/stock", f"{size:,}"]
            + [common.ratio(a, b) for a, b in zip(mine, theirs, strict=True)]
        )
    header = [
        "writer",
        "schedules",
        "bytes/schedule (used_memory)",
        "one entry hash",
        "index/entry",
    ]
    print(common.table(header, rows))
    print()
    print("Run history: bytes per record are measured by bench/history.py.")


if __name__ == "__main__":
    main()
