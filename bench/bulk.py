"""Bulk writes: applying a large schedules.json, a one-entry edit of it, and its export.

For each size N, on a fresh redis-server per measurement:

- ours, CLI: `python -m app.cli apply FILE` as an operator runs it (a process of its
  own: interpreter start and imports included);
- ours, Beat's start-up sync: `sync_file` on the same file, the call the leading Beat
  makes when it takes the lock (full: every entry the file manages is checked), timed
  in this process;
- ours, one-entry edit: the file saved again with one entry changed, then the sync a
  save prompts (`full=False`, see sync.py), and a full one for comparison;
- ours, export: `python -m app.cli export -o FILE` (a process of its own), and the
  in-process `export_store` + render;
- stock: the same definitions written with RedBeat's own `entry.save()`, one by one
  (seed 004's Method 3; no validation, no audit trail, no file index), at most
  `--stock-max` of them (its rate does not depend on how many Redis holds).

The machine these run on is shared and its load swings within seconds, so besides wall
time each measurement reports the CPU it cost: the measuring process's (or the CLI's)
plus redis-server's (INFO cpu). Entries per CPU-second is the steadier ratio.

The file is what an operator would keep: N entries over a few hundred distinct timings
(crontab fields, 5-field cron, plain intervals), each with its own kwargs and a
description. Usage, from the repo root:

    .venv/bin/python -m bench.bulk [--sizes 10000,100000] [--stock-max 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.embedded_redis import RedisServer
from app.schedules.registry import TaskRegistry
from app.schedules.store import ScheduleStore
from app.schedules_file import export_store, load_file, sync_file
from bench import common, load

TASK = "app.tasks.maintenance.health_check"
CLEANUP = "app.tasks.maintenance.cleanup_old_data"
TIMEZONE = load.TIMEZONE
# The one measurement that is a latency (one entry changed), not a rate.
EDIT = "one-entry edit, sync on save"


def definition(i: int, version: int = 1) -> dict[str, Any]:
    """Entry i: one of 60 x 24 crontabs, 12 cron expressions or 30 intervals."""
    kind = i % 4
    timing: dict[str, Any]
    if kind in (0, 1):
        timing = {"minute": str(i % 60), "hour": str((i // 60) % 24)}
    elif kind == 2:
        timing = {"cron": f"{(i // 4) % 12 * 5} */{(i % 3) + 1} * * *"}
    else:
        timing = {"interval": 60 * ((i % 30) + 1)}
    if i % 2:
        task, kwargs = TASK, {"broker_timeout_seconds": (i % 10) + 1}
    else:
        task, kwargs = CLEANUP, {"days": (i % 90) + 1}
    return {"task": task, **timing, "kwargs": kwargs, "description": f"batch {i} v{version}"}


def name_of(i: int) -> str:
    return f"supplier_{i:06d}"


def document(size: int) -> dict[str, Any]:
    return {"schedules": {name_of(i): definition(i) for i in range(size)}}


def write(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


@contextmanager
def fresh_store() -> Iterator[tuple[RedisServer, ScheduleStore]]:
    with common.redis_server() as server:
        from app.core.celery_app import celery_app

        yield server, ScheduleStore(common.client(server), celery_app, TIMEZONE)


@dataclass
class Cost:
    wall: float
    cpu: float  # this process or the CLI's, plus redis-server's


def server_cpu(store: ScheduleStore) -> float:
    info = store.redis.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def measured(store: ScheduleStore, call: Any, *args: Any, **kwargs: Any) -> tuple[Cost, Any]:
    """`call(*args)`'s wall time and CPU (this process, its children, redis-server)."""
    server, mine = server_cpu(store), _own_cpu()
    started = time.perf_counter()
    result = call(*args, **kwargs)
    wall = time.perf_counter() - started
    return Cost(wall, _own_cpu() - mine + server_cpu(store) - server), result


