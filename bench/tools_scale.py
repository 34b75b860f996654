"""Scale of the tools: the list endpoint and ./check_schedules.sh with many schedules.

On a fresh redis-server with N stored schedules (typical weekly crontabs):

- the API (./run_api.sh): the first page of GET /api/scheduler/schedule (limit 100 and
  1000), time to the first byte and to the whole page; then every page at limit 1000,
  following next_cursor; the API process's peak RSS (VmHWM);
- ./check_schedules.sh (the table, and --json): time to the first byte of output, to
  the end, and peak RSS (GNU time's maximum resident set size).

    .venv/bin/python -m bench.tools_scale [--schedules 100000]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from app.core.embedded_redis import free_port
from bench import common, load
from bench.common import start

BASE = "/api/scheduler/schedule"
GNU_TIME = shutil.which("time") or "/usr/bin/time"


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


def list_endpoint(env: dict[str, str], port: int, work: Path) -> list[list[object]]:
    rows = []
    proc = start("run_api.sh", env, work / "api.log", "Application startup complete")
    with (
        common.running(proc),
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as api,
    ):
        api.get("/health")
        for limit in (100, 1000):
            first, whole, page = first_byte(api, {"limit": limit})
            rows.append([f"GET list, first page (limit {limit})", first, whole, page["count"]])
        started, pages, seen, cursor = time.perf_counter(), 0, 0, None
        while True:
            params: dict[str, str | int] = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
            page = api.get(BASE, params=params).json()
            pages, seen, cursor = pages + 1, seen + page["count"], page["next_cursor"]
            if cursor is None:
                break
        walk = time.perf_counter() - started
        rows.append([f"GET list, all {pages} pages (limit 1000)", None, walk, seen])
        rss = common.peak_rss_mb(proc.pid)
    return [
        [what, ms(first), f"{whole:.2f}", f"{count:,}", f"{rss:.0f} (API process)"]
        for what, first, whole, count in rows
    ]


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f} ms"


def check_schedules(env: dict[str, str], args: list[str], work: Path) -> list[object]:
    script = common.ROOT / "check_schedules.sh"
    report = work / "time.txt"
    timed = Path(GNU_TIME).exists()
    command = ([GNU_TIME, "-v", "-o", str(report)] if timed else []) + [str(script), *args]
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    stream = proc.stdout
    assert stream is not None
    size = len(stream.read(1))
    first = time.perf_counter() - started
    while chunk := stream.read(65536):
        size += len(chunk)
    proc.wait(600)
    whole = time.perf_counter() - started
    rss = (
        peak_rss(report) if timed else resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    )
    label = " ".join(["./check_schedules.sh", *args])
    return [
        label,
        ms(first),
        f"{whole:.2f}",
        f"{size / 1e6:.1f} MB out, exit {proc.returncode}",
        f"{rss:.0f}",
    ]


def peak_rss(report: Path) -> float:
    for line in report.read_text().splitlines():
        if "Maximum resident set size" in line:
            return int(line.rsplit(":", 1)[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schedules", type=int, default=1000)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp, common.redis_server() as server:
        work = Path(tmp)
        load.load_ours(common.client(server), load.crontab_entries(args.schedules))
        port = free_port()
        env = common.stack_env(server.url, work, API_PORT=str(port), NO_COLOR="1")
        rows += list_endpoint(env, port, work)
        if (common.ROOT / "check_schedules.sh").exists():
            for extra in ([], ["--json"]):
                rows.append(check_schedules(env, extra, work))
        else:
            rows.append(["./check_schedules.sh", "-", "-", "TODO: not in the tree yet", "-"])
    print(f"{args.schedules:,} schedules stored")
    print()
    print(common.table(["tool", "first output", "whole, s", "output", "peak RSS MB"], rows))


if __name__ == "__main__":
    main()
