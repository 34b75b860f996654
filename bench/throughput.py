"""Dispatch throughput: N entries all due at the same moment, ours against stock RedBeat.

For each size and each Beat, on a fresh redis-server: N plain interval entries (one
hour, last run one hour before the due moment D, so both Beats read them alike) are
written a little ahead of D, the Beat is started and leads before D, and the broker
queue (`celery`, no worker) is watched until it holds N messages. Reported: time from
D to the first and the last message, fires per second over D..last, the Beat's CPU,
Redis requests the Beat wrote per fire (counted inside the Beat process, see
rtcount/), and Redis commands per fire (INFO commandstats; SUBSCRIBE shown apart:
Celery subscribes to each sent task's result channel, stock and ours alike).

Stock RedBeat runs with its defaults (`beat_max_loop_interval` 300 s): it sleeps until
the peeked due time either way, so its loop interval does not change this figure.

`--writers` says who wrote the entries: `store` (our store's fields, written in bulk)
and/or `redbeat` (RedBeat's own `RedBeatSchedulerEntry.save()`, one entry at a time,
as a stock user would: no `manager` field, so our Beat takes its slower decode path
for them). RedBeat-written entries are saved once per size into a snapshot that each
side starts from; their run state (`meta`, in RedBeat's format) and due score are then
stamped for that side's due moment, their definitions left as `save()` wrote them.
Usage, from the repo root:

    .venv/bin/python -m bench.throughput [--sizes 1000,10000,100000] [--timeout 600]
        [--writers store,redbeat]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from redis import Redis

from app.core.constants import LEASES_KEY
from app.schedules.entry import encode_meta
from bench import common, load
from bench.common import Side

# Commands the benchmark itself sends while it watches (not the Beat's).
OWN_COMMANDS = {"llen", "info", "ping", "config", "client"}
POLL_SECONDS = 0.005


@dataclass
class Run:
    side: Side
    size: int
    first: float  # seconds from D to the first message
    last: float  # seconds from D to the last message
    cpu: float  # Beat CPU seconds over the window
    redis_cpu: float
    requests: int
    commands: int
    subscribes: int
    sent: int
    by_command: dict[str, int]
    # Redis time per command over the window (µs; EVALSHA includes its inner commands).
    usec: dict[str, int] = field(default_factory=dict)
    memory: int = 0  # used_memory after minus before the window, bytes
    in_progress: int = 0  # fires held in progress (the leases zset) at the end

    @property
    def fires_per_second(self) -> float:
        return self.size / self.last if self.last > 0 else float("inf")


def lead_seconds(size: int, base: float) -> float:
    """Time to allow for writing the entries and the Beat starting, before D."""
    return base + size / 15_000


def names_for(size: int) -> list[str]:
    return [f"burst_{i:06d}" for i in range(size)]


def redbeat_snapshot(size: int, into: Path) -> Path:
    """The entries saved with RedBeat's own `entry.save()`, one by one, as a dump."""
    with common.redis_server() as server:
        load.point_redbeat_at(server.url)
        load.load_stock(load.due_at(names_for(size), time.time() + 86400))
        return common.save_snapshot(common.client(server), server, into)


def run_one(
    side: Side, size: int, lead: float, timeout: float, snapshot: Path | None = None
) -> Run:
    """One Beat over `size` due entries: written by our store, or (with `snapshot`)
    those RedBeat's `save()` wrote, made due at this run's moment."""
    names = names_for(size)
    with tempfile.TemporaryDirectory() as tmp, common.redis_server(snapshot) as server:
        redis = common.client(server)
        due = round(time.time() + lead_seconds(size, lead))
        planned = load.due_at(names, due)
        meta = [encode_meta(p.last_run_at, 0) for p in planned]
        if snapshot is None:
            load.write(redis, load.encode(load.due_at(names, 0)), meta, [due] * size)
        else:
            load.restamp(redis, names, meta, due)
        counter = Path(tmp) / "requests"
        env = common.counting_env(common.stack_env(server.url, Path(tmp), **side.env), counter)
        beat = common.start_beat(side, env, Path(tmp) / "beat.log")
        with common.running(beat):
            if time.time() > due - 0.5:
                raise SystemExit(f"{side.label} led only after the due time; raise --lead")
            redis_pid = int(redis.info("server")["process_id"])
            common.wait_for(lambda: time.time() >= due - 0.3, "the due time", lead + 60)
            before = (common.cpu_seconds(beat.pid), common.cpu_seconds(redis_pid))
            counts = (common.commandstats(redis), common.requests_sent(counter))
            usec_memory = (common.command_usec(redis), common.used_memory(redis))
            first, last = watch_queue(redis, size, due, timeout)
            cpu = common.cpu_seconds(beat.pid) - before[0]
            redis_cpu = common.cpu_seconds(redis_pid) - before[1]
            requests = common.settled_requests(counter) - counts[1]
            stats = common.delta(common.commandstats(redis), counts[0])
            usec = common.delta(common.command_usec(redis), usec_memory[0])
            memory = common.used_memory(redis) - usec_memory[1]
            sent = int(redis.llen(common.QUEUE))
            in_progress = int(redis.zcard(LEASES_KEY))
    beat_commands = {k: v for k, v in stats.items() if k not in OWN_COMMANDS}
    subscribes = beat_commands.pop("subscribe", 0)
    return Run(
        side, size, first, last, cpu, redis_cpu, requests, sum(beat_commands.values()),
        subscribes, sent, {**beat_commands, "subscribe": subscribes},
        {k: v for k, v in usec.items() if k not in OWN_COMMANDS}, memory, in_progress,
    )  # fmt: skip


