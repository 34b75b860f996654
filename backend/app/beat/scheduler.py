"""The Beat scheduler: RedBeat's storage, with faster pickup and safer leadership.

What changes from stock `redbeat.RedBeatScheduler`:
- nothing is written before this process holds the lock (stock RedBeat rewrites static
  entries at start-up, before it even has the lock);
- a standby never blocks in start-up: it waits inside its tick until the holder's lock
  would expire (at most one loop interval) and wakes at once when a leader releases the
  lock, so it takes over within `BEAT_LOCK_TIMEOUT` of a crash and in milliseconds of a
  clean stop (docs/failover.md);
- between passes Beat blocks on a wake list that every writer pushes to, bounded by the
  next due time and `BEAT_MAX_LOOP_INTERVAL`, so a change is picked up in milliseconds
  and an idle Beat costs about two Redis calls per interval; that wait happens inside
  `tick()`, which Celery's contract does not expect (see `BatchScheduler.tick`);
- due entries are handled in batches (see dispatch.py), not one round trip each;
- every Redis read and write goes through the store (`ScheduleStore`, `BeatLocks`):
  this class keeps the loop, leadership policy and sending;
- schedules.json is reconciled by the leader when it takes the lock and whenever the
  file changes (a stat per tick, see app/schedules_file/watch.py), so a save applies
  within a second.
"""

from __future__ import annotations

import contextlib
import logging
import time
from datetime import UTC, datetime
from typing import Any

from celery import Celery
from celery._state import _set_task_join_will_block
from kombu.utils.objects import cached_property
from redbeat import RedBeatScheduler
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.beat.changes import ChangeLog
from app.beat.dispatch import FirePolicy, Step, plan_batch
from app.beat.leadership import Leadership, Role
from app.beat.notifications import ForeignSaves
from app.beat.publish import LeanPublisher
from app.beat.shutdown import GracefulStop
from app.core.config import Settings, get_settings
from app.core.constants import REDBEAT_LOCK_KEY, WAKE_TTL_SECONDS
from app.core.redis import celery_redis_conf, make_redis, redacted_url
from app.core.zones import zones_line
from app.schedules import (
    PAUSED,
    SEND,
    Buffered,
    Entry,
    RunRecord,
    ScheduleStore,
    TaskRegistry,
    error_of,
    fire_headers,
    policy_headers,
    send_held,
    time_limits,
)
from app.schedules_file import FileWatch, record_failed_sync, sync_file

log = logging.getLogger(__name__)

# Shorter waits than this are not worth a blocking call.
MIN_WAIT_SECONDS = 0.002
# Redis expires blocking calls on its own clock tick (hz=10: up to 100 ms late), so
# the last stretch before a due time is slept here, where the timer is precise.
REDIS_TIMEOUT_SLACK_SECONDS = 0.1
# Task messages published per Redis round trip when a batch of fires is sent.
SEND_BATCH_SIZE = 500
# The first pass after a wait loads at most this many entries, so the first fires of a
# burst go out after a short batch (a few ms of work) rather than a full one; the
# passes after it, while a backlog drains, load beat_batch_size each.
FIRST_BATCH_SIZE = 50
# Names listed in the one line that reports the fires a global pause held back.
PAUSED_NAMES_LOGGED = 5


