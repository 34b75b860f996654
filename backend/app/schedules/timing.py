"""Turn a spec's timing into the schedule object Beat evaluates.

Celery's own `crontab` and `schedule` do the math wherever they can, so previews agree
with Beat. The two kinds Celery lacks (an interval anchored at a start time, and a
one-off run) subclass RedBeat's `rrule`: stock RedBeat readers decode them as an
equivalent rrule, while Beat here evaluates them with O(1) arithmetic.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from celery import Celery
from celery.schedules import BaseSchedule, crontab, schedstate
from celery.schedules import schedule as every
from dateutil.rrule import DAILY, HOURLY, MINUTELY, SECONDLY
from redbeat.schedules import rrule

from app.schedules.spec import CRON_FIELDS, ScheduleSpec
from app.schedules.timing_forms import SEED_TIMING_KEYS

# The fields of a definition that make its timing (what a preview takes), and seed
# 002's spelling of one (app/schedules/timing_forms.py).
TIMING_FIELDS = (*CRON_FIELDS, "cron", "interval", "anchor", "at", "timezone", *SEED_TIMING_KEYS)


class ZonedCrontab(crontab):  # type: ignore[misc]
    """A crontab read in its own timezone rather than the app's."""

    def __init__(self, zone: tzinfo, **fields: Any) -> None:
        super().__init__(**fields)
        self._zone = zone

    @property
    def tz(self) -> tzinfo:
        return self._zone


def _rrule_step(seconds: int) -> tuple[int, int]:
    """The coarsest rrule frequency that expresses the step exactly."""
    for freq, unit in ((DAILY, 86400), (HOURLY, 3600), (MINUTELY, 60)):
        if seconds % unit == 0:
            return freq, seconds // unit
    return SECONDLY, seconds


