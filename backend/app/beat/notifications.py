"""Pickup of entries written around the store (RedBeat's own `entry.save()`/`delete()`).

Writes through our store push a token to Beat's wake list; RedBeat's own API does not,
so on its own Beat sees such a write at its next look (BEAT_MAX_LOOP_INTERVAL). While
this Beat leads, a thread listens to the keyspace channel of RedBeat's due index
(`__keyspace@<db>__:redbeat::schedule`): a save ZADDs there and a delete ZREMs, and
Redis reports each such command when its `notify-keyspace-events` holds `Kz`. On an
event the thread pushes a wake token, as a writer does, so Beat's blocked wait ends and
its next pass sees the change: milliseconds instead of up to a loop interval.

- Beat never runs CONFIG SET: a Redis it did not start is not its to configure, and a
  managed one or our ACL refuses it. ./run.sh's embedded Redis and compose start Redis
  with `Kz`. Whether events arrive is learnt from a probe, a zset write on a key of ours
  whose own event must come back; without them the poll remains and status says so.
- Coalesced: what has already arrived is read before one token is pushed, and the wake
  list keeps at most one. Beat's own commit writes the due index once per batch, so its
  own writes cost one extra, cheap pass per batch.
- It reconnects after Redis restarts (backing off up to RETRY_MAX_SECONDS, one log line
  per outage) and probes again on every connection, since a restarted Redis may lack the
  setting, and every REPROBE_SECONDS, since an operator may change it.
- The keyspace event does not name the member written, so the name index is not told
  which entry changed; the store mends that index when a read finds it stale.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from datetime import UTC, datetime

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.core.config import Settings, get_settings
from app.core.constants import INSTANCE_TTL_SECONDS
from app.core.redis import make_redis
from app.schedules import KeyspaceEvents, PickupStore

log = logging.getLogger(__name__)

# How often the thread looks up from its subscription: the longest stop() waits, and
# how late a probe's timeout or a renewal can be. Waiting costs no Redis command.
POLL_SECONDS = 0.25
# A probe's event comes back within a millisecond; this leaves room for a loaded host.
PROBE_TIMEOUT_SECONDS = 3.0
REPROBE_SECONDS = 60.0
# The status record is renewed this often and outlives three missed renewals.
RENEW_SECONDS = 5.0
STATE_TTL_SECONDS = INSTANCE_TTL_SECONDS
RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 5.0
# Events read before one wake-up is pushed, at most: a flood still wakes Beat regularly.
DRAIN_MAX = 10_000

NO_EVENTS = "Redis sends no keyspace events for sorted sets (notify-keyspace-events lacks Kz)"
DISABLED = "BEAT_KEYSPACE_NOTIFICATIONS is false"
REFUSED = "Redis refused the subscription"


class ForeignSaves:
    """Started when this Beat takes the lock; stopped when it loses or releases it, and
    on close. `redis`: the Beat's own client, whose pool gives the thread connections of
    its own (redis-py's pool is thread-safe); without it the thread makes a client from
    settings and closes it when it ends."""

    def __init__(
        self,
        settings: Settings | None = None,
        instance: str | None = None,
        redis: Redis | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        self.instance = instance or f"{socket.gethostname()}:{os.getpid()}"
        self._redis = redis
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        # None until the first probe answers: on, off, and since when.
        self.on: bool | None = None
        self._reason: str | None = None
        self._since: datetime | None = None
        self._down = False
        self._connected_once = False

    def start(self) -> None:
        """Called when this Beat takes the lock."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopping = threading.Event()
        self.on = None
        self._thread = threading.Thread(
            target=self._run, args=(self._stopping,), name="beat-foreign-saves", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Called when it loses or releases the lock, and on close."""
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            # A Redis call in flight ends by its socket timeout at worst; the thread is
            # a daemon, so a late one never holds the process.
            thread.join(POLL_SECONDS + 1.0)

    def _run(self, stopping: threading.Event) -> None:
        own = self._redis is None
        try:
            pickup = PickupStore(
                self._redis if self._redis is not None else make_redis(self.settings)
            )
        except Exception:
            log.exception("beat: the listener for RedBeat's own saves could not start")
            return
        try:
            if not self.settings.beat_keyspace_notifications:
                self._disabled(pickup, stopping)
                return
            self._keep_listening(pickup, stopping)
        except Exception:
            # A bug here must not take Beat down: its poll still finds every entry.
            log.exception("beat: the listener for RedBeat's own saves stopped unexpectedly")
        finally:
            if own:
                pickup.close()

    def _keep_listening(self, pickup: PickupStore, stopping: threading.Event) -> None:
        delay = RETRY_FIRST_SECONDS
        while not stopping.is_set():
            try:
                self._listen(pickup, stopping)
            except (RedisConnectionError, RedisTimeoutError) as exc:
                self._lost(exc)
                if self._connected_once:
                    delay = RETRY_FIRST_SECONDS
                stopping.wait(delay)
                delay = min(delay * 2, RETRY_MAX_SECONDS)
            except RedisError as exc:
                # An answer, not an outage: an ACL without the subscribe rights, a Redis
                # that disabled SUBSCRIBE. Asking again every second would only fill its
                # ACL LOG; the poll carries on meanwhile.
                self._announce(pickup, False, f"{REFUSED}: {exc}")
                stopping.wait(REPROBE_SECONDS)

    def _disabled(self, pickup: PickupStore, stopping: threading.Event) -> None:
        self._announce(pickup, False, DISABLED)
        while not stopping.wait(RENEW_SECONDS):
            self._renew(pickup)

    def _listen(self, pickup: PickupStore, stopping: threading.Event) -> None:
        self._connected_once = False
        events = pickup.subscribe()
        try:
            self._connected_once = True
            if self._down:
                log.info("beat: the listener for RedBeat's own saves reaches Redis again")
                self._down = False
                pickup.wake()  # a save during the outage may be waiting for the poll
            Listening(self, pickup, events, stopping).run()
        finally:
            events.close()

    def _lost(self, exc: Exception) -> None:
        if not self._down:
            log.warning(
                "beat: the listener for RedBeat's own saves lost Redis (%s); such saves "
                "are seen at Beat's next look (within %g s) until it reconnects",
                exc,
                self.settings.beat_max_loop_interval,
            )
            self._down = True

    def _announce(self, pickup: PickupStore, on: bool, reason: str | None) -> None:
        """Record the probe's outcome; log it when it differs from the last one."""
        if on != self.on or reason != self._reason:
            self._since = datetime.now(UTC)
            _log_state(on, reason, self.on, self.settings.beat_max_loop_interval)
        self.on, self._reason = on, reason
        self._renew(pickup)

    def _renew(self, pickup: PickupStore) -> None:
        if self.on is None:
            return
        state = {
            "keyspace_notifications": self.on,
            "reason": self._reason,
            "instance": self.instance,
            "since": (self._since or datetime.now(UTC)).isoformat(),
            "renewed_at": datetime.now(UTC).isoformat(),
            "poll_seconds": self.settings.beat_max_loop_interval,
        }
        try:
            pickup.write_state(json.dumps(state), STATE_TTL_SECONDS)
        except RedisError:
            log.debug("beat: could not record the pickup state", exc_info=True)


class Listening:
    """One connection's worth of listening: events to wake-ups, probes, renewals."""

    def __init__(
        self,
        owner: ForeignSaves,
        pickup: PickupStore,
        events: KeyspaceEvents,
        stopping: threading.Event,
    ) -> None:
        self.owner, self.pickup, self.events, self.stopping = owner, pickup, events, stopping
        self.due_channel = pickup.due_index_channel
        self.probe_channel = pickup.probe_channel
        self.probe_sent: float | None = None
        self.next_probe = 0.0
        self.next_renew = 0.0

    def run(self) -> None:
        while not self.stopping.is_set():
            now = time.monotonic()
            if self.probe_sent is None and now >= self.next_probe:
                self.pickup.probe()
                self.probe_sent = now
            channel = self.events.next_channel(POLL_SECONDS)
            if channel is not None:
                self._handle(channel)
            self._on_time(time.monotonic())

    def _handle(self, channel: str | None) -> None:
        woken = False
        for _ in range(DRAIN_MAX):
            if channel == self.probe_channel:
                self._probe_answered()
            elif channel == self.due_channel:
                woken = True
            channel = self.events.next_channel(0)
            if channel is None:
                break
        if woken:
            self.pickup.wake()

    def _probe_answered(self) -> None:
        self.probe_sent = None
        self.next_probe = time.monotonic() + REPROBE_SECONDS
        self.next_renew = time.monotonic() + RENEW_SECONDS
        self.owner._announce(self.pickup, True, None)

    def _on_time(self, now: float) -> None:
        if self.probe_sent is not None and now - self.probe_sent > PROBE_TIMEOUT_SECONDS:
            self.probe_sent = None
            self.next_probe = now + REPROBE_SECONDS
            self.next_renew = now + RENEW_SECONDS
            self.owner._announce(self.pickup, False, NO_EVENTS)
        elif now >= self.next_renew and self.owner.on is not None:
            self.next_renew = now + RENEW_SECONDS
            self.owner._renew(self.pickup)


def _log_state(on: bool, reason: str | None, before: bool | None, poll: float) -> None:
    if on:
        log.info("beat: pickup of RedBeat's own saves: keyspace notifications on")
    elif reason == DISABLED:
        log.info(
            "beat: pickup of RedBeat's own saves: keyspace notifications off (%s); such "
            "saves are seen within %g s",
            reason,
            poll,
        )
    elif reason is not None and reason.startswith(REFUSED):
        log.warning(
            "beat: pickup of RedBeat's own saves: keyspace notifications off: %s; such "
            "saves are seen within %g s (the Beat's Redis user needs +subscribe and the "
            "channels in docs/security.md)",
            reason,
            poll,
        )
    else:
        # Worth a warning only when they worked before: at start this is a choice of how
        # Redis was set up, which the line explains.
        level = logging.WARNING if before else logging.INFO
        log.log(
            level,
            "beat: pickup of RedBeat's own saves: keyspace notifications off: Redis sends "
            "none; such saves are seen within %g s (start Redis with "
            "--notify-keyspace-events Kz to see them at once)",
            poll,
        )
