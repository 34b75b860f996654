"""Run history and policy as stored: Beat's commit, the worker's writes, the sweep.

On fakeredis and a real redis-server alike (the scripts use cjson, streams and
sha1hex, where the two could differ).
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from app.core.constants import HISTORY_KEY_PREFIX
from app.schedules.entry import encode_meta, encode_slot
from app.schedules.keys import entry_key
from app.schedules.runs import RunRecord
from app.schedules.spec import parse_spec
from app.schedules.store import (
    HELD_BACK,
    MISSED,
    NOT_APPLIED,
    SEND,
    SKIPPED,
    FireArgs,
    HistoryLimits,
    ScheduleStore,
)
from tests.unit.beat.fakes import Commit

TASK = "app.tasks.scheduler.crawl_all_complexes"
STALE = 3600.0


@pytest.fixture
def store(store_on_both: ScheduleStore) -> ScheduleStore:
    """On fakeredis and on redis-server, with small history caps, holding the Beat lock."""
    store_on_both.history_limits = HistoryLimits(14 * 86400, 5, 8, STALE)
    store_on_both.beats.claim("me", "me", "{}", 30)
    return store_on_both


def add(store: ScheduleStore, name: str, **policy: object) -> None:
    store.save(name, parse_spec({"task": TASK, "interval": 60, "policy": policy}))


def fire(
    store: ScheduleStore,
    name: str,
    slot: float,
    mode: str = "skip",
    gap: float = 0.0,
    lock: str = "",
    now: float | None = None,
) -> tuple[int, str]:
    """One Beat commit of `name`'s slot; returns (code, task id)."""
    now = time.time() if now is None else now
    entry = store.get(name)
    assert entry is not None
    task_id = f"{name}-{slot}"
    rec = RunRecord(name, f"fire-{slot}", TASK, slot, "sent", task_id=task_id, sent_at=now)
    if mode == "missed":
        rec = replace(rec, outcome="missed", task_id=None, sent_at=None)
    args = FireArgs(mode, name, task_id, now + STALE, gap, lock, rec.to_json())
    sent = datetime.fromtimestamp(now, UTC)
    step = Commit(
        entry_key(name),
        entry.revision,
        slot + 60,
        encode_meta(sent, entry.total_run_count + 1),
        encode_slot(datetime.fromtimestamp(slot, UTC), sent),
        args,
    )
    codes = store.commit_fires("me", [step], now)
    assert codes is not None
    return codes[0], task_id


def run(store: ScheduleStore, task_id: str, outcome: str = "succeeded", took: float = 1.0) -> None:
    """A worker starts the fire and ends it `took` seconds later."""
    state = store.run_state(task_id)
    assert state is not None
    started = time.time()
    rec = replace(state.record, outcome="running", started_at=started, worker="w1")
    store.start_run(task_id, rec, state.lock, started + 60, started)
    end = replace(rec, outcome=outcome, finished_at=started + took)  # type: ignore[arg-type]
    store.finish_run(task_id, end, state.lock)


def outcomes(store: ScheduleStore, name: str) -> list[tuple[str, str | None]]:
    return [(r.outcome, r.reason) for r in store.runs(name, 50)]


SLOT = time.time() - 5


def test_a_fire_is_in_progress_until_its_run_ends(store: ScheduleStore) -> None:
    add(store, "a")
    code, task_id = fire(store, "a", SLOT)
    assert code == SEND
    [queued] = store.in_progress("a")
    assert (queued.outcome, queued.task_id) == ("sent", task_id)

    run(store, task_id, took=2.5)

    assert store.in_progress("a") == []
    [done] = store.runs("a", 10)
    assert (done.outcome, done.duration_seconds, done.worker) == ("succeeded", 2.5, "w1")
    assert store.run_by_task(task_id) == done
    stats = store.stats("a")
    assert (stats.run_count, stats.error_count, stats.success_rate) == (1, 0, 1.0)


