"""Scale of the tools: the list endpoint and ./check_schedules.sh with many schedules.

For each size N, on a fresh redis-server: N typical weekly crontabs, a tenth of them
written with RedBeat's own `entry.save()` (seed 004's third method: no name index
entry, so the first read rebuilds the index) and the rest as our store writes them
(bench/load.py writes no name index either, as a Redis from before the index).

- the API (./run_api.sh): the first read (which rebuilds the name index); then, each
  the median of `--calls` calls, GET /api/scheduler/schedule?limit=100 for the first
  page, from a cursor in the middle, filtered by `enabled=true` (every entry matches)
  and by `origin=redbeat` (a tenth does); every page at limit 1000, following
  next_cursor; the API process's peak RSS (VmHWM);
- ./check_schedules.sh (the table, and --json): time to the first byte of output, to
  the end, and peak RSS (GNU time's maximum resident set size), against
  `redis-cli --scan --pattern 'redbeat:*'` over the same Redis.

The last table puts each figure at N beside the smallest size's (a page should cost
the same at 100,000 as at 1,000).

    .venv/bin/python -m bench.tools_scale [--schedules 1000,10000,100000] [--calls 20]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from app.core.embedded_redis import find_redis_server, free_port
from app.schedules.keys import entry_key
from app.schedules.service import encode_cursor
from bench import common, load
from bench.common import start

BASE = "/api/scheduler/schedule"
GNU_TIME = shutil.which("time") or "/usr/bin/time"
# Share of the entries written with RedBeat's own entry.save().
STOCK_SHARE = 10


def first_byte(
    api: httpx.Client, params: dict[str, str | int]
) -> tuple[float, float, dict[str, Any]]:
    started = time.perf_counter()
    with api.stream("GET", BASE, params=params) as response:
        chunks = response.iter_bytes()
        body = next(chunks)
        first = time.perf_counter() - started
        body += b"".join(chunks)
    return first, time.perf_counter() - started, httpx.Response(200, content=body).json()


def timed_page(api: httpx.Client, params: dict[str, str | int], calls: int) -> tuple[float, int]:
    """Median seconds of `calls` GETs of one page, and its entry count."""
    times, count = [], 0
    for _ in range(calls):
        started = time.perf_counter()
        page = api.get(BASE, params=params).json()
        times.append(time.perf_counter() - started)
        count = page["count"]
    return statistics.median(times), count


def pages(size: int) -> dict[str, dict[str, str | int]]:
    """The pages timed: what each is, its query."""
    middle = encode_cursor(entry_key(f"cron_{size // 2:06d}"))
    return {
        "first page (limit 100)": {"limit": 100},
        "page from a middle cursor (limit 100)": {"limit": 100, "cursor": middle},
        "first page, enabled=true (limit 100)": {"limit": 100, "enabled": "true"},
        "first page, origin=redbeat (limit 100)": {"limit": 100, "origin": "redbeat"},
        "first page (limit 1000)": {"limit": 1000},
    }


def list_endpoint(
    env: dict[str, str], port: int, work: Path, size: int, calls: int
) -> list[list[Any]]:
    rows: list[list[Any]] = []
    proc = start("run_api.sh", env, work / "api.log", "Application startup complete")
    with (
        common.running(proc),
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as api,
    ):
        api.get("/health")
        first, whole, page = first_byte(api, {"limit": 100})
        rows.append(["GET list, first read (rebuilds the name index)", first, whole, page["count"]])
        for what, params in pages(size).items():
            median, count = timed_page(api, params, calls)
            rows.append([f"GET list, {what}, median of {calls}", None, median, count])
        started, walked, seen, cursor = time.perf_counter(), 0, 0, None
        while True:
            params: dict[str, str | int] = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
            page = api.get(BASE, params=params).json()
            walked, seen, cursor = walked + 1, seen + page["count"], page["next_cursor"]
            if cursor is None:
                break
        walk = time.perf_counter() - started
        rows.append([f"GET list, all {walked} pages (limit 1000)", None, walk, seen])
        rss = common.peak_rss_mb(proc.pid)
    api_rss = f"{rss:.0f} (API)"
    return [[what, first, whole, f"{count:,}", api_rss] for what, first, whole, count in rows]


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f} ms"


def stream_command(command: list[str], env: dict[str, str]) -> tuple[float, float, int, int]:
    """Seconds to the first byte of stdout and to the end, bytes out, exit code."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    stream = proc.stdout
    assert stream is not None
    size = len(stream.read(1))
    first = time.perf_counter() - started
    while chunk := stream.read(65536):
        size += len(chunk)
    code = proc.wait(600)
    return first, time.perf_counter() - started, size, code


