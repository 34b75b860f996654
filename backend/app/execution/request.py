"""The worker's request for a task message: Celery's, plus one note in history when a
late-acknowledged task's pool process dies.

Celery's Request.on_failure, in the worker's main process, hands such a message back
to the queue (`reject_on_worker_lost`) and sends no `task_failure`, so tracking would
never hear of the dead attempt, and the next delivery would find the fire still
`running`. This records it first (RunTracker.requeued): the message can be picked up
the moment it is back.
"""

from __future__ import annotations

from typing import Any

from billiard.einfo import ExceptionWithTraceback  # type: ignore[import-untyped]
from billiard.exceptions import WorkerLostError  # type: ignore[import-untyped]
from celery.worker.request import Request

from app.execution.tracking import record_requeued


class TrackedRequest(Request):  # type: ignore[misc]
    """Set as every task's `Request` by ScheduledTask (app/execution/task.py)."""

    def on_failure(
        self, exc_info: Any, send_failed_event: bool = True, return_ok: bool = False
    ) -> Any:
        exc = getattr(exc_info, "exception", None)
        # The pool hands the error over wrapped, as Request.on_failure unwraps it too.
        exc = exc.exc if isinstance(exc, ExceptionWithTraceback) else exc
        task = self.task
        if (
            isinstance(exc, WorkerLostError)
            and task.acks_late
            and task.reject_on_worker_lost
            and not task.retry_on_worker_lost
        ):
            record_requeued(task, self.id, exc, getattr(exc_info, "traceback", None))
        return super().on_failure(exc_info, send_failed_event, return_ok)
