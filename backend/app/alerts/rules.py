"""When to alert, without I/O: each rule takes records and thresholds, returns events.

- `run_failed`: a run's final outcome is failed, timed_out or lost (a `retried`
  attempt is not final: only the attempt after the last retry counts).
- `consecutive_failures`: the run that makes a schedule's failure streak reach
  ALERT_CONSECUTIVE_FAILURES (once per streak; the failures after it alert as runs).
- `long_run`: a run lasting longer than its limit: the schedule's
  `alert_long_run_seconds`, else ALERT_LONG_RUN_FACTOR x the p95 of its last
  BASELINE_RUNS successful runs, never under ALERT_LONG_RUN_MIN_SECONDS, and only once
  it has ALERT_LONG_RUN_MIN_RUNS of them. Noticed while the run still goes, or when a
  successful run ends (a failed one alerts as a failure already).
- `missed`: a fire recorded as missed (Beat was down past its catch-up window).
- `failed_items`: a successful run whose result reports at least the threshold of
  failed items, or all of them failed (seed 001: "10 or more, or all"); see
  `item_counts` for the result's shape.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.alerts.events import AlertEvent, run_key
from app.core.config import Settings
from app.schedules import ERROR_OUTCOMES, Policy, RunRecord

# Final outcomes of a run (a streak counts these, and nothing else).
RUN_ENDS = ("succeeded", *ERROR_OUTCOMES)
# The recent successful runs a schedule's usual duration is taken from.
BASELINE_RUNS = 20


@dataclass(frozen=True)
class Thresholds:
    """The settings' side of the rules."""

    consecutive_failures: int = 3
    failed_items: int = 10
    long_run_factor: float = 3.0
    long_run_min_seconds: float = 60.0
    long_run_min_runs: int = 5

    @classmethod
    def from_settings(cls, s: Settings) -> Thresholds:
        return cls(
            s.alert_consecutive_failures,
            s.alert_failed_items,
            s.alert_long_run_factor,
            s.alert_long_run_min_seconds,
            s.alert_long_run_min_runs,
        )


@dataclass(frozen=True)
class ScheduleAlerts:
    """A schedule's own thresholds (its policy); None: the settings decide."""

    failed_items: int | None = None
    long_run_seconds: float | None = None

    @classmethod
    def of(cls, policy: Policy | None) -> ScheduleAlerts:
        if policy is None:
            return cls()
        return cls(policy.alert_failed_items, policy.alert_long_run_seconds)


def _base(rec: RunRecord, kind: str, event_id: str, now: float) -> AlertEvent:
    return AlertEvent(
        id=event_id,
        kind=kind,  # type: ignore[arg-type]
        schedule=rec.schedule,
        at=now,
        task=rec.task,
        task_id=rec.task_id,
        fire_id=rec.fire_id,
        trigger=rec.trigger,
        scheduled_at=rec.scheduled_at,
        started_at=rec.started_at,
        finished_at=rec.finished_at,
        outcome=rec.outcome,
        attempt=rec.attempt,
        reason=rec.reason,
        error=_short_error(rec.error),
        duration_seconds=rec.duration_seconds,
    )


def _short_error(error: dict[str, str] | None) -> dict[str, str] | None:
    """Type and message: the traceback stays in the history, one link away."""
    if not error:
        return None
    return {k: v for k, v in error.items() if k in ("type", "message")}


def on_record(rec: RunRecord, now: float) -> list[AlertEvent]:
    """The events a record is by itself: a run that failed, a fire that was missed."""
    if rec.outcome in ERROR_OUTCOMES:
        key = run_key(rec.task_id, rec.fire_id)
        return [_base(rec, "run_failed", f"run_failed:{key}", now)]
    if rec.outcome == "missed":
        event = _base(rec, "missed", f"missed:{rec.fire_id}", now)
        event.missed_count = rec.missed_count or 1
        return [event]
    return []


