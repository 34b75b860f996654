"""app/alerts/rules.py: when a record, a run in progress or a result is worth an alert."""

from __future__ import annotations

from typing import Any

import pytest

from app.alerts.rules import (
    BASELINE_RUNS,
    ItemCounts,
    ScheduleAlerts,
    Thresholds,
    consecutive_event,
    failed_items_event,
    item_counts,
    long_run_event,
    long_run_limit,
    might_be_long,
    on_record,
    p95,
    streak_of,
    usual_durations,
)
from app.schedules import Policy, RunRecord

T0 = 1_800_000_000.0


def rec(
    outcome: str,
    task_id: str | None = "t1",
    took: float | None = 1.0,
    sid: str | None = None,
    **kw: Any,
) -> RunRecord:
    started = T0 if took is not None else None
    finished = T0 + took if took is not None else None
    return RunRecord(
        "수집",
        kw.pop("fire_id", f"fire-{task_id}"),
        "app.tasks.collection.collect_supplier",
        T0 - 5,
        outcome,  # type: ignore[arg-type]
        task_id=task_id,
        started_at=started,
        finished_at=finished,
        id=sid,
        **kw,
    )


# --- a record by itself --------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "kinds"),
    [
        ("failed", ["run_failed"]),
        ("timed_out", ["run_failed"]),
        ("lost", ["run_failed"]),
        ("missed", ["missed"]),
        ("succeeded", []),
        ("retried", []),  # not final: the attempt after the last retry decides
        ("skipped", []),
        ("sent", []),
        ("running", []),
    ],
)
def test_which_records_are_an_alert_by_themselves(outcome: str, kinds: list[str]) -> None:
    assert [e.kind for e in on_record(rec(outcome), T0 + 10)] == kinds


def test_a_failed_run_alert_carries_what_happened_and_is_named_by_its_run() -> None:
    error = {"type": "SimulatedFailure", "message": "boom", "traceback": "Traceback ...\n"}
    [event] = on_record(rec("failed", attempt=3, error=error, reason=None), T0 + 10)
    assert event.id == "run_failed:t1"
    assert (event.schedule, event.outcome, event.attempt) == ("수집", "failed", 3)
    assert event.error == {"type": "SimulatedFailure", "message": "boom"}  # no traceback
    assert event.duration_seconds == 1.0
    # The same record looked at again is the same event (the queue drops the second).
    assert on_record(rec("failed", attempt=3, error=error), T0 + 99)[0].id == event.id


def test_a_missed_fire_is_named_by_its_fire_and_says_how_many_slots() -> None:
    [event] = on_record(rec("missed", task_id=None, took=None, missed_count=3), T0)
    assert (event.id, event.missed_count) == ("missed:fire-None", 3)
    [one] = on_record(rec("missed", task_id=None, took=None, fire_id="f9"), T0)
    assert (one.id, one.missed_count) == ("missed:f9", 1)


# --- failure streaks -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("older", "expected"),
    [
        ([], 1),
        (["failed", "timed_out", "lost"], 4),
        (["failed", "succeeded", "failed"], 2),
        # Records that are not a run's end do not break a streak.
        (["retried", "skipped", "missed", "failed", "succeeded"], 2),
        (["succeeded", "failed"], 1),
    ],
)
def test_a_streak_counts_failed_runs_back_to_the_last_success(
    older: list[str], expected: int
) -> None:
    history = [rec(o, task_id=f"o{i}") for i, o in enumerate(older)]
    assert streak_of(rec("failed"), history, cap=10) == expected


def test_a_run_recorded_twice_counts_once_and_counting_stops_past_the_cap() -> None:
    # Lost, then its frozen worker woke and recorded it failed: one run.
    twice = [rec("lost", task_id="t1"), rec("failed", task_id="o1")]
    assert streak_of(rec("failed", task_id="t1"), twice, cap=10) == 2
    many = (rec("failed", task_id=f"o{i}") for i in range(1000))
    assert streak_of(rec("failed"), many, cap=3) == 4


@pytest.mark.parametrize(("streak", "raised"), [(2, False), (3, True), (4, False)])
def test_the_streak_alert_is_raised_by_the_run_that_makes_it_long_enough(
    streak: int, raised: bool
) -> None:
    event = consecutive_event(rec("failed", sid="1700-0"), streak, 3, T0)
    assert (event is not None) is raised
    if event is not None:
        assert (event.id, event.streak) == ("consecutive_failures:1700-0", 3)


# --- long runs -----------------------------------------------------------------------


