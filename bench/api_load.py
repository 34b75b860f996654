"""API load: requests per second and latency per call, with many schedules stored.

Starts a fresh redis-server with N stored schedules (typical weekly crontabs), our Beat
(./run_celery_beat.sh) and, for each count in --workers, the API (./run_api.sh with
API_WORKERS set to it: that many uvicorn processes on one port, as ./run.sh and compose
run it). All of them run at once on their own ports, and each phase is run against each
in turn, so that 1 and N processes are measured side by side, minutes apart at most, on
a machine whose load drifts. Each phase is one bench/loadgen.py run (a separate
process): list (the first page, limit 100), get, create, update (PUT of one crontab
field) and delete (of the schedules the create phase made, so the stored count stays
near N; the phase ends early when they run out). Each row also shows the CPU the API's
processes (all of them) and the generator used, in % of one core: on a 2-core machine
they compete. Stock RedBeat has no API, so there is no stock side here.

    .venv/bin/python -m bench.api_load [--schedules 10000] [--concurrency 1,10,50]
        [--duration 10] [--workers 1,2]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.embedded_redis import free_port
from app.launcher import Child
from bench import common, load
from bench.common import start

OPS = ("list", "get", "create", "update", "delete")


@dataclass
class Api:
    """One ./run_api.sh under test: its process count, URL and process group."""

    workers: int
    base: str
    child: Child

    def cpu_seconds(self) -> float:
        """CPU of every live process of its group (the parent and its workers)."""
        return sum(common.cpu_seconds(pid) for pid in group(self.child.pid))

    def peak_rss_mb(self) -> float:
        return sum(common.peak_rss_mb(pid) for pid in group(self.child.pid))


def group(pgid: int) -> list[int]:
    """The live processes of process group `pgid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def phase(
    base: str, op: str, concurrency: int, duration: float, names: Path, tag: str
) -> dict[str, Any]:
    """One loadgen run; its result plus the generator's CPU seconds (`loadgen_cpu`)."""
    before = children_cpu()
    done = subprocess.run(
        [sys.executable, "-m", "bench.loadgen", base, op]
        + ["--concurrency", str(concurrency), "--duration", str(duration), "--names", str(names)]
        + ["--tag", tag],
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
    apis: list[Api], concurrencies: list[int], duration: float, work: Path
) -> list[list[object]]:
    """Every call at every concurrency, against each API in turn."""
    rows = []
    for concurrency in concurrencies:
        for op in OPS:
            for api in apis:
                tag = f"load_w{api.workers}_c{concurrency}"
                created = work / f"{tag}.txt"
                names = created if op == "delete" else work / "stored.txt"
                api_cpu = api.cpu_seconds()
                result = phase(api.base, op, concurrency, duration, names, tag)
                result["api_cpu"] = api.cpu_seconds() - api_cpu
                if op == "create":
                    created.write_text("\n".join(result["created"]))
                rows.append([api.workers, *row(op, concurrency, result)])
    return rows


@contextlib.contextmanager
def running_apis(workers: list[int], env: dict[str, str], work: Path) -> Iterator[list[Api]]:
    """One ./run_api.sh per count in `workers`, each warmed up (imports, pools)."""
    with contextlib.ExitStack() as stack:
        apis = []
        for count in workers:
            port = free_port()
            env_w = {**env, "API_PORT": str(port), "API_WORKERS": str(count)}
            log = work / f"api{count}.log"
            child = stack.enter_context(
                common.running(start("run_api.sh", env_w, log, "Application startup complete"))
            )
            api = Api(count, f"http://127.0.0.1:{port}", child)
            # Enough clients for a while that every worker process has answered some.
            phase(api.base, "get", 4 * count, 1.0, work / "stored.txt", "warm")
            apis.append(api)
        yield apis


def run(
    schedules: int, concurrencies: list[int], duration: float, workers: list[int]
) -> tuple[list[list[object]], str]:
    with tempfile.TemporaryDirectory() as tmp, common.redis_server() as server:
        work = Path(tmp)
        redis = common.client(server)
        planned = load.crontab_entries(schedules, prefix="api")
        load.load_ours(redis, planned)
        (work / "stored.txt").write_text("\n".join(p.name for p in planned))
        env = common.stack_env(server.url, work)
        with (
            common.running(common.start_beat(common.OURS, env, work / "beat.log")),
            running_apis(workers, env, work) as apis,
        ):
            rows = phases(apis, concurrencies, duration, work)
            rss = ", ".join(f"{a.workers}: {a.peak_rss_mb():.0f} MB" for a in apis)
            note = (
                f"API peak RSS by process count (all processes together) {rss}; "
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
    parser.add_argument(
        "--workers", type=common.ints, default=[1], help="API process counts to compare"
    )
    args = parser.parse_args()
    rows, note = run(args.schedules, args.concurrency, args.duration, args.workers)
    print(f"{args.schedules:,} schedules stored; {args.duration:g} s per call and concurrency")
    print()
    header = ["API processes", "call", "clients", "answered", "errors", "rps"]
    header += ["p50 ms", "p99 ms", "max ms", "API CPU %", "loadgen CPU %"]
    print(common.table(header, rows))
    print()
    print(note)


if __name__ == "__main__":
    main()
