"""Stopping children: SIGTERM, a grace period, then SIGKILL to each one's whole group."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Sequence

from app.launcher.child import Child

# How often a stop looks whether the children have exited yet.
POLL_SECONDS = 0.05


def _quiet(message: str) -> None:
    del message


def stop_children(
    children: Sequence[Child],
    timeout: float,
    *,
    force: threading.Event | None = None,
    say: Callable[[str], None] = _quiet,
    sig: int = signal.SIGTERM,
) -> dict[str, int]:
    """`sig` (SIGTERM) to every child, then wait for all of them together up to `timeout`
    seconds (or until `force` is set, e.g. by a second Ctrl-C); the group of a child
    still running then gets SIGKILL. Returns each child's exit status, by name."""
    kill_now = force if force is not None else threading.Event()
    deadline = time.monotonic() + timeout
    for child in children:
        if not child.has_exited():
            child.send(sig)
    for child in children:
        while not child.has_exited():
            if kill_now.is_set() or time.monotonic() >= deadline:
                say(f"{child.name} did not stop in time; killing it")
                child.signal_group()
                break
            kill_now.wait(POLL_SECONDS)
    return {child.name: child.reap() for child in children}