def test_usual_durations_are_recent_successes_without_the_run_judged() -> None:
    history = [
        rec("succeeded", task_id="me", took=100),
        rec("failed", task_id="a", took=50),
        *[rec("succeeded", task_id=f"s{i}", took=float(i)) for i in range(30)],
    ]
    found = usual_durations(history, exclude="me")
    assert found == [float(i) for i in range(BASELINE_RUNS)]
    assert p95([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 100]) == 19


THRESHOLDS = Thresholds(long_run_factor=3, long_run_min_seconds=60, long_run_min_runs=5)


@pytest.mark.parametrize(
    ("own", "durations", "limit"),
    [
        # Too few runs to know what is usual, and no limit of its own: never long.
        (None, [10.0] * 4, None),
        # factor x p95, when above the floor.
        (None, [30.0] * 5, (90.0, 30.0)),
        # The floor: a 2 s job is not "long" at 7 s.
        (None, [2.0] * 10, (60.0, 2.0)),
        # The schedule's own limit wins, with no runs needed.
        (5.0, [], (5.0, None)),
        (5.0, [30.0] * 5, (5.0, 30.0)),
    ],
)
def test_the_long_run_limit(
    own: float | None, durations: list[float], limit: tuple[float, float | None] | None
) -> None:
    assert long_run_limit(ScheduleAlerts(long_run_seconds=own), THRESHOLDS, durations) == limit


def test_a_long_run_event_while_running_and_at_its_end_is_one_event() -> None:
    limit = (90.0, 30.0)
    assert long_run_event(rec("running"), 89.0, limit, T0, running=True) is None
    during = long_run_event(rec("running", attempt=2), 95.0, limit, T0, running=True)
    after = long_run_event(rec("succeeded", attempt=2), 120.0, limit, T0, running=False)
    assert during is not None and after is not None
    assert during.id == after.id == "long_run:t1:2"
    assert (during.running, during.threshold_seconds, during.usual_seconds) == (True, 90, 30)
    assert long_run_event(rec("running"), 10_000.0, None, T0, running=True) is None


def test_only_runs_past_the_floor_or_their_own_limit_need_a_look_at_history() -> None:
    assert not might_be_long(59.0, ScheduleAlerts(), THRESHOLDS)
    assert might_be_long(61.0, ScheduleAlerts(), THRESHOLDS)
    assert might_be_long(6.0, ScheduleAlerts(long_run_seconds=5), THRESHOLDS)


def test_a_schedule_s_thresholds_come_from_its_policy() -> None:
    policy = Policy(alert_failed_items=3, alert_long_run_seconds=30)
    assert ScheduleAlerts.of(policy) == ScheduleAlerts(3, 30.0)
    assert ScheduleAlerts.of(None) == ScheduleAlerts() == ScheduleAlerts.of(Policy())


# --- failed items --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "counts"),
    [
        ({"failed": 12, "found": 800}, ItemCounts(12, 800)),
        ({"failed": 12, "total": 50, "found": 800}, ItemCounts(12, 50)),
        ({"failed": 3}, ItemCounts(3, None)),
        # collect_wholesale_products reports per supplier and in `totals`.
        (
            {"suppliers": {}, "totals": {"found": 2395, "saved": 2375, "failed": 20}},
            ItemCounts(20, 2395),
        ),
        ({"failed": True}, None),  # not a count
        ({"failed": -1}, None),
        ({"failed": "12"}, None),
        ({"saved": 3}, None),
        ([1, 2], None),
        ("failed: 12", None),
        (None, None),
    ],
)
def test_the_result_shape_read_for_failed_items(result: Any, counts: ItemCounts | None) -> None:
    assert item_counts(result) == counts


@pytest.mark.parametrize(
    ("counts", "threshold", "raised"),
    [
        (ItemCounts(10, 800), 10, True),  # seed 001: 10 or more
        (ItemCounts(9, 800), 10, False),
        (ItemCounts(5, 5), 10, True),  # ... or all of them
        (ItemCounts(0, 0), 10, False),  # nothing to collect is not a failure
        (ItemCounts(3, None), 3, True),
        (ItemCounts(0, 800), 1, False),
        (None, 1, False),
    ],
)
def test_failed_items_at_the_threshold_or_all_failed(
    counts: ItemCounts | None, threshold: int, raised: bool
) -> None:
    event = failed_items_event(rec("succeeded"), counts, threshold, T0)
    assert (event is not None) is raised
    if event is not None and counts is not None:
        assert event.id == "failed_items:t1"
        assert (event.failed_items, event.total_items, event.items_threshold) == (
            counts.failed,
            counts.total,
            threshold,
        )
