"""Beat's passes over N due entries, in this process, with history on and off.

No Beat process start and no lead time: one redis-server; for each run it is emptied,
N plain interval entries already due are written, a fresh `BatchScheduler` (the class
the real Beat runs, with the settings read from the environment, HISTORY_ENABLED
included) takes the lock and calls `dispatch_due()` until the backlog is sent, as its
tick does (full batches back to back). Its INFO log goes to a file, as the real Beat's
does. Runs alternate on, off, off, on, ...; each is timed (wall and this process's
CPU, Redis CPU, Redis time inside the commit script). With `--profile`, one more run
of each under cProfile, with the cumulative time of the pass's phases and the
functions with the most own time.
"""

from __future__ import annotations

import contextlib
import cProfile
import gc
import io
import logging
import os
import pstats
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redis import Redis

from app.beat.leadership import Role
from app.core.config import get_settings
from app.core.constants import LEASES_KEY
from app.schedules.entry import encode_meta
from bench import common, history_micro, load

# Functions whose cumulative time splits a pass (pstats names them by function name).
PHASES = [
    ("due (load the batch)", "due"),
    ("plan_batch (decide)", "plan_batch"),
    ("  _fire_args (record, headers)", "_fire_args"),
    ("  RunRecord.to_json", "to_json"),
    ("commit_fires (Lua)", "commit_fires"),
    ("sending (send_task, log)", "_send"),
    ("  fire_headers", "fire_headers"),
]


@dataclass
class Pass:
    history: bool
    size: int
    wall: float
    cpu: float
    redis_cpu: float
    script_usec: int
    sent: int
    in_progress: int
    gc_seconds: float = 0.0  # in Python's garbage collector, during the pass
    gc_full: int = 0  # generation-2 collections during the pass

    @property
    def fires_per_second(self) -> float:
        return self.size / self.wall