def streak_of(rec: RunRecord, older: Iterable[RunRecord], cap: int) -> int:
    """How many runs in a row failed, ending with `rec` (which failed); `older`: the
    schedule's earlier records, newest first. Counting stops past `cap`.

    Records that are not a run's end (retried, skipped, missed) do not break a streak;
    a run recorded twice (lost, then its frozen worker finished it) counts once.
    """
    count = 1
    seen = {run_key(rec.task_id, rec.fire_id)}
    for other in older:
        if other.outcome not in RUN_ENDS:
            continue
        key = run_key(other.task_id, other.fire_id)
        if key in seen:
            continue
        if other.outcome not in ERROR_OUTCOMES:
            break
        seen.add(key)
        count += 1
        if count > cap:
            break
    return count


def consecutive_event(rec: RunRecord, streak: int, needed: int, now: float) -> AlertEvent | None:
    """The streak alert, raised by the one run that makes the streak `needed` long."""
    if streak != needed:
        return None
    event = _base(rec, "consecutive_failures", f"consecutive_failures:{rec.id or rec.fire_id}", now)
    event.streak = streak
    return event


def p95(values: list[float]) -> float | None:
    """Nearest-rank 95th percentile (as the schedule's stats compute it)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(0.95 * len(ordered))) - 1]


def usual_durations(recent: Iterable[RunRecord], exclude: str | None = None) -> list[float]:
    """Durations of the latest BASELINE_RUNS successful runs (newest-first input),
    leaving out the run being judged."""
    found: list[float] = []
    for rec in recent:
        if rec.outcome != "succeeded" or (exclude and rec.task_id == exclude):
            continue
        duration = rec.duration_seconds
        if duration is not None:
            found.append(duration)
            if len(found) >= BASELINE_RUNS:
                break
    return found


def long_run_limit(
    own: ScheduleAlerts, thresholds: Thresholds, durations: list[float]
) -> tuple[float, float | None] | None:
    """(seconds past which a run is long, the usual p95), or None while the schedule
    has too few runs to tell and no limit of its own."""
    usual = p95(durations)
    if own.long_run_seconds is not None:
        return own.long_run_seconds, usual
    if usual is None or len(durations) < thresholds.long_run_min_runs:
        return None
    return max(thresholds.long_run_factor * usual, thresholds.long_run_min_seconds), usual


def might_be_long(seconds: float, own: ScheduleAlerts, thresholds: Thresholds) -> bool:
    """Cheap pre-check: no learned limit is below ALERT_LONG_RUN_MIN_SECONDS, so a
    shorter run needs no look at its schedule's history."""
    if own.long_run_seconds is not None:
        return seconds > own.long_run_seconds
    return seconds > thresholds.long_run_min_seconds


def long_run_event(
    rec: RunRecord,
    seconds: float,
    limit: tuple[float, float | None] | None,
    now: float,
    running: bool,
) -> AlertEvent | None:
    """The long-run alert for a run that has lasted `seconds` so far (or in all)."""
    if limit is None or seconds <= limit[0]:
        return None
    key = run_key(rec.task_id, rec.fire_id)
    event = _base(rec, "long_run", f"long_run:{key}:{rec.attempt}", now)
    event.duration_seconds = round(seconds, 3)
    event.threshold_seconds = round(limit[0], 3)
    event.usual_seconds = None if limit[1] is None else round(limit[1], 3)
    event.running = running
    return event


@dataclass(frozen=True)
class ItemCounts:
    failed: int
    total: int | None = None


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def item_counts(result: Any) -> ItemCounts | None:
    """Failed and total items as a task's return value reports them, or None.

    The shape read: a JSON object with an integer `failed` and, optionally, `total`
    (or `found`, as the collection tasks say), at its top level or under `totals`.
    """
    if not isinstance(result, Mapping):
        return None
    for source in (result, result.get("totals")):
        if isinstance(source, Mapping):
            failed = _count(source.get("failed"))
            if failed is not None:
                total = _count(source.get("total"))
                if total is None:
                    total = _count(source.get("found"))
                return ItemCounts(failed, total)
    return None


def failed_items_event(
    rec: RunRecord, counts: ItemCounts | None, threshold: int, now: float
) -> AlertEvent | None:
    if counts is None or counts.failed == 0:
        return None
    everything = counts.total is not None and counts.failed >= counts.total
    if counts.failed < threshold and not everything:
        return None
    event = _base(rec, "failed_items", f"failed_items:{run_key(rec.task_id, rec.fire_id)}", now)
    event.failed_items = counts.failed
    event.total_items = counts.total
    event.items_threshold = threshold
    return event
