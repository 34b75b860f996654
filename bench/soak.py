"""Soak: N schedules every second for a bounded time, with a worker and the API in use
and one Beat failover in the middle; every (schedule, slot) is counted.

Two Beats (the second stands by), one worker, the API, on a fresh redis-server. The
schedules are anchored intervals of 1 s, all first due at the same second, so slot k of
every schedule is `start + k`. A share of them (--worker-share) run on the worker, on
Celery's queue, and are counted from the run history (plus the fires still in
progress); the rest go to a queue of their own that this script drains as messages
land, and are counted from the broker by the `schedule` and `scheduled_at` headers each
message carries. Halfway, the leading Beat is SIGKILLed and the standby takes over.

Each expected slot ends up as one of: sent (once, or more: doubled), skipped (history
says why), missed, caught up (a catch-up fire after a gap stands for it, by its
`missed_count`), or lost (none of these). Lateness is when Beat sent a fire (history's
`sent_at`) or when it reached the broker queue (drained), minus its slot, over fires
that are not catch-ups.

    .venv/bin/python -m bench.soak [--schedules 1000] [--seconds 300] [--worker-share 0.1]
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import statistics
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from redis import Redis

from app.core.embedded_redis import free_port
from app.schedules import RunRecord, ScheduleStore
from app.schedules.spec import parse_spec
from bench import common, load

# Runs on the worker: pure computation, no broker probe of its own.
WORKER_TASK = "app.tasks.scheduler.crawl_all_complexes"
DRAINED = "soak"  # the queue this script empties, counting what lands
SENT = ("sent", "running", "succeeded", "failed", "timed_out", "lost", "retried")
# Slots this close to the end may not have been sent yet when Beat stops: not counted.
END_MARGIN = 5.0
# Beat sends a slot up to this late before calling it a catch-up (ON_TIME_SECONDS in
# app/beat/dispatch.py), so a leader killed at t may have held slots due from t - 2 s.
GAP_LEAD = 2.0


@dataclass
class Slots:
    """What happened to every expected (schedule, slot)."""

    expected: int = 0
    sent: int = 0
    doubled: list[tuple[str, float]] = field(default_factory=list)
    skipped: int = 0
    missed: int = 0
    caught_up: int = 0
    lost: list[tuple[str, float]] = field(default_factory=list)
    # Lost slots whose fire history records as sent: Beat committed the fire, then
    # died before publishing its message.
    unpublished: list[tuple[str, float]] = field(default_factory=list)
    # Fires on the worker still queued when the soak ended (a backlog, or a fire
    # recorded as sent whose message never reached the broker).
    still_queued: int = 0
    lateness: list[float] = field(default_factory=list)


@dataclass
class Soak:
    schedules: int
    seconds: float
    worker_share: float
    start: float = 0.0
    killed_at: float | None = None
    took_over_at: float | None = None
    api: Counter[int] = field(default_factory=Counter)
    slots: Slots = field(default_factory=Slots)

    @property
    def takeover(self) -> float | None:
        if self.killed_at is None or self.took_over_at is None:
            return None
        return self.took_over_at - self.killed_at

    def in_gap(self, slot: float) -> bool:
        """Due while no Beat led: from GAP_LEAD before the kill (slots the dead leader
        may have held, sending late) to a second after the takeover."""
        if self.killed_at is None:
            return False
        end = self.took_over_at or math.inf
        return self.killed_at - GAP_LEAD <= slot <= end + 1

    def lost_outside_gap(self) -> list[tuple[str, float]]:
        return [(n, s) for n, s in self.slots.lost if not self.in_gap(s)]


# --- the processes ---------------------------------------------------------------------


def plan(count: int, start: float, worker_share: float) -> list[load.Planned]:
    anchor = datetime.fromtimestamp(start, UTC).isoformat()
    on_worker = round(count * worker_share)
    planned = []
    for i in range(count):
        spec: dict[str, Any] = {"task": WORKER_TASK, "interval": 1, "anchor": anchor}
        if i >= on_worker:
            # Nobody runs these: every slot must be sent, so none waits on the last.
            spec |= {"options": {"queue": DRAINED}, "policy": {"overlap": "allow"}}
        planned.append(load.Planned(name_of(i), parse_spec(spec), start))
    return planned


def name_of(index: int) -> str:
    return f"soak_{index:05d}"


class Drain(threading.Thread):
    """Empties the drained queue as messages land: (schedule, slot, arrival)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.redis = Redis.from_url(url, socket_timeout=30)
        self.seen: list[tuple[str, float, float]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            popped = self.redis.brpop([DRAINED], timeout=1)
            if not popped:
                continue
            now = time.time()
            with self.redis.pipeline(transaction=True) as pipe:
                pipe.lrange(DRAINED, 0, -1)
                pipe.delete(DRAINED)
                rest, _ = pipe.execute()
            later = time.time()
            self.seen.append((*slot_of(popped[1]), now))
            self.seen += [(*slot_of(raw), later) for raw in rest]


def slot_of(raw: bytes | str) -> tuple[str, float]:
    headers = json.loads(raw)["headers"]
    return headers["schedule"], parse_time(headers["scheduled_at"])


def parse_time(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class ApiUser(threading.Thread):
    """Reads the schedule list and /health in a loop, as an operator's page would."""

    def __init__(self, base: str, counts: Counter[int]) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.counts = counts
        self.stop = threading.Event()

    def run(self) -> None:
        paths = ["/api/scheduler/schedule?limit=50", "/health"]
        i = 0
        while not self.stop.wait(0.2):
            self.counts[status(self.base + paths[i % 2])] += 1
            i += 1


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def run(
    schedules: int,
    seconds: float,
    worker_share: float,
    failover: bool = True,
    env: dict[str, str] | None = None,
) -> Soak:
    """One soak on a fresh redis-server; `env` adds to the processes' settings."""
    soak = Soak(schedules, seconds, worker_share)
    with tempfile.TemporaryDirectory() as tmp, common.redis_server() as server:
        work = Path(tmp)
        redis = common.client(server)
        extra = {"HISTORY_PER_SCHEDULE": str(int(seconds) + 100), **(env or {})}
        base_env = common.stack_env(server.url, work, **extra)
        port = free_port()
        api_env = {**base_env, "API_PORT": str(port)}
        children = [
            common.start("run_worker.sh", base_env, work / "worker.log", "ready."),
            common.start("run_api.sh", api_env, work / "api.log", "Application startup"),
            common.start_beat(common.OURS, base_env, work / "beat_a.log"),
            common.start("run_celery_beat.sh", base_env, work / "beat_b.log", "standing by"),
        ]
        drain = Drain(server.url)
        api = ApiUser(f"http://127.0.0.1:{port}", soak.api)
        try:
            drain.start()
            api.start()
            soak.start = math.ceil(time.time() + 2)
            load.load_ours(redis, plan(schedules, soak.start, worker_share))
            end = soak.start + seconds
            if failover:
                sleep_until(soak.start + seconds / 2)
                beat_a, beat_b = children[2], children[3]
                beat_a.signal_group(signal.SIGKILL)
                soak.killed_at = time.time()
                beat_a.reap()
                common.wait_for(lambda: "acquired the lock" in beat_b.log_text(), "the standby", 60)
                soak.took_over_at = time.time()
            sleep_until(end)
            for child in children[2:]:
                common.stop(child)  # Beats first: nothing more is sent
            store = ScheduleStore(redis, load.celery_app(), load.TIMEZONE)
            settle(store, redis, schedules, worker_share)
        finally:
            api.stop.set()
            drain.stop.set()
            for child in children:
                common.stop(child)
            drain.join(5)
        soak.slots = account(store, soak, drain.seen, end - END_MARGIN)
    return soak


def sleep_until(moment: float) -> None:
    while (left := moment - time.time()) > 0:
        time.sleep(min(left, 0.5))


def settle(store: ScheduleStore, redis: Redis, schedules: int, share: float) -> None:
    """Wait (bounded) for the worker to run what was queued for it."""
    names = [name_of(i) for i in range(round(schedules * share))]

    def idle() -> bool:
        return redis.llen("celery") == 0 and not any(store.in_progress(n) for n in names)

    try:
        common.wait_for(idle, "the worker to finish its queue", 60)
    except SystemExit:
        pass  # what is still in progress is counted as sent


# --- counting ---------------------------------------------------------------------------


def account(
    store: ScheduleStore, soak: Soak, drained: list[tuple[str, float, float]], until: float
) -> Slots:
    """Every (schedule, slot) with start <= slot < until, from history and the broker."""
    slots = Slots()
    on_worker = round(soak.schedules * soak.worker_share)
    by_name: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for name, slot, arrived in drained:
        by_name[name].append((slot, arrived))
    for i in range(soak.schedules):
        name = name_of(i)
        records = records_of(store, name)
        if i < on_worker:
            sends = [(r.scheduled_at, r.sent_at or r.scheduled_at) for r in records if sent(r)]
            slots.still_queued += sum(r.outcome == "sent" for r in records)
        else:
            sends = by_name[name]
        count_one(slots, name, soak.start, until, records, sends)
    return slots


def sent(record: RunRecord) -> bool:
    return record.outcome in SENT


def records_of(store: ScheduleStore, name: str) -> list[RunRecord]:
    """A schedule's final records and fires in progress; a retried attempt's record is
    left out (its fire is counted by its final record)."""
    found = store.runs(name, 100_000) + store.in_progress(name)
    return [r for r in found if r.outcome != "retried"]


def count_one(
    slots: Slots,
    name: str,
    start: float,
    until: float,
    records: list[RunRecord],
    sends: list[tuple[float, float]],
) -> None:
    expected = {float(s) for s in range(int(start), math.ceil(until))}
    slots.expected += len(expected)
    covered = count_sends(slots, name, until, records, sends)
    for r in records:
        slot = grid(r.scheduled_at)
        if slot >= until:
            continue
        if r.outcome == "skipped":
            slots.skipped += 1
            covered.add(slot)
        elif r.outcome == "missed":
            missed = r.missed_count or 1
            slots.missed += missed
            covered.update(slot - k for k in range(missed))
    lost = sorted(expected - covered)
    slots.lost += [(name, s) for s in lost]
    recorded = {grid(r.scheduled_at) for r in records if sent(r)}
    slots.unpublished += [(name, s) for s in lost if s in recorded]


def grid(moment: float) -> float:
    """The slot a fire serves: the latest whole second at or before it. A catch-up
    fire after a gap names the moment it was sent, not the slot (seen in this soak),
    and stands for that slot and `missed_count` slots before it."""
    return float(math.floor(moment + 1e-6))


def count_sends(
    slots: Slots,
    name: str,
    until: float,
    records: list[RunRecord],
    sends: list[tuple[float, float]],
) -> set[float]:
    """Count the sent slots and those catch-ups stand for; returns the slots covered."""
    catch_ups = {grid(r.scheduled_at): r.missed_count or 0 for r in records if r.missed_count}
    times = Counter(grid(slot) for slot, _ in sends)
    covered: set[float] = set()
    for slot, n in times.items():
        # A catch-up sent after `until` may stand for slots before it.
        earlier = {slot - k for k in range(1, catch_ups.get(slot, 0) + 1)}
        slots.caught_up += len({s for s in earlier if s < until} - covered)
        covered |= {s for s in earlier if s < until}
        if slot >= until:
            continue
        slots.sent += 1
        covered.add(slot)
        if n > 1:
            slots.doubled.append((name, slot))
    for slot, arrived in sends:
        if slot < until and grid(slot) not in catch_ups:
            slots.lateness.append(arrived - slot)
    return covered


# --- the report -------------------------------------------------------------------------


def report(soak: Soak) -> str:
    s = soak.slots
    takeover = f"{soak.takeover:.1f} s" if soak.takeover is not None else "no failover"
    outside = soak.lost_outside_gap()
    rows = [
        [
            soak.schedules,
            f"{soak.seconds:g} s",
            round(soak.schedules * soak.worker_share),
            s.expected,
            s.sent,
            len(s.doubled),
            s.skipped,
            s.caught_up,
            s.missed,
            len(s.lost),
            len(s.unpublished),
            len(outside),
            s.still_queued,
            takeover,
            common.ms_stats(s.lateness),
            dict(sorted(soak.api.items())),
        ]
    ]
    header = ["schedules", "time", "on the worker", "slots", "sent", "doubled", "skipped"]
    header += ["caught up", "missed", "lost", "of which unpublished", "lost outside the gap"]
    header += ["still queued", "takeover"]
    header += ["lateness p50 ms", "p99 ms", "max ms", "API answers"]
    lines = [common.table(header, rows)]
    if s.lost:
        first = [(n, round(t - soak.start)) for n, t in s.lost[:10]]
        lines.append(f"\nlost (first 10, seconds from the start): {first}")
    if soak.killed_at is not None and soak.took_over_at is not None:
        kill, took = soak.killed_at - soak.start, soak.took_over_at - soak.start
        lines.append(f"\nleader killed at {kill:.1f} s, standby led at {took:.1f} s")
    if s.doubled:
        lines.append(f"\ndoubled (first 10): {s.doubled[:10]}")
    if s.lateness:
        lines.append(f"\nlateness mean {statistics.mean(s.lateness) * 1000:.1f} ms")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schedules", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--worker-share", type=float, default=0.1)
    parser.add_argument("--no-failover", action="store_true")
    args = parser.parse_args()
    soak = run(args.schedules, args.seconds, args.worker_share, not args.no_failover)
    print(report(soak))


if __name__ == "__main__":
    main()