class GcClock:
    """Time spent in the garbage collector (gc.callbacks), and full collections."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.full = 0
        self._start = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
            return
        self.seconds += time.perf_counter() - self._start
        self.full += info["generation"] == 2

    def reset(self) -> None:
        self.seconds, self.full = 0.0, 0

    def close(self) -> None:
        gc.callbacks.remove(self._callback)


@contextlib.contextmanager
def environment(url: str, workdir: Path) -> Iterator[Any]:
    """Point the settings and the Celery app at `url`; yields the Celery app."""
    os.environ.update(common.stack_env(url, workdir))
    get_settings.cache_clear()
    handler = logging.FileHandler(workdir / "beat.log")
    handler.setFormatter(
        logging.Formatter("[%(asctime)s: %(levelname)s/%(processName)s] %(message)s")
    )
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    from app.core.celery_app import create_celery_app

    try:
        # A new app: one made earlier in this process is bound to another broker URL.
        yield create_celery_app()
    finally:
        root.removeHandler(handler)


def load_due(redis: Redis, size: int) -> None:
    redis.flushall()
    names = [f"burst_{i:06d}" for i in range(size)]
    due = time.time() - 0.5
    planned = load.due_at(names, due)
    meta = [encode_meta(p.last_run_at, 0) for p in planned]
    load.write(redis, load.encode(planned), meta, [due] * size)


def drain(app: Any, history: bool, profile: cProfile.Profile | None, clock: GcClock) -> float:
    """A fresh scheduler with history on or off sends every due entry; wall seconds."""
    from app.beat.scheduler import BatchScheduler

    os.environ["HISTORY_ENABLED"] = "true" if history else "false"
    get_settings.cache_clear()
    scheduler = BatchScheduler(app)
    assert scheduler.fire_policy.history is history
    scheduler.producer  # noqa: B018 (connect before the clock starts)
    clock.reset()
    start = time.perf_counter()
    if profile is not None:
        profile.enable()
    more = True
    while more:
        # As BatchScheduler._tick: renew the lock (one round trip), then a pass.
        if scheduler.leadership.beat() is Role.STANDBY:
            raise SystemExit("the benchmark's Beat lost the lock; nothing else should hold it")
        more = scheduler.dispatch_due()[0]
    if profile is not None:
        profile.disable()
    wall = time.perf_counter() - start
    scheduler.close()
    return wall


def one(
    app: Any, redis: Redis, size: int, history: bool, profile: cProfile.Profile | None = None
) -> Pass:
    load_due(redis, size)
    pid = int(redis.info("server")["process_id"])
    before = (time.process_time(), common.cpu_seconds(pid), common.command_usec(redis))
    clock = GcClock()
    try:
        wall = drain(app, history, profile, clock)
    finally:
        clock.close()
    usec = common.delta(common.command_usec(redis), before[2])
    return Pass(
        history,
        size,
        wall,
        time.process_time() - before[0],
        common.cpu_seconds(pid) - before[1],
        usec.get("evalsha", 0),
        int(redis.llen(common.QUEUE)),
        int(redis.zcard(LEASES_KEY)),
        clock.seconds,
        clock.full,
    )


def label(history: bool) -> str:
    return "history on" if history else "history off"


def row(n: int, p: Pass) -> list[object]:
    return [
        n,
        label(p.history),
        f"{p.size:,}",
        f"{p.wall:.2f}",
        f"{p.fires_per_second:,.0f}",
        f"{p.cpu / p.size * 1e6:.0f}",
        f"{p.redis_cpu / p.size * 1e6:.0f}",
        f"{p.script_usec / p.size:.1f}",
        f"{p.sent:,}",
        f"{p.in_progress:,}",
        f"{p.gc_seconds * 1000:.0f} ({p.gc_full})",
    ]


HEADER = ["run", "Beat", "N", "wall s", "fires/s", "Beat CPU µs/fire", "Redis CPU µs/fire"]
HEADER += ["commit script µs/fire", "messages", "in progress", "GC ms (full collections)"]


def phases(stats: pstats.Stats, size: int) -> dict[str, float]:
    """Cumulative µs per fire of each phase."""
    found: dict[str, float] = {}
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for title, func in PHASES:
        cum = sum(v[3] for k, v in raw.items() if k[2] == func and "app/" in k[0])
        found[title] = cum / size * 1e6
    return found


def top(stats: pstats.Stats, count: int) -> str:
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats("tottime").print_stats(count)
    return "\n".join(line for line in out.getvalue().splitlines() if line.strip())


def report(size: int, rounds: int, profile: bool, top_count: int = 25) -> None:
    passes: list[tuple[int, Pass]] = []
    profiles: dict[bool, tuple[Pass, pstats.Stats]] = {}
    with tempfile.TemporaryDirectory() as tmp, common.redis_server() as server:
        redis = common.client(server)
        with environment(server.url, Path(tmp)) as app:
            one(app, redis, min(size, 500), True)  # warm-up: imports, scripts
            one(app, redis, min(size, 500), False)
            for n in range(1, 2 * rounds + 1):
                history = n % 4 in (1, 0)  # on, off, off, on, on, off, ...
                passes.append((n, one(app, redis, size, history)))
            if profile:
                for history in (True, False):
                    prof = cProfile.Profile()
                    p = one(app, redis, size, history, prof)
                    profiles[history] = (p, pstats.Stats(prof))
                load_due(redis, size)
                history_micro.report(app, redis, size)
                print()
    if passes:
        print_passes(passes)
    if profiles:
        print_profiles(profiles, size, top_count)


def print_passes(passes: list[tuple[int, Pass]]) -> None:
    print(common.table(HEADER, (row(n, p) for n, p in passes)))
    print()
    header = ["Beat", "runs", "fires/s median", "fires/s mean", "Beat CPU µs/fire"]
    header += ["Redis CPU µs/fire", "script µs/fire"]
    print(common.table(header, summary(passes)))
    print()
    # Runs 1-2, 3-4, ... ran back to back, one on and one off.
    pairs = [(passes[i][1], passes[i + 1][1]) for i in range(0, len(passes) - 1, 2)]
    ratios = []
    for a, b in pairs:
        on, off = (a, b) if a.history else (b, a)
        ratios.append(on.fires_per_second / off.fires_per_second)
    text = ", ".join(f"{r:.2f}" for r in ratios)
    print(f"fires/s on/off per back-to-back pair: {text}; mean {statistics.fmean(ratios):.3f}")


def summary(passes: list[tuple[int, Pass]]) -> list[list[object]]:
    rows: list[list[object]] = []
    for history in (True, False):
        group = [p for _, p in passes if p.history is history]
        fps = [p.fires_per_second for p in group]
        rows.append(
            [
                label(history),
                len(group),
                f"{statistics.median(fps):,.0f}",
                f"{statistics.fmean(fps):,.0f}",
                f"{statistics.fmean(p.cpu / p.size * 1e6 for p in group):.0f}",
                f"{statistics.fmean(p.redis_cpu / p.size * 1e6 for p in group):.0f}",
                f"{statistics.fmean(p.script_usec / p.size for p in group):.1f}",
            ]
        )
    return rows


def print_profiles(profiles: dict[bool, tuple[Pass, pstats.Stats]], size: int, count: int) -> None:
    on, off = (phases(profiles[h][1], size) for h in (True, False))
    print()
    print("Under cProfile (inflates Python time), cumulative µs per fire:")
    print()
    rows = [
        [title, f"{on[title]:.1f}", f"{off[title]:.1f}", f"{on[title] - off[title]:+.1f}"]
        for title, _ in PHASES
    ]
    walls = [profiles[h][0].wall / size * 1e6 for h in (True, False)]
    rows.append(
        ["whole pass (wall)", f"{walls[0]:.1f}", f"{walls[1]:.1f}", f"{walls[0] - walls[1]:+.1f}"]
    )
    print(common.table(["phase", "history on", "history off", "on − off"], rows))
    for history in (True, False):
        print()
        print(f"Top {count} by own time, {label(history)}:")
        print()
        print("```")
        print(top(profiles[history][1], count))
        print("```")
