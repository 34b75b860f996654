"""Faults, for real: a worker's pool process or the whole worker SIGKILLed mid-run, and
Redis killed and restarted from its append-only file, then frozen (SIGSTOP) past every
socket timeout and resumed. Real processes, real signals, a real redis-server.

What each proves is listed in docs/reliability.md. Waits have deadlines generous enough
for a loaded 2-core machine; the figures printed (recovery times, log lines) are for
reading, not asserted as speeds.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from kombu.connection import Connection
from redis import Redis

from app.core.celery_app import celery_app
from app.core.constants import REDBEAT_LOCK_KEY
from app.core.embedded_redis import RedisServer, find_redis_server, free_port, ping, server_args
from app.schedules import RunRecord, ScheduleService, ScheduleStore, TaskRegistry
from tests.integration.conftest import (
    ROOT,
    Proc,
    Stack,
    pool_processes,
    stack_env,
    wait_until,
    write_schedules,
)

# Safe to run again (acks_late + reject_on_worker_lost) and at most once: app/tasks/.
RERUN_SAFE_TASK = "app.tasks.scheduler.crawl_all_complexes"
AT_MOST_ONCE_TASK = "app.tasks.media.process_images"
QUICK_TASK = "app.tasks.maintenance.health_check"
DEADLINE = 40.0
DROPPED = "dropping a message delivered again"


# --- helpers -------------------------------------------------------------------------


def soon(seconds: float = 0.5) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def history(store: ScheduleStore, name: str) -> list[RunRecord]:
    """Finished records of `name`, oldest first."""
    return list(reversed(store.runs(name, 1000)))


def outcomes(store: ScheduleStore, name: str) -> list[str]:
    return [r.outcome for r in history(store, name)]


def running(store: ScheduleStore, name: str) -> RunRecord | None:
    found = [r for r in store.in_progress(name) if r.outcome == "running"]
    return found[0] if found else None


def start_worker(stack: Stack, queue: str) -> Proc:
    """A worker of its own on `queue` with one pool process, by the project's script."""
    label = f"worker-{queue}-{len(stack.supervisor.children)}"
    argv = [str(ROOT / "run_worker.sh"), "-Q", queue, "-n", f"{label}@%h"]
    child = stack.supervisor.start(label, argv, env={**stack.env, "WORKER_CONCURRENCY": "1"})
    proc = Proc(child, "run_worker.sh")
    proc.wait_for_log("ready.")
    return proc


def slot_counts(store: ScheduleStore, names: list[str]) -> Counter[tuple[str, float]]:
    """How many runs ended (succeeded or failed) per (schedule, slot): 2 is a double."""
    return Counter(
        (r.schedule, r.scheduled_at)
        for name in names
        for r in history(store, name)
        if r.outcome in ("succeeded", "failed", "timed_out")
    )


# --- 1. worker loss ----------------------------------------------------------------------


@dataclass
class Served:
    stack: Stack
    store: ScheduleStore
    service: ScheduleService
    redis_url: str


@pytest.fixture
def served(
    redis_server: RedisServer, redis: Redis, registry: TaskRegistry, tmp_path: Path
) -> Iterator[Served]:
    """Beat on the session's redis-server; each test starts the workers it kills."""
    schedules_file = tmp_path / "schedules.json"
    write_schedules(schedules_file, {})
    logs = tmp_path / "logs"
    logs.mkdir()
    stack = Stack(stack_env(redis_server.url, schedules_file), logs)
    try:
        stack.beat()
        store = ScheduleStore(redis, celery_app, "Asia/Seoul")
        yield Served(stack, store, ScheduleService(store, registry), redis_server.url)
    finally:
        stack.stop_all()


def once(served: Served, name: str, task: str, seconds: float, **extra: object) -> str:
    served.service.create(
        {
            "name": name,
            "task": task,
            "at": soon(),
            "kwargs": {"simulate_seconds": seconds},
            "options": {"queue": "fragile"},
            **extra,
        }
    )
    return name


