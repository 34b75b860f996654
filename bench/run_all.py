"""Run every benchmark, ours and stock RedBeat side by side, within one time budget.

Each script runs as its own process with the real-run sizes below (or tiny ones with
--smoke), bounded by its own timeout and by what is left of --budget; a script that
would start with less than a minute left is skipped and listed as such. The report is
Markdown on stdout (and in --out), one section per script with its command, its
wall time and its tables.

    .venv/bin/python -m bench.run_all [--budget 3600] [--out report.md] [--only NAME,...]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from app.core.embedded_redis import find_redis_server

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# name: (real-run arguments, smoke arguments); run in this order.
SCRIPTS: dict[str, tuple[list[str], list[str]]] = {
    "pickup": (["--tries", "50"], ["--tries", "1"]),
    "api_pickup": (["--tries", "50"], ["--tries", "1"]),
    "file_pickup": (["--tries", "20"], ["--tries", "2"]),
    "pickup_stock": (
        ["--tries", "50", "--stock-intervals", "1,5,300", "--wait", "60"],
        ["--tries", "1", "--stock-intervals", "1", "--wait", "5"],
    ),
    "lateness": (
        ["--entries", "1000", "--seconds", "20", "--stock-intervals", "1,5,300"],
        ["--entries", "10", "--seconds", "2", "--stock-intervals", "1", "--lead", "6"],
    ),
    "failover": (
        ["--rounds", "20", "--schedules", "20", "--stock-intervals", "1", "--stock-rounds", "5"],
        ["--rounds", "1", "--schedules", "5", "--stock-intervals", "1", "--stock-rounds", "1"],
    ),
    "soak": (
        ["--schedules", "1000", "--seconds", "300", "--worker-share", "0.1"],
        ["--schedules", "20", "--seconds", "6", "--no-failover"],
    ),
    "throughput": (
        ["--sizes", "1000,10000,100000", "--writers", "store,redbeat"],
        ["--sizes", "20", "--lead", "6"],
    ),
    "idle": (
        ["--sizes", "10000,100000", "--duration", "30", "--stock-intervals", "1,5,300"],
        ["--sizes", "100", "--duration", "1", "--stock-intervals", "1"],
    ),
    "bulk": (
        ["--sizes", "10000,100000", "--stock-max", "20000"],
        ["--sizes", "200", "--stock-max", "200"],
    ),
    "memory": (["--sizes", "10000,100000"], ["--sizes", "100"]),
    "history": (
        ["--sizes", "10000", "--rounds", "3", "--passes", "3", "--profile", "--records", "10000"],
        ["--sizes", "20", "--rounds", "1", "--no-stock", "--lead", "6", "--records", "100"],
    ),
    "api_load": (
        ["--schedules", "10000", "--concurrency", "1,10,50", "--duration", "10"]
        + ["--workers", "1,2"],
        ["--schedules", "100", "--concurrency", "1", "--duration", "0.5", "--workers", "1,2"],
    ),
    "tools_scale": (
        ["--schedules", "1000,10000,100000", "--calls", "20", "--firsts", "5"],
        ["--schedules", "100", "--calls", "2", "--firsts", "1"],
    ),
}
SCRIPT_TIMEOUT = 900.0
MIN_START = 60.0


def machine() -> str:
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    redis = find_redis_server()
    version = subprocess.run([redis, "--version"], capture_output=True, text=True).stdout.split()
    return (
        f"{os.cpu_count()} CPUs ({cpu.group(1) if cpu else 'unknown'}), "
        f"Python {platform.python_version()}, Redis {version[2].removeprefix('v=')}"
    )


def run(name: str, args: list[str], timeout: float) -> str:
    command = [sys.executable, "-m", f"bench.{name}", *args]
    shown = " ".join([".venv/bin/python", "-m", f"bench.{name}", *args])
    started = time.monotonic()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
        output = done.stdout.strip() or done.stderr.strip()[-3000:]
        status = "" if done.returncode == 0 else f" (exit {done.returncode})"
        if done.returncode:
            output += "\n\n" + done.stderr.strip()[-3000:]
    except subprocess.TimeoutExpired:
        output, status = "", f" (stopped after {timeout:.0f} s)"
    took = time.monotonic() - started
    return f"## {name}\n\n`{shown}`: {took:.0f} s{status}\n\n{output}\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=float, default=3600.0, help="seconds for the whole set")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks the scripts run")
    parser.add_argument("--only", type=lambda s: s.split(","), default=list(SCRIPTS))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    unknown = set(args.only) - set(SCRIPTS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    end = time.monotonic() + args.budget
    sections = [f"# Benchmarks, {datetime.now(UTC):%Y-%m-%d}\n\n{machine()}\n"]
    print(sections[0], flush=True)
    for name in (n for n in SCRIPTS if n in args.only):
        left = end - time.monotonic()
        if left < MIN_START:
            sections.append(f"## {name}\n\nskipped: {left:.0f} s of the budget left\n")
        else:
            real, smoke = SCRIPTS[name]
            sections.append(run(name, smoke if args.smoke else real, min(SCRIPT_TIMEOUT, left)))
        print(sections[-1], flush=True)
    if args.out:
        args.out.write_text("\n".join(sections))


if __name__ == "__main__":
    main()
