"""The two loops that run alerts, as daemon threads of a worker's main process.

- rules: reads every history record once (a consumer group shared by all workers),
  queues the events it raises; every ALERT_SCAN_SECONDS one worker also looks at the
  runs in progress for long ones; every UPKEEP_SECONDS it takes over records a dead
  worker left unacknowledged.
- delivery: takes queued alerts (another group) and POSTs each on a small pool of
  threads, with retries; failures are logged and counted, never raised.

Neither loop is on a task's path: a task runs in the pool's processes (or threads),
records its end in Redis and is done; these threads only read what was recorded. A
slow or dead webhook holds up at most DELIVERY_THREADS of these threads.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from celery import Celery
from redis.exceptions import RedisError

from app.alerts.delivery import Sender
from app.alerts.detector import Detector
from app.alerts.events import AlertEvent
from app.core.config import Settings
from app.core.constants import ALERT_CLAIM_IDLE_SECONDS, ALERT_MAX_DELIVERIES
from app.core.redis import make_redis
from app.schedules import QueuedAlert, ScheduleStore

log = logging.getLogger("app.alerts")

# Longest blocking read; the loops look at their stop flag this often.
BLOCK_SECONDS = 1.0
READ_COUNT = 200
# Webhook calls at once per worker process.
DELIVERY_THREADS = 4
# How often unacknowledged entries of dead consumers are looked for.
UPKEEP_SECONDS = 30.0
# A consumer idle this long with nothing pending is a process gone: forgotten.
FORGET_CONSUMER_SECONDS = 86400
# Wait after Redis did not answer before trying again.
RETRY_SECONDS = 2.0


def consumer_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class AlertLoops:
    def __init__(self, app: Celery, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.consumer = consumer_name()
        self.stopping = threading.Event()
        self.sender = Sender(settings, self.stopping)
        self._threads: list[threading.Thread] = []
        self._slots = threading.BoundedSemaphore(DELIVERY_THREADS)
        self._pool = ThreadPoolExecutor(DELIVERY_THREADS, thread_name_prefix="alert-post")
        self._redis_down = False

    def start(self) -> None:
        for name, target in (("alert-rules", self._rules), ("alert-delivery", self._delivery)):
            thread = threading.Thread(target=self._guarded(target), name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 2.0) -> None:
        """Ask the loops to end; an alert whose POST is cut short stays queued for
        another worker (or this one's next start)."""
        self.stopping.set()
        for thread in self._threads:
            thread.join(timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _store(self) -> ScheduleStore:
        redis = make_redis(self.settings, socket_timeout=BLOCK_SECONDS + 10)
        return ScheduleStore(redis, self.app, self.settings.timezone)

    def _guarded(self, loop: Callable[[ScheduleStore], None]) -> Callable[[], None]:
        """Run `loop` until stopped; Redis outages are logged once and waited out."""

        def run() -> None:
            store = self._store()
            while not self.stopping.is_set():
                try:
                    store.alerts.ensure_groups()
                    loop(store)
                except RedisError as exc:
                    if not self._redis_down:
                        log.warning("alerts: Redis does not answer (%s); retrying", exc)
                    self._redis_down = True
                    self.stopping.wait(RETRY_SECONDS)
                except Exception:
                    log.exception("alerts: %s loop failed; starting it again", loop.__name__)
                    self.stopping.wait(RETRY_SECONDS)

        return run

    # --- rules ---------------------------------------------------------------------

    def _rules(self, store: ScheduleStore) -> None:
        detector = Detector(store, self.settings)
        scan_every = self.settings.alert_scan_seconds
        next_scan = next_upkeep = time.monotonic()
        while not self.stopping.is_set():
            wait = min(BLOCK_SECONDS, max(0.0, next_scan - time.monotonic()))
            batch = store.alerts.read_records(self.consumer, READ_COUNT, max(1, int(wait * 1000)))
            self._redis_down = False
            if batch.ids:
                detector.look_at(batch.records)
                store.alerts.ack_records(batch.ids)
            if time.monotonic() >= next_scan:
                # One worker per interval: the turn expires a little before the next.
                if store.alerts.take_scan_turn(self.consumer, scan_every * 0.8):
                    detector.scan_running()
                next_scan = time.monotonic() + scan_every
            if time.monotonic() >= next_upkeep:
                idle_ms = int(ALERT_CLAIM_IDLE_SECONDS * 1000)
                claimed = store.alerts.claim_records(self.consumer, idle_ms, READ_COUNT)
                if claimed.ids:
                    detector.look_at(claimed.records)
                    store.alerts.ack_records(claimed.ids)
                store.alerts.forget_idle_consumers(FORGET_CONSUMER_SECONDS * 1000)
                next_upkeep = time.monotonic() + UPKEEP_SECONDS

    # --- delivery ------------------------------------------------------------------

    @property
    def claim_idle_ms(self) -> int:
        """Longer than any delivery can take, so a live one is never taken over."""
        return int((ALERT_CLAIM_IDLE_SECONDS + self.sender.policy.longest_seconds) * 1000)

    def _delivery(self, store: ScheduleStore) -> None:
        next_upkeep = time.monotonic() + UPKEEP_SECONDS
        while not self.stopping.is_set():
            if not self._slots.acquire(timeout=BLOCK_SECONDS):
                continue
            try:
                queued = store.alerts.read_alerts(self.consumer, 1, int(BLOCK_SECONDS * 1000))
            except BaseException:
                self._slots.release()
                raise
            self._redis_down = False
            if queued:
                self._pool.submit(self._deliver, store, queued[0])
            else:
                self._slots.release()
            if time.monotonic() >= next_upkeep:
                for alert in store.alerts.claim_alerts(self.consumer, self.claim_idle_ms, 20):
                    self._slots.acquire()
                    self._pool.submit(self._deliver, store, alert)
                next_upkeep = time.monotonic() + UPKEEP_SECONDS

    def _deliver(self, store: ScheduleStore, queued: QueuedAlert) -> None:
        """POST one alert, count how it went, acknowledge it. Runs on the pool."""
        try:
            self._deliver_one(store, queued)
        except RedisError:
            # Left unacknowledged: another worker, or this one, takes it over later.
            log.warning("alerts: Redis failed while delivering %s; it stays queued", queued.sid)
        except Exception:
            log.exception("alerts: delivering %s failed", queued.sid)
        finally:
            self._slots.release()

    def _deliver_one(self, store: ScheduleStore, queued: QueuedAlert) -> None:
        try:
            event = AlertEvent.from_json(queued.event, queued.suppressed)
        except (ValueError, TypeError):
            log.error("alerts: dropping an unreadable alert %s: %.200r", queued.sid, queued.event)
            store.alerts.count("dropped", "unknown")
            store.alerts.ack_alerts([queued.sid])
            return
        if queued.deliveries > ALERT_MAX_DELIVERIES:
            log.error("alerts: dropping alert %s, handed out %d times", event.id, queued.deliveries)
            store.alerts.count("dropped", event.kind)
            store.alerts.ack_alerts([queued.sid])
            return
        url = self._url_for(store, event.schedule)
        if url is None:
            log.debug("alerts: no webhook for %s; alert %s not sent", event.schedule, event.id)
            store.alerts.count("unsent", event.kind)
            store.alerts.ack_alerts([queued.sid])
            return
        outcome = self.sender.send(event, url)
        if not outcome.delivered and self.stopping.is_set():
            return  # cut short by shutdown: stays queued for another try
        if outcome.attempts > 1:
            store.alerts.count("retried", event.kind, outcome.attempts - 1)
        store.alerts.count("delivered" if outcome.delivered else "failed", event.kind)
        store.alerts.ack_alerts([queued.sid])

    def _url_for(self, store: ScheduleStore, name: str) -> str | None:
        """The schedule's own webhook, else the default; read now, never stored with
        the alert."""
        entry = store.get_many([name]).get(name)  # lenient: an unreadable one is absent
        spec = entry.spec if entry is not None else None
        own = spec.policy.alert_webhook_url if spec is not None else None
        return own or self.sender.default_url
