"""Late acknowledgement (app/tasks/_delivery.py): what a message delivered again means
for its fire.

- Its pool process died and the worker handed the message back: the dead attempt is
  recorded as `retried`, reason `worker lost`, before the message is back in the queue,
  and the fire stays in progress for the next attempt (`record_requeued`).
- The broker gave it out again on its own (its worker died without a word and the
  visibility timeout passed, or a run outlived that timeout): if the fire already ended
  or is running elsewhere, the copy must not run (`duplicate_reason`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

from app.core.config import Settings
from app.schedules import RunState, ScheduleStore, error_of

log = logging.getLogger(__name__)

# The reason on the record of an attempt whose pool process died, handed back to the queue.
WORKER_LOST = "worker lost"


def duplicate_reason(
    store: ScheduleStore, task_id: str, request: Any, state: RunState | None
) -> str | None:
    """Why a message delivered again must not run, or None (a first delivery, a fire
    handed back by `record_requeued`, or one the store knows nothing of)."""
    if not (getattr(request, "delivery_info", None) or {}).get("redelivered"):
        return None
    if state is not None:
        return "its fire is running elsewhere" if state.record.outcome == "running" else None
    final = store.run_by_task(task_id)
    return f"its fire already ended ({final.outcome})" if final is not None else None


def record_requeued(
    store: ScheduleStore,
    settings: Settings,
    task_id: str,
    exc: BaseException,
    traceback: str | None,
) -> None:
    """The pool process running `task_id` died and its message goes back to the queue
    (acks_late + reject_on_worker_lost). Called in the worker's main process."""
    state = store.run_state(task_id)
    if state is None or state.record.outcome != "running":
        return  # ended meanwhile (its success was recorded before the death)
    now = time.time()
    dead = replace(state.record, outcome="retried", finished_at=now, reason=WORKER_LOST)
    dead.error = error_of(exc, traceback)
    queued = state.record.next_attempt(now)
    log.warning(
        "schedule %s: run %s lost its worker process; its message goes back to the "
        "queue for attempt %d (the task is safe to run again)",
        dead.schedule,
        task_id,
        queued.attempt,
        extra={"schedule": dead.schedule, "task_id": task_id},
    )
    until = now + settings.run_stale_seconds
    store.retry_run(task_id, dead, queued, state.lock, until, now)
