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

The file is what an operator would keep: N entries over a few hundred distinct timings
(crontab fields, 5-field cron, plain intervals), each with its own kwargs and a
description. Usage, from the repo root:

    .venv/bin/python -m bench.bulk [--sizes 10000,100000] [--stock-max 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
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


def cli(url: str, path: Path, *args: str) -> float:
    """Seconds `python -m app.cli ARGS` took, start to exit, with `path` as the
    declared schedules.json."""
    env = {**os.environ, "REDIS_URL": url, "SCHEDULES_FILE": str(path), "NO_COLOR": "1"}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=1800,
    )
    return time.perf_counter() - started


def timed(call: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call(*args, **kwargs)
    return time.perf_counter() - started, result


def measure_ours(size: int, work: Path, registry: TaskRegistry) -> dict[str, float]:
    path = work / "schedules.json"
    write(path, document(size))
    seconds: dict[str, float] = {}
    with fresh_store() as (server, _store):
        seconds["CLI apply"] = cli(server.url, path, "apply", str(path))
    with fresh_store() as (server, store):
        seconds["Beat's start-up sync"], report = timed(sync_file, store, path, registry)
        assert report is not None and len(report.created) == size, report
        doc = document(size)
        doc["schedules"][name_of(size // 2)] = definition(size // 2, version=2)
        write(path, doc)
        seconds[EDIT], report = timed(sync_file, store, path, registry, full=False)
        assert report is not None and report.updated == [name_of(size // 2)], report
        seconds["unchanged file, full sync"], report = timed(sync_file, store, path, registry)
        assert report is not None and len(report.unchanged) == size, report
        seconds["export (in process)"], text = timed(lambda: export_store(store).render())
        assert text.count('"task"') == size
        seconds["CLI export"] = cli(server.url, path, "export", "-o", str(work / "export.json"))
    return seconds


def measure_stock(size: int, work: Path, registry: TaskRegistry) -> float:
    """Seconds RedBeat's own entry.save() took for `size` of the file's definitions."""
    path = work / "stock.json"
    write(path, document(size))
    specs = load_file(path, registry).specs
    planned = [load.Planned(name, specs[name], 0.0) for name in specs]
    with fresh_store() as (server, _store):
        load.point_redbeat_at(server.url)
        elapsed, written = timed(load.load_stock, planned)
    assert written == size
    return elapsed


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
            ours = measure_ours(size, Path(tmp), registry)
            stock_n = min(size, args.stock_max)
            stock_rate = stock_n / measure_stock(stock_n, Path(tmp), registry)
            rows.append([size, f"stock entry.save() x {stock_n}", "", f"{stock_rate:,.0f}", "1.00"])
            for label, secs in ours.items():
                if label == EDIT:
                    rows.append([size, label, f"{secs:.3f}", "(one entry)", ""])
                    continue
                rate = size / secs
                rows.append(
                    [size, label, f"{secs:.2f}", f"{rate:,.0f}", common.ratio(rate, stock_rate)]
                )
    print(common.table(["entries", "measurement", "seconds", "entries/s", "vs stock"], rows))


if __name__ == "__main__":
    main()
