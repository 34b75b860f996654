"""Shared pieces of the benchmarks: Redis, our Beat and stock RedBeat, loading, counters.

Our Beat and stock RedBeat share RedBeat's lock key, so a run never puts both on one
Redis: each side gets a fresh redis-server, started empty or from the same snapshot.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from redis import Redis

from app.core.embedded_redis import RedisServer
from app.launcher import Child, StartupFailed, log_contains, stop_children, wait_until_ready

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"

TASK = "app.tasks.maintenance.health_check"
QUEUE = "celery"  # Celery's default queue: a Redis list the Beat pushes messages onto
# RedBeat's own default for beat_max_loop_interval (Celery's DEFAULT_MAX_INTERVAL).
STOCK_DEFAULT_INTERVAL = 300.0
# RedBeat's default lock timeout is five loop intervals; our app sets its own, so the
# stock Beat is given RedBeat's default through the same setting.
STOCK_LOCK_FACTOR = 5
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Loaded writes per pipeline round trip.
LOAD_CHUNK = 2000
# Generous: a cold Celery start on a loaded 2-core machine takes seconds.
START_DEADLINE = 60.0
STOP_DEADLINE = 20.0

T = TypeVar("T")


@dataclass
class Side:
    """One Beat configuration under test: ours, or stock RedBeat at some loop interval."""

    label: str
    stock: bool
    max_interval: float = 1.0
    # Extra environment for this side's Beat (e.g. HISTORY_ENABLED=false).
    env: dict[str, str] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return f"stock{self.max_interval:g}" if self.stock else "ours"


OURS = Side("ours (BatchScheduler, 1 s)", stock=False)


def stock_side(max_interval: float) -> Side:
    default = " (default)" if max_interval == STOCK_DEFAULT_INTERVAL else ""
    return Side(
        f"stock RedBeat, {max_interval:g} s{default}", stock=True, max_interval=max_interval
    )


def sides(stock_intervals: Iterable[float]) -> list[Side]:
    return [OURS, *(stock_side(i) for i in stock_intervals)]


def floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x]


def ints(text: str) -> list[int]:
    return [int(x.replace("_", "")) for x in text.split(",") if x]


# -- Redis -------------------------------------------------------------------------


@contextlib.contextmanager
def redis_server(snapshot: Path | None = None) -> Iterator[RedisServer]:
    """A fresh redis-server on a free port; with `snapshot`, loaded from that dump."""
    with tempfile.TemporaryDirectory(prefix="bench-redis-") as tmp:
        if snapshot is not None:
            shutil.copy(snapshot, Path(tmp) / "dump.rdb")
        server = RedisServer(tmp)
        server.start(timeout=300)
        try:
            yield server
        finally:
            server.stop()


def client(server: RedisServer) -> Redis:
    return Redis.from_url(server.url, decode_responses=True, socket_timeout=600)


def save_snapshot(redis: Redis, server: RedisServer, into: Path) -> Path:
    """SAVE the dataset and copy the dump, so later runs start from identical data."""
    redis.save()
    target = into / "dump.rdb"
    shutil.copy(Path(str(redis.config_get("dir")["dir"])) / "dump.rdb", target)
    return target


def commandstats(redis: Redis) -> dict[str, int]:
    """Calls per command since start (commands run inside Lua scripts included)."""
    info = redis.info("commandstats")
    return {k.removeprefix("cmdstat_"): int(v["calls"]) for k, v in info.items()}


def command_usec(redis: Redis) -> dict[str, int]:
    """Microseconds Redis spent per command since start (a script's EVALSHA includes
    the commands it runs, which are also counted under their own names)."""
    info = redis.info("commandstats")
    return {k.removeprefix("cmdstat_"): int(v["usec"]) for k, v in info.items()}


def delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}


def used_memory(redis: Redis) -> int:
    return int(redis.info("memory")["used_memory"])


# -- processes ---------------------------------------------------------------------


def stack_env(redis_url: str, workdir: Path, **extra: str) -> dict[str, str]:
    """Environment for the project's scripts: this Redis, an empty schedules.json."""
    schedules = workdir / "schedules.json"
    if not schedules.exists():
        schedules.write_text('{"schedules": {}}')
    return {
        **os.environ,
        "REDIS_URL": redis_url,
        "SCHEDULES_FILE": str(schedules),
        "LOG_LEVEL": "INFO",
        **extra,
    }