def breakdown(run: Run) -> str:
    """Commands per fire, largest first (inside Lua scripts included), 0.05 and up."""
    per_fire = sorted(((v / run.size, k) for k, v in run.by_command.items()), reverse=True)
    return ", ".join(f"{k} {v:.2f}" for v, k in per_fire if v >= 0.05)


def watch_queue(redis: Redis, size: int, due: float, timeout: float) -> tuple[float, float]:
    first = None
    end = time.time() + timeout
    while time.time() < end:
        length = int(redis.llen(common.QUEUE))
        now = time.time()
        if length and first is None:
            first = now - due
        if length >= size:
            return first or 0.0, now - due
        time.sleep(POLL_SECONDS)
    raise SystemExit(f"only {redis.llen(common.QUEUE)} of {size} sent within {timeout:g} s")


def row(run: Run) -> list[object]:
    return [
        run.side.label,
        f"{run.size:,}",
        f"{run.first * 1000:.0f}",
        f"{run.last:.2f}",
        f"{run.fires_per_second:,.0f}",
        f"{run.cpu:.1f}",
        f"{run.cpu / run.size * 1e6:.0f}",
        f"{run.redis_cpu:.1f}",
        f"{run.requests / run.size:.2f}",
        f"{run.commands / run.size:.2f}",
        f"{run.subscribes / run.size:.2f}",
        f"{run.sent:,}",
    ]


HEADER = [
    "Beat",
    "N",
    "first sent, ms after due",
    "last sent, s after due",
    "fires/s",
    "Beat CPU s",
    "Beat CPU µs/fire",
    "Redis CPU s",
    "requests/fire",
    "commands/fire",
    "subscribes/fire",
    "messages",
]


WRITERS = {"store": "our store", "redbeat": "RedBeat's entry.save()"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=common.ints, default=[200])
    parser.add_argument("--stock-interval", type=float, default=common.STOCK_DEFAULT_INTERVAL)
    parser.add_argument("--lead", type=float, default=12.0, help="seconds before D, plus N/15000")
    parser.add_argument("--timeout", type=float, default=600.0, help="per run, after D")
    parser.add_argument(
        "--writers", default="store", help="comma-separated: store, redbeat (who wrote them)"
    )
    args = parser.parse_args()
    writers = [w for w in args.writers.split(",") if w]
    unknown = [w for w in writers if w not in WRITERS]
    if unknown:
        parser.error(f"--writers: unknown writer {unknown[0]!r}; use store and/or redbeat")
    ratios = []
    for writer in writers:
        runs: list[Run] = []
        for size in args.sizes:
            with tempfile.TemporaryDirectory() as tmp:
                snapshot = redbeat_snapshot(size, Path(tmp)) if writer == "redbeat" else None
                ours = run_one(common.OURS, size, args.lead, args.timeout, snapshot)
                stock_side = common.stock_side(args.stock_interval)
                stock = run_one(stock_side, size, args.lead, args.timeout, snapshot)
            runs += [ours, stock]
            ratios.append(
                [
                    WRITERS[writer],
                    f"{size:,}",
                    common.ratio(ours.fires_per_second, stock.fires_per_second),
                    common.ratio(ours.cpu, stock.cpu),
                    common.ratio(ours.requests, stock.requests),
                ]
            )
        print(f"Entries written by {WRITERS[writer]}:")
        print()
        print(common.table(HEADER, (row(r) for r in runs)))
        print()
        largest = [r for r in runs if r.size == max(args.sizes)]
        print(
            common.table(
                ["Beat", "N", "Redis commands per fire"],
                ([r.side.label, f"{r.size:,}", breakdown(r)] for r in largest),
            )
        )
        print()
    header = ["writer", "N", "fires/s ours/stock", "CPU ours/stock", "requests ours/stock"]
    print(common.table(header, ratios))


if __name__ == "__main__":
    main()
