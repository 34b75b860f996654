"""Tagged output: each line a child writes goes to its log file and to the terminal as
`[name] line`, so several processes can share one terminal readably."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import IO, TextIO


def rotate(log_path: Path) -> None:
    """Keep the previous run's log as `<name>.log.1`, e.g. to see why it crashed."""
    if log_path.exists():
        log_path.replace(log_path.with_name(log_path.name + ".1"))


class Terminal:
    """A stream shared by every child's pump; a lock keeps lines whole."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def write_line(self, text: str) -> None:
        with self._lock:
            try:
                self._stream.write(text + "\n")
                self._stream.flush()
            except (OSError, ValueError):
                pass  # A closed terminal must not stop the log file from being written.


class LinePump(threading.Thread):
    """Copies `source` line by line until EOF, which comes when the child (and every
    process of its group that holds the pipe) has exited.

    A daemon thread: a grandchild that escaped its group and keeps the pipe open must
    not keep the launcher from exiting.
    """

    def __init__(self, name: str, source: IO[bytes], log_path: Path, terminal: Terminal) -> None:
        super().__init__(name=f"pump-{name}", daemon=True)
        self._tag = f"[{name}] "
        self._source = source
        self._log_path = log_path
        self._terminal = terminal

    def run(self) -> None:
        with self._log_path.open("ab") as log, self._source:
            for raw in iter(self._source.readline, b""):
                log.write(raw if raw.endswith(b"\n") else raw + b"\n")
                log.flush()  # readiness probes read the file while the child runs
                text = raw.decode(errors="replace").rstrip("\r\n")
                self._terminal.write_line(self._tag + text)
