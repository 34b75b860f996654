"""The rules applied: what each history record and each run in progress raises.

A `Detector` belongs to one loop (app/alerts/loops.py); it caches schedules'
thresholds and recent runs briefly, so a burst of records costs a few reads, not
one per record. Queuing is idempotent (`queue_event`): whatever looks at a record
twice, its event goes out once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from redis.exceptions import RedisError

from app.alerts.events import AlertEvent
from app.alerts.rules import (
    ScheduleAlerts,
    Thresholds,
    consecutive_event,
    long_run_event,
    long_run_limit,
    might_be_long,
    on_record,
    streak_of,
    usual_durations,
)
from app.core.config import Settings
from app.schedules import (
    ERROR_OUTCOMES,
    QUEUED,
    SUPPRESSED,
    RateLimit,
    RunRecord,
    ScheduleStore,
    stream_order,
)

log = logging.getLogger("app.alerts")

# A schedule's thresholds are read again after this long (an edit applies that soon).
POLICY_TTL_SECONDS = 10.0
# A schedule's recent runs (its usual duration) are read again after this long.
RECENT_TTL_SECONDS = 60.0
RECENT_RUNS = 100
# Records read per page when walking back along a failure streak.
STREAK_PAGE = 50
# Runs in progress looked at per scan.
SCAN_LIMIT = 5000

V = TypeVar("V")


class TtlCache(Generic[V]):
    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._items: dict[str, tuple[float, V]] = {}

    def get(self, key: str) -> V | None:
        found = self._items.get(key)
        if found is None or self.clock() - found[0] > self.ttl:
            return None
        return found[1]

    def put(self, key: str, value: V) -> None:
        if len(self._items) > 10_000:  # many schedules: start over rather than grow
            self._items.clear()
        self._items[key] = (self.clock(), value)


def queue_event(store: ScheduleStore, event: AlertEvent, limit: RateLimit) -> int:
    """Queue `event` once (by its id), within its schedule's rate limit."""
    result = store.alerts.enqueue(event.id, event.schedule, event.kind, event.to_json(), limit)
    if result == QUEUED:
        log.info("alert %s for schedule %s queued (%s)", event.kind, event.schedule, event.id)
    elif result == SUPPRESSED:
        log.info(
            "alert %s for schedule %s held back: over its rate limit of %d per %gs",
            event.kind,
            event.schedule,
            limit.count,
            limit.window_seconds,
        )
    return result


def _older(rec: RunRecord, than: RunRecord) -> bool:
    return than.id is None or stream_order(rec.id) < stream_order(than.id)


class Detector:
    def __init__(
        self, store: ScheduleStore, settings: Settings, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.thresholds = Thresholds.from_settings(settings)
        self.limit = RateLimit(settings.alert_rate_limit, settings.alert_rate_window_seconds)
        self.clock = clock
        self._own: TtlCache[ScheduleAlerts] = TtlCache(POLICY_TTL_SECONDS)
        self._recent: TtlCache[list[RunRecord]] = TtlCache(RECENT_TTL_SECONDS)

    # --- records -----------------------------------------------------------------

    def look_at(self, records: list[RunRecord]) -> list[AlertEvent]:
        """Raise the events of a batch of history records; returns them (queued or
        not: a duplicate or a rate-limited one is dropped by the queue)."""
        now = self.clock()
        own = self.schedule_alerts(r.schedule for r in records)
        raised: list[AlertEvent] = []
        for rec in records:
            try:
                events = self.events_of(rec, own[rec.schedule], now)
            except RedisError:
                raise  # the batch stays unacknowledged and is looked at again
            except Exception:
                log.exception("alerts: cannot judge record %s of %s; skipped", rec.id, rec.schedule)
                continue
            for event in events:
                queue_event(self.store, event, self.limit)
                raised.append(event)
        return raised

    def events_of(self, rec: RunRecord, own: ScheduleAlerts, now: float) -> list[AlertEvent]:
        events = on_record(rec, now)
        if rec.outcome in ERROR_OUTCOMES:
            needed = self.thresholds.consecutive_failures
            streak = streak_of(rec, self._older(rec), needed)
            found = consecutive_event(rec, streak, needed, now)
            events += [found] if found else []
        duration = rec.duration_seconds
        if rec.outcome == "succeeded" and duration is not None:
            if might_be_long(duration, own, self.thresholds):
                # What was usual before this run: later runs do not count.
                earlier = [r for r in self._recent_runs(rec.schedule) if _older(r, rec)]
                usual = usual_durations(earlier, exclude=rec.task_id)
                limit = long_run_limit(own, self.thresholds, usual)
                found = long_run_event(rec, duration, limit, now, running=False)
                events += [found] if found else []
        return events

    def _older(self, rec: RunRecord) -> Iterable[RunRecord]:
        """The schedule's records before `rec`, newest first, read page by page as the
        walk needs them."""
        before = rec.id
        while before:
            page = self.store.runs(rec.schedule, STREAK_PAGE, before=before)
            yield from page
            if len(page) < STREAK_PAGE:
                return
            before = page[-1].id

    # --- runs in progress ----------------------------------------------------------

    def scan_running(self) -> list[AlertEvent]:
        """Raise long_run for runs still going past their limit."""
        now = self.clock()
        running = [
            r
            for r in self.store.alerts.running_records(now, SCAN_LIMIT)
            if r.outcome == "running" and r.started_at is not None
        ]
        if not running:
            return []
        own = self.schedule_alerts(r.schedule for r in running)
        raised = []
        for rec in running:
            seconds = now - (rec.started_at or now)
            if not might_be_long(seconds, own[rec.schedule], self.thresholds):
                continue
            usual = usual_durations(self._recent_runs(rec.schedule), exclude=rec.task_id)
            limit = long_run_limit(own[rec.schedule], self.thresholds, usual)
            event = long_run_event(rec, seconds, limit, now, running=True)
            if event is not None:
                queue_event(self.store, event, self.limit)
                raised.append(event)
        return raised

    # --- what the rules need to know -----------------------------------------------

    def schedule_alerts(self, names: Iterable[str]) -> dict[str, ScheduleAlerts]:
        """Each schedule's thresholds (a deleted one gets the settings')."""
        wanted = set(names)
        found = {n: v for n in wanted if (v := self._own.get(n)) is not None}
        missing = wanted - found.keys()
        if missing:
            entries = self.store.get_many(sorted(missing))
            for name in missing:
                entry = entries.get(name)
                spec = entry.spec if entry is not None else None
                found[name] = ScheduleAlerts.of(spec.policy if spec is not None else None)
                self._own.put(name, found[name])
        return found

    def _recent_runs(self, name: str) -> list[RunRecord]:
        recent = self._recent.get(name)
        if recent is None:
            recent = self.store.runs(name, RECENT_RUNS)
            self._recent.put(name, recent)
        return recent
