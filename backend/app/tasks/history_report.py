"""Real run history for the report and clean-up tasks, read and trimmed through the store.

The daily report and the clean-up are partly stand-ins (no product database, no files to
delete), but what they say about run history is real: it comes from the records Beat and
the workers wrote in Redis (see docs/history.md), through `ScheduleStore` only.

Which day a record belongs to: the day, in the app's timezone, of its slot
(`scheduled_at`). A report is "the day's fires and what became of them": a run due at
23:50 that ends at 00:20 counts for the day it was due, a retried attempt for its fire's
day, a skipped or missed fire for the slot it would have served. The store can only
select records by when Redis wrote them (stream ids are the server's clock), which is
not before the slot (clock skew aside) but may be much later (a long run, retries, a
miss recorded when Beat came back), so every record written from the day's start until
now is read and then filtered on `scheduled_at`: one read per schedule with history.
Fires still queued or running are not in the history yet and are not counted.
"""

import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo

from app.core.celery_app import celery_app
from app.core.config import get_settings
from app.core.redis import make_redis
from app.schedules import ERROR_OUTCOMES, RunRecord, ScheduleStore

# Final outcomes that count as a run, as the schedule stats count them.
RUN_OUTCOMES: tuple[str, ...] = ("succeeded", *ERROR_OUTCOMES)
# How many of the slowest runs a report lists, per schedule and overall.
SLOWEST_COUNT = 5
# Records are read from this long before the day starts until this long after now: a
# Beat or worker clock ahead of (or behind) Redis's, whose clock the stream ids are.
CLOCK_SKEW_SECONDS = 3600.0

# A JSON object, as the task result carries it.
Report = dict[str, Any]
UTC_ZONE = ZoneInfo("UTC")


@contextmanager
def open_store() -> Iterator[ScheduleStore]:
    """A store on its own connection, closed when the block ends (tests replace this)."""
    settings = get_settings()
    with make_redis(settings) as client:
        yield ScheduleStore(client, celery_app, settings.timezone)


def wall_clock() -> float:
    """Now, epoch seconds (tests replace this)."""
    return time.time()


def iso(moment: float | None, tz: ZoneInfo = UTC_ZONE) -> str | None:
    """ISO-8601 with the zone's offset (UTC shown with a Z, as run records are elsewhere)."""
    if moment is None:
        return None
    return datetime.fromtimestamp(moment, tz).isoformat().replace("+00:00", "Z")


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The day's first moment and the next day's, in `tz` (23 or 25 hours across DST)."""
    start = datetime.combine(day, clock_time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), clock_time(0), tzinfo=tz)
    return start, end


def daily_history(day: date, tz_name: str) -> Report:
    """The day's run history, per schedule and overall (see the module docstring)."""
    tz = ZoneInfo(tz_name)
    first, following = day_bounds(day, tz)
    start, end = first.timestamp(), following.timestamp()
    now = wall_clock()
    with open_store() as store:
        limits = store.history_limits
        schedules, capped = _read_day(store, start, end, now)
    beyond_retention = start < now - limits.max_age_seconds
    return {
        "stand_in": False,
        "source": "run history in Redis",
        "counted_by": "scheduled_at",
        "from": first.isoformat(),
        "to": following.isoformat(),
        # Records go after HISTORY_MAX_AGE_DAYS, and beyond the newest
        # HISTORY_PER_SCHEDULE of a schedule: either can leave part of a day gone.
        "complete": not beyond_retention and not capped,
        "beyond_retention": beyond_retention,
        "capped_schedules": capped,
        "totals": summarize((rec for recs in schedules.values() for rec in recs), tz),
        "schedules": {name: summarize(recs, tz) for name, recs in schedules.items()},
    }


def _read_day(
    store: ScheduleStore, start: float, end: float, now: float
) -> tuple[dict[str, list[RunRecord]], list[str]]:
    """Each schedule's records whose slot is in [start, end), by name; and the names
    whose kept history is full (its oldest records, maybe some of the day's, are gone)."""
    # Written from (a little before) the day's start until now: see the module docstring.
    read_from, read_to = start - CLOCK_SKEW_SECONDS, max(now, end) + CLOCK_SKEW_SECONDS
    cap = store.history_limits.per_schedule
    schedules: dict[str, list[RunRecord]] = {}
    capped = []
    for name in sorted(store.history_names()):
        kept = store.records_between(name, read_from, read_to)
        if len(kept) >= cap:
            capped.append(name)
        ours = [rec for rec in kept if start <= rec.scheduled_at < end]
        if ours:
            schedules[name] = ours
    return schedules, capped


def summarize(records: Iterable[RunRecord], tz: ZoneInfo = UTC_ZONE) -> Report:
    """Runs, failures, success rate, retries, skipped and missed fires, slowest runs
    (their times in `tz`)."""
    records = list(records)
    outcomes: Counter[str] = Counter(rec.outcome for rec in records)
    runs = sum(outcomes[outcome] for outcome in RUN_OUTCOMES)
    failures = sum(outcomes[outcome] for outcome in ERROR_OUTCOMES)
    skipped: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    for rec in records:
        if rec.outcome == "skipped":
            skipped[rec.reason or "unknown"] += 1
        elif rec.outcome == "missed":
            # One missed record can stand for several slots (a long outage).
            missed[rec.reason or "unknown"] += rec.missed_count or 1
    return {
        "runs": runs,
        **{outcome: outcomes[outcome] for outcome in RUN_OUTCOMES},
        "failures": failures,
        "success_rate": round((runs - failures) / runs, 4) if runs else None,
        "retries": outcomes["retried"],
        "skipped": _by_reason(skipped),
        "missed": _by_reason(missed),
        "slowest": slowest(records, tz),
    }


def _by_reason(counts: Counter[str]) -> Report:
    return {"count": sum(counts.values()), "by_reason": dict(sorted(counts.items()))}


def slowest(
    records: Iterable[RunRecord], tz: ZoneInfo = UTC_ZONE, count: int = SLOWEST_COUNT
) -> list[Report]:
    """The longest runs that ended (a lost run has no known duration), longest first."""
    timed = [
        (duration, rec)
        for rec in records
        if rec.outcome in RUN_OUTCOMES and (duration := rec.duration_seconds) is not None
    ]
    timed.sort(key=lambda pair: (-pair[0], pair[1].started_at or 0.0, pair[1].task_id or ""))
    return [
        {
            "schedule": rec.schedule,
            "duration_seconds": round(duration, 3),
            "task_id": rec.task_id,
            "started_at": iso(rec.started_at, tz),
            "outcome": rec.outcome,
            "scheduled_at": iso(rec.scheduled_at, tz),
        }
        for duration, rec in timed[:count]
    ]


def remove_old_history(days: int) -> Report:
    """Remove every schedule's records written more than `days` days ago."""
    cutoff = wall_clock() - days * 86400
    with open_store() as store:
        removed = store.trim_history(cutoff)
        kept_days = store.history_limits.max_age_seconds / 86400
    return {
        "stand_in": False,
        "older_than": iso(cutoff),
        "records_removed": removed,
        # The store drops records older than this on its own, as new ones are written.
        "max_age_days": kept_days,
    }