def restore_unacked(redis_url: str) -> None:
    """What the broker does for an unacknowledged message once its visibility timeout
    (an hour) has passed: kombu's own sweep, with the timeout at zero."""
    with Connection(redis_url, transport_options={"visibility_timeout": 0}) as conn:
        conn.default_channel.qos.restore_visible(num=100, interval=1)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_dead_pool_process_reruns_a_safe_task_and_loses_an_unsafe_one(served: Served) -> None:
    """SIGKILL to the pool process mid-run. A task safe to run again goes back to the
    queue and runs again at once (history: `retried`, reason `worker lost`, then
    `succeeded`, attempt 2, same fire); an at-most-once task is `lost`. Either way
    the schedule is free again (nothing left in progress)."""
    store = served.store
    worker = start_worker(served.stack, "fragile")
    for name, task, expected in (
        ("다시_실행", RERUN_SAFE_TASK, ["retried", "succeeded"]),
        ("한번만", AT_MOST_ONCE_TASK, ["lost"]),
    ):
        once(served, name, task, 3.0)
        first = wait_until(lambda n=name: running(store, n), DEADLINE, f"{name} to run")
        [pool] = pool_processes(worker.popen.pid)
        os.kill(pool, signal.SIGKILL)
        try:
            wait_until(
                lambda n=name, e=expected: outcomes(store, n) == e and not store.in_progress(n),
                DEADLINE,
                f"{name}: history {expected} and nothing in progress",
            )
        except AssertionError as exc:
            raise AssertionError(
                f"{exc}\nhistory: {history(store, name)}\nin progress: "
                f"{store.in_progress(name)}\n--- worker log ---\n{worker.log()[-3000:]}"
            ) from None
        records = history(store, name)
        assert {r.task_id for r in records} == {first.task_id}, records
        assert records[0].error is not None and records[0].error["type"] == "WorkerLostError"
        if expected[0] == "retried":
            assert records[0].reason == "worker lost"
            assert [r.attempt for r in records] == [1, 2]
            assert records[1].started_at is not None and records[1].started_at > first.started_at
    # The at-most-once run did not come back: a quick task queued after it runs alone.
    once(served, "뒤따름", QUICK_TASK, 0.0)
    wait_until(lambda: outcomes(store, "뒤따름") == ["succeeded"], DEADLINE, "the next run")
    assert outcomes(store, "한번만") == ["lost"]
    assert DROPPED not in worker.log()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_whole_worker_killed_is_lost_by_lease_and_its_late_copy_is_dropped(
    served: Served,
) -> None:
    """SIGKILL to the whole worker mid-run of a task safe to run again: nobody hands the
    message back, the run is `lost` when its 3 s lease runs out, and the schedule is
    free. When the broker does give the message out again (after its visibility
    timeout, forced here), the next worker drops it: the slot does not run twice."""
    store = served.store
    worker = start_worker(served.stack, "fragile")
    name = once(served, "통째로", RERUN_SAFE_TASK, 30.0, policy={"lease_seconds": 3})
    first = wait_until(lambda: running(store, name), DEADLINE, "the run to start")
    worker.child.signal_group(signal.SIGKILL)
    killed_at = time.time()
    worker.child.reap()
    wait_until(lambda: outcomes(store, name) == ["lost"], DEADLINE, "the run to be lost")
    [lost] = history(store, name)
    assert lost.reason == "lease expired" and lost.task_id == first.task_id
    assert not store.in_progress(name)
    assert lost.finished_at is not None
    lost_after = lost.finished_at - killed_at

    restore_unacked(served.redis_url)
    replacement = start_worker(served.stack, "fragile")
    replacement.wait_for_log(DROPPED, timeout=DEADLINE)
    assert f"{first.task_id}]: {DROPPED}: its fire already ended (lost)" in replacement.log()
    # Dropped unrun: a quick task after it runs, and the lost fire is still just lost.
    once(served, "다음", QUICK_TASK, 0.0)
    wait_until(lambda: outcomes(store, "다음") == ["succeeded"], DEADLINE, "the next run")
    assert outcomes(store, name) == ["lost"]
    print(f"\nwhole worker killed: lost {lost_after:.2f}s after the kill (lease 3 s)")


