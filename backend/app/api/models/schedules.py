"""What the schedule routes answer: an entry (`presentation.entry_view`), a page of
them, and the result of each change."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from app.api.models.common import Timestamp
from app.api.models.runs import RunStatsPublic
from app.schedules import CategoryName, Origin


class Timing(BaseModel):
    """The timing as structured data: its kind, its own fields and its timezone."""

    kind: Literal["crontab", "cron", "interval", "once"]
    timezone: str
    minute: str | None = None
    hour: str | None = None
    day_of_week: str | None = None
    day_of_month: str | None = None
    month_of_year: str | None = None
    cron: str | None = None
    interval: float | None = Field(default=None, description="Seconds.")
    anchor: str | None = Field(
        default=None, description="With interval: the first run, with its offset."
    )
    at: str | None = Field(default=None, description="The one-off run time, with its offset.")


class SchedulePublic(BaseModel):
    """One entry. The timing fields as written (`hour`, `cron`, `interval`, ...) appear
    only when given; an entry written by RedBeat directly has no `timing`."""

    name: str
    task: str
    minute: str | None = None
    hour: str | None = None
    day_of_week: str | None = None
    day_of_month: str | None = None
    month_of_year: str | None = None
    cron: str | None = None
    interval: float | None = None
    anchor: str | None = None
    at: str | None = None
    timezone: str | None = None
    schedule: str = Field(description='The schedule object, e.g. "<crontab: 0 6 * * 1 ...>".')
    timing: Timing | None
    timing_text: str | None = Field(description='In words: "At 14:30, only on Wednesday".')
    args: list[Any]
    kwargs: dict[str, Any]
    options: dict[str, Any]
    enabled: bool
    origin: Origin
    description: str
    category: CategoryName | None = Field(
        default=None, description="Seed 000's job type, if one was given."
    )
    policy: dict[str, Any] | None = Field(
        description="Execution policy (docs/history.md); `alert_webhook_url` shows its scheme "
        "and host only (`https://hooks.slack.com/…`), and sent back so it keeps the stored URL."
    )
    next_run_at: Timestamp | None = Field(
        description="With the offset of its timezone (`timing.timezone`). Null while paused "
        "or finished."
    )
    next_run_in_seconds: float | None = Field(
        default=None,
        description="Seconds from the response's time to `next_run_at`; negative when it is "
        "overdue. Null when `next_run_at` is.",
    )
    next_run_in: str | None = Field(
        default=None,
        description='The same in words, in LANGUAGE: "in 14 h 58 min", "3 min ago", "now".',
        examples=["in 14 h 58 min"],
    )
    last_run_at: Timestamp | None
    total_run_count: int
    version: str = Field(description="Also sent as `ETag`; send it back as `If-Match`.")
    last_outcome: str | None = Field(
        default=None,
        description="How its last run ended (`succeeded`, `failed`, `timed_out`, `lost`); "
        "null before any. In the listing and the detail only.",
    )
    last_finished_at: Timestamp | None = Field(
        default=None,
        description="When that run ended (UTC), whatever started it (Beat, run now, a "
        "retry); `last_run_at` is Beat's last send only. Null before any. In the listing "
        "and the detail only.",
    )
    consecutive_failures: int | None = Field(
        default=None,
        description="Runs in a row that ended in an error. In the listing and the detail only.",
    )


class ScheduleDetail(SchedulePublic):
    upcoming: list[Timestamp] = Field(description="The next 5 fire times, in its timezone.")
    stats: RunStatsPublic = Field(description="Its run history in figures.")


class SchedulesPublic(BaseModel):
    """One page of seed 004's listing: follow `next_cursor` until it is null."""

    schedule: dict[str, SchedulePublic] = Field(description="Entries by name.")
    timezone: str = Field(description="The default timezone.")
    count: int = Field(description="Entries on this page.")
    total: int = Field(description="Entries in the store, before filters.")
    next_cursor: str | None


class ScheduleChanged(BaseModel):
    """Created, updated, paused or resumed: the entry as it now is."""

    message: str
    schedule: SchedulePublic
    note: str = Field(description="When the change takes effect.")
    next_run: str | None = Field(
        default=None,
        description="When it runs next, in which timezone and how far away; says so when "
        "`at` or `anchor` was written without an offset and so read in its timezone.",
        examples=[
            "Next run: 2026-12-03 08:12:00 (Asia/Seoul, UTC+09:00), in 15 h 2 min. `at` was "
            "written without a UTC offset, so it was read in Asia/Seoul, the schedule's "
            "timezone (not this server's)."
        ],
    )


class ScheduleDeleted(BaseModel):
    message: str
    name: str


class RunSent(BaseModel):
    """The task was sent; follow the run at `run_url` (also the `Location` header)."""

    message: str
    name: str
    task_id: str = Field(description="Celery's task id: the run's id in the history.")
    run_url: str = Field(
        description="This run: queued, running, then its final record.",
        examples=["/api/scheduler/runs/6f1c0d2e-5b7a-4c1e-9f0a-2d3b4c5d6e7f"],
    )
    runs_url: str = Field(
        description="The schedule's history, this run first while it is in progress.",
        examples=["/api/scheduler/schedule/%ED%85%8C%EC%8A%A4%ED%8A%B8/runs"],
    )
