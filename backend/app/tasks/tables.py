"""Seed 002's table jobs: daily tables, monthly summary tables, and clean-up of old ones.

Seed 002's TableScheduler creates date-partitioned tables ahead of time (a table per day,
a summary table per month) and drops daily tables past their retention. This project has
no database, so all three are stand-ins: they validate their parameters, work out
exactly which tables they would create or drop and the statement for each, and change
nothing. Replace each body with the real statements when a database is available; keep
the signatures, which the schedules already validate against.
"""

# No `from __future__ import annotations`: the task registry reads these signatures with
# inspect.signature and needs real types, not strings.

import logging
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from celery.utils.log import get_task_logger
from pydantic import AfterValidator

from app.core.celery_app import celery_app
from app.tasks._delivery import RERUN_SAFE
from app.tasks._simulate import SimulateSeconds, check_int, check_names, simulate

logger: logging.Logger = get_task_logger(__name__)

# The partitioned tables of seed 002's templates (crawler, notification, chat, admin).
TABLES: tuple[str, ...] = ("crawler_log", "notification_log", "chat_message", "admin_log")
TABLE_ALIASES = {name: name for name in TABLES}
# Far enough ahead for a long weekend or a month of downtime; further is a typo.
MAX_DAYS_AHEAD = 31
MAX_MONTHS_AHEAD = 12
# Ten years of retention, as cleanup_old_data allows.
MAX_KEEP_DAYS = 3650
# The stand-in clean-up pretends each daily table has existed for this many days.
STAND_IN_HISTORY_DAYS = 365


def check_tables(value: object) -> list[str] | None:
    return None if value is None else check_names("tables", value, TABLE_ALIASES)


def check_days_ahead(value: object) -> int:
    return check_int("days_ahead", value, 0, MAX_DAYS_AHEAD)


def check_months_ahead(value: object) -> int:
    return check_int("months_ahead", value, 0, MAX_MONTHS_AHEAD)


def check_keep_days(value: object) -> int:
    return check_int("keep_days", value, 1, MAX_KEEP_DAYS)


def _day(value: object) -> date:
    """The given ISO date, or today in the app's timezone (an operator's day, not UTC's)."""
    if value is None:
        return datetime.now(ZoneInfo(str(celery_app.conf.timezone))).date()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"day: expected a date like 2025-07-19, got {value!r}")


def check_day(value: str | None) -> str | None:
    """Refuses what `_day` would refuse; today is resolved when the task runs."""
    if value is not None:
        _day(value)
    return value


def _month(value: object) -> date:
    """The first day of the given month ("2025-07"), or of this month."""
    if value is None:
        return _day(None).replace(day=1)
    if isinstance(value, str):
        try:
            return date.fromisoformat(f"{value}-01")
        except ValueError:
            pass
    raise ValueError(f"month: expected a month like 2025-07, got {value!r}")


def check_month(value: str | None) -> str | None:
    if value is not None:
        _month(value)
    return value


def _next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


Tables = Annotated[list[str] | None, AfterValidator(check_tables)]
Day = Annotated[str | None, AfterValidator(check_day)]


# Safe to run again: CREATE TABLE IF NOT EXISTS.
@celery_app.task(**RERUN_SAFE)  # type: ignore[untyped-decorator]
def create_daily_tables(
    day: Day = None,
    days_ahead: Annotated[int, AfterValidator(check_days_ahead)] = 1,
    tables: Tables = None,
    simulate_seconds: SimulateSeconds = 0.0,
    simulate_failure: bool = False,
) -> dict[str, object]:
    """Create the daily tables for `day` (null: today) and the next `days_ahead` days.

    Stand-in: no database is touched and no network call is made. The result lists each
    table (`<table>_YYYYMMDD`, for each of `tables`, null: all of TABLES) with the
    `CREATE TABLE IF NOT EXISTS` statement that would make it, so running it twice is
    harmless, as the real one must be.
    """
    first, ahead = _day(day), check_days_ahead(days_ahead)
    bases = check_tables(tables) or list(TABLES)
    simulate("create_daily_tables", simulate_seconds, simulate_failure)
    days = [first + timedelta(days=n) for n in range(ahead + 1)]
    made = [_created(base, f"{base}_{d:%Y%m%d}") for d in days for base in bases]
    logger.info("Created %d daily tables for %s to %s (stand-in)", len(made), days[0], days[-1])
    return {
        "stand_in": True,
        "from": days[0].isoformat(),
        "to": days[-1].isoformat(),
        "tables": made,
    }


