"""Execution policies and run history against a real redis-server, worker and Beat.

Seconds stand in for hours: a 2.6 s job on a 2 s interval is seed 003's long report on
a schedule shorter than its run. One worker and one Beat serve the whole module (a
cold Celery start costs seconds on a loaded machine); each test creates schedules of
its own and deletes them when it ends. Tests that need to kill or stop a process start
their own, or replace the shared one.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from redis import Redis

from app.beat.dispatch import Step, plan_batch
from app.core.celery_app import celery_app
from app.core.constants import REDBEAT_LOCK_KEY, REDBEAT_SCHEDULE_KEY
from app.core.embedded_redis import RedisServer
from app.schedules import (
    HELD_BACK,
    MISSED,
    NOT_APPLIED,
    SEND,
    Claim,
    RunRecord,
    ScheduleService,
    ScheduleStore,
    TaskRegistry,
)
from tests.integration.conftest import (
    ROOT,
    Proc,
    Stack,
    pool_processes,
    stack_env,
    wait_until,
    write_schedules,
)

# Any task will do: every task takes simulate_seconds and simulate_failure.
REPORT = "app.tasks.reports.generate_daily_report"
# Every wait has a deadline; generous, for a loaded 2-core machine.
RUN_DEADLINE = 40.0
ACQUIRED = "beat: acquired the lock"
STANDING_BY = "beat: standing by"


@dataclass
class Shared:
    """The module's processes and clients; tests may replace `worker` or `beat`."""

    stack: Stack
    redis: Redis
    store: ScheduleStore
    service: ScheduleService
    worker: Proc
    beat: Proc


@pytest.fixture(scope="module")
def shared(
    redis_server: RedisServer, registry: TaskRegistry, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Shared]:
    client = Redis.from_url(redis_server.url, decode_responses=True)
    client.flushall()
    base = tmp_path_factory.mktemp("policies")
    schedules_file = base / "schedules.json"
    write_schedules(schedules_file, {})
    logs = base / "logs"
    logs.mkdir()
    env = stack_env(redis_server.url, schedules_file, WORKER_CONCURRENCY="4")
    stack = Stack(env, logs)
    try:
        worker = stack.start("run_worker.sh", "worker")  # both start at once
        beat = stack.start("run_celery_beat.sh", "beat")
        worker.wait_for_log("ready.")
        beat.wait_for_log(ACQUIRED)
        store = ScheduleStore(client, celery_app, "Asia/Seoul")
        yield Shared(stack, client, store, ScheduleService(store, registry), worker, beat)
    finally:
        stack.stop_all()
        client.close()


@pytest.fixture
def quiet_db(redis_server: RedisServer) -> Iterator[ScheduleStore]:
    """A store on a database of its own on the same redis-server: no Beat looks there."""
    client = Redis(host="127.0.0.1", port=redis_server.port, db=15, decode_responses=True)
    client.flushdb()
    yield ScheduleStore(client, celery_app, "Asia/Seoul")
    client.flushdb()
    client.close()


# --- reading history and waiting ----------------------------------------------------


def history(store: ScheduleStore, name: str) -> list[RunRecord]:
    """Every finished record of `name`, oldest first."""
    return list(reversed(store.runs(name, 1000)))


def outcomes(store: ScheduleStore, name: str, outcome: str) -> list[RunRecord]:
    return [r for r in history(store, name) if r.outcome == outcome]


def written_at(rec: RunRecord) -> float:
    """When the record was appended (its stream id is Redis's clock, in ms)."""
    assert rec.id is not None
    return int(rec.id.split("-")[0]) / 1000


def wait_for(
    store: ScheduleStore, name: str, outcome: str, count: int, timeout: float = RUN_DEADLINE
) -> list[RunRecord]:
    return wait_until(  # type: ignore[no-any-return]
        lambda: (found := outcomes(store, name, outcome)) and len(found) >= count and found,
        timeout=timeout,
        what=f"{count} {outcome!r} record(s) of {name}",
    )


def span(rec: RunRecord) -> tuple[float, float]:
    assert rec.started_at is not None and rec.finished_at is not None, rec
    return rec.started_at, rec.finished_at


