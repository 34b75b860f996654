"""Seed 002's spelling of a timing: `schedule_type` with `schedule_value`.

Seed 002 names a timing by a type and a value: `INTERVAL` 30 (seconds), `DAILY`
"14:30", `ONCE` a datetime, `CRON` "0 0 * * *". Each is one of our own timing kinds
under other words, so the pair is turned into those fields wherever a definition is
read (the API, schedules.json, the CLI's `apply`, the preview, app.facade) and is
never stored: reads, exports and the audit trail show the kind it became (`interval`;
`hour` and `minute`; `at`; `cron`). One timing engine and one stored form, so Beat,
the preview and the words agree on every schedule however it was written.

The spec calls `lift_seed_timing` from its own validator, so the spec's names (its
limits, FieldValueError, the crontab check) are imported inside the functions here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import TypeAdapter, ValidationError

SEED_TIMING_KEYS = ("schedule_type", "schedule_value")
# "14:30", also "2:00"; seconds are not part of seed 002's form.
DAILY_PATTERN = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_MOMENT = TypeAdapter(datetime)


class ScheduleType(StrEnum):
    """Seed 002's schedule types; lower case is accepted too."""

    INTERVAL = "INTERVAL"  # seconds between runs: 30 or "30"
    DAILY = "DAILY"  # "HH:MM", every day, in the schedule's timezone
    ONCE = "ONCE"  # one run at a datetime (or its ISO-8601 text)
    CRON = "CRON"  # a 5-field cron expression


def lift_seed_timing(data: Mapping[str, Any]) -> dict[str, Any]:
    """`data` with seed 002's `schedule_type` and `schedule_value` replaced by the
    timing fields they stand for; unchanged when it has neither.

    Raises the spec's FieldValueError naming `schedule_type` or `schedule_value` (or
    `timing`, when another timing is given as well) and the bad value.
    """
    from app.schedules.spec import CRON_FIELDS, FieldValueError

    out = dict(data)
    if not any(key in out for key in SEED_TIMING_KEYS):
        return out
    kind, value = out.pop("schedule_type", None), out.pop("schedule_value", None)
    others = [k for k in (*CRON_FIELDS, "cron", "interval", "anchor", "at") if k in out]
    if others:
        raise FieldValueError(
            "timing",
            ", ".join(["schedule_type", *others]),
            "schedule_type and schedule_value give the whole timing; do not also give "
            + ", ".join(others),
        )
    kind = seed_type(kind)
    try:
        out.update(_timing_fields(kind, value))
    except (ArithmeticError, TypeError) as exc:
        # A value no reader below foresaw must still be a refusal naming its field:
        # pydantic turns only ValueError into a validation error, and anything else
        # would be a 500 in the API and stop Beat's file sync.
        raise _problem(value, f"is not a {kind} value ({type(exc).__name__})") from None
    return out


def seed_type(kind: Any) -> ScheduleType:
    from app.schedules.spec import FieldValueError

    if isinstance(kind, str) and kind.strip().upper() in ScheduleType.__members__:
        return ScheduleType[kind.strip().upper()]
    raise FieldValueError(
        "schedule_type",
        kind,
        f"must be one of {', '.join(ScheduleType)} (with schedule_value)",
    )


def _timing_fields(kind: ScheduleType, value: Any) -> dict[str, Any]:
    if kind is ScheduleType.INTERVAL:
        return {"interval": _seconds(value)}
    if kind is ScheduleType.DAILY:
        hour, minute = _hour_minute(value)
        return {"hour": str(hour), "minute": str(minute)}
    if kind is ScheduleType.ONCE:
        return {"at": _moment(value)}
    return {"cron": _cron(value)}


def _problem(value: Any, message: str) -> ValueError:
    from app.schedules.spec import FieldValueError

    return FieldValueError("schedule_value", value, message)


def _seconds(value: Any) -> float:
    from app.schedules.spec import MAX_INTERVAL_SECONDS

    number: float | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        # float() of an integer beyond about 1e308 raises OverflowError.
        number = float(value) if 1 <= value <= MAX_INTERVAL_SECONDS else None
    elif isinstance(value, float):
        number = value
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not 1 <= number <= MAX_INTERVAL_SECONDS:  # NaN fails too
        raise _problem(
            value,
            f"INTERVAL takes seconds between runs, a number from 1 to {MAX_INTERVAL_SECONDS}",
        )
    return int(number) if number.is_integer() else number


def _hour_minute(value: Any) -> tuple[int, int]:
    found = DAILY_PATTERN.fullmatch(value.strip()) if isinstance(value, str) else None
    if found is not None:
        hour, minute = int(found[1]), int(found[2])
        if hour <= 23 and minute <= 59:
            return hour, minute
    raise _problem(value, 'DAILY takes the time of day as "HH:MM", from "00:00" to "23:59"')


def _moment(value: Any) -> datetime:
    from app.schedules.spec import MOMENT_YEARS

    if value is None:
        raise _problem(
            value,
            "ONCE takes the time of its one run (a datetime or ISO-8601 text); to run a "
            "task now, use run-now",
        )
    if not isinstance(value, datetime | str) or _is_number(value):
        # pydantic would read a number (or its text) as Unix seconds, or milliseconds
        # above 2e10: 99999999999 would be 1973. Seed 002's ONCE takes a datetime.
        raise _problem(value, "ONCE takes a datetime or ISO-8601 text, not a number")
    try:
        moment = _MOMENT.validate_python(value)
    except ValidationError:
        raise _problem(value, "ONCE takes a datetime or ISO-8601 text") from None
    low, high = MOMENT_YEARS
    if not low <= moment.year <= high:
        raise _problem(value, f"must be in the years {low} to {high}")
    return moment


def _is_number(value: datetime | str) -> bool:
    if isinstance(value, datetime):
        return False
    try:
        float(value)
    except ValueError:
        return False
    return True


def _cron(value: Any) -> str:
    from app.schedules.spec import CRON_FIELDS, check_crontab

    parts = value.split() if isinstance(value, str) else []
    if len(parts) != len(CRON_FIELDS):
        raise _problem(
            value,
            "CRON takes 5 fields (minute hour day_of_month month_of_year day_of_week), "
            'e.g. "0 0 * * *"',
        )
    check_crontab(dict(zip(CRON_FIELDS, parts, strict=True)), source="schedule_value")
    return " ".join(parts)
