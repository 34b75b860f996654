"""The readiness gate: poll a probe until it succeeds, with a deadline, and fail early
with a clear message when the child exits while starting."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from app.launcher.child import Child
from app.launcher.errors import StartupFailed, StopRequested

# Often enough that a ready child is noticed quickly, rarely enough to cost nothing.
POLL_SECONDS = 0.1


def wait_until_ready(
    child: Child,
    probe: Callable[[], bool],
    *,
    what: str,
    timeout: float,
    interrupted: threading.Event | None = None,
) -> None:
    """Return once `probe()` is true.

    Raises StartupFailed if the child exits first or `timeout` passes (`what` says what
    did not happen, e.g. "Redis did not answer PING on port 6379"), and StopRequested
    as soon as `interrupted` is set.
    """
    stop = interrupted if interrupted is not None else threading.Event()
    deadline = time.monotonic() + timeout
    while not probe():
        if stop.is_set():
            raise StopRequested
        if child.has_exited():
            raise StartupFailed(f"{child.name} exited while starting; see {child.log_path}")
        if time.monotonic() >= deadline:
            raise StartupFailed(f"{what} within {timeout:g}s; see {child.log_path}")
        stop.wait(POLL_SECONDS)


def log_contains(child: Child, text: str) -> Callable[[], bool]:
    """A probe: `text` has appeared in the child's log."""
    return lambda: text in child.log_text()
