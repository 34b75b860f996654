"""What the schedule routes answer: an entry (`presentation.entry_view`), a page of
them, and the result of each change."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, WithJsonSchema

from app.schedules import Origin

# Times the API writes: ISO 8601 with the offset of the entry's timezone.
Timestamp = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]


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
    anchor: str | None = Field(default=None, description="With interval: the first run.")
    at: str | None = Field(default=None, description="The one-off run time.")


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
    policy: dict[str, Any] | None = Field(description="Execution policy (stored, not enforced).")
    next_run_at: Timestamp | None = Field(description="Null while paused or finished.")
    last_run_at: Timestamp | None
    total_run_count: int
    version: str = Field(description="Also sent as `ETag`; send it back as `If-Match`.")


class ScheduleDetail(SchedulePublic):
    upcoming: list[Timestamp] = Field(description="The next 5 fire times, in its timezone.")


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


class ScheduleDeleted(BaseModel):
    message: str
    name: str


class RunSent(BaseModel):
    message: str
    name: str
    task_id: str
