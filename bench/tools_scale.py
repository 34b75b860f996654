"""Scale of the tools: the list endpoint and ./check_schedules.sh with many schedules.

For each size N, a redis-server of its own holding N typical weekly crontabs, a tenth
of them written with RedBeat's own `entry.save()` (seed 004's third method: no name
index entry, so the first read rebuilds the index) and the rest as our store writes
them (bench/load.py writes no name index either, as a Redis from before the index),
and an API (./run_api.sh) on each. All sizes run side by side and every timed call is
made once per size in turn, round after round, so the machine's load drifts over all
sizes alike and the ratios between sizes hold.

- the API: the first read (which rebuilds the name index); the median of `--calls`
  GET /api/scheduler/schedule?limit=100 for the first page, a page from a cursor in
  the middle, pages filtered by `enabled=true` (every entry matches) and by
  `origin=redbeat` (a tenth does), and the first page at limit 1000; every page at
  limit 1000, following next_cursor; the API process's peak RSS (VmHWM);
- in this process, the store's page read as the list did before the name index
  (ZRANGE of every key of the due index, sorted, then the page's entries) against the
  name index's (ZRANGE BYLEX from the cursor, then the same entries);
- ./check_schedules.sh (the table, and --json): time to its first byte (median of
  `--firsts` runs stopped there), to the end, and peak RSS (GNU time's maximum
  resident set size), against `redis-cli --scan --pattern 'redbeat:*'` (median of
  `--firsts`) over the same Redis.

    .venv/bin/python -m bench.tools_scale [--schedules 1000,10000,100000] [--calls 20]
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, cast

import httpx

from app.core.constants import REDBEAT_SCHEDULE_KEY
from app.core.embedded_redis import RedisServer, find_redis_server, free_port
from app.schedules.keys import entry_key
from app.schedules.service import encode_cursor
from app.schedules.store import ScheduleStore
from bench import common, load

BASE = "/api/scheduler/schedule"
GNU_TIME = shutil.which("time") or "/usr/bin/time"
# One entry in this many is written with RedBeat's own entry.save().
STOCK_SHARE = 10
PAGE = 100


@dataclass
class Stack:
    size: int
    server: RedisServer
    env: dict[str, str]
    api: httpx.Client
    pid: int
    store: ScheduleStore

    @property
    def middle(self) -> str:
        return entry_key(f"cron_{self.size // 2:06d}")


@contextlib.contextmanager
def stack(size: int, work: Path) -> Iterator[Stack]:
    work.mkdir()
    with common.redis_server() as server:
        planned = load.crontab_entries(size)
        ours = [p for i, p in enumerate(planned) if i % STOCK_SHARE]
        load.load_ours(common.client(server), ours)
        load.point_redbeat_at(server.url)
        load.load_stock(planned[::STOCK_SHARE])
        port = free_port()
        env = common.stack_env(server.url, work, API_PORT=str(port), NO_COLOR="1")
        proc = common.start("run_api.sh", env, work / "api.log", "Application startup complete")
        with (
            common.running(proc),
            httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as api,
        ):
            api.get("/health")
            store = ScheduleStore(common.client(server), load.celery_app(), load.TIMEZONE)
            yield Stack(size, server, env, api, proc.pid, store)


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def api_pages(s: Stack) -> dict[str, dict[str, str | int]]:
    return {
        f"first page (limit {PAGE})": {"limit": PAGE},
        f"page from a middle cursor (limit {PAGE})": {
            "limit": PAGE,
            "cursor": encode_cursor(s.middle),
        },
        f"first page, enabled=true (limit {PAGE})": {"limit": PAGE, "enabled": "true"},
        f"first page, origin=redbeat (limit {PAGE})": {"limit": PAGE, "origin": "redbeat"},
        "first page (limit 1000)": {"limit": 1000},
    }


def store_pages(s: Stack) -> dict[str, Callable[[], object]]:
    """A middle page read from the store as the list did before the index, and now."""

    def before() -> object:
        keys = sorted(cast(list[str], s.store.redis.zrange(REDBEAT_SCHEDULE_KEY, 0, -1)))
        pos = bisect.bisect_right(keys, s.middle)
        return s.store.read_keys(keys[pos : pos + PAGE])

    def now() -> object:
        return s.store.read_keys(s.store.key_page(s.middle, PAGE).keys)

    return {
        "store: middle page, every key read and sorted (before)": before,
        "store: middle page, name index (now)": now,
    }


def interleaved(stacks: list[Stack], calls: int) -> dict[tuple[int, str], list[float]]:
    """Every timed call once per size in turn, `calls` rounds."""
    times: dict[tuple[int, str], list[float]] = {}
    for _ in range(calls):
        for s in stacks:
            for what, params in api_pages(s).items():
                label = f"GET list, {what}"
                times.setdefault((s.size, label), []).append(timed(partial(page, s, params)))
            for what, call in store_pages(s).items():
                times.setdefault((s.size, what), []).append(timed(call))
    return times


def page(s: Stack, params: dict[str, str | int]) -> dict[str, Any]:
    response = s.api.get(BASE, params=params)
    response.raise_for_status()
    return cast(dict[str, Any], response.json())


def walk_all(s: Stack) -> tuple[float, int, int]:
    """Every page at limit 1000: seconds, pages, entries."""
    started, walked, seen, cursor = time.perf_counter(), 0, 0, None
    while True:
        params: dict[str, str | int] = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
        body = page(s, params)
        walked, seen, cursor = walked + 1, seen + body["count"], body["next_cursor"]
        if cursor is None:
            return time.perf_counter() - started, walked, seen


def stream(command: list[str], env: dict[str, str], whole: bool) -> tuple[float, float, int, int]:
    """Seconds to the first byte of stdout and to the end (or the first byte again when
    not `whole`: the command is stopped there), bytes out, exit code."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout
    assert out is not None
    size = len(out.read(1))
    first = time.perf_counter() - started
    if not whole:
        proc.kill()
        proc.wait(60)
        out.close()
        return first, first, size, 0
    while chunk := out.read(65536):
        size += len(chunk)
    code = proc.wait(600)
    return first, time.perf_counter() - started, size, code


