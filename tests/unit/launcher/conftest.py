"""Small real child processes (python -c ...) for the supervisor tests, and waiting
on conditions with deadlines."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.launcher import Supervisor

# Generous: a loaded 2-core CI machine starts a Python interpreter slowly.
DEADLINE = 30.0

# A child that says it is up, then waits for signals; on SIGTERM it does `ON_TERM`.
WAITER = """
import os, signal, sys, time
def on_term(signum, frame):
    {on_term}
signal.signal(signal.SIGTERM, on_term)
print("up", flush=True)
while True:
    signal.pause()
"""


def waiter(on_term: str = "sys.exit(0)") -> list[str]:
    return py(WAITER.format(on_term=on_term))


def py(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def wait_until(predicate: Callable[[], Any], what: str, timeout: float = DEADLINE) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.01)
    return value


def process_gone(pid: int) -> bool:
    """No such process, or only a zombie waiting for its parent."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


class Said(list[str]):
    def __call__(self, message: str) -> None:
        self.append(message)


@pytest.fixture
def said() -> Said:
    return Said()


@pytest.fixture
def supervisor(tmp_path: Path, said: Said) -> Iterator[Supervisor]:
    with Supervisor(tmp_path / "logs", stop_timeout=DEADLINE, say=said) as sup:
        yield sup