def assert_never_overlap(runs: list[RunRecord]) -> None:
    ordered = sorted(runs, key=lambda r: span(r)[0])
    for before, after in zip(ordered, ordered[1:], strict=False):
        assert span(after)[0] >= span(before)[1], (
            f"{after.schedule} started at {span(after)[0]:.3f} while {before.schedule} ran "
            f"until {span(before)[1]:.3f}"
        )


def later_than(moment: float) -> Callable[[], bool]:
    """A wait condition on the clock (for slots that must pass, not for hoping)."""
    return lambda: time.time() > moment


def soon(seconds: float = 1.0) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


# --- Beat and the worker in-process, on the real redis-server -----------------------


def beat_pass(store: ScheduleStore, token: str, now: datetime) -> list[tuple[int, Step]]:
    """One Beat pass at `now`, as BatchScheduler.dispatch_due makes it: load, plan,
    commit; (code, step) per due entry."""
    steps = plan_batch(store.due(now, 10).rows, now)
    codes = store.commit_fires(token, steps, now.timestamp())
    assert codes is not None
    return list(zip(codes, steps, strict=True))


def start_run(store: ScheduleStore, step: Step, now: datetime, lease: float) -> RunRecord:
    """What the worker does as the fire's task starts (app/execution/tracking.py)."""
    assert step.fire is not None
    rec = replace(
        RunRecord.from_json(step.fire.record), outcome="running", started_at=now.timestamp()
    )
    store.start_run(step.fire.task_id, rec, "", now.timestamp() + lease, now.timestamp())
    return rec


# --- 1. overlap: seed 003 -----------------------------------------------------------


def test_seed_003_overlap_skip_runs_every_other_period_buffer_one_back_to_back(
    shared: Shared, create: Callable[..., str]
) -> None:
    """A 2.6 s job on a 2 s interval: `skip` runs every other period and records the
    fire in between as skipped (overlap); `buffer_one` starts the held fire as soon as
    the previous run ends. Both schedules run at the same time, on a worker with room
    for both (so only the policy keeps their runs apart)."""
    job = {"task": REPORT, "interval": 2, "kwargs": {"simulate_seconds": 2.6}}
    skip = create("보고서_skip", **job, policy={"overlap": "skip"})
    buffer = create("보고서_buffer", **job, policy={"overlap": "buffer_one"})
    store = shared.store

    runs = wait_for(store, skip, "succeeded", 3)
    buffered = wait_for(store, buffer, "succeeded", 3)

    skipped = outcomes(store, skip, "skipped")
    assert skipped and {r.reason for r in skipped} == {"overlap"}
    assert all(r.task_id is None and r.sent_at is None for r in skipped)
    assert not [r for r in history(store, skip) if r.outcome not in ("succeeded", "skipped")]
    assert_never_overlap(runs)
    slots = [r.scheduled_at for r in runs]
    steps = [b - a for a, b in zip(slots, slots[1:], strict=False)]
    assert all(abs(step - 4.0) < 0.5 for step in steps), steps  # every other 2 s slot
    # Each skipped fire is the slot between two runs, while the first one ran.
    for rec in skipped:
        during = [r for r in runs if span(r)[0] <= written_at(rec) <= span(r)[1] + 0.2]
        assert during, f"skip at {written_at(rec)} outside every run {[span(r) for r in runs]}"

    assert_never_overlap(buffered)
    ordered = sorted(buffered, key=lambda r: span(r)[0])
    gaps = [span(b)[0] - span(a)[1] for a, b in zip(ordered, ordered[1:], strict=False)]
    assert all(0 <= gap < 0.8 for gap in gaps), gaps  # well under the 2 s period
    # The held fires keep the slot they were due at, earlier than their start.
    assert all(r.scheduled_at < span(r)[0] - 0.1 for r in ordered[1:])
    print(f"\nskip: slot steps {steps}; buffer_one: start-after-end gaps {gaps}")


# --- 2. a worker killed mid-run -----------------------------------------------------