def test_overlap_skip_records_the_skipped_fire(store: ScheduleStore) -> None:
    add(store, "a")
    _, first = fire(store, "a", SLOT)

    code, _ = fire(store, "a", SLOT + 1)

    assert code == SKIPPED
    assert outcomes(store, "a") == [("skipped", "overlap")]
    [skipped] = store.runs("a", 1)
    assert (skipped.task_id, skipped.sent_at) == (None, None)
    run(store, first)
    assert fire(store, "a", SLOT + 2)[0] == SEND


def test_overlap_allow_sends_both(store: ScheduleStore) -> None:
    add(store, "a")
    assert fire(store, "a", SLOT, mode="allow")[0] == SEND
    assert fire(store, "a", SLOT + 1, mode="allow")[0] == SEND
    assert len(store.in_progress("a")) == 2


def test_buffer_one_holds_one_fire_back_and_hands_it_over_at_the_end(
    store: ScheduleStore,
) -> None:
    add(store, "a")
    _, first = fire(store, "a", SLOT, mode="buffer")
    code, held_id = fire(store, "a", SLOT + 1, mode="buffer")
    assert code == HELD_BACK
    assert fire(store, "a", SLOT + 2, mode="buffer")[0] == SKIPPED, "only one is held"

    state = store.run_state(first)
    assert state is not None
    rec = replace(state.record, outcome="succeeded", started_at=1.0, finished_at=2.0)
    held = store.finish_run(first, rec, "")

    assert held is not None and (held.name, held.task_id) == ("a", held_id)
    assert [r.task_id for r in store.in_progress("a")] == [held_id]


def test_min_gap_counts_from_the_end_of_the_last_run(store: ScheduleStore) -> None:
    add(store, "a")
    _, first = fire(store, "a", SLOT, gap=100)
    run(store, first, took=0.1)
    ended = store.stats("a").last_finished_at
    assert ended is not None

    assert fire(store, "a", SLOT + 1, gap=100, now=ended + 50)[0] == SKIPPED
    assert outcomes(store, "a")[0] == ("skipped", "min_gap")
    assert fire(store, "a", SLOT + 2, gap=100, now=ended + 101)[0] == SEND


def test_schedules_sharing_a_lock_key_never_run_together(store: ScheduleStore) -> None:
    add(store, "a")
    add(store, "b")
    _, held = fire(store, "a", SLOT, lock="계정1")

    assert fire(store, "b", SLOT, lock="계정1")[0] == SKIPPED
    assert outcomes(store, "b") == [("skipped", "lock_key")]
    run(store, held)
    assert fire(store, "b", SLOT + 1, lock="계정1")[0] == SEND


def test_one_slot_is_committed_once_even_from_a_stale_read(store: ScheduleStore) -> None:
    add(store, "a")
    assert fire(store, "a", SLOT, mode="allow")[0] == SEND
    # Another Beat that read the entry before that commit (same revision: run state is
    # not part of it) and now holds the lock tries the same slot, and an earlier one.
    assert fire(store, "a", SLOT, mode="allow")[0] == NOT_APPLIED
    assert fire(store, "a", SLOT - 60, mode="allow")[0] == NOT_APPLIED
    assert len(store.in_progress("a")) == 1


def test_a_missed_fire_is_recorded_and_not_sent(store: ScheduleStore) -> None:
    add(store, "a")
    assert fire(store, "a", SLOT, mode="missed")[0] == MISSED
    assert [r.outcome for r in store.runs("a", 5)] == ["missed"]
    assert store.in_progress("a") == []


def test_a_run_whose_lease_ran_out_is_lost_and_frees_its_schedule(store: ScheduleStore) -> None:
    add(store, "a")
    _, task_id = fire(store, "a", SLOT)
    state = store.run_state(task_id)
    assert state is not None
    started = time.time() - 100
    rec = replace(state.record, outcome="running", started_at=started)
    store.start_run(task_id, rec, "", started + 60, started)  # lease ended 40 s ago

    expired = store.expired_leases(time.time())
    assert expired == [task_id]
    store.sweep_lost(expired, time.time())

    [lost] = store.runs("a", 5)
    assert (lost.outcome, lost.reason, lost.duration_seconds) == ("lost", "lease expired", None)
    assert store.failing() == [("a", 1)]
    assert store.expired_leases(time.time()) == []
    assert fire(store, "a", SLOT + 1)[0] == SEND


