"""Status and metrics latency with no worker running: GET /api/scheduler/status (workers
from their heartbeat keys, the default), the same with `?ping=true` (a live broadcast
ping, which waits its whole timeout when nobody answers), and GET /metrics.

Starts a fresh redis-server holding N schedules, each with the keys its run history
leaves (counters and a one-record stream), so the keyspace is the size a live system
has; then our Beat (./run_celery_beat.sh) and the API (./run_api.sh), no worker. Calls
are sequential, over one kept-alive connection, after a warm-up call.

    .venv/bin/python -m bench.status [--schedules 10000] [--calls 200]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from redis import Redis

from app.core.constants import HISTORY_KEY_PREFIX, STATS_KEY_PREFIX
from app.core.embedded_redis import free_port
from bench import common, load
from bench.common import start

PING_CALLS = 3  # each waits the full ping timeout: a few say enough


def add_history(redis: Redis, names: list[str]) -> None:
    """The keys a schedule's runs leave: its counters and its stream of records."""
    for chunk in range(0, len(names), common.LOAD_CHUNK):
        with redis.pipeline(transaction=False) as pipe:
            for name in names[chunk : chunk + common.LOAD_CHUNK]:
                pipe.hset(STATS_KEY_PREFIX + name, mapping={"run_count": 1, "error_count": 0})
                pipe.xadd(HISTORY_KEY_PREFIX + name, {"r": '{"outcome":"succeeded"}'})
            pipe.execute()


def timed(client: httpx.Client, path: str, calls: int) -> list[float]:
    client.get(path)  # warm-up: imports, connections
    times = []
    for _ in range(calls):
        start_at = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start_at) * 1000)
        response.raise_for_status()
    return times


def calls_of(calls: int) -> list[tuple[str, str, int]]:
    return [
        ("status (workers from heartbeats)", "/api/scheduler/status", calls),
        ("status ?ping=true (live ping)", "/api/scheduler/status?ping=true", PING_CALLS),
        ("metrics", "/metrics", calls),
    ]


def row(label: str, times: list[float]) -> list[object]:
    ordered = sorted(times)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return [label, len(times), f"{statistics.median(times):.1f}", f"{p95:.1f}", f"{max(times):.1f}"]


def run(schedules: int, calls: int) -> tuple[list[list[object]], int]:
    with tempfile.TemporaryDirectory() as tmp, common.redis_server() as server:
        work = Path(tmp)
        redis = common.client(server)
        planned = load.crontab_entries(schedules, prefix="status")
        load.load_ours(redis, planned)
        add_history(redis, [p.name for p in planned])
        keys = int(redis.dbsize())
        port = free_port()
        env = common.stack_env(server.url, work, API_PORT=str(port))
        with common.running(common.start_beat(common.OURS, env, work / "beat.log")):
            api = start("run_api.sh", env, work / "api.log", "Application startup complete")
            with common.running(api), httpx.Client(base_url=f"http://127.0.0.1:{port}") as c:
                rows = [row(label, timed(c, path, n)) for label, path, n in calls_of(calls)]
    return rows, keys


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schedules", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()
    rows, keys = run(args.schedules, args.calls)
    print(f"{args.schedules:,} schedules, {keys:,} keys in Redis, no worker running")
    print()
    print(common.table(["call", "calls", "p50 ms", "p95 ms", "max ms"], rows))


if __name__ == "__main__":
    main()