# --- 2. Redis restarted from its append-only file, then frozen --------------------------


class AofRedis:
    """A redis-server with `--appendonly yes` on a fixed port and directory, so it can be
    SIGKILLed and started again on the same data, or SIGSTOPped and SIGCONTed."""

    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.data_dir = data_dir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = server_args(self.port, self.data_dir, appendonly=True)
        with (self.data_dir / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                [find_redis_server(), *args], stdout=log, stderr=subprocess.STDOUT
            )
        wait_until(lambda: ping(self.port), DEADLINE, "redis-server to answer PING")

    def signal(self, sig: int) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a frozen one cannot exit
            self.kill()


@pytest.fixture
def aof_redis(tmp_path: Path) -> Iterator[AofRedis]:
    data = tmp_path / "aof"
    data.mkdir()
    server = AofRedis(data)
    server.start()
    yield server
    server.stop()


def get_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


class Outage:
    """What each process logged from the start of an outage."""

    def __init__(self, procs: dict[str, Proc]) -> None:
        self.procs = procs
        self.before = {name: len(p.log()) for name, p in procs.items()}

    def text(self, name: str) -> str:
        return self.procs[name].log()[self.before[name] :]

    def complaints(self) -> dict[str, int]:
        """Warning and error records per process (a traceback is part of its record)."""
        return {name: len(COMPLAINT.findall(self.text(name))) for name in self.procs}

    def check(self, since: float) -> dict[str, int]:
        found = self.complaints()
        allowed = MAX_COMPLAINTS + MAX_COMPLAINTS_PER_SECOND * (time.time() - since)
        for name, count in found.items():
            assert count <= allowed, f"{name}: {count} complaints\n{self.text(name)[-3000:]}"
        return found


def ran_since(store: ScheduleStore, names: list[str], moment: float, runs: int = 1) -> bool:
    """Every schedule has `runs` runs that started after `moment` and succeeded."""
    return all(
        sum(r.outcome == "succeeded" and (r.started_at or 0) > moment for r in history(store, n))
        >= runs
        for n in names
    )


# A tight error loop writes hundreds of warnings a second; a process that backs off
# complains a few times when Redis goes, then about once per retry.
COMPLAINT = re.compile(r"\b(WARNING|ERROR|CRITICAL)\b")
MAX_COMPLAINTS = 20
MAX_COMPLAINTS_PER_SECOND = 2.0
FREEZE_SECONDS = 13.0  # past redis-py's 10 s socket timeouts and the 3 s Beat lock


