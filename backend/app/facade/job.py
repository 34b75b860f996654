"""Seed 002's `ScheduleJob`, and what a job becomes: a schedule definition, and back.

A job is a schedule under seed 002's words. `job_id` is the schedule's name (unique,
shared by every process); `name` is its description, as seed 002 shows it; the task is
named where seed 002 passes an in-process callback, since a Celery worker runs it, not
the process that added it. `schedule_type` + `schedule_value` become our own timing
(app/schedules/timing_forms.py); `use_distributed_lock` with `lock_key` and `lock_ttl`
become the policy's `lock_key` and `lease_seconds`.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from app.schedules import (
    CRON_FIELDS,
    ScheduleSpec,
    ScheduleType,
    fields_renamed,
)

# A lock_key for a locked job that names none: one lock per job, spelled as seed 002
# spells its own ("scheduler:create_daily_tables").
DEFAULT_LOCK_PREFIX = "scheduler:"
# A ONCE job with no time (or one already past) runs as soon as it is added, as in seed
# 002; Beat is sent it this far ahead, so the time is still ahead when it is checked.
RUN_AT_ONCE_DELAY = timedelta(seconds=2)
# A field an error names -> the ScheduleJob field the caller set.
JOB_FIELDS = {
    "name": "job_id",
    "description": "name",
    "policy.lock_key": "lock_key",
    "lock_key": "lock_key",
    "policy.lease_seconds": "lock_ttl",
    "policy.max_retries": "max_retries",
    "policy.timeout_seconds": "timeout_seconds",
}


class NamedTask(Protocol):
    """A Celery task object (`create_daily_tables`): its registered name is used."""

    @property
    def name(self) -> str: ...


@dataclass
class ScheduleJob:
    """Seed 002's job, with `task` (a registered task name or task object) where seed 002
    has `callback`. Field order and defaults are seed 002's, `max_retries=3` included."""

    job_id: str
    name: str
    schedule_type: ScheduleType | str
    schedule_value: Any  # seconds, "HH:MM", a datetime (or None: at once), a cron expression
    task: str | NamedTask
    enabled: bool = True
    use_distributed_lock: bool = False
    lock_key: str | None = None
    lock_ttl: int = 300
    max_retries: int = 3
    args: list[Any] = field(default_factory=list)
    kwargs: dict[str, Any] = field(default_factory=dict)
    timezone: str | None = None  # null: TIMEZONE (Asia/Seoul by default)
    timeout_seconds: float | None = None

    @property
    def task_name(self) -> str:
        return self.task if isinstance(self.task, str) else self.task.name

    @property
    def runs_at_once(self) -> bool:
        """A ONCE job with no time, or a time already past: run as soon as added."""
        if str(self.schedule_type).strip().upper() != ScheduleType.ONCE:
            return False
        value = self.schedule_value
        return value is None or (isinstance(value, datetime) and _aware(value) <= _now())

    def definition(self, now: datetime | None = None) -> dict[str, Any]:
        """The schedule this job stands for, as ScheduleService.create takes it."""
        policy: dict[str, Any] = {"max_retries": self.max_retries}
        if self.use_distributed_lock:
            policy["lock_key"] = self.lock_key or DEFAULT_LOCK_PREFIX + self.job_id
            policy["lease_seconds"] = self.lock_ttl
        if self.timeout_seconds is not None:
            policy["timeout_seconds"] = self.timeout_seconds
        body: dict[str, Any] = {
            "name": self.job_id,
            "task": self.task_name,
            "description": self.name,
            "enabled": self.enabled,
            "args": list(self.args),
            "kwargs": dict(self.kwargs),
            "policy": policy,
            "schedule_type": self.schedule_type,
            "schedule_value": self._value(now or _now()),
        }
        if self.timezone is not None:
            body["timezone"] = self.timezone
        return body

    def _value(self, now: datetime) -> Any:
        if self.runs_at_once:
            return now + RUN_AT_ONCE_DELAY
        if isinstance(self.schedule_value, datetime):
            # Seed 002 compares its times with datetime.now(): a naive one is this
            # process's local time, not the schedule's timezone.
            return _aware(self.schedule_value)
        return self.schedule_value


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.astimezone()


def _now() -> datetime:
    return datetime.now().astimezone()


def seed_form(spec: ScheduleSpec) -> tuple[ScheduleType, Any]:
    """A stored timing in seed 002's words: INTERVAL seconds, DAILY "HH:MM" (a crontab
    of one time every day), ONCE its time, else CRON with the 5 fields."""
    kind = spec.timing_kind
    if kind == "interval" and spec.anchor is None and spec.interval is not None:
        seconds = spec.interval
        return ScheduleType.INTERVAL, int(seconds) if seconds.is_integer() else seconds
    if kind == "once" and spec.at is not None:
        return ScheduleType.ONCE, spec.at
    fields = spec.cron_fields() if kind in ("crontab", "cron") else {}
    daily = {f: v for f, v in fields.items() if v != "*"}
    if set(daily) == {"hour", "minute"} and all(v.isdigit() for v in daily.values()):
        return ScheduleType.DAILY, f"{int(daily['hour']):02d}:{int(daily['minute']):02d}"
    if fields:
        return ScheduleType.CRON, " ".join(fields[f] for f in CRON_FIELDS)
    # An anchored interval has no seed 002 form; its seconds are the nearest.
    return ScheduleType.INTERVAL, spec.interval


def job_field(spec_field: str) -> str:
    """The job field an error about `spec_field` is about (`kwargs.days` stays)."""
    return JOB_FIELDS.get(spec_field, spec_field)


def in_job_words() -> AbstractContextManager[None]:
    """Refusals name the fields as the caller set them on the ScheduleJob."""
    return fields_renamed(job_field)
