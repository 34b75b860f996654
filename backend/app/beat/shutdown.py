"""Stopping Beat on SIGTERM or SIGINT without I/O in the signal handler.

Celery's own handler closes the scheduler inside the handler, and closing releases the
lock over Redis: I/O there can deadlock on a lock the interrupted code holds (a Beat
once hung for 20 s on SIGTERM). This handler only ends the loop; Celery's service then
closes the scheduler from its `finally`, outside any handler. A signal that arrives
while a batch is being committed and sent waits for the batch, so a fire that was
committed is also sent.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from celery import platforms


class GracefulStop:
    def __init__(self) -> None:
        self.requested = False
        self.installed = False
        self._busy = False

    def install(self) -> None:
        """Replace Celery's handlers (only the main thread may set signal handlers)."""
        if threading.current_thread() is threading.main_thread():
            platforms.signals.update(SIGTERM=self._handle, SIGINT=self._handle)
        self.installed = True

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True
        if not self._busy:
            raise SystemExit()

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Defer a stop until the block ends."""
        self._busy = True
        try:
            yield
        finally:
            self._busy = False
        if self.requested:
            raise SystemExit()
