"""What an alert is about: one event, with an id that names it exactly once.

The id is derived from what happened (the run's task id and attempt, the fire's id,
the record that made a failure streak), never from when it was noticed, so looking at
the same record twice (a reclaim after a crash, two rules reaching it) queues one alert.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Any, Literal

Kind = Literal["run_failed", "consecutive_failures", "long_run", "missed", "failed_items"]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]


@dataclass
class AlertEvent:
    """One thing worth telling someone about. Times are epoch seconds."""

    id: str
    kind: Kind
    schedule: str
    at: float  # when it was noticed
    task: str | None = None
    task_id: str | None = None
    fire_id: str | None = None
    trigger: str | None = None
    scheduled_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    outcome: str | None = None
    attempt: int | None = None
    reason: str | None = None
    error: dict[str, str] | None = None
    duration_seconds: float | None = None
    # long_run: the limit it passed, and what the schedule's runs usually take (p95).
    threshold_seconds: float | None = None
    usual_seconds: float | None = None
    running: bool | None = None  # long_run: noticed while the run was still going
    streak: int | None = None  # consecutive_failures
    missed_count: int | None = None  # missed: how many slots
    failed_items: int | None = None  # failed_items: as the run's result reported
    total_items: int | None = None
    items_threshold: int | None = None
    # Alerts of this schedule the rate limit held back before this one.
    suppressed: int = field(default=0)

    def to_json(self) -> str:
        data = {k: v for k, v in vars(self).items() if v is not None and k != "suppressed"}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str, suppressed: int = 0) -> AlertEvent:
        data: dict[str, Any] = json.loads(text)
        known = {f.name for f in fields(cls)}
        event = cls(**{k: v for k, v in data.items() if k in known})
        if event.kind not in KINDS or not event.schedule:
            raise ValueError(f"not an alert event: {text[:200]!r}")
        event.suppressed = suppressed
        return event


def run_key(task_id: str | None, fire_id: str) -> str:
    """A run's identity: its task id (kept across retries), else its fire's."""
    return task_id or fire_id
