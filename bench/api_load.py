"""API load: requests per second and latency per call, with many schedules stored.

Starts a fresh redis-server with N stored schedules (typical weekly crontabs), our Beat
(./run_celery_beat.sh) and the API (./run_api.sh, one uvicorn process, as deployed),
then for each concurrency runs bench/loadgen.py (a separate process) once per call:
list (the first page, limit 100), get, create, update (PUT of one crontab field) and
delete (of the schedules the create phase made, so the stored count stays near N; the
phase ends early when they run out). Each row also shows the CPU the API process and
the generator used, in % of one core: on a 2-core machine they compete. Stock RedBeat
has no API, so there is no stock side here.

    .venv/bin/python -m bench.api_load [--schedules 10000] [--concurrency 1,10,50] [--duration 10]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from app.core.embedded_redis import free_port
from bench import common, load
from bench.common import start

OPS = ("list", "get", "create", "update", "delete")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def phase(base: str, op: str, concurrency: int, duration: float, names: Path) -> dict[str, Any]:
    """One loadgen run; its result plus the generator's CPU seconds (`loadgen_cpu`)."""
    before = children_cpu()
    done = subprocess.run(
        [sys.executable, "-m", "bench.loadgen", base, op]
        + ["--concurrency", str(concurrency), "--duration", str(duration), "--names", str(names)],
        capture_output=True,
        text=True,
        timeout=duration + 120,
        cwd=common.ROOT,
    )
    if done.returncode:
        raise SystemExit(f"loadgen {op} x{concurrency} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    result["loadgen_cpu"] = children_cpu() - before
    return result


def phases(
    base: str, api_pid: int, concurrencies: list[int], duration: float, work: Path
) -> list[list[object]]:
    rows = []
    for concurrency in concurrencies:
        created = work / f"created_{concurrency}.txt"
        for op in OPS:
            names = created if op == "delete" else work / "stored.txt"
            api_cpu = common.cpu_seconds(api_pid)
            result = phase(base, op, concurrency, duration, names)
            result["api_cpu"] = common.cpu_seconds(api_pid) - api_cpu
            if op == "create":
                created.write_text("\n".join(result["created"]))
            rows.append(row(op, concurrency, result))
    return rows


def run(
    schedules: int, concurrencies: list[int], duration: float
) -> tuple[list[list[object]], str]:
    with tempfile.TemporaryDirectory() as tmp, common.redis_server() as server:
        work = Path(tmp)
        redis = common.client(server)
        planned = load.crontab_entries(schedules, prefix="api")
        load.load_ours(redis, planned)
        (work / "stored.txt").write_text("\n".join(p.name for p in planned))
        port = free_port()
        env = common.stack_env(server.url, work, API_PORT=str(port))
        base = f"http://127.0.0.1:{port}"
        with common.running(common.start_beat(common.OURS, env, work / "beat.log")):
            api = start("run_api.sh", env, work / "api.log", "Application startup complete")
            with common.running(api):
                phase(base, "get", 1, 1.0, work / "stored.txt")  # warm-up: imports, pool
                rows = phases(base, api.pid, concurrencies, duration, work)
                note = (
                    f"API process peak RSS {common.peak_rss_mb(api.pid):.0f} MB; "
                    f"stored at the end: {redis.zcard('redbeat::schedule'):,}"
                )
    return rows, note


def row(op: str, concurrency: int, result: dict[str, Any]) -> list[object]:
    calls, elapsed = result["calls"], result["elapsed"]
    errors = str(result["errors"]) + "".join(
        f" ({k}: {v})" for k, v in result["error_kinds"].items()
    )
    cells = [op, concurrency, calls, errors, f"{calls / elapsed:,.0f}"]
    cells += [f"{result[k]:.1f}" if result[k] is not None else "-" for k in ("p50", "p99", "max")]
    return cells + [f"{100 * result[k] / elapsed:.0f}" for k in ("api_cpu", "loadgen_cpu")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schedules", type=int, default=1000)
    parser.add_argument("--concurrency", type=common.ints, default=[1, 10])
    parser.add_argument("--duration", type=float, default=2.0, help="seconds per call and clients")
    args = parser.parse_args()
    rows, note = run(args.schedules, args.concurrency, args.duration)
    print(f"{args.schedules:,} schedules stored; {args.duration:g} s per call and concurrency")
    print()
    header = ["call", "clients", "answered", "errors", "rps", "p50 ms", "p99 ms", "max ms"]
    print(common.table(header + ["API CPU %", "loadgen CPU %"], rows))
    print()
    print(note)


if __name__ == "__main__":
    main()
