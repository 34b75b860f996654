"""The metrics' counters as the run-history scripts write them (count_record, count_run
in store/_run_scripts.py), on fakeredis and a real redis-server alike."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from app.core.constants import (
    APPLY_BUCKETS,
    DURATION_BUCKETS,
    LATENESS_BUCKETS,
    METRICS_OTHER_LABEL,
)
from app.schedules import HistoryLimits, MetricCounts, RunRecord, ScheduleStore
from app.schedules.store import MISSED, SKIPPED
from app.schedules.store._metrics import bucket_of
from tests.unit.schedules.test_runs_store import STALE, add, fire

SLOT = time.time() - 100


@pytest.fixture
def store(store_on_both: ScheduleStore) -> ScheduleStore:  # noqa: F811
    store_on_both.history_limits = HistoryLimits(14 * 86400, 50, 100, STALE, 2)
    store_on_both.beats.claim("me", "me", "{}", 30)
    return store_on_both


def run(store: ScheduleStore, task_id: str, outcome: str, late: float, took: float | None) -> None:
    """A worker starts the fire `late` seconds after its slot, and ends it `took` later
    (None: never ends; the sweep will find it lost)."""
    state = store.run_state(task_id)
    assert state is not None
    started = state.record.scheduled_at + late
    rec = replace(state.record, outcome="running", started_at=started, worker="w1")
    store.start_run(task_id, rec, state.lock, started + 1, started)
    if took is not None:
        end = replace(rec, outcome=outcome, finished_at=started + took)  # type: ignore[arg-type]
        store.finish_run(task_id, end, state.lock)


def in_bucket(counts: MetricCounts, name: str, value: float) -> int:
    hist = counts.histograms[name]
    return hist.buckets[bucket_of(hist.bounds, value) - 1]


def test_a_run_counts_its_outcome_duration_and_lateness(store: ScheduleStore) -> None:
    add(store, "a")
    _, task_id = fire(store, "a", SLOT)

    run(store, task_id, "succeeded", late=7.0, took=2.5)

    counts = store.metric_counts()
    assert counts.fires == {"succeeded": 1}
    assert counts.runs == {("succeeded", "a"): 1}
    duration, lateness = counts.histograms["duration"], counts.histograms["lateness"]
    assert (duration.count, duration.total, in_bucket(counts, "duration", 2.5)) == (1, 2.5, 1)
    assert (lateness.count, in_bucket(counts, "lateness", 7.0)) == (1, 1)
    assert lateness.total == pytest.approx(7.0, abs=1e-3)
    assert counts.histograms["apply"].count == 0 and counts.in_progress == 0


def test_skipped_and_missed_fires_count_by_reason(store: ScheduleStore) -> None:
    add(store, "a")
    _, first = fire(store, "a", SLOT)
    assert fire(store, "a", SLOT + 1)[0] == SKIPPED
    assert fire(store, "a", SLOT + 2)[0] == SKIPPED
    add(store, "b")
    assert fire(store, "b", SLOT, mode="missed")[0] == MISSED

    counts = store.metric_counts()
    # The test's missed record gives no reason (Beat's says catchup_window).
    assert counts.fires == {"skipped|overlap": 2, "missed|": 1}
    assert counts.runs == {} and counts.in_progress == 1, "the first fire is still queued"
    run(store, first, "failed", late=0.0, took=1.0)
    assert store.metric_counts().fires["failed"] == 1


def test_a_retried_fire_counts_the_attempt_and_its_lateness_once(store: ScheduleStore) -> None:
    add(store, "a")
    _, task_id = fire(store, "a", SLOT)
    state = store.run_state(task_id)
    assert state is not None
    started = SLOT + 0.3
    first = replace(state.record, outcome="running", started_at=started)
    store.start_run(task_id, first, "", started + 60, started)
    retried = replace(first, outcome="retried", finished_at=started + 1)
    queued = replace(first, outcome="sent", attempt=2, sent_at=started + 1, started_at=None)
    store.retry_run(task_id, retried, queued, "", started + 60, started + 1)

    run(store, task_id, "succeeded", late=30.0, took=1.0)

    counts = store.metric_counts()
    assert counts.fires == {"retried": 1, "succeeded": 1}
    assert counts.histograms["lateness"].count == 1, "the fire's first attempt only"
    assert in_bucket(counts, "lateness", 0.3) == 1


def test_schedules_past_the_limit_are_counted_as_other(store: ScheduleStore) -> None:
    for name in ("a", "b", "c"):
        add(store, name)
        run(store, fire(store, name, SLOT)[1], "succeeded", late=0.0, took=1.0)
    run(store, fire(store, "c", SLOT + 60)[1], "failed", late=0.0, took=1.0)

    assert store.metric_counts().runs == {
        ("succeeded", "a"): 1,
        ("succeeded", "b"): 1,
        ("succeeded", METRICS_OTHER_LABEL): 1,
        ("failed", METRICS_OTHER_LABEL): 1,
    }, "the limit is 2: the first two schedules to run keep their names"


def test_forgetting_a_series_frees_its_place_and_keeps_the_totals(store: ScheduleStore) -> None:
    for name in ("a", "b"):
        add(store, name)
        run(store, fire(store, name, SLOT)[1], "succeeded", late=0.0, took=1.0)

    store.forget_metric_series(["a"])
    add(store, "c")
    run(store, fire(store, "c", SLOT)[1], "succeeded", late=0.0, took=1.0)

    counts = store.metric_counts()
    assert counts.runs == {("succeeded", "b"): 1, ("succeeded", "c"): 1}
    assert counts.fires == {"succeeded": 3}


def test_a_lost_run_has_no_duration_and_a_late_end_is_not_a_second_run(
    store: ScheduleStore,
) -> None:
    add(store, "a")
    _, task_id = fire(store, "a", SLOT)
    run(store, task_id, "succeeded", late=1.0, took=None)
    assert store.sweep_lost([task_id], time.time()) == []
    state_rec = RunRecord("a", "f", "t", SLOT, "succeeded", task_id=task_id, started_at=SLOT + 1)
    store.finish_run(task_id, replace(state_rec, finished_at=SLOT + 3), "")

    counts = store.metric_counts()
    assert counts.fires == {"lost": 1}
    assert counts.runs == {("lost", "a"): 1}
    assert counts.histograms["duration"].count == 0


def test_the_wait_for_beat_is_observed_into_its_buckets(store: ScheduleStore) -> None:
    store.observe_apply(0.004)
    store.observe_apply(0.2)
    store.observe_apply(1000.0)

    hist = store.metric_counts().histograms["apply"]
    assert hist.bounds == tuple(float(b) for b in APPLY_BUCKETS)
    expected = [0] * (len(APPLY_BUCKETS) + 1)
    for value in (0.004, 0.2, 1000.0):
        expected[bucket_of(APPLY_BUCKETS, value) - 1] += 1
    assert list(hist.buckets) == expected and expected[-1] == 1
    assert hist.total == pytest.approx(1000.204)


@pytest.mark.parametrize(
    ("bounds", "value", "bucket"),
    [
        (DURATION_BUCKETS, 0.0, 1),
        (DURATION_BUCKETS, 0.1, 1),
        (DURATION_BUCKETS, 0.11, 2),
        (LATENESS_BUCKETS, 3600.0, len(LATENESS_BUCKETS)),
        (LATENESS_BUCKETS, 3600.5, len(LATENESS_BUCKETS) + 1),
    ],
)
def test_a_bound_belongs_to_its_own_bucket(
    bounds: tuple[float, ...], value: float, bucket: int
) -> None:
    assert bucket_of(bounds, value) == bucket