def test_a_heartbeat_renews_a_lease_but_not_past_the_stale_limit(store: ScheduleStore) -> None:
    add(store, "a")
    _, task_id = fire(store, "a", SLOT)
    now = time.time()
    rec = replace(store.run_state(task_id).record, started_at=now)  # type: ignore[union-attr]
    store.start_run(task_id, rec, "", now + 5, now)

    assert store.renew_leases([(task_id, now, STALE)], 60, now) == 1
    assert store.run_state(task_id).until == pytest.approx(now + 60)  # type: ignore[union-attr]
    later = now + 100
    assert store.renew_leases([(task_id, now, 130)], 60, later) == 1
    renewed = store.run_state(task_id)
    assert renewed is not None and renewed.until == pytest.approx(now + 130), "capped"
    assert store.renew_leases([("unknown", now, STALE)], 60, now) == 0


def test_a_heartbeat_never_shortens_a_lease(store: ScheduleStore) -> None:
    """A retry waiting out its backoff holds a longer lease than a heartbeat gives; a
    heartbeat that raced with the retry must not cut it short."""
    add(store, "a")
    _, task_id = fire(store, "a", SLOT)
    now = time.time()
    state = store.run_state(task_id)
    assert state is not None
    retried = replace(state.record, outcome="retried", started_at=now, finished_at=now)
    store.retry_run(task_id, retried, state.record, "", now + 3600, now)

    store.renew_leases([(task_id, now, STALE)], 60, now)

    assert store.run_state(task_id).until == pytest.approx(now + 3600)  # type: ignore[union-attr]
    assert store.expired_leases(now + 120) == []


def test_a_held_fire_is_skipped_when_its_lock_group_is_taken_meanwhile(
    store: ScheduleStore,
) -> None:
    add(store, "a")
    add(store, "b")
    _, first = fire(store, "a", SLOT, mode="buffer")  # takes no lock group
    assert fire(store, "a", SLOT + 1, mode="buffer", lock="L")[0] == HELD_BACK
    assert fire(store, "b", SLOT, lock="L")[0] == SEND

    state = store.run_state(first)
    assert state is not None
    held = store.finish_run(first, replace(state.record, outcome="succeeded"), "")

    assert held is None
    assert outcomes(store, "a")[0] == ("skipped", "lock_key")


def test_stats_count_runs_and_failure_streaks(store: ScheduleStore) -> None:
    add(store, "a")
    for i, outcome in enumerate(["succeeded", "failed", "timed_out", "failed"]):
        _, task_id = fire(store, "a", SLOT + i, mode="allow")
        run(store, task_id, outcome, took=float(i + 1))

    stats = store.stats("a")
    assert (stats.run_count, stats.error_count, stats.consecutive_failures) == (4, 3, 3)
    assert (stats.success_rate, stats.last_outcome) == (0.25, "failed")
    assert (stats.last_duration_seconds, stats.avg_duration_seconds) == (4.0, 2.5)
    assert stats.p95_duration_seconds == 4.0
    assert store.failing(3) == [("a", 3)] and store.failing(4) == []

    _, task_id = fire(store, "a", SLOT + 9, mode="allow")
    run(store, task_id)
    assert store.stats("a").consecutive_failures == 0
    assert store.failing() == []


def test_a_retry_records_the_attempt_and_keeps_the_fire_in_progress(
    store: ScheduleStore,
) -> None:
    add(store, "a")
    _, task_id = fire(store, "a", SLOT)
    state = store.run_state(task_id)
    assert state is not None
    now = time.time()
    retried = replace(state.record, outcome="retried", started_at=now, finished_at=now + 1)
    queued = replace(state.record, attempt=2, sent_at=now + 1)

    store.retry_run(task_id, retried, queued, "", now + 100, now)

    assert [(r.outcome, r.attempt) for r in store.runs("a", 5)] == [("retried", 1)]
    [pending] = store.in_progress("a")
    assert (pending.attempt, pending.task_id) == (2, task_id)
    assert store.stats("a").run_count == 0, "an attempt that will be retried is not a run"


