"""A fire's message: its headers, its Celery options, and how it is sent.

Beat, run-now and the worker (sending a fire `buffer_one` held back) all send through
here, so every message that starts a scheduled run carries the same headers:
`schedule` (the name), `scheduled_at` (the slot, ISO-8601 UTC), `fire_id`, `trigger`,
and, when the policy retries, `retry_max` and `retry_backoff`. The worker links the run
to its record through them (app/execution).
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from celery import Celery

from app.core.config import Settings
from app.schedules.entry import Entry
from app.schedules.runs import RunRecord, error_of, iso

if TYPE_CHECKING:
    from app.schedules.store import Buffered, ScheduleStore

log = logging.getLogger(__name__)

# Fire ids are name-based UUIDs in a namespace of their own (any fixed UUID will do).
FIRE_ID_NAMESPACE = uuid.UUID("5b7c9f0e-2d1a-4c3b-9e8f-6a5d4c3b2a19")
# The hard time limit comes this long after the soft one, so a task that catches
# SoftTimeLimitExceeded gets a moment to clean up before its process is killed.
HARD_LIMIT_GRACE = 0.1
HARD_LIMIT_GRACE_MIN_SECONDS = 5.0
# Header names the worker reads (Celery's own names are avoided).
H_SCHEDULE = "schedule"
H_SCHEDULED_AT = "scheduled_at"
H_FIRE_ID = "fire_id"
H_TRIGGER = "trigger"
H_RETRY_MAX = "retry_max"
H_RETRY_BACKOFF = "retry_backoff"
H_LEASE = "lease"
H_LOCK = "lock_key"
FIRE_HEADERS = (
    "celery_beat_task",
    H_SCHEDULE,
    H_SCHEDULED_AT,
    H_FIRE_ID,
    H_TRIGGER,
    H_RETRY_MAX,
    H_RETRY_BACKOFF,
    H_LEASE,
    H_LOCK,
)


def fire_id_for(key: str, scheduled_at: str) -> str:
    """Derived from the entry and the slot, so one slot sent twice (which the commit's
    slot check makes impossible) would show as one id twice, not two unrelated runs."""
    return str(uuid.uuid5(FIRE_ID_NAMESPACE, f"{key}|{scheduled_at}"))


def fire_headers(key: str, name: str, served: datetime) -> dict[str, Any]:
    """The headers that tie a Beat fire to its schedule and slot."""
    scheduled_at = served.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return {
        "celery_beat_task": True,
        H_SCHEDULE: name,
        H_SCHEDULED_AT: scheduled_at,
        H_FIRE_ID: fire_id_for(key, scheduled_at),
    }


def new_task_id() -> str:
    return str(uuid.uuid4())


def policy_headers(entry: Entry, default_backoff: float, default_lease: float) -> dict[str, Any]:
    """The policy the worker applies: lease, retries, lock group."""
    policy = entry.spec.policy if entry.spec is not None else None
    lease = policy.lease_seconds if policy is not None else None
    headers: dict[str, Any] = {H_LEASE: default_lease if lease is None else lease}
    if policy is None:
        return headers
    if policy.max_retries:
        headers[H_RETRY_MAX] = policy.max_retries
        backoff = policy.retry_backoff_seconds
        headers[H_RETRY_BACKOFF] = default_backoff if backoff is None else backoff
    if policy.lock_key:
        headers[H_LOCK] = policy.lock_key
    return headers


def time_limits(entry: Entry) -> dict[str, float]:
    """Celery's soft and hard limits for the policy's `timeout_seconds` (none if unset)."""
    policy = entry.spec.policy if entry.spec is not None else None
    if policy is None or policy.timeout_seconds is None:
        return {}
    soft = policy.timeout_seconds
    grace = max(HARD_LIMIT_GRACE_MIN_SECONDS, soft * HARD_LIMIT_GRACE)
    return {"soft_time_limit": soft, "time_limit": soft + grace}


def record_headers(rec: RunRecord) -> dict[str, Any]:
    """Headers for a fire already recorded (run-now, a held-back fire)."""
    return {
        H_SCHEDULE: rec.schedule,
        H_SCHEDULED_AT: iso(rec.scheduled_at),
        H_FIRE_ID: rec.fire_id,
        H_TRIGGER: rec.trigger,
    }


def send_recorded(
    app: Celery,
    entry: Entry,
    rec: RunRecord,
    extra_headers: dict[str, Any],
    producer: Any = None,
) -> None:
    """Send the task of a recorded fire, with the record's task id."""
    options: dict[str, Any] = {
        **entry.options,
        **time_limits(entry),
        "headers": {**record_headers(rec), **extra_headers},
        "task_id": rec.task_id,
    }
    if producer is not None:
        options["producer"] = producer
    app.send_task(rec.task, entry.args, entry.kwargs, **options)


def send_held(store: ScheduleStore, app: Celery, held: Buffered, settings: Settings) -> bool:
    """Send the fire `buffer_one` held back, now that the run before it ended.

    If its schedule is gone or the send fails, the fire ends as `failed` at once, so it
    does not hold its schedule and lock group until it goes stale. Never raises.
    """
    reason, error = "schedule deleted", None
    try:
        entry = store.get(held.name)
        if entry is not None:
            extra = policy_headers(
                entry, settings.retry_backoff_seconds, settings.run_lease_seconds
            )
            send_recorded(app, entry, held.record, extra)
            return True
    except Exception as exc:  # the broker or Redis: recorded below, never raised
        log.warning("could not send the held-back task of %s", held.name, exc_info=True)
        reason, error = "not published", error_of(exc, None)
    ended = replace(
        held.record, outcome="failed", finished_at=time.time(), reason=reason, error=error
    )
    try:
        store.finish_run(held.task_id, ended, held.lock)
    except Exception:
        log.warning("could not record the held-back fire of %s as failed", held.name)
    return False
