"""Celery signal handlers that keep each fire's record as its run goes.

- `task_prerun` (in the process that runs the task): the record becomes `running`
  with its worker and start time, and its lease starts; a heartbeat thread renews
  the leases of this process's runs every third of their lease.
- `task_postrun`: `succeeded` (with a bounded summary of the result), `failed` or
  `timed_out` (with the error), or `retried` for an attempt that will be retried.
- `task_failure` outside the running process (the hard time limit, a worker process
  that died) and `task_revoked`: the fire ends from what the store holds.
A message without a `schedule` header (a task called from code) is left alone.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, replace
from typing import Any

from billiard.exceptions import WorkerLostError  # type: ignore[import-untyped]
from celery import Celery, signals
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from redis.exceptions import RedisError

from app.alerts import check_result
from app.core.config import get_settings
from app.core.redis import make_redis
from app.execution import broker_guard, redelivery
from app.execution.task import header, retry_delay
from app.schedules import (
    H_FIRE_ID,
    H_LEASE,
    H_LOCK,
    H_SCHEDULE,
    H_SCHEDULED_AT,
    H_TRIGGER,
    RunRecord,
    ScheduleStore,
    error_of,
    iso,
    send_held,
    summarize_result,
)

log = logging.getLogger(__name__)

# The worker imports this module (the app's `imports`): keep its broker channels usable
# for the hand-back and acknowledgements after Redis restarts.
broker_guard.install()

TIMEOUTS = (SoftTimeLimitExceeded, TimeLimitExceeded)


@dataclass
class Running:
    task_id: str
    record: RunRecord
    lock: str
    lease: float
    started: float
    stale: float = 0.0  # seconds after `started` past which the lease is not renewed


# How often a run's end that Redis did not take is tried again: soon after Redis is
# back, before the run's lease (60 s by default) runs out and Beat calls it lost.
UNRECORDED_RETRY_SECONDS = 1.0
# A run with a hard time limit is not taken as stale before that limit plus this.
STALE_MARGIN_SECONDS = 60.0


def _stale_limit(request: Any, default: float) -> float:
    """RUN_STALE_SECONDS, or longer for a run whose time limit is longer: its own
    timeout is the sane limit it declared (a 26-hour job with timeout_seconds set)."""
    hard = (getattr(request, "timelimit", None) or (None, None))[0]
    try:
        return max(default, float(hard) + STALE_MARGIN_SECONDS) if hard else default
    except (TypeError, ValueError):
        return default


def _parse_time(text: Any) -> float | None:
    from datetime import datetime

    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


class RunTracker:
    """This process's runs in progress; one per process (see `tracker()`)."""

    def __init__(self, app: Celery) -> None:
        self.app = app
        self.settings = get_settings()
        self.store = ScheduleStore(make_redis(self.settings), app, self.settings.timezone)
        self.running: dict[str, Running] = {}
        self.failures: dict[str, tuple[BaseException, str | None]] = {}
        self._guard = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        # Ends of runs not yet written because Redis did not answer (see _record_end).
        self.unrecorded: list[tuple[Running, RunRecord]] = []
        self._renew_failing = False

    # --- the run's life -------------------------------------------------------------

    def start(self, task_id: str, task: Any) -> None:
        request = task.request
        name = header(request, H_SCHEDULE)
        if not name:
            return
        now = time.time()
        state = self.store.run_state(task_id)
        duplicate = redelivery.duplicate_reason(self.store, task_id, request, state)
        if duplicate is not None:
            # ScheduledTask.__call__ sees this and drops the message unrun.
            request.duplicate_delivery = duplicate
            return
        rec = state.record if state is not None else self._unregistered(task_id, task, now)
        # A message handed back by a dead worker runs as the attempt `requeued` counted.
        queued = state.record.attempt if state is not None and state.record.outcome == "sent" else 0
        lock = state.lock if state is not None else str(header(request, H_LOCK) or "")
        lease = float(header(request, H_LEASE) or self.settings.run_lease_seconds)
        rec = replace(
            rec,
            outcome="running",
            task_id=task_id,
            started_at=now,
            finished_at=None,
            worker=getattr(request, "hostname", None),
            attempt=max(queued, int(getattr(request, "retries", 0) or 0) + 1),
            error=None,
        )
        try:
            self.store.start_run(task_id, rec, lock, now + lease, now)
        except RedisError:
            # Tracked all the same, so the run's end is still recorded (and frees the
            # schedule) when Redis answers again by then.
            log.warning("run history: could not record the start of %s", task_id, exc_info=True)
        stale = _stale_limit(request, self.settings.run_stale_seconds)
        with self._guard:
            self.running[task_id] = Running(task_id, rec, lock, lease, now, stale)
        self._ensure_heartbeat()
        # The heartbeat may be waiting out a longer lease's third: let it look again.
        self._wake.set()

    def requeued(self, task_id: str, exc: BaseException, traceback: str | None) -> None:
        redelivery.record_requeued(self.store, self.settings, task_id, exc, traceback)

    def _unregistered(self, task_id: str, task: Any, now: float) -> RunRecord:
        """A fire the store does not hold (sent before history was on, or recorded as
        lost while it waited): its record is rebuilt from the message."""
        request = task.request
        scheduled = _parse_time(header(request, H_SCHEDULED_AT)) or now
        return RunRecord(
            schedule=str(header(request, H_SCHEDULE)),
            fire_id=str(header(request, H_FIRE_ID) or task_id),
            task=task.name,
            scheduled_at=scheduled,
            outcome="sent",
            trigger=header(request, H_TRIGGER) or "beat",
            task_id=task_id,
            sent_at=scheduled,
        )

    def failed(self, task_id: str, exc: BaseException, traceback: str | None) -> None:
        """task_failure: in the running process, kept for postrun; elsewhere (a hard
        time limit or a dead process, seen by the main process) the run ends now."""
        with self._guard:
            if task_id in self.running:
                self.failures[task_id] = (exc, traceback)
                return
        state = self.store.run_state(task_id)
        if state is None:
            return
        outcome = "lost" if isinstance(exc, WorkerLostError) else _failure_outcome(exc)
        running = Running(task_id, state.record, state.lock, 0, state.record.started_at or 0)
        self._finish(running, outcome, error_of(exc, traceback))

    def note_failure(self, task_id: str, exc: BaseException, traceback: str | None) -> None:
        with self._guard:
            if task_id in self.running:
                self.failures[task_id] = (exc, traceback)

    def ended(self, task_id: str, state: str | None, retval: Any, task: Any) -> None:
        """task_postrun."""
        with self._guard:
            running = self.running.pop(task_id, None)
            failure = self.failures.pop(task_id, None)
        if running is None:
            return
        if state == "SUCCESS":
            self._finish(running, "succeeded", None, summarize_result(retval))
            # Failed items need the whole return value, which history only summarises.
            check_result(self.store, running.record, retval)
        elif state == "RETRY":
            self._retry(running, failure or (retval, None), task)
        else:
            exc, tb = failure or (retval if isinstance(retval, BaseException) else None, None)
            self._finish(running, _failure_outcome(exc), error_of(exc, tb))

    def revoked(self, request: Any, terminated: bool, expired: bool) -> None:
        task_id = getattr(request, "id", None)
        state = self.store.run_state(task_id) if task_id else None
        if state is None or task_id is None:
            return
        with self._guard:
            self.running.pop(task_id, None)
        reason = "expired" if expired else "terminated" if terminated else "revoked"
        running = Running(task_id, state.record, state.lock, 0, state.record.started_at or 0)
        self._finish(running, "failed", {"type": "Revoked", "message": reason}, reason=reason)

    def _finish(
        self,
        running: Running,
        outcome: str,
        error: dict[str, str] | None,
        result: str | None = None,
        reason: str | None = None,
    ) -> None:
        rec = replace(
            running.record,
            outcome=outcome,  # type: ignore[arg-type]
            finished_at=time.time(),
            error=error,
            result=result,
            reason=reason,
        )
        # Celery's own "Task ... succeeded" line names no schedule: this one ties the
        # worker's log to the schedule, the slot and Beat's "sending due task" line.
        log.info(
            "schedule %s: run %s %s (fire %s, slot %s, attempt %d, %s)",
            rec.schedule,
            running.task_id,
            outcome,
            rec.fire_id,
            iso(rec.scheduled_at),
            rec.attempt,
            _took(rec),
            extra={"schedule": rec.schedule, "task_id": running.task_id},
        )
        self._record_end(running, rec)

    def _record_end(self, running: Running, rec: RunRecord, again: bool = False) -> None:
        """Write the run's end; while Redis does not answer, keep it and let the
        heartbeat write it when Redis is back (a restart or a freeze): otherwise the
        run would stay `running` until its lease ran out and end as `lost`."""
        try:
            held = self.store.finish_run(running.task_id, rec, running.lock)
        except RedisError as exc:
            with self._guard:
                self.unrecorded.append((running, rec))
            if not again:
                log.warning(
                    "run history: cannot record the end of %s (%s); it is recorded when "
                    "Redis answers again",
                    running.task_id,
                    exc,
                )
                self._ensure_heartbeat()
                self._wake.set()  # from a 20 s wait to the 1 s retry
            return
        if again:
            log.info("run history: recorded the end of %s now that Redis answers", running.task_id)
        if held is not None:
            log.info("sending held-back task %s, task id %s", held.name, held.task_id)
            send_held(self.store, self.app, held, self.settings)

    def _retry(
        self, running: Running, failure: tuple[BaseException, str | None] | None, task: Any
    ) -> None:
        now = time.time()
        exc, tb = failure or (None, None)
        cause = getattr(exc, "exc", None) or exc
        retried = replace(running.record, outcome="retried", finished_at=now)
        retried.error = error_of(cause, tb)
        queued = running.record.next_attempt(now)
        delay = retry_delay(task.request) or 0.0
        until = now + delay + self.settings.run_stale_seconds
        self.store.retry_run(running.task_id, retried, queued, running.lock, until, now)

    # --- the heartbeat ----------------------------------------------------------------

    def _ensure_heartbeat(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._thread = threading.Thread(target=self._beat, name="lease-heartbeat", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while True:
            with self._guard:
                leases = [r.lease for r in self.running.values()]
                waiting = bool(self.unrecorded)
            wait = max(1.0, min(leases or [self.settings.run_lease_seconds]) / 3)
            self._wake.wait(UNRECORDED_RETRY_SECONDS if waiting else wait)
            self._wake.clear()
            self._write_unrecorded()
            # Read after the wait: a run that ended or went back to the queue (a retry)
            # meanwhile must not have its lease renewed.
            with self._guard:
                runs = list(self.running.values())
            by_lease: dict[float, list[tuple[str, float, float]]] = {}
            for run in runs:
                by_lease.setdefault(run.lease, []).append((run.task_id, run.started, run.stale))
            for lease, triples in by_lease.items():
                try:
                    self.store.renew_leases(triples, lease, time.time())
                    self._renew_failing = False
                except RedisError:
                    if not self._renew_failing:  # once per outage, not every beat
                        log.warning("could not renew run leases; retrying", exc_info=True)
                    self._renew_failing = True

    def _write_unrecorded(self) -> None:
        with self._guard:
            ends, self.unrecorded = self.unrecorded, []
        for running, rec in ends:
            try:
                self._record_end(running, rec, again=True)
            except Exception:  # the heartbeat thread must live on
                log.warning(
                    "run history: could not record the end of %s", running.task_id, exc_info=True
                )


def _took(rec: RunRecord) -> str:
    duration = rec.duration_seconds
    return "duration unknown" if duration is None else f"took {duration:.3f}s"


def _failure_outcome(exc: BaseException | None) -> str:
    return "timed_out" if isinstance(exc, TIMEOUTS) else "failed"


_trackers: dict[int, RunTracker] = {}


def tracker(app: Celery) -> RunTracker:
    """This process's tracker (a forked pool process gets its own: connections and
    threads do not survive a fork)."""
    pid = os.getpid()
    found = _trackers.get(pid)
    if found is None:
        found = _trackers[pid] = RunTracker(app)
    return found


def _guarded(what: str, fn: Any, *args: Any) -> None:
    """History must never fail a task: a Redis error is logged and the run goes on."""
    if not get_settings().history_enabled:
        return
    try:
        fn(*args)
    except Exception:
        log.warning("run history: could not record %s", what, exc_info=True)


@signals.task_prerun.connect  # type: ignore[untyped-decorator]
def _on_prerun(task_id: str, task: Any, **_: Any) -> None:
    _guarded("the start of a run", lambda: tracker(task.app).start(task_id, task))


@signals.task_postrun.connect  # type: ignore[untyped-decorator]
def _on_postrun(task_id: str, task: Any, retval: Any = None, state: Any = None, **_: Any) -> None:
    _guarded("the end of a run", lambda: tracker(task.app).ended(task_id, state, retval, task))


@signals.task_failure.connect  # type: ignore[untyped-decorator]
def _on_failure(
    sender: Any, task_id: str, exception: BaseException, einfo: Any = None, **_: Any
) -> None:
    tb = getattr(einfo, "traceback", None)
    _guarded("a failure", lambda: tracker(sender.app).failed(task_id, exception, tb))


@signals.task_retry.connect  # type: ignore[untyped-decorator]
def _on_retry(sender: Any, request: Any, reason: Any = None, einfo: Any = None, **_: Any) -> None:
    tb = getattr(einfo, "traceback", None)
    task_id = getattr(request, "id", None)
    if task_id and isinstance(reason, BaseException):
        _guarded("a retry", lambda: tracker(sender.app).note_failure(task_id, reason, tb))


@signals.task_revoked.connect  # type: ignore[untyped-decorator]
def _on_revoked(
    sender: Any, request: Any, terminated: bool = False, expired: bool = False, **_: Any
) -> None:
    _guarded("a revoked run", lambda: tracker(sender.app).revoked(request, terminated, expired))


def record_requeued(task: Any, task_id: str, exc: BaseException, tb: str | None) -> None:
    """See RunTracker.requeued (called by app/execution/request.py)."""
    _guarded("a requeued run", lambda: tracker(task.app).requeued(task_id, exc, tb))