def test_history_is_capped_per_schedule_and_across_schedules(store: ScheduleStore) -> None:
    for name in ("a", "b"):
        add(store, name)
        for i in range(7):
            _, task_id = fire(store, name, SLOT + i, mode="allow")
            run(store, task_id)

    assert len(store.runs("a", 50)) == 5
    assert [r.scheduled_at for r in store.runs("a", 50)][0] == SLOT + 6
    assert 8 <= len(store.recent_runs(50)) <= 14 * 2, "approximate trim of the shared stream"
    assert store.stats("a").run_count == 7, "counters outlive trimmed records"


def test_trim_history_drops_records_older_than_a_moment(store: ScheduleStore) -> None:
    add(store, "a")
    _, old = fire(store, "a", SLOT, mode="allow")
    run(store, old)
    [first] = store.runs("a", 1)
    assert first.id is not None
    cut = (int(first.id.split("-")[0]) + 1) / 1000
    deadline = time.monotonic() + 5
    while time.time() <= cut + 0.002 and time.monotonic() < deadline:
        time.sleep(0.002)  # the next record must get a later stream id than the cut
    _, new = fire(store, "a", SLOT + 1, mode="allow")
    run(store, new)

    removed = store.trim_history(cut)

    assert removed == 1
    assert [r.task_id for r in store.runs("a", 10)] == [new]
    assert store.trim_history(time.time() + 1) == 1
    assert store.history_names() == [], "an emptied history is gone, name and all"


def test_run_now_is_refused_while_a_fire_is_in_progress_unless_forced(
    store: ScheduleStore,
) -> None:
    add(store, "a")
    fire(store, "a", SLOT)
    now = time.time()
    manual = RunRecord("a", "f2", TASK, now, "sent", "run_now", "manual", now)

    assert store.register_run(manual, "skip", "", now + STALE, now) == "overlap"
    assert store.register_run(manual, "allow", "", now + STALE, now) is None
    assert {r.task_id for r in store.in_progress("a")} == {"a-" + str(SLOT), "manual"}


def test_deleting_a_schedule_drops_its_counters_but_keeps_its_records(
    store: ScheduleStore,
) -> None:
    add(store, "a")
    _, task_id = fire(store, "a", SLOT)
    run(store, task_id, "failed")

    store.delete("a")

    assert store.stats("a").run_count == 0 and store.failing() == []
    assert [r.outcome for r in store.runs("a", 5)] == ["failed"]


def test_records_between_reads_one_window(store: ScheduleStore) -> None:
    add(store, "a")
    _, task_id = fire(store, "a", SLOT)
    run(store, task_id)
    now = time.time()
    assert [r.task_id for r in store.records_between("a", now - 60, now + 60)] == [task_id]
    assert store.records_between("a", now + 60, now + 120) == []
    assert store.history_names() == ["a"]


def test_cursor_and_time_bounds_at_the_edges(store: ScheduleStore) -> None:
    add(store, "a")
    _, task_id = fire(store, "a", SLOT)
    run(store, task_id)
    assert store.runs("a", 5, before="0-0") == []
    assert store.recent_runs(5, before="0-0") == []
    assert [r.task_id for r in store.recent_runs(5, since=-5.0)] == [task_id]
    assert store.records_between("a", -10.0, -5.0) == []


def test_a_record_has_one_id_in_both_streams(store: ScheduleStore) -> None:
    add(store, "a")
    _, task_id = fire(store, "a", SLOT)
    run(store, task_id)
    [mine] = store.runs("a", 1)
    [shared] = store.recent_runs(1)
    assert mine.id is not None and mine.id == shared.id


def test_a_record_is_kept_even_when_the_shared_ids_fall_behind(store: ScheduleStore) -> None:
    add(store, "a")
    # As if the shared stream had been deleted and the clock set back: the schedule's
    # own stream already holds a later id than the shared one will give.
    store.redis.xadd(
        HISTORY_KEY_PREFIX + "a",
        {"r": RunRecord("a", "f", TASK, 1, "sent").to_json()},
        id="99999999999999-0",
    )
    _, task_id = fire(store, "a", SLOT)
    run(store, task_id)
    assert task_id in {r.task_id for r in store.runs("a", 5)}
    found = store.run_by_task(task_id)
    assert found is not None and found.outcome == "succeeded"