def check_schedules(env: dict[str, str], args: list[str], work: Path) -> list[Any]:
    script = common.ROOT / "check_schedules.sh"
    report = work / "time.txt"
    timed = Path(GNU_TIME).exists()
    command = ([GNU_TIME, "-v", "-o", str(report)] if timed else []) + [str(script), *args]
    first, whole, size, code = stream_command(command, env)
    rss = (
        peak_rss(report) if timed else resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    )
    label = " ".join(["./check_schedules.sh", *args])
    return [label, first, whole, f"{size / 1e6:.1f} MB out, exit {code}", f"{rss:.0f}"]


def redis_scan(server_port: int, env: dict[str, str]) -> list[Any]:
    """`redis-cli --scan` over the entry keys: the floor for any walk of every entry."""
    cli = str(Path(find_redis_server()).with_name("redis-cli"))
    command = [cli, "-p", str(server_port), "--scan", "--pattern", "redbeat:*"]
    first, whole, size, code = stream_command(command, env)
    label = "redis-cli --scan --pattern 'redbeat:*'"
    return [label, first, whole, f"{size / 1e6:.1f} MB out, exit {code}", "-"]


def peak_rss(report: Path) -> float:
    for line in report.read_text().splitlines():
        if "Maximum resident set size" in line:
            return int(line.rsplit(":", 1)[1]) / 1024
    return float("nan")


def one_size(size: int, calls: int) -> list[list[Any]]:
    with tempfile.TemporaryDirectory() as tmp, common.redis_server() as server:
        work = Path(tmp)
        planned = load.crontab_entries(size)
        stock = planned[::STOCK_SHARE]
        ours = [p for i, p in enumerate(planned) if i % STOCK_SHARE]
        load.load_ours(common.client(server), ours)
        load.point_redbeat_at(server.url)
        load.load_stock(stock)
        port = free_port()
        env = common.stack_env(server.url, work, API_PORT=str(port), NO_COLOR="1")
        rows = list_endpoint(env, port, work, size, calls)
        rows.append(redis_scan(server.port, env))
        for extra in ([], ["--json"]):
            rows.append(check_schedules(env, extra, work))
    return [[f"{size:,}", *row] for row in rows]


def ratios(rows: list[list[Any]], sizes: list[int]) -> list[list[str]]:
    """Each row's whole time at every size against the smallest's; check_schedules.sh
    against redis-cli --scan at the same size."""
    by = {(r[0], r[1]): r for r in rows}
    smallest = f"{sizes[0]:,}"
    out = []
    for size in sizes[1:]:
        label = f"{size:,}"
        for row in rows:
            if row[0] != label or "all" in row[1] or "first read" in row[1]:
                continue
            base = by.get((smallest, row[1]))
            if base is not None and base[3] > 0 and "redis-cli" not in row[1]:
                out.append([f"{row[1]}: {label} vs {smallest}", f"{row[3] / base[3]:.2f}×"])
    for size in sizes:
        label = f"{size:,}"
        scan = next(r for r in rows if r[0] == label and "redis-cli" in r[1])
        for row in rows:
            if row[0] == label and row[1].startswith("./check_schedules.sh") and scan[3] > 0:
                what = f"{row[1]} vs redis-cli --scan at {label}"
                out.append([what, f"{row[3] / scan[3]:.2f}×"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schedules", type=common.ints, default=[1000])
    parser.add_argument("--calls", type=int, default=5)
    args = parser.parse_args()
    rows: list[list[Any]] = []
    for size in args.schedules:
        rows += one_size(size, args.calls)
    shown = [[n, what, ms(first), f"{whole:.3f}", *rest] for n, what, first, whole, *rest in rows]
    print(f"{', '.join(f'{n:,}' for n in args.schedules)} schedules stored")
    print()
    header = ["N", "tool", "first output", "whole, s", "output", "peak RSS MB"]
    print(common.table(header, shown))
    print()
    print(common.table(["ratio", "×"], ratios(rows, args.schedules)))


if __name__ == "__main__":
    main()