def start_worker(shared: Shared, queue: str, **env: str) -> Proc:
    """A worker of its own on `queue`, started by the project's script."""
    stack = shared.stack
    label = f"worker-{queue}-{len(stack.supervisor.children)}"
    argv = [str(ROOT / "run_worker.sh"), "-Q", queue, "-n", f"{label}@%h"]
    child = stack.supervisor.start(label, argv, env={**stack.env, **env})
    proc = Proc(child, "run_worker.sh")
    proc.wait_for_log("ready.")
    return proc


def running_after(store: ScheduleStore, name: str, moment: float) -> Callable[[], RunRecord | None]:
    """A wait condition: a run of `name` that started after `moment`."""

    def probe() -> RunRecord | None:
        found = [r for r in store.in_progress(name) if (r.started_at or 0) > moment]
        return found[0] if found else None

    return probe


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_run_whose_worker_is_killed_is_lost_and_the_schedule_runs_again(
    shared: Shared, create: Callable[..., str]
) -> None:
    """A worker of its own (queue `fragile`, one pool process), 6 s jobs every 2 s.

    1. SIGKILL to the pool process alone, mid-run (default 60 s lease): the worker sees
       it die and the run is lost (WorkerLostError), long before its lease runs out.
    2. Lease 3 s (policy), in a pool process that ran a task with the default 60 s
       lease just before (its lease heartbeat is in a 20 s wait): the run is renewed
       while its worker lives.
    3. SIGKILL to the worker's whole process group mid-run: nobody is left to say so,
       and the run is recorded as lost once its lease runs out; the next fire runs on
       a fresh worker.
    """
    store = shared.store
    # At most once (no acks_late): a dead pool process loses the run (app/tasks/_delivery.py).
    job = {
        "task": "app.tasks.media.process_images",
        "interval": 2,
        "kwargs": {"simulate_seconds": 6},
    }
    fragile = {"queue": "fragile"}
    first_worker = start_worker(shared, "fragile", WORKER_CONCURRENCY="1")

    pool_dies = create("풀_종료", **job, options=fragile)
    running = wait_until(running_after(store, pool_dies, 0), what="the first run to start")
    [pool] = pool_processes(first_worker.popen.pid)
    os.kill(pool, signal.SIGKILL)
    pool_killed_at = time.time()
    [died] = wait_for(store, pool_dies, "lost", 1)
    shared.service.delete(pool_dies)
    assert died.task_id == running.task_id and died.reason != "lease expired"
    assert died.error is not None and died.error["type"] == "WorkerLostError", died.error
    assert died.finished_at is not None
    died_after = died.finished_at - pool_killed_at

    lease = 3.0
    warm_up = create("예열", task=REPORT, at=soon(0.5), options=fragile)
    wait_for(store, warm_up, "succeeded", 1)
    name = create("죽는_작업", **job, options=fragile, policy={"lease_seconds": lease})
    running = wait_until(running_after(store, name, 0), what="the run to start")
    assert running.started_at is not None
    wait_until(later_than(running.started_at + lease + 1.5), what="the lease to have run out")
    assert outcomes(store, name, "lost") == [], "a live run was taken as lost"
    assert [r.task_id for r in store.in_progress(name)] == [running.task_id]

    first_worker.child.signal_group(signal.SIGKILL)
    killed_at = time.time()
    first_worker.child.reap()
    replacement = start_worker(shared, "fragile", WORKER_CONCURRENCY="1")

    [lost] = wait_for(store, name, "lost", 1)
    assert lost.task_id == running.task_id and lost.reason == "lease expired"
    assert lost.finished_at is not None
    lost_after = lost.finished_at - killed_at
    assert lost_after <= lease + 1.5, lost_after

    again = wait_until(running_after(store, name, killed_at), what="a run after the kill")
    assert again.started_at is not None and again.scheduled_at > lost.finished_at - 1.0
    print(
        f"\npool process killed: lost after {died_after:.2f}s (WorkerLostError); whole "
        f"worker killed: lost after {lost_after:.2f}s (lease {lease}s), ran again "
        f"{again.started_at - killed_at:.2f}s after the kill"
    )
    replacement.stop()