def _own_cpu() -> float:
    me, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def cli(url: str, path: Path, *args: str) -> None:
    """`python -m app.cli ARGS`, with `path` as the declared schedules.json."""
    env = {**os.environ, "REDIS_URL": url, "SCHEDULES_FILE": str(path), "NO_COLOR": "1"}
    subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=1800,
    )


def measure_ours(size: int, work: Path, registry: TaskRegistry) -> dict[str, Cost]:
    path = work / "schedules.json"
    write(path, document(size))
    costs: dict[str, Cost] = {}
    with fresh_store() as (server, store):
        costs["CLI apply"], _ = measured(store, cli, server.url, path, "apply", str(path))
    with fresh_store() as (server, store):
        costs["Beat's start-up sync"], report = measured(store, sync_file, store, path, registry)
        assert report is not None and len(report.created) == size, report
        doc = document(size)
        doc["schedules"][name_of(size // 2)] = definition(size // 2, version=2)
        write(path, doc)
        costs[EDIT], report = measured(store, sync_file, store, path, registry, full=False)
        assert report is not None and report.updated == [name_of(size // 2)], report
        costs["unchanged file, full sync"], report = measured(
            store, sync_file, store, path, registry
        )
        assert report is not None and len(report.unchanged) == size, report
        costs["export (in process)"], text = measured(store, lambda: export_store(store).render())
        assert text.count('"task"') == size
        out = work / "export.json"
        costs["CLI export"], _ = measured(store, cli, server.url, path, "export", "-o", str(out))
    return costs


def measure_stock(size: int, work: Path, registry: TaskRegistry) -> Cost:
    """What RedBeat's own entry.save() cost for `size` of the file's definitions."""
    path = work / "stock.json"
    write(path, document(size))
    specs = load_file(path, registry).specs
    planned = [load.Planned(name, specs[name], 0.0) for name in specs]
    with fresh_store() as (server, store):
        load.point_redbeat_at(server.url)
        cost, written = measured(store, load.load_stock, planned)
    assert written == size
    return cost


def rows_for(size: int, stock_n: int, stock: Cost, ours: dict[str, Cost]) -> list[list[Any]]:
    wall_rate, cpu_rate = stock_n / stock.wall, stock_n / stock.cpu
    rows: list[list[Any]] = [
        [size, f"stock entry.save() x {stock_n}", f"{stock.wall:.2f}", f"{stock.cpu:.2f}"]
        + [f"{wall_rate:,.0f}", "1.00", f"{cpu_rate:,.0f}", "1.00"]
    ]
    for label, cost in ours.items():
        if label == EDIT:
            rows.append([size, label, f"{cost.wall:.3f}", f"{cost.cpu:.3f}", "", "", "", ""])
            continue
        wall, cpu = size / cost.wall, size / cost.cpu
        rows.append(
            [size, label, f"{cost.wall:.2f}", f"{cost.cpu:.2f}", f"{wall:,.0f}"]
            + [common.ratio(wall, wall_rate), f"{cpu:,.0f}", common.ratio(cpu, cpu_rate)]
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=common.ints, default=[200])
    parser.add_argument("--stock-max", type=int, default=20_000)
    args = parser.parse_args()
    os.environ["MAX_SCHEDULES"] = str(max(args.sizes) * 2)
    from app.core.celery_app import celery_app
    from app.core.config import get_settings

    get_settings.cache_clear()
    registry = TaskRegistry.from_celery(celery_app)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-bulk-") as tmp:
        for size in args.sizes:
            stock_n = min(size, args.stock_max)
            # Stock on either side of ours, so a swing in the machine's load shows.
            before = measure_stock(stock_n, Path(tmp), registry)
            ours = measure_ours(size, Path(tmp), registry)
            after = measure_stock(stock_n, Path(tmp), registry)
            stock = Cost((before.wall + after.wall) / 2, (before.cpu + after.cpu) / 2)
            rows += rows_for(size, stock_n, stock, ours)
    header = ["entries", "measurement", "wall s", "CPU s", "entries/s", "vs stock"]
    print(common.table([*header, "entries/CPU-s", "vs stock"], rows))


if __name__ == "__main__":
    main()