# Safe to run again: CREATE TABLE IF NOT EXISTS.
@celery_app.task(**RERUN_SAFE)  # type: ignore[untyped-decorator]
def create_monthly_summary_tables(
    month: Annotated[str | None, AfterValidator(check_month)] = None,
    months_ahead: Annotated[int, AfterValidator(check_months_ahead)] = 1,
    tables: Tables = None,
    simulate_seconds: SimulateSeconds = 0.0,
    simulate_failure: bool = False,
) -> dict[str, object]:
    """Create the monthly summary tables for `month` and the next `months_ahead` months.

    `month` is "2025-07"; null: this month. Stand-in: no database is touched and no
    network call is made. Each table is `<table>_summary_YYYYMM`, with the
    `CREATE TABLE IF NOT EXISTS` statement that would make it.
    """
    start, ahead = _month(month), check_months_ahead(months_ahead)
    bases = check_tables(tables) or list(TABLES)
    simulate("create_monthly_summary_tables", simulate_seconds, simulate_failure)
    months = [start]
    while len(months) <= ahead:
        months.append(_next_month(months[-1]))
    made = [_created(base, f"{base}_summary_{m:%Y%m}") for m in months for base in bases]
    logger.info(
        "Created %d monthly summary tables for %s to %s (stand-in)",
        len(made),
        f"{months[0]:%Y-%m}",
        f"{months[-1]:%Y-%m}",
    )
    return {
        "stand_in": True,
        "from": f"{months[0]:%Y-%m}",
        "to": f"{months[-1]:%Y-%m}",
        "tables": made,
    }


# Safe to run again: DROP TABLE IF EXISTS.
@celery_app.task(**RERUN_SAFE)  # type: ignore[untyped-decorator]
def cleanup_old_tables(
    keep_days: Annotated[int, AfterValidator(check_keep_days)] = 30,
    day: Day = None,
    tables: Tables = None,
    simulate_seconds: SimulateSeconds = 0.0,
    simulate_failure: bool = False,
) -> dict[str, object]:
    """Drop the daily tables older than `keep_days` days before `day` (null: today).

    Stand-in: no database is touched and no network call is made. It pretends each daily
    table has existed for the last 365 days and reports, per table, how many it would
    drop (`DROP TABLE IF EXISTS`) and the newest and oldest of them; the newest kept is
    the one `keep_days` before `day`.
    """
    keep, today = check_keep_days(keep_days), _day(day)
    bases = check_tables(tables) or list(TABLES)
    simulate("cleanup_old_tables", simulate_seconds, simulate_failure)
    older_than = today - timedelta(days=keep)
    oldest = today - timedelta(days=STAND_IN_HISTORY_DAYS)
    count = max((older_than - oldest).days, 0)
    dropped = [_dropped(base, older_than, oldest, count) for base in bases]
    logger.info("Dropped %d daily tables older than %s (stand-in)", count * len(bases), older_than)
    return {
        "stand_in": True,
        "keep_days": keep,
        "older_than": older_than.isoformat(),
        "dropped": count * len(bases),
        "tables": dropped,
    }


def _created(base: str, name: str) -> dict[str, str]:
    return {"table": name, "statement": f"CREATE TABLE IF NOT EXISTS {name} (LIKE {base})"}


def _dropped(base: str, older_than: date, oldest: date, count: int) -> dict[str, Any]:
    newest = older_than - timedelta(days=1)
    return {
        "table": base,
        "dropped": count,
        "newest": f"{base}_{newest:%Y%m%d}" if count else None,
        "oldest": f"{base}_{oldest:%Y%m%d}" if count else None,
        "statement": f"DROP TABLE IF EXISTS {base}_YYYYMMDD",
    }