def counting_env(env: dict[str, str], counter: Path) -> dict[str, str]:
    """Load bench/rtcount/sitecustomize.py, which counts the process's Redis requests."""
    path = os.pathsep.join(p for p in (str(BENCH / "rtcount"), env.get("PYTHONPATH")) if p)
    return {**env, "PYTHONPATH": path, "BENCH_RT_FILE": str(counter)}


def start(script: str, env: dict[str, str], log: Path, ready: str) -> Child:
    """./<script> in its own process group; returns once `ready` shows in its log."""
    return start_command([str(ROOT / script)], env, log, ready)


def start_command(
    command: list[str], env: dict[str, str], log: Path, ready: str, cwd: Path | None = None
) -> Child:
    """`command` with its output in `log`, which must be `<dir>/<name>.log`: the child
    is named `<name>` and writes `<dir>/<name>.log`, so any other name would be waited
    on in vain."""
    if log.suffix != ".log":
        raise ValueError(f"a log path must end in .log (the child writes <name>.log): {log}")
    child = Child.spawn(log.stem, command, log_dir=log.parent, env=env, cwd=cwd)
    try:
        wait_until_ready(
            child,
            log_contains(child, ready),
            what=f"{ready!r} did not show in {log.name}",
            timeout=START_DEADLINE,
        )
    except StartupFailed as exc:
        stop(child)
        raise SystemExit(f"{exc}:\n{child.log_text()[-3000:]}") from None
    return child


def stop(child: Child) -> None:
    """SIGTERM, then SIGKILL to its process group after STOP_DEADLINE."""
    stop_children([child], STOP_DEADLINE)


def start_beat(side: Side, env: dict[str, str], log: Path) -> Child:
    """Our Beat through ./run_celery_beat.sh, or stock `celery beat -S RedBeatScheduler`."""
    if not side.stock:
        return start("run_celery_beat.sh", env, log, "acquired the lock")
    lock_timeout = STOCK_LOCK_FACTOR * side.max_interval
    command = [
        str(Path(sys.executable).with_name("celery")),  # beside this interpreter
        "-A",
        "app.core.celery_app:celery_app",
        "beat",
        "-S",
        "redbeat.RedBeatScheduler",
        "--max-interval",
        f"{side.max_interval:g}",
        "--loglevel",
        "INFO",
        "--pidfile=",
    ]
    stock_env = {**env, "BEAT_LOCK_TIMEOUT": f"{lock_timeout:g}"}
    return start_command(command, stock_env, log, "beat: Acquired lock", cwd=ROOT / "backend")


@contextlib.contextmanager
def running(child: Child) -> Iterator[Child]:
    try:
        yield child
    finally:
        stop(child)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def requests_sent(counter: Path) -> int:
    """Redis requests the counted process has written (see rtcount/sitecustomize.py)."""
    try:
        return int(counter.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def settled_requests(counter: Path) -> int:
    """The count once the process has stopped adding to it (it is flushed every 0.1 s)."""
    last = -1
    while (now := requests_sent(counter)) != last:
        last = now
        time.sleep(0.3)
    return last


# -- waiting and statistics --------------------------------------------------------


def wait_for(predicate: Callable[[], T], what: str, deadline: float = 30.0) -> T:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.001)
    raise SystemExit(f"timed out after {deadline:g} s waiting for {what}")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


def ms_stats(seconds: list[float]) -> str:
    """`p50 | p99 | max` in milliseconds, for a Markdown row."""
    if not seconds:
        return "- | - | -"
    ms = [s * 1000 for s in seconds]
    return f"{statistics.median(ms):.1f} | {pct(ms, 0.99):.1f} | {max(ms):.1f}"


def ratio(ours: float, stock: float) -> str:
    return f"{ours / stock:.2f}" if stock else "-"


def table(header: list[str], rows: Iterable[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
