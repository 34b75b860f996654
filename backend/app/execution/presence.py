"""Worker presence: each worker's main process says it is alive, so status can list the
workers by reading Redis instead of broadcasting a ping and waiting for answers.

When the worker is ready (`worker_ready`, sent in its main process only), a daemon
thread writes the worker's record (hostname, pid, concurrency, started, last seen)
every WORKER_HEARTBEAT_SECONDS; the key expires WORKER_TTL_SECONDS after the last
write, so a worker killed outright drops out by itself, and one that stops cleanly
(`worker_shutdown`) removes its key at once. Pool processes write nothing: they are
the worker's hands, not separate workers. Loaded by the app's `imports` setting
(app/core/celery_app.py), as run tracking is.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from celery import signals
from redis.exceptions import RedisError

from app.core.config import get_settings
from app.core.constants import WORKER_HEARTBEAT_SECONDS
from app.core.redis import make_redis
from app.schedules import ScheduleStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerPresence:
    """One worker as its heartbeat describes it."""

    hostname: str
    pid: int | None = None
    concurrency: int | None = None
    started: datetime | None = None
    last_seen: datetime | None = None

    def encode(self) -> str:
        data = asdict(self)
        for key in ("started", "last_seen"):
            data[key] = data[key].isoformat() if data[key] is not None else None
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def parse(cls, raw: str) -> WorkerPresence | None:
        """None for a record that cannot be read (status skips it)."""
        try:
            data = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("hostname"), str):
            return None
        return cls(
            hostname=data["hostname"],
            pid=_int(data.get("pid")),
            concurrency=_int(data.get("concurrency")),
            started=_time(data.get("started")),
            last_seen=_time(data.get("last_seen")),
        )


class Presence:
    """The heartbeat of this worker process."""

    def __init__(self, store: ScheduleStore, hostname: str, concurrency: int | None) -> None:
        self.store = store
        self.record = WorkerPresence(hostname, os.getpid(), concurrency, datetime.now(UTC))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="worker-presence", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        # A beat under way would otherwise write the key again after it is removed.
        self._thread.join(timeout=WORKER_HEARTBEAT_SECONDS)
        try:
            self.store.forget_worker(self.record.hostname)
        except RedisError:
            log.warning(
                "worker presence: could not remove %s's key; it expires by itself",
                self.record.hostname,
            )

    def beat(self) -> None:
        now = datetime.now(UTC)
        record = WorkerPresence(**{**asdict(self.record), "last_seen": now})
        self.store.renew_worker(record.hostname, record.encode(), now.timestamp())

    def _run(self) -> None:
        failing = False
        while not self._stop.is_set():
            try:
                self.beat()
                if failing:
                    log.info("worker presence: Redis answers again")
                failing = False
            except RedisError as exc:
                if not failing:  # once per outage, not every beat
                    log.warning("worker presence: cannot write the heartbeat (%s)", exc)
                failing = True
            self._stop.wait(WORKER_HEARTBEAT_SECONDS)


_current: list[Presence] = []


@signals.worker_ready.connect  # type: ignore[untyped-decorator]
def _on_ready(sender: Any = None, **_: Any) -> None:
    hostname = getattr(sender, "hostname", None)
    if not hostname or _current:
        return
    controller = getattr(sender, "controller", None)
    concurrency = _int(getattr(controller, "concurrency", None))
    app = getattr(sender, "app", None)
    if app is None:
        return
    settings = get_settings()
    store = ScheduleStore(make_redis(settings), app, settings.timezone)
    presence = Presence(store, str(hostname), concurrency)
    _current.append(presence)
    presence.start()


@signals.worker_shutdown.connect  # type: ignore[untyped-decorator]
def _on_shutdown(**_: Any) -> None:
    while _current:
        _current.pop().stop()


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
