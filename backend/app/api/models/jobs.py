"""Seed 000's job API (`/scheduler/...`): its bodies and answers, in its own words.

A job is a schedule seen through seed 000's field names (app/schedules/jobs.py maps
them). The request models check types and bounds and refuse unknown fields; the schedule
layer then validates the whole definition (the function, its parameters against its
signature, the cron expression), and its errors name the job's fields too.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.api.models.common import Timestamp
from app.api.models.control import PausePublic
from app.api.models.runs import RunPublic, RunStatsPublic
from app.schedules import NAME_MAX_LENGTH, Category, CategoryName, Origin

NO_EXTRA = ConfigDict(extra="forbid", allow_inf_nan=False)
# Ten years, as the spec bounds a timeout.
MAX_SECONDS = 10 * 366 * 86400
JOB_TYPE = (
    "What kind of work it is. When not given: derived from the function (collect_* "
    "COLLECTION, process_images IMAGE_PROCESSING, cleanup_old_data CLEANUP, "
    "generate_daily_report REPORT, analyze_trends ANALYSIS, else CUSTOM). Lower case is "
    "accepted."
)
FUNCTION = "The task: its function name (`collect_wholesale_products`) or its full name."
CRON = (
    "5 fields, minute hour day-of-month month day-of-week, in the job's timezone "
    "(TIMEZONE, Asia/Seoul by default, unless `timezone` names another)."
)
TIMEZONE = "IANA name, e.g. `Asia/Seoul`; null: the scheduler's TIMEZONE."
PARAMETERS = "The function's keyword arguments, checked against its signature."


class JobCreate(BaseModel):
    """A new job, as seed 000 sends it."""

    model_config = NO_EXTRA

    name: str = Field(min_length=1, max_length=NAME_MAX_LENGTH, examples=["커스텀 수집 작업"])
    job_type: Category | None = Field(default=None, description=JOB_TYPE)
    function_name: str = Field(
        min_length=1, max_length=300, description=FUNCTION, examples=["collect_wholesale_products"]
    )
    cron_expression: str = Field(
        min_length=1, max_length=200, description=CRON, examples=["0 3 * * *"]
    )
    parameters: dict[str, Any] = Field(default_factory=dict, description=PARAMETERS)
    max_retries: int = Field(default=0, ge=0, le=100, description="Retries after a failure.")
    timeout_seconds: float | None = Field(
        default=None, gt=0, le=MAX_SECONDS, description="Stop a run after this long."
    )
    is_active: bool = Field(default=True, description="false: created switched off.")
    description: str = Field(default="", max_length=1000)
    timezone: str | None = Field(default=None, description=TIMEZONE)


class JobUpdate(BaseModel):
    """The fields to change; the others stay. `null` resets a field to its default
    (`job_type`: derived again from the function)."""

    model_config = NO_EXTRA

    name: str | None = Field(default=None, description="The job's name, if given: no renaming.")
    is_active: bool | None = Field(default=None, description="false: stop running it.")
    job_type: Category | None = Field(default=None, description=JOB_TYPE)
    function_name: str | None = Field(
        default=None, min_length=1, max_length=300, description=FUNCTION
    )
    cron_expression: str | None = Field(
        default=None, min_length=1, max_length=200, description=CRON
    )
    parameters: dict[str, Any] | None = Field(
        default=None, description=PARAMETERS + " Replaced whole."
    )
    max_retries: int | None = Field(default=None, ge=0, le=100)
    timeout_seconds: float | None = Field(default=None, gt=0, le=MAX_SECONDS)
    description: str | None = Field(default=None, max_length=1000)
    timezone: str | None = Field(default=None, description=TIMEZONE)


class JobPublic(BaseModel):
    """A job: one schedule in seed 000's words. `url` is the same entry in the full
    API (`/api/scheduler/schedule/{name}`), which shows every field."""

    id: int = Field(description="Stable: never given to another job, even after deletion.")
    name: str
    job_type: CategoryName
    function_name: str = Field(description="The task's function name.")
    task: str = Field(description="The task's full name.")
    cron_expression: str | None = Field(
        description="Null for a job timed by an interval or a single time (see `schedule`)."
    )
    schedule: str | None = Field(description='In words, e.g. "At 03:00".')
    timezone: str = Field(description="The zone its times are in.")
    parameters: dict[str, Any]
    max_retries: int
    timeout_seconds: float | None
    is_active: bool
    description: str
    origin: Origin = Field(description="Who manages it: file (schedules.json), api, redbeat.")
    next_run_at: Timestamp | None = Field(
        description="In the job's timezone; null while switched off."
    )
    next_run_in_seconds: float | None = Field(description="From now; negative when overdue.")
    next_run_in: str | None = Field(description='In words: "in 14 h 58 min".')
    last_run_at: Timestamp | None
    run_count: int = Field(description="Times Beat sent it.")
    last_outcome: str | None = Field(description="How its last run ended; null before any.")
    consecutive_failures: int
    url: str


class JobsPublic(BaseModel):
    jobs: list[JobPublic] = Field(description="In name order.")
    count: int = Field(description="Jobs on this page.")
    total: int = Field(description="Jobs in the store, before filters.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")
    timezone: str = Field(description="The scheduler's default timezone.")


class JobDetail(JobPublic):
    runs: list[RunPublic] = Field(
        description="Its last runs, newest first: fires still queued or running first, "
        "then up to `limit` finished, skipped or missed ones."
    )
    stats: RunStatsPublic


class JobChanged(BaseModel):
    message: str
    job: JobPublic


class JobDeleted(BaseModel):
    message: str
    id: int | None = Field(description="The id it had; null if it never had one.")
    name: str


class PresetsCreated(BaseModel):
    """Seed 000's six default jobs: those whose name was free were created; the
    others are listed as existing and left exactly as they were."""

    message: str
    created: list[JobPublic]
    existing: list[JobPublic]


class SchedulerState(BaseModel):
    """Whether the scheduler sends jobs: a Beat leads and dispatching is not stopped."""

    running: bool = Field(description="A Beat leads and the scheduler is not stopped.")
    paused: bool = Field(description="Stopped by POST /scheduler/stop (or /api/scheduler/pause).")
    pause: PausePublic
    beat_running: bool = Field(description="A Beat process holds the lock.")
    jobs: int = Field(description="Jobs in the store.")
    timezone: str = Field(description="The scheduler's default timezone.")
    message: str


class SchedulerChanged(BaseModel):
    message: str
    paused: bool
    pause: PausePublic