def check_schedules(s: Stack, args: list[str], work: Path, firsts: int) -> list[Any]:
    script = [str(common.ROOT / "check_schedules.sh"), *args]
    first = statistics.median(stream(script, s.env, whole=False)[0] for _ in range(firsts))
    report = work / "time.txt"
    timed_by_gnu = Path(GNU_TIME).exists()
    command = ([GNU_TIME, "-v", "-o", str(report)] if timed_by_gnu else []) + script
    _first, whole, size, code = stream(command, s.env, whole=True)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    rss = peak_rss(report) if timed_by_gnu else usage
    label = " ".join(["./check_schedules.sh", *args])
    return [label, first, whole, f"{size / 1e6:.1f} MB out, exit {code}", f"{rss:.0f}"]


def redis_scan(s: Stack, firsts: int) -> list[Any]:
    """`redis-cli --scan` over the entry keys: the floor for any walk of every entry."""
    cli = str(Path(find_redis_server()).with_name("redis-cli"))
    command = [cli, "-p", str(s.server.port), "--scan", "--pattern", "redbeat:*"]
    runs = [stream(command, s.env, whole=True) for _ in range(firsts)]
    first, whole = (statistics.median(r[i] for r in runs) for i in (0, 1))
    out = f"{runs[0][2] / 1e6:.1f} MB out"
    return ["redis-cli --scan --pattern 'redbeat:*'", first, whole, out, "-"]


def peak_rss(report: Path) -> float:
    for line in report.read_text().splitlines():
        if "Maximum resident set size" in line:
            return int(line.rsplit(":", 1)[1]) / 1024
    return float("nan")


def measure(stacks: list[Stack], work: Path, calls: int, firsts: int) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for s in stacks:
        started = time.perf_counter()
        count = page(s, {"limit": PAGE})["count"]
        first = time.perf_counter() - started
        rows.append([s.size, "GET list, first read (rebuilds the name index)", None, first, count])
    times = interleaved(stacks, calls)
    for (size, what), values in times.items():
        rows.append([size, f"{what}, median of {calls}", None, statistics.median(values), "-"])
    for s in stacks:
        walk, walked, seen = walk_all(s)
        rss = f"{common.peak_rss_mb(s.pid):.0f} (API)"
        rows.append([s.size, f"GET list, all {walked} pages (limit 1000)", None, walk, seen, rss])
        rows.append([s.size, *redis_scan(s, firsts)])
        for extra in ([], ["--json"]):
            rows.append([s.size, *check_schedules(s, extra, work, firsts)])
    return rows


def ratios(rows: list[list[Any]], sizes: list[int]) -> list[list[str]]:
    """Each median at every size against the smallest size's; check_schedules.sh
    against redis-cli --scan at the same size."""
    whole = {(r[0], r[1]): r[3] for r in rows}
    out = []
    for size in sizes[1:]:
        for (n, what), seconds in whole.items():
            base = whole.get((sizes[0], what))
            if n == size and "median" in what and base:
                out.append([f"{what}: {size:,} vs {sizes[0]:,}", f"{seconds / base:.2f}×"])
    for size in sizes:
        scan = whole[(size, "redis-cli --scan --pattern 'redbeat:*'")]
        for (n, what), seconds in whole.items():
            if n == size and what.startswith("./check_schedules.sh") and scan > 0:
                out.append([f"{what} vs redis-cli --scan at {size:,}", f"{seconds / scan:.0f}×"])
    return out


def amount(count: object) -> str:
    return f"{count:,}" if isinstance(count, int) else str(count)


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schedules", type=common.ints, default=[1000])
    parser.add_argument("--calls", type=int, default=5)
    parser.add_argument("--firsts", type=int, default=3)
    args = parser.parse_args()
    with contextlib.ExitStack() as stacks_open, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        stacks = [stacks_open.enter_context(stack(n, work / str(n))) for n in args.schedules]
        rows = measure(stacks, work, args.calls, args.firsts)
    shown = [
        [f"{n:,}", what, ms(first), f"{whole:.3f}", amount(count), *rest]
        for n, what, first, whole, count, *rest in rows
    ]
    print(f"{', '.join(f'{n:,}' for n in args.schedules)} schedules stored")
    print()
    header = ["N", "tool", "first output", "whole, s", "output", "peak RSS MB"]
    print(common.table(header, [row + ["-"] * (len(header) - len(row)) for row in shown]))
    print()
    print(common.table(["ratio", "×"], ratios(rows, args.schedules)))


if __name__ == "__main__":
    main()