def test_a_run_ending_after_it_was_recorded_lost_frees_nothing(
    quiet_db: ScheduleStore, registry: TaskRegistry
) -> None:
    """A worker froze past its run's lease (SIGSTOP, a VM paused, a long partition) and
    then finishes the run. By then Beat has recorded it as lost, the schedule has run
    again and `buffer_one` holds a fire back for that newer run. The late end must not
    send the held fire while the newer run still runs, nor count a second run."""
    store = quiet_db
    name = "버퍼"
    policy = {"overlap": "buffer_one", "lease_seconds": 3}
    ScheduleService(store, registry).create(
        {"name": name, "task": REPORT, "interval": 60, "policy": policy}
    )
    entry = store.get(name)
    assert entry is not None and entry.next_run_at is not None
    t0 = entry.next_run_at + timedelta(seconds=0.2)
    assert store.beats.claim("A", "A", "{}", 600) is Claim.ACQUIRED

    [(code, first)] = beat_pass(store, "A", t0)
    assert code == SEND and first.fire is not None
    frozen = start_run(store, first, t0 + timedelta(seconds=0.1), lease=3)
    swept = t0 + timedelta(seconds=5)  # its lease ran out: Beat's sweep
    store.sweep_lost(store.expired_leases(swept.timestamp()), swept.timestamp())
    assert [r.outcome for r in history(store, name)] == ["lost"]

    [(code, second)] = beat_pass(store, "A", t0 + timedelta(seconds=60))
    assert code == SEND and second.fire is not None
    newer = start_run(store, second, t0 + timedelta(seconds=60.1), lease=600)
    [(code, third)] = beat_pass(store, "A", t0 + timedelta(seconds=120))
    assert code == HELD_BACK and third.fire is not None

    woke = (t0 + timedelta(seconds=121)).timestamp()
    late = replace(frozen, outcome="succeeded", finished_at=woke)
    released = store.finish_run(first.fire.task_id, late, "")
    assert released is None, "the late end of a lost run sent the newer run's held fire"
    assert [r.task_id for r in store.in_progress(name)] == [second.fire.task_id]
    assert store.stats(name).run_count == 1  # the lost run, counted once
    # What really happened is kept: the run that was taken as lost did succeed.
    assert [r.outcome for r in history(store, name)] == ["lost", "succeeded"]

    # The run that does hold the schedule still releases it when it ends.
    ended = replace(newer, outcome="succeeded", finished_at=woke + 1)
    held = store.finish_run(second.fire.task_id, ended, "")
    assert held is not None and held.task_id == third.fire.task_id


# --- 3. timeout ---------------------------------------------------------------------


def test_timeout_seconds_ends_a_run_as_timed_out_with_the_error_type(
    shared: Shared, create: Callable[..., str]
) -> None:
    name = create(
        "시간초과",
        task=REPORT,
        at=soon(),
        kwargs={"simulate_seconds": 8},
        policy={"timeout_seconds": 1},
    )
    [rec] = wait_for(shared.store, name, "timed_out", 1)
    assert rec.error is not None and rec.error["type"] == "SoftTimeLimitExceeded", rec.error
    duration = rec.duration_seconds
    assert duration is not None and 0.9 <= duration < 3.0, duration
    assert history(shared.store, name) == [rec]
    stats = shared.store.stats(name)
    assert (stats.run_count, stats.error_count, stats.last_outcome) == (1, 1, "timed_out")
    print(f"\ntimed out after {duration:.2f}s: {rec.error['message']!r}")


# --- 4. retries ---------------------------------------------------------------------


