"""What the run routes answer: one run record, pages of them, per-schedule stats and
the schedules failing in a row."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from app.api.models.common import Timestamp
from app.schedules import Outcome


class RunError(BaseModel):
    """Why an attempt failed; each part bounded."""

    type: str = Field(description="The exception's class, e.g. `ValueError`.")
    message: str
    traceback: str | None = Field(default=None, description="Its last lines.")


class RunPublic(BaseModel):
    """One fire, or one attempt of it (a retried attempt is a record of its own).
    Times are ISO-8601 UTC."""

    id: str | None = Field(
        description="The record's stream id (the cursor); null for a fire in progress.",
        examples=["1767225600123-0"],
    )
    recorded_at: Timestamp | None = Field(
        description="When the record was written (from its id): what `since` and `until` "
        "filter on. Null for a fire in progress."
    )
    age: str | None = Field(
        default=None,
        description="How long ago its latest moment was (finished, else started, sent or "
        'due), in words ("3 min ago", Korean with LANGUAGE=ko); every time here is '
        "ISO-8601 UTC (Z).",
        examples=["3 min ago"],
    )
    schedule: str
    fire_id: str = Field(description="The same id for the same slot of the same schedule.")
    task: str
    outcome: Outcome = Field(
        description="`sent` and `running` while in progress; then `succeeded`, `failed`, "
        "`timed_out`, `lost` (its worker stopped renewing its lease), `retried` (this "
        "attempt failed and another follows), or `skipped` / `missed` (never sent)."
    )
    trigger: Literal["beat", "run_now"] = Field(description="What sent it.")
    scheduled_at: Timestamp = Field(description="The slot served (for run-now: when asked).")
    task_id: str | None = Field(description="Celery's task id; null when nothing was sent.")
    sent_at: Timestamp | None
    started_at: Timestamp | None
    finished_at: Timestamp | None
    attempt: int = Field(description="1 for the first attempt, 2 for the first retry, ...")
    worker: str | None = Field(description="The worker's hostname.")
    reason: str | None = Field(
        description="Why it was skipped (`overlap`, `min_gap`, `lock_key`), missed "
        "(`catchup_window`) or lost (`lease expired`)."
    )
    error: RunError | None
    result: str | None = Field(description="The task's return value as JSON text, bounded.")
    missed_count: int | None = Field(description="Slots one `missed` record stands for.")
    duration_seconds: float | None = Field(description="From start to end; null while running.")
    lateness_seconds: float | None = Field(description="From the slot to the send.")


class RunsPage(BaseModel):
    """One page of runs, newest first: pass `next_cursor` as `cursor` until it is null."""

    runs: list[RunPublic]
    next_cursor: str | None = Field(
        description="The stream id of the last record read; null when nothing older is left.",
        examples=["1767225600123-0"],
    )


class RunsFound(RunsPage):
    """A page of a filtered query across schedules."""

    scanned: int = Field(
        description="Records read to answer. A scan stops after 10,000: a page can then "
        "hold fewer than `limit` runs while `next_cursor` continues the scan."
    )


class RunStatsPublic(BaseModel):
    """Counts over all time (while the schedule has records), durations over its most
    recent 100 runs. A run is a fire that ended `succeeded`, `failed`, `timed_out` or
    `lost`; the last three count as errors."""

    run_count: int
    error_count: int
    success_rate: float | None = Field(description="(runs - errors) / runs; null before any.")
    consecutive_failures: int = Field(description="Errors since the last success.")
    last_outcome: str | None
    last_finished_at: Timestamp | None
    last_duration_seconds: float | None
    avg_duration_seconds: float | None
    p95_duration_seconds: float | None


class FailingSchedule(BaseModel):
    name: str
    consecutive_failures: int


class FailingPublic(BaseModel):
    """Enabled schedules whose last `threshold` or more runs all failed, the longest
    streak first (a paused schedule is not reported: pausing silences it)."""

    threshold: int = Field(description="ALERT_CONSECUTIVE_FAILURES.")
    schedules: list[FailingSchedule]
