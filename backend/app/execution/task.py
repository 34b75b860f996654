"""The base class of every task: retries with exponential backoff, as the fire says.

The policy rides in the message (`retry_max`, `retry_backoff` headers, see
app/schedules/fire.py), so a retry follows the policy the fire was sent under, and a
task called without them (from code, `.delay()`) behaves as plain Celery.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from celery.exceptions import Ignore, Reject, Retry, SoftTimeLimitExceeded, TimeLimitExceeded

from app.schedules import FIRE_HEADERS, H_RETRY_BACKOFF, H_RETRY_MAX

log = logging.getLogger(__name__)

# Longest single retry delay, whatever the doubling reaches: under the Redis broker's
# visibility timeout (one hour), past which a message held for a later retry would be
# delivered a second time.
MAX_RETRY_DELAY_SECONDS = 3000.0
# Exceptions that are not failures of the task's own work, so never retried here.
NOT_RETRIED = (Retry, Ignore, Reject, SoftTimeLimitExceeded, TimeLimitExceeded)


def header(request: Any, name: str) -> Any:
    """A custom header of the running task's message (Celery puts them on the request)."""
    value = getattr(request, name, None)
    if value is None:
        value = (getattr(request, "headers", None) or {}).get(name)
    return value


def retry_delay(request: Any) -> float | None:
    """Seconds before the next attempt, or None when the policy allows no more."""
    try:
        most = int(header(request, H_RETRY_MAX) or 0)
        backoff = float(header(request, H_RETRY_BACKOFF) or 0)
    except (TypeError, ValueError):
        return None
    done = int(getattr(request, "retries", 0) or 0)
    if done >= most:
        return None
    return float(min(MAX_RETRY_DELAY_SECONDS, backoff * 2**done))


class ScheduledTask(Task):  # type: ignore[misc]
    """Celery's Task, plus the fire's retry policy."""

    # Records a late-acknowledged run whose pool process died before the message goes
    # back to the queue (a string: the worker loads it; the API never needs it).
    Request = "app.execution.request:TrackedRequest"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.request.called_directly:
            return super().__call__(*args, **kwargs)
        duplicate = getattr(self.request, "duplicate_delivery", None)
        if duplicate:
            # A copy the broker delivered again (app/execution/tracking.py says when):
            # acknowledged and dropped, so no slot runs twice.
            log.warning(
                "task %s[%s]: dropping a message delivered again: %s",
                self.name,
                self.request.id,
                duplicate,
            )
            raise Ignore()
        # Run in the tracer's request context (Task.__call__ would push a bare one,
        # losing the message's headers and id).
        try:
            return self.run(*args, **kwargs)
        except NOT_RETRIED:
            raise
        except Exception as exc:
            delay = retry_delay(self.request)
            if delay is None:
                raise
            headers = {n: v for n in FIRE_HEADERS if (v := header(self.request, n)) is not None}
            raise self.retry(
                exc=exc,
                countdown=delay,
                max_retries=int(header(self.request, H_RETRY_MAX)),
                headers=headers,
            ) from exc