def test_max_retries_with_backoff_makes_three_attempts_spaced_1s_then_2s(
    shared: Shared, create: Callable[..., str]
) -> None:
    name = create(
        "재시도",
        task=REPORT,
        at=soon(),
        kwargs={"simulate_failure": True},
        policy={"max_retries": 2, "retry_backoff_seconds": 1},
    )
    wait_for(shared.store, name, "failed", 1)
    records = history(shared.store, name)
    assert [(r.outcome, r.attempt) for r in records] == [
        ("retried", 1),
        ("retried", 2),
        ("failed", 3),
    ]
    assert len({(r.fire_id, r.task_id) for r in records}) == 1  # one fire, three attempts
    assert all(r.error and r.error["type"] == "SimulatedFailure" for r in records)
    spacing = [span(b)[0] - span(a)[1] for a, b in zip(records, records[1:], strict=False)]
    assert 0.9 <= spacing[0] < 1.8, spacing
    assert 1.9 <= spacing[1] < 2.9, spacing
    stats = shared.store.stats(name)
    assert (stats.run_count, stats.error_count, stats.consecutive_failures) == (1, 1, 1)
    print(f"\nretry spacing (next start - previous end): {spacing}")


# --- 5. min_gap ---------------------------------------------------------------------


def test_min_gap_skips_fires_inside_the_gap_after_a_run_ends(
    shared: Shared, create: Callable[..., str]
) -> None:
    gap = 2.0
    name = create("간격", task=REPORT, interval=1, policy={"min_gap_seconds": gap})
    store = shared.store
    runs = wait_for(store, name, "succeeded", 3)
    skipped = outcomes(store, name, "skipped")
    assert skipped and {r.reason for r in skipped} == {"min_gap"}
    for before, after in zip(runs, runs[1:], strict=False):
        assert span(after)[0] - span(before)[1] >= gap, (span(before), span(after))
    for rec in skipped:
        last = [r for r in runs if span(r)[1] <= written_at(rec)][-1]
        assert last.finished_at is not None
        assert last.finished_at < rec.scheduled_at < last.finished_at + gap, (rec, last)
    gaps = [round(span(b)[0] - span(a)[1], 3) for a, b in zip(runs, runs[1:], strict=False)]
    print(f"\nmin_gap {gap}s: end-to-next-start {gaps}, {len(skipped)} fires skipped")


# --- 6. lock_key --------------------------------------------------------------------


def test_schedules_sharing_a_lock_key_never_run_at_the_same_time(
    shared: Shared, create: Callable[..., str]
) -> None:
    """Two 1 s schedules half a second apart, each run 1.2 s, on a worker with four
    free processes: only the lock group keeps them apart."""
    anchor = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
    job = {"task": REPORT, "interval": 1, "kwargs": {"simulate_seconds": 1.2}}
    policy = {"lock_key": "공유_DB"}
    first = create("잠금_가", **job, anchor=anchor.isoformat(), policy=policy)
    second = create(
        "잠금_나", **job, anchor=(anchor + timedelta(seconds=0.5)).isoformat(), policy=policy
    )
    store = shared.store
    wait_for(store, first, "succeeded", 2)
    wait_for(store, second, "succeeded", 2)
    records = {name: history(store, name) + store.in_progress(name) for name in (first, second)}
    runs = [r for name in records for r in records[name] if r.outcome == "succeeded"]
    assert_never_overlap(runs)
    skipped = [r for name in records for r in records[name] if r.outcome == "skipped"]
    reasons = {r.reason or "" for r in skipped}
    assert "lock_key" in reasons and reasons <= {"lock_key", "overlap"}, reasons
    # Each lock_key skip came while the other schedule's fire held the group (from its
    # send to its end).
    for rec in (r for r in skipped if r.reason == "lock_key"):
        other = records[second if rec.schedule == first else first]
        holding = [
            r
            for r in other
            if r.sent_at and r.sent_at <= written_at(rec) <= (r.finished_at or 1e12) + 0.2
        ]
        assert holding, f"{rec.schedule} skipped at {written_at(rec)} with the group free"
    print(f"\nlock_key: {len(runs)} runs, skip reasons {sorted(reasons)}")


# --- 7. catch-up --------------------------------------------------------------------