class AnchoredInterval(rrule):  # type: ignore[misc]
    """Every N seconds on the grid anchor + k*N: "every 2 days at 01:00" stays at 01:00."""

    seconds: int
    anchor: datetime

    def __init__(self, seconds: int, anchor: datetime, app: Celery | None = None) -> None:
        freq, step = _rrule_step(seconds)
        super().__init__(freq, dtstart=anchor, interval=step, app=app)
        self.seconds = seconds
        self.anchor = anchor

    def next_after(self, moment: datetime) -> datetime:
        """The first slot strictly after `moment`.

        Whole-day steps count on the wall clock of the anchor's timezone, so "every 2
        days at 01:00" stays at 01:00 across daylight-saving changes; other steps are
        exact seconds.
        """
        if moment < self.anchor:
            return self.anchor
        if self.seconds % 86400 == 0:
            return self._next_wall_clock_day(moment, self.seconds // 86400)
        steps = math.floor((moment - self.anchor).total_seconds() / self.seconds) + 1
        return self.anchor + timedelta(seconds=steps * self.seconds)

    def _next_wall_clock_day(self, moment: datetime, days: int) -> datetime:
        local_day = moment.astimezone(self.anchor.tzinfo).date()
        k = (local_day - self.anchor.date()).days // days
        # Aware arithmetic within one tzinfo is wall-clock arithmetic in Python.
        candidate = self.anchor + timedelta(days=k * days)
        while candidate <= moment:
            k += 1
            candidate = self.anchor + timedelta(days=k * days)
        return candidate

    def remaining_estimate(self, last_run_at: datetime) -> timedelta:
        now: datetime = self.now()
        return self.next_after(self.maybe_make_aware(last_run_at)) - now

    def is_due(self, last_run_at: datetime) -> schedstate:
        now = self.now()
        if self.next_after(self.maybe_make_aware(last_run_at)) <= now:
            return schedstate(True, (self.next_after(now) - now).total_seconds())
        return schedstate(False, (self.next_after(last_run_at) - now).total_seconds())


class OneOff(rrule):  # type: ignore[misc]
    """A single run at a given moment; after it, the entry is finished."""

    at: datetime

    def __init__(self, at: datetime, app: Celery | None = None) -> None:
        super().__init__(SECONDLY, dtstart=at, count=1, app=app)
        self.at = at

    def remaining_estimate(self, last_run_at: datetime | None) -> timedelta | None:
        if last_run_at is not None and self.maybe_make_aware(last_run_at) >= self.at:
            return None
        now: datetime = self.now()
        return self.at - now

    def is_due(self, last_run_at: datetime | None) -> schedstate:
        remaining = self.remaining_estimate(last_run_at)
        if remaining is None:
            return schedstate(False, None)
        seconds = remaining.total_seconds()
        # Once sent, nothing follows: None tells Beat there is no next run.
        return schedstate(True, None) if seconds <= 0 else schedstate(False, seconds)


def _aware(moment: datetime, zone: tzinfo) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


@lru_cache(maxsize=4096)
def _zoned_crontab(zone: tzinfo, fields: tuple[tuple[str, str], ...], app: Celery) -> ZonedCrontab:
    """Shared between entries with the same timing: parsing a crontab is most of the
    cost of reading an entry, and many entries share one ("0 2 * * *"). A crontab is
    not changed after it is built, so sharing is safe."""
    return ZonedCrontab(zone, app=app, **dict(fields))


def build_schedule(spec: ScheduleSpec, default_tz: str, app: Celery) -> BaseSchedule:
    zone = ZoneInfo(spec.timezone or default_tz)
    kind = spec.timing_kind
    if kind in ("crontab", "cron"):
        return _zoned_crontab(zone, tuple(spec.cron_fields().items()), app)
    if kind == "once":
        assert spec.at is not None
        return OneOff(_aware(spec.at, zone), app=app)
    assert spec.interval is not None
    if spec.anchor is not None:
        return AnchoredInterval(int(spec.interval), _aware(spec.anchor, zone), app=app)
    return every(timedelta(seconds=spec.interval), app=app)


def next_fire(sched: BaseSchedule, after: datetime) -> datetime | None:
    """The first fire time strictly after `after`; None when the schedule is over."""
    if isinstance(sched, OneOff):
        return sched.at if after < sched.at else None
    if isinstance(sched, AnchoredInterval):
        return sched.next_after(after)
    if isinstance(sched, every):
        step: timedelta = sched.run_every
        return after + step
    if isinstance(sched, crontab):
        return _next_crontab(sched, after)
    # Schedule types only foreign entries use (solar, raw rrule): ask Celery.
    remaining: timedelta | None = sched.remaining_estimate(after)
    now: datetime = sched.now()
    return None if remaining is None else now + remaining


def _next_crontab(sched: crontab, after: datetime) -> datetime:
    """Celery's crontab math, made strictly-after in the hour repeated when DST ends.

    Celery counts on the wall clock; in that hour it can name the first occurrence of a
    wall time that lies before `after`. The second occurrence (fold=1) is then the one.
    """
    probe = after
    for _ in range(3):
        start, delta, _now = sched.remaining_delta(probe)
        candidate: datetime = start + delta
        if candidate > after:
            return candidate
        if candidate.replace(fold=1) > after:
            return candidate.replace(fold=1)
        probe = candidate + timedelta(minutes=1)
    raise RuntimeError(f"no crontab slot after {after.isoformat()} for {sched!r}")


def due_for_beat(
    sched: BaseSchedule, score_at: datetime | None, last_run_at: datetime | None
) -> datetime | None:
    """When Beat will really fire an entry indexed at `score_at`: what to show as next run.

    Stock RedBeat truncates the index score to whole seconds, and its `save()` counts
    from a last_run_at of "now": a crontab due at 16:00:00 is indexed at 15:59:59, an
    interval saved at :12.4 at :11. Beat (app/beat/dispatch.py, `plan_step`) then waits
    for the schedule's first slot after the last run; this is the same rule, so what is
    shown is when the task is sent. Our own writes index that slot or later.
    """
    if score_at is None or last_run_at is None:
        return score_at
    if score_at > last_run_at and _is_crontab_slot(sched, score_at):
        return score_at  # the common case, without the cost of crontab math
    expected = next_fire(sched, last_run_at)
    return None if expected is None else max(score_at, expected)


def _is_crontab_slot(sched: BaseSchedule, moment: datetime) -> bool:
    if not isinstance(sched, crontab) or moment.second or moment.microsecond:
        return False
    local = moment.astimezone(sched.tz)
    return (
        local.minute in sched.minute
        and local.hour in sched.hour
        and local.isoweekday() % 7 in sched.day_of_week
        and local.day in sched.day_of_month
        and local.month in sched.month_of_year
    )


def first_due(sched: BaseSchedule, last_run_at: datetime | None, now: datetime) -> datetime | None:
    """When a new, just-edited or just-resumed entry should next fire: the next slot
    after now.

    Counted from now, not from the last run, so that an edit or a resume never makes
    Beat "catch up" a slot that passed before it (a slot missed while paused stays
    missed; run-now sends one at once if wanted). A plain interval's slots are its
    rhythm from the last run: every 10 minutes, last run 12:03, resumed at 12:41 ->
    12:43. A one-off that never ran stays due at its time, even a passed one: it has
    no later slot.
    """
    if isinstance(sched, OneOff):
        if last_run_at is not None and last_run_at >= sched.at:
            return None
        return sched.at
    if isinstance(sched, every) and last_run_at is not None:
        step: timedelta = sched.run_every
        passed = max((now - last_run_at) // step, 0)
        return last_run_at + (passed + 1) * step
    return next_fire(sched, now)


def upcoming_fires(sched: BaseSchedule, now: datetime, count: int) -> list[datetime]:
    """The first `count` fire times of a new entry with this schedule, saved at `now`:
    its first due time as the store indexes it (first_due), then each next slot."""
    times: list[datetime] = []
    moment = first_due(sched, None, now)
    while moment is not None and len(times) < count:
        times.append(moment)
        moment = next_fire(sched, moment)
    return times


def serve_fire(
    sched: BaseSchedule, due_at: datetime, now: datetime
) -> tuple[datetime, datetime | None]:
    """(the slot a fire due at `due_at` and sent at `now` serves, the next due time).

    Both count from the slot, not the send time, so intervals do not drift by Beat's
    lateness: the slot is what run state records, and the next pass checks the entry's
    own schedule from it. A backlog of missed slots collapses into the one run just
    sent, which then serves `now`.
    """
    following = next_fire(sched, due_at)
    if following is not None and following <= now:
        return now, next_fire(sched, now)
    return due_at, following