class BatchScheduler(RedBeatScheduler):  # type: ignore[misc]
    """The class Celery's Beat service runs (`beat_scheduler` in app/core/celery_app.py).

    It keeps RedBeat's storage format and lock key but not its tick: `tick()` waits
    inside itself and returns 0 while leading; see `tick` for the contract.
    """

    def __init__(self, app: Celery, **kwargs: Any) -> None:
        self.settings: Settings = get_settings()
        kwargs.setdefault("max_interval", self.settings.beat_max_loop_interval)
        super().__init__(app, lock_timeout=self.settings.beat_lock_timeout, **kwargs)
        # RedBeat's beat_init handler blocks start-up until it holds the lock when
        # lock_key is set; leadership is handled per tick here instead.
        self.lock_key = None
        # Beat never waits on a result, as a worker never does: without this, the Redis
        # result backend subscribes to every sent task's result channel (two extra
        # commands per fire, and a growing subscription set).
        _set_task_join_will_block(True)
        self._stop = GracefulStop()
        self._declared_queues: set[str] = set()
        self._was_leader = False
        self._standby_logged = False
        self._redis_down = False
        # A full batch was loaded last pass: a backlog is draining.
        self._draining = False

    def setup_schedule(self) -> None:
        """Nothing: entries are only written once this process holds the lock. Logs
        the schedules' timezone beside the host's, since their times are read in it."""
        log.info("beat: times: %s", zones_line(self.settings.timezone))

    @cached_property
    def redis(self) -> Redis:
        # Blocking waits last up to max_interval; the socket must outlive them.
        return make_redis(self.settings, socket_timeout=self.max_interval + 10)

    @cached_property
    def store(self) -> ScheduleStore:
        return ScheduleStore(self.redis, self.app, self.settings.timezone)

    @cached_property
    def leadership(self) -> Leadership:
        return Leadership(self.store.beats, self.lock_timeout)

    @cached_property
    def fire_policy(self) -> FirePolicy:
        return FirePolicy(self.settings.history_enabled, self.settings.run_stale_seconds)

    @property
    def schedule(self) -> dict[str, Any]:
        return {}

    def tick(self, *args: Any, **kwargs: Any) -> float:
        """One pass, and the wait after it. Returns 0 when it has waited itself.

        Celery's `Scheduler.tick()` sends at most one due entry and returns the delay
        until the next one; `Service.start` then `time.sleep`s that long and, after a
        sleep, runs `should_sync()`/`_do_sync()`. Nothing can cut that sleep short, so
        a schedule written meanwhile would wait out the delay (up to `max_interval`).

        This tick differs on purpose, for millisecond pickup. As leader it sends a
        whole batch, then blocks on the store's wake list (`wait_for_change`, a BLPOP)
        until the next due time, `max_interval` or a writer's wake-up, whichever comes
        first, and returns 0: Service calls `tick()` again at once, with no sleep and
        no sync step (state is in Redis from each commit, and RedBeat's `sync` does
        nothing anyway). After a full batch it returns 0 without waiting, so a backlog
        drains pass after pass. As standby it also waits itself
        (`Leadership.wait_as_standby`: until the holder's lock would expire, a release,
        or `max_interval`) and returns 0; while Redis is unreachable it returns
        `max_interval` and Service sleeps, as Celery's contract says. A call lasts at
        most about `max_interval` plus one batch, so Service still sees its shutdown
        flag and stamps `_last_tick` (its liveness check) at least that often.
        """
        if not self._stop.installed:  # Celery installs its own handlers after __init__
            self._stop.install()
        try:
            delay = self._tick()
        except (RedisConnectionError, RedisTimeoutError) as exc:
            if not self._redis_down:
                log.error(
                    "beat: Redis at %s is unreachable (%s); dispatching stops until it "
                    "answers. Check that Redis runs and REDIS_URL is right.",
                    redacted_url(self.settings.redis_url),
                    exc,
                )
            self._redis_down = True
            return float(self.max_interval)
        if self._redis_down:
            log.info("beat: Redis answers again; dispatching resumes")
            self._redis_down = False
        return delay

    def _tick(self) -> float:
        role = self.leadership.beat()
        if role is Role.STANDBY:
            if self._was_leader or not self._standby_logged:
                log.warning(
                    "beat: standing by; the lock is held by %s",
                    self.leadership.holder_seen or "nobody (taking it at the next look)",
                )
                self._standby_logged = True
            if self._was_leader:
                self.foreign_saves.stop()
            self._was_leader = False
            # Waited here, not in Service's sleep, so a leader's release wakes it at once.
            self.leadership.wait_as_standby(float(self.max_interval))
            return 0.0
        if role is Role.ACQUIRED:
            log.info(
                "beat: acquired the lock as %s (%s); dispatching",
                self.leadership.instance_id,
                self.leadership.acquired_because,
            )
            self._was_leader = True
            self.change_log.start(self.store)
            self.foreign_saves.start()
        self.sync_schedules_file(force=role is Role.ACQUIRED)
        with self._stop.busy():
            more, next_due = self.dispatch_due()
        if not more:
            self._wait(next_due)
        return 0.0

    @cached_property
    def registry(self) -> TaskRegistry:
        return TaskRegistry.from_celery(self.app)

    @cached_property
    def file_watch(self) -> FileWatch:
        return FileWatch(self.settings.schedules_file, self.settings.schedules_file_resync_seconds)

    @cached_property
    def change_log(self) -> ChangeLog:
        return ChangeLog()

    @cached_property
    def foreign_saves(self) -> ForeignSaves:
        # The Beat's own client: its pool hands the listener a connection of its own.
        return ForeignSaves(self.settings, self.leadership.instance_id, self.redis)

    def sync_schedules_file(self, force: bool = False) -> None:
        """Apply schedules.json when it changed (or on taking the lock); only the leader
        gets here, so a standby never rewrites an entry."""
        if not self.file_watch.should_sync(force):
            return
        path = self.settings.schedules_file
        try:
            # The lock is renewed between chunks (a 100,000-entry file outlives it), and
            # only a sync on taking the lock reads every entry the file manages.
            report = sync_file(
                self.store,
                path,
                self.registry,
                routine=self.file_watch.routine,
                keep_alive=self.leadership.keep_alive,
                full=force,
            )
        except (RedisConnectionError, RedisTimeoutError):
            raise  # tick() reports Redis down, and the sync runs again once it answers
        except Exception as exc:
            # Whatever a file holds must not stop dispatching: refused like an invalid
            # file, logged once (it is not re-read until it changes), and Beat goes on.
            log.exception("schedules.json not applied: the sync failed unexpectedly")
            with contextlib.suppress(Exception):
                record_failed_sync(self.store, path, exc)
            report = None
        self.file_watch.record(report is not None)

    def dispatch_due(self) -> tuple[bool, float | None]:
        """Send what is due now; return (a full batch was sent, next due score)."""
        now = datetime.now(UTC)
        limit = self.settings.beat_batch_size
        if not self._draining:
            limit = min(limit, FIRST_BATCH_SIZE)
        batch = self.store.due(now, limit, self.change_log.cursor)
        self._draining = len(batch.rows) >= limit
        self.change_log.report(batch.changes)
        if batch.expired:
            self._sweep_lost(batch.expired, now)
        next_due = batch.next_due
        if not batch.rows:
            return False, next_due
        steps = plan_batch(batch.rows, now, self.fire_policy)
        self._commit_and_send(steps, now)
        self.change_log.notice_foreign(self.store, batch.rows)
        # What this pass rescheduled may come due before anything the peek saw.
        later = [s.score for s in steps if s.score > 0]
        if later:
            next_due = min(later + ([next_due] if next_due is not None else []))
        return len(batch.rows) >= limit, next_due

    def _commit_and_send(self, steps: list[Step], now: datetime) -> None:
        # Messages are built before the commit, which pushes those of the fires it
        # records as sent: recording and queueing are one step, so a Beat killed in
        # between cannot leave a fire recorded sent that no worker will ever see.
        prepared = [self._prepare(step) for step in steps]
        messages = [p[1] if p is not None else None for p in prepared]
        # A long pass (a large BEAT_BATCH_SIZE) must not outlive the lock it commits under.
        if not self.leadership.keep_alive():
            return
        codes = self.store.commit_fires(self.leadership.token, steps, now.timestamp(), messages)
        if codes is None:
            self.leadership.lost(self.leadership.holder())  # logs once, drops leadership
            return
        held = [step for step, code in zip(steps, codes, strict=True) if code == PAUSED]
        if held:
            _log_paused(held)
        # Fires that need Celery's send_task (a queue's first message, options the lean
        # path does not build) are published after the commit, as before.
        later: list[tuple[Step, dict[str, Any]]] = []
        for step, code, prep in zip(steps, codes, prepared, strict=True):
            if code != SEND or prep is None:
                continue
            headers, message = prep
            assert step.entry is not None and step.fire is not None
            _log_sending(step.entry, headers, step.fire.task_id)
            if message is None:
                later.append((step, headers))
        if later:
            self._send_all(later)

    def _send_all(self, later: list[tuple[Step, dict[str, Any]]]) -> None:
        """Publish fires through send_task; those that fail are recorded as failed."""
        unsent: list[tuple[Step, Exception]] = []
        try:
            # One Redis round trip per SEND_BATCH_SIZE messages, not one per message.
            with self.producer.batch(max_size=SEND_BATCH_SIZE):
                for step, headers in later:
                    error = self._send(step, headers)
                    if error is not None:
                        unsent.append((step, error))
        except Exception as exc:
            # The last batch failed: which of its messages reached the broker is unknown,
            # so all of them are recorded as not published (a message that did get
            # through still runs, and its run is recorded when it starts).
            log.exception(
                "beat: could not publish %d due tasks to the broker; they are recorded as "
                "failed. Check that the broker (Redis) is reachable.",
                len(later),
            )
            unsent = [(step, exc) for step, _headers in later]
        if unsent:
            self._record_unsent(unsent)

    def _record_unsent(self, unsent: list[tuple[Step, Exception]]) -> None:
        """Fires committed but not published end as failed, so they hold nothing."""
        if not self.settings.history_enabled:
            return
        ended = datetime.now(UTC).timestamp()
        try:
            for step, exc in unsent:
                assert step.fire is not None
                rec = RunRecord.from_json(step.fire.record)
                rec.outcome, rec.finished_at = "failed", ended
                rec.reason, rec.error = "not published", error_of(exc, None)
                held = self.store.finish_run(step.fire.task_id, rec, step.fire.lock)
                if held is not None:
                    self._send_held(held)
        except Exception:
            log.warning("beat: could not record the unsent fires either", exc_info=True)

    def _prepare(self, step: Step) -> tuple[dict[str, Any], tuple[str, str] | None] | None:
        """A fire's headers and, when it can take the lean path, its message (queue
        list key, payload) for the commit to push; None for a step that sends nothing."""
        entry, served, fire = step.entry, step.served, step.fire
        if entry is None or served is None or fire is None or fire.mode == "missed":
            return None
        headers = {**(step.headers or fire_headers(entry.key, entry.name, served))}
        headers.update(self._policy_headers(entry))
        lean = self.publisher
        if lean is None:
            return headers, None
        limits = time_limits(entry)
        try:
            message = lean.message(
                entry.task,
                entry.args,
                entry.kwargs,
                fire.task_id,
                entry.options,
                headers,
                limits.get("time_limit"),
                limits.get("soft_time_limit"),
            )
        except (RedisConnectionError, RedisTimeoutError):
            raise
        except Exception:
            # One entry the lean path cannot encode (RedBeat's own API can store objects
            # and options ours never writes) must not stop the batch: send_task takes it
            # after the commit, and records it failed if it cannot be sent either.
            log.warning(
                "beat: %s takes Celery's send_task: its message could not be built here",
                entry.name,
                exc_info=True,
            )
            message = None
        return headers, message

    def _send(self, step: Step, headers: dict[str, Any]) -> Exception | None:
        """Publish one fire through Celery's send_task; the error if it could not be
        (logged here)."""
        entry, fire = step.entry, step.fire
        assert entry is not None and fire is not None
        limits = time_limits(entry)
        lean = self.publisher
        queue = entry.options.get("queue") or self.app.conf.task_default_queue
        # A queue is declared with its first message; kombu would otherwise re-check
        # its declaration cache for every message, a third of the cost of a send.
        options: dict[str, Any] = {**entry.options, **limits, "headers": headers}
        if queue in self._declared_queues:
            options["declare"] = []
        try:
            # Celery's send path, as Scheduler.apply_async takes it, minus the per-fire
            # bookkeeping that only its in-memory schedule needs.
            self.app.send_task(
                entry.task,
                entry.args,
                entry.kwargs,
                producer=self.producer,
                task_id=fire.task_id,
                **options,
            )
        except Exception as exc:
            log.exception("beat: could not send %s (%s)", entry.name, entry.task)
            return exc
        self._declared_queues.add(queue)
        if lean is not None:
            lean.declared(queue)
        return None

    @cached_property
    def publisher(self) -> LeanPublisher | None:
        """The lean path (app/beat/publish.py), or None when this setup needs Celery's
        own send path for every message (task_routes, publish signal receivers, ...)."""
        why = LeanPublisher.refusal(self.app, celery_redis_conf(self.settings)["broker_url"])
        if why is not None:
            log.info("beat: sending through Celery's send_task, since %s", why)
            return None
        return LeanPublisher(self.app, self.producer.channel)

    def _policy_headers(self, entry: Entry) -> dict[str, Any]:
        s = self.settings
        return policy_headers(entry, s.retry_backoff_seconds, s.run_lease_seconds)

    def _sweep_lost(self, task_ids: list[str], now: datetime) -> None:
        """Record runs whose lease ran out as lost, and send what they held back."""
        log.warning(
            "beat: %d run(s) stopped renewing their lease (worker gone?); recording them as lost",
            len(task_ids),
        )
        for held in self.store.sweep_lost(task_ids, now.timestamp()):
            self._send_held(held)

    def _send_held(self, held: Buffered) -> None:
        log.info("beat: sending held-back task %s, task id %s", held.name, held.task_id)
        send_held(self.store, self.app, held, self.settings)

    def _wait(self, next_due: float | None) -> None:
        """Sleep until the next due time, the loop interval, or a writer's wake-up."""
        timeout = float(self.max_interval)
        if next_due is not None:
            timeout = min(timeout, next_due - time.time())
        if timeout < MIN_WAIT_SECONDS:
            return
        if timeout <= 2 * REDIS_TIMEOUT_SLACK_SECONDS:
            time.sleep(timeout)
            return
        changed_at = self.store.wait_for_change(timeout - REDIS_TIMEOUT_SLACK_SECONDS)
        if changed_at is not None:
            log.debug("beat: woken by a schedule change")
            self._observe_apply(changed_at)

    def _observe_apply(self, changed_at: float) -> None:
        """Metrics: how long the change waited for Beat, from its write (the writer's
        clock) to now. A token older than it can live is not a time (or the clocks
        disagree by more than that): not counted."""
        waited = time.time() - changed_at
        if changed_at > 0 and waited <= WAKE_TTL_SECONDS:
            self.store.observe_apply(max(waited, 0.0))

    def close(self) -> None:
        if "foreign_saves" in self.__dict__:
            self.foreign_saves.stop()
        if "leadership" in self.__dict__:
            try:
                if self.leadership.release():
                    log.info("beat: released the lock")
            except (RedisConnectionError, RedisTimeoutError):
                log.warning("beat: could not release the lock; it expires by itself")
        super().close()

    @property
    def info(self) -> str:
        return (
            f"       . redis -> {redacted_url(self.settings.redis_url)}\n"
            f"       . lock -> {REDBEAT_LOCK_KEY} (expires {self.lock_timeout}s after the "
            f"leader goes silent)\n"
            f"       . schedules file -> {self.settings.schedules_file}"
        )


def _log_paused(steps: list[Step]) -> None:
    names = [step.entry.name for step in steps if step.entry is not None]
    shown = ", ".join(names[:PAUSED_NAMES_LOGGED])
    more = (
        f" and {len(names) - PAUSED_NAMES_LOGGED} more" if len(names) > PAUSED_NAMES_LOGGED else ""
    )
    log.info(
        "beat: dispatching is paused, so %d due fire(s) were skipped (recorded with reason "
        "paused): %s%s. Resume with POST /api/scheduler/resume or ./scheduler_control.sh start.",
        len(steps),
        shown,
        more,
    )


def _log_sending(entry: Entry, headers: dict[str, Any], task_id: str) -> None:
    log.info(
        "beat: sending due task %s (%s) for %s, fire %s, task id %s",
        entry.name,
        entry.task,
        headers["scheduled_at"],
        headers["fire_id"],
        task_id,
        extra={"schedule": entry.name, "task_id": task_id},
    )