def test_catch_up_runs_once_inside_the_window_and_records_missed_outside(
    shared: Shared, create: Callable[..., str]
) -> None:
    """Beat stopped, slots pass, Beat started again. `inside` (every 2 s, window 30 s)
    runs once for all its missed slots, then on its rhythm; `outside` (every 15 s from
    1 s after the stop, window 0) and a one-off (window 1 s) are recorded as missed and
    not run; `outside` runs again at its next slot."""
    store = shared.store
    assert shared.beat.stop() == 0
    stopped_at = time.time()
    inside = create("따라잡기_안", task=REPORT, interval=2, policy={"catchup_window_seconds": 30})
    first_due = store.get(inside).next_run_at  # type: ignore[union-attr]
    assert first_due is not None
    outside = create(
        "따라잡기_밖",
        task=REPORT,
        interval=15,
        anchor=datetime.fromtimestamp(stopped_at + 1, UTC).isoformat(),
        policy={"catchup_window_seconds": 0},
    )
    once = create("따라잡기_한번", task=REPORT, at=soon(1), policy={"catchup_window_seconds": 1})
    # Slots pass while no Beat runs: at least three of `inside`'s, one of the others'.
    wait_until(later_than(stopped_at + 7.5), timeout=15, what="slots to pass")
    shared.beat = shared.stack.beat()
    shared.beat.wait_for_log(ACQUIRED)

    [missed_once] = wait_for(store, once, "missed", 1)
    assert missed_once.reason == "catchup_window" and missed_once.task_id is None
    [missed] = wait_for(store, outside, "missed", 1)
    assert missed.reason == "catchup_window" and missed.task_id is None
    assert missed.missed_count and missed.missed_count >= 1
    catch_up = wait_for(store, inside, "succeeded", 1)[0]
    assert catch_up.sent_at is not None
    passed = int((catch_up.sent_at - first_due.timestamp()) // 2) + 1
    assert passed >= 3
    assert catch_up.missed_count == passed - 1, (passed, catch_up)  # one run stands for all
    runs = wait_for(store, inside, "succeeded", 3)
    sends = sorted(r.sent_at or 0 for r in runs)
    gaps = [b - a for a, b in zip(sends, sends[1:], strict=False)]
    assert all(gap > 1.5 for gap in gaps), gaps  # once per 2 s slot, never a burst
    assert not outcomes(store, inside, "skipped"), "a burst of fires would be skipped"
    # The next regular slot of `outside` runs.
    after = wait_for(store, outside, "succeeded", 1)[0]
    assert after.scheduled_at > missed.scheduled_at
    assert [r.outcome for r in history(store, outside)] == ["missed", "succeeded"]

    # The one-off's only slot was missed: it never ran and never will.
    assert history(store, once) == [missed_once]
    assert store.in_progress(once) == []
    entry = store.get(once)
    assert entry is not None and entry.next_run_at is None and entry.total_run_count == 0
    print(
        f"\ncatch-up: one run for {passed} slots (missed_count {catch_up.missed_count}); "
        f"sends then {gaps}; outside the window: {missed.missed_count} missed"
    )


@pytest.mark.parametrize(
    ("timing", "window", "back_after", "expected"),
    [
        # Every 10 s, window 3 s, Beat back 21 s after the first missed slot: the
        # latest slot (+20 s) is 1 s old, inside the window: one catch-up run that
        # stands for the 2 slots before it.
        ({"interval": 10}, 3, 21, (SEND, "sent", 2)),
        # The same 4 s later: the latest slot is 5 s old, outside: all 3 missed.
        ({"interval": 10}, 3, 25, (MISSED, "missed", 3)),
        # A daily job at 09:00 with a 1 h window, Beat back at 09:30 the next day:
        # that day's slot is 30 min old, inside the window.
        ({"cron": "0 9 * * *"}, 3600, 86400 + 1800, (SEND, "sent", 1)),
        # ... and at 11:00 it is 2 h old: missed.
        ({"cron": "0 9 * * *"}, 3600, 86400 + 7200, (MISSED, "missed", 2)),
    ],
    ids=["interval-inside", "interval-outside", "daily-inside", "daily-outside"],
)
def test_catch_up_window_counts_from_the_latest_missed_slot(
    quiet_db: ScheduleStore,
    registry: TaskRegistry,
    timing: dict[str, Any],
    window: float,
    back_after: float,
    expected: tuple[int, str, int],
) -> None:
    """docs/history.md: the catch-up run "happens only if the latest missed slot is
    within the window; otherwise the fire is recorded as missed". The first missed slot
    being outside the window does not put the latest one outside."""
    store = quiet_db
    policy = {"catchup_window_seconds": window}
    ScheduleService(store, registry).create(
        {"name": "밀린_작업", "task": REPORT, **timing, "policy": policy}
    )
    entry = store.get("밀린_작업")
    assert entry is not None and entry.next_run_at is not None
    assert store.beats.claim("A", "A", "{}", 600) is Claim.ACQUIRED
    [(code, step)] = beat_pass(store, "A", entry.next_run_at + timedelta(seconds=back_after))
    assert step.fire is not None
    rec = RunRecord.from_json(step.fire.record)
    assert (code, rec.outcome, rec.missed_count) == expected, rec


# --- 8. two Beats that both believe they lead ---------------------------------------


def test_a_stale_beat_handed_the_lock_cannot_send_a_slot_again(
    quiet_db: ScheduleStore, registry: TaskRegistry
) -> None:
    """Beat A commits a slot; the lock passes to Beat B, which loaded the same due rows
    before A's commit; B's commit is fenced by the per-slot marker, not the token."""
    store = quiet_db
    ScheduleService(store, registry).create(
        {"name": "이중", "task": REPORT, "interval": 60, "policy": {"overlap": "allow"}}
    )
    entry = store.get("이중")
    assert entry is not None and entry.next_run_at is not None
    now = entry.next_run_at + timedelta(seconds=0.2)  # both passes run just after the slot

    assert store.beats.claim("A", "A", "{}", 30) is Claim.ACQUIRED
    rows_b = store.due(now, 10).rows  # B's load, before A commits
    rows_a = store.due(now, 10).rows
    assert [r.key for r in rows_a] == [r.key for r in rows_b] == [entry.key]
    steps_a = plan_batch(rows_a, now)
    assert store.commit_fires("A", steps_a, now.timestamp()) == [SEND]

    store.beats.release("A", "A")
    assert store.beats.claim("B", "B", "{}", 30) is Claim.ACQUIRED
    assert store.commit_fires("A", plan_batch(rows_a, now), now.timestamp()) is None
    steps_b = plan_batch(rows_b, now + timedelta(seconds=0.1))
    assert steps_b[0].served == steps_a[0].served and steps_b[0].fire is not None
    assert store.commit_fires("B", steps_b, now.timestamp() + 0.1) == [NOT_APPLIED]

    # One fire recorded, with A's task id; B wrote no record and counted no run.
    assert steps_a[0].fire is not None
    assert [r.task_id for r in store.in_progress("이중")] == [steps_a[0].fire.task_id]
    assert history(store, "이중") == []
    after = store.get("이중")
    assert after is not None and after.total_run_count == 1
    # B is not simply broken: fresh rows at the next slot are sent.
    later = now + timedelta(seconds=60)
    fresh = store.due(later, 10).rows
    assert store.commit_fires("B", plan_batch(fresh, later), later.timestamp()) == [SEND]
    assert len(store.in_progress("이중")) == 2


def hand_over(shared: Shared, queue: str, leader: Proc, standby: Proc) -> None:
    """SIGSTOP `leader` past its lock until `standby` leads and sends, then SIGCONT it
    and wait until it has seen that it no longer leads."""
    acquired = standby.log().count(ACQUIRED)
    stood_by = leader.log().count(STANDING_BY)
    leader.child.send(signal.SIGSTOP)
    try:
        wait_until(lambda: standby.log().count(ACQUIRED) > acquired, what="the standby to lead")
        sent = shared.redis.llen(queue)
        wait_until(lambda: shared.redis.llen(queue) >= sent + 40, what="the new leader's fires")
    finally:
        leader.child.send(signal.SIGCONT)
    wait_until(lambda: leader.log().count(STANDING_BY) > stood_by, what="the old leader to yield")
    sent = shared.redis.llen(queue)
    wait_until(lambda: shared.redis.llen(queue) >= sent + 20, what="fires with both Beats up")


def test_two_real_beats_paused_past_the_lock_never_send_a_slot_twice(
    shared: Shared, create: Callable[..., str]
) -> None:
    """20 schedules every second, no worker on their queue. The leader is SIGSTOPped
    past its lock (3 s), the standby takes over, the old leader is SIGCONTed, whatever
    it was doing; then the same the other way round. Every message in the broker is one
    (schedule, slot) pair, with a fire id of its own."""
    queue = "중복검사"
    for i in range(20):
        create(
            f"중복_{i:02d}",
            task=REPORT,
            interval=1,
            options={"queue": queue},
            policy={"overlap": "allow"},
        )
    standby = shared.stack.beat()
    standby.wait_for_log(STANDING_BY)
    leader = shared.beat
    wait_until(lambda: shared.redis.llen(queue) >= 40, what="fires from the first leader")
    try:
        hand_over(shared, queue, leader, standby)
        hand_over(shared, queue, standby, leader)
    finally:
        standby.stop()
    messages = [json.loads(text) for text in shared.redis.lrange(queue, 0, -1)]
    shared.redis.delete(queue)
    pairs = Counter((m["headers"]["schedule"], m["headers"]["scheduled_at"]) for m in messages)
    assert [pair for pair, n in pairs.items() if n > 1] == []
    assert len({m["headers"]["fire_id"] for m in messages}) == len(messages)
    assert len({name for name, _ in pairs}) == 20
    print(f"\ntwo Beats, two hand-overs: {len(messages)} messages, every (schedule, slot) once")


# --- global pause (seed 000's scheduler stop and start) ----------------------------


def test_a_global_pause_sends_nothing_records_skips_and_resumes_from_the_next_slot(
    shared: Shared, create: Callable[..., str]
) -> None:
    name = create("일시중지_확인", task=REPORT, interval=1, policy={"overlap": "allow"})
    wait_for(shared.store, name, "succeeded", 1)
    shared.service.pause("점검", actor="test")
    try:
        # A fire already sent before the pause may still finish; after the first
        # paused skip, nothing more may be sent.
        first_skip = wait_for(shared.store, name, "skipped", 1)[0]
        skips = wait_for(shared.store, name, "skipped", 3)
        assert {r.reason for r in skips} == {"paused"}
        assert {r.task_id for r in skips} == {None}
        later_sent = [
            r
            for r in history(shared.store, name)
            if r.sent_at is not None and r.sent_at > written_at(first_skip)
        ]
        assert later_sent == [], "nothing is sent while paused"
        entry = shared.store.get(name)
        assert entry is not None and entry.enabled, "the schedule's own flag is untouched"
        shared.beat.wait_for_log("dispatching is paused")
    finally:
        shared.service.resume()
    resumed_at = time.time()
    wait_until(
        lambda: any((r.sent_at or 0) > resumed_at for r in history(shared.store, name)),
        timeout=RUN_DEADLINE,
        what=f"a fire of {name} sent after the resume",
    )


# --- hostile names (docs/security.md) ------------------------------------------------


def test_key_like_names_fire_on_their_own_and_leave_the_beat_lock_alone(
    shared: Shared, create: Callable[..., str]
) -> None:
    """Names that spell RedBeat's own keys or key patterns are entries like any other:
    Beat fires each, its due index stays a sorted set and its lock stays with it."""
    names = [
        "*",
        ":lock",
        "::schedule",
        "redbeat::lock",
        "redbeat:foo",
        "%3Alock",
        "../x",
        "<img src=x onerror=alert(1)>",
    ]
    lock = shared.redis.get(REDBEAT_LOCK_KEY)
    assert lock is not None
    takeovers = shared.beat.log().count(ACQUIRED)
    for name in names:
        create(name, task=REPORT, interval=1)
    for name in names:
        assert {r.schedule for r in wait_for(shared.store, name, "succeeded", 2)} == {name}
    assert shared.redis.get(REDBEAT_LOCK_KEY) == lock
    assert shared.redis.type(REDBEAT_SCHEDULE_KEY) == "zset"
    assert shared.beat.log().count(ACQUIRED) == takeovers
    assert shared.beat.popen.poll() is None