def test_redis_restart_from_aof_and_a_freeze_lose_nothing_and_send_nothing_twice(
    aof_redis: AofRedis, registry: TaskRegistry, tmp_path: Path
) -> None:
    """Two Beats, a worker and the API on a Redis with AOF; 8 schedules every second.

    1. SIGKILL redis-server, wait 3 s, start it again on the same files: the schedules,
       the history written so far and the Beat lock are back; worker and Beat run fires
       again and the API answers, with no process restarted.
    2. SIGSTOP it for 13 s (past the clients' socket timeouts and the Beat lock), then
       SIGCONT: the same.
    Throughout, no (schedule, slot) runs twice, one Beat leads at a time, and no process
    writes more than a few log lines per second of outage (no tight error loop).
    """
    schedules_file = tmp_path / "schedules.json"
    write_schedules(schedules_file, {})
    logs = tmp_path / "logs"
    logs.mkdir()
    stack = Stack(stack_env(aof_redis.url, schedules_file), logs)
    client = Redis.from_url(aof_redis.url, decode_responses=True)
    store = ScheduleStore(client, celery_app, "Asia/Seoul")
    service = ScheduleService(store, registry)
    try:
        procs = {"worker": stack.worker(), "beat-a": stack.beat(), "beat-b": stack.beat()}
        api = stack.api()
        procs["api"] = Proc(stack.supervisor.children[-1], "run_api.sh")
        names = [f"장애_{i}" for i in range(8)]
        for name in names:
            service.create({"name": name, "task": RERUN_SAFE_TASK, "interval": 1})
        created_at = time.time()
        wait_until(lambda: ran_since(store, names, created_at), DEADLINE, "every schedule to run")
        # A run that ends while Redis is down: its end is written when Redis is back.
        long_run = "끝이_정전중"
        service.create(
            {
                "name": long_run,
                "task": RERUN_SAFE_TASK,
                "at": soon(),
                "kwargs": {"simulate_seconds": 2.0},
            }
        )
        in_flight = wait_until(lambda: running(store, long_run), DEADLINE, "the long run")

        figures: dict[str, object] = {}
        # 1. kill and restart.
        history_before = {n: len(history(store, n)) for n in names}
        lock_before = client.get(REDBEAT_LOCK_KEY)
        outage = Outage(procs)
        aof_redis.kill()
        down_at = time.time()
        wait_until(lambda: time.time() > down_at + 3, 10, "3 s of outage")
        aof_redis.start()
        up_at = time.time()
        # The lock came back as it was, or had expired (3 s) while Redis was down.
        assert client.get(REDBEAT_LOCK_KEY) in (lock_before, None)
        assert all(store.get(n) is not None for n in names), "a schedule is gone"
        # Still in progress after the restart (its run state came back from the file),
        # then ended as the worker saw it, not `lost` when its lease ran out.
        # Celery itself calls the run failed when it could not store the result (Redis
        # was down at that moment); either way its end is in history, and not as lost.
        ended = wait_until(lambda: outcomes(store, long_run), DEADLINE, "its end")
        assert ended in (["succeeded"], ["failed"]), history(store, long_run)
        figures["run ending while Redis was down"] = ended[0]
        assert history(store, long_run)[0].task_id == in_flight.task_id
        assert all(len(history(store, n)) >= history_before[n] for n in names), history_before
        wait_until(lambda: get_status(f"{api}/health") == 200, DEADLINE, "the API to answer")
        wait_until(lambda: ran_since(store, names, up_at), DEADLINE, "fires after the restart")
        figures["restart: fires again after"] = round(time.time() - up_at, 2)
        figures["restart: warnings and errors logged"] = outage.check(down_at)

        # 2. freeze and resume.
        outage = Outage(procs)
        aof_redis.signal(signal.SIGSTOP)
        frozen_at = time.time()
        wait_until(lambda: time.time() > frozen_at + FREEZE_SECONDS, 30, "the freeze")
        aof_redis.signal(signal.SIGCONT)
        thawed_at = time.time()
        wait_until(lambda: ran_since(store, names, thawed_at), DEADLINE, "fires after the freeze")
        figures["freeze: fires again after"] = round(time.time() - thawed_at, 2)
        wait_until(lambda: get_status(f"{api}/health") == 200, DEADLINE, "the API to answer")
        figures["freeze: warnings and errors logged"] = outage.check(frozen_at)

        # Two more runs each (a slot sent twice would show right after the freeze), let
        # the fires in flight end, then count every slot.
        wait_until(lambda: ran_since(store, names, thawed_at, 3), DEADLINE, "runs after it")
        for name in names:
            service.set_enabled(name, False)
        wait_until(lambda: not any(store.in_progress(n) for n in names), DEADLINE, "idle")
        counts = slot_counts(store, names)
        figures["outcomes"] = Counter(
            f"{r.outcome} {r.reason or ''}".strip() for n in names for r in history(store, n)
        )
        doubled = {slot: n for slot, n in counts.items() if n > 1}
        assert not doubled, doubled
        assert all(p.popen.poll() is None for p in procs.values()), "a process died"
        beats = [p for k, p in procs.items() if k.startswith("beat")]
        acquired = sum(p.log().count("beat: acquired the lock") for p in beats)
        figures["slots run"] = sum(counts.values())
        figures["slots caught up"] = sum(
            r.missed_count or 0 for n in names for r in history(store, n)
        )
        figures["beat lock acquisitions"] = acquired
        print("\n" + json.dumps(figures, ensure_ascii=False))
    finally:
        stack.stop_all()
        client.close()
