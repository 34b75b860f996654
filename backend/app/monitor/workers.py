"""Which workers run: from their presence keys by default, by a live ping on request.

A presence read is two Redis round trips and never waits for a worker; the broadcast
ping (Celery's `control.ping`) waits its whole timeout for answers, since it cannot
know how many workers there are, which made every status call take a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from celery import Celery

from app.core.constants import WORKER_PING_TIMEOUT
from app.execution.presence import WorkerPresence
from app.schedules import ScheduleStore

WorkerSource = Literal["presence", "ping"]


@dataclass(frozen=True)
class WorkersSeen:
    """Hostnames (sorted) and, from presence, each worker's record; None when not asked
    or when asking failed (`error` says why)."""

    names: list[str] | None = None
    details: list[WorkerPresence] | None = None
    source: WorkerSource | None = None
    error: str | None = None


def ping_workers(app: Celery, timeout: float = WORKER_PING_TIMEOUT) -> list[str]:
    """Hostnames of the workers that answer a broadcast ping through the broker."""
    replies = app.control.ping(timeout=timeout) or []
    return sorted(name for reply in replies for name in reply)


def present_workers(store: ScheduleStore) -> list[WorkerPresence]:
    """Workers whose heartbeat has not expired, by hostname."""
    found = (WorkerPresence.parse(raw) for raw in store.worker_records())
    return sorted((w for w in found if w is not None), key=lambda w: w.hostname)


def read_workers(store: ScheduleStore, timeout: float | None) -> WorkersSeen:
    """timeout None: not asked; 0: presence keys; above 0: a live ping that long.

    Raises what the ping or Redis raised; read_status reports it.
    """
    if timeout is None:
        return WorkersSeen()
    if timeout > 0:
        return WorkersSeen(ping_workers(store.app, timeout), source="ping")
    present = present_workers(store)
    return WorkersSeen([w.hostname for w in present], present, "presence")
