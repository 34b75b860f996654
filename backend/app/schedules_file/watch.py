"""When the leading Beat should sync schedules.json again.

A stat per tick (mtime, size, inode, ctime) notices an in-place save and a save by
rename (vim, VS Code) alike, with no file-change events, which a Docker bind mount may
never deliver. A full re-read every `SCHEDULES_FILE_RESYNC_SECONDS` heals entries lost from Redis
and catches an edit that kept every stat field.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

Stamp = tuple[int, ...]
MISSING: Stamp = ()


def stamp_of(path: Path) -> Stamp:
    try:
        st = os.stat(path)
    except OSError:
        return MISSING
    return (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)


@dataclass
class FileWatch:
    path: Path
    resync_seconds: float
    _stamp: Stamp | None = None
    _next_resync: float = 0.0
    _last_ok: bool = True
    # Whether the sync just allowed is the periodic re-read: it heals entries lost from
    # Redis (a sync prompted by a save only looks at what changed), and its "no changes"
    # is not worth a line at INFO every few seconds.
    routine: bool = False

    def should_sync(self, force: bool = False, now: float | None = None) -> bool:
        """True when the file changed, when forced, or when a periodic re-read is due.

        An invalid file is not re-read until it changes: it would change nothing and
        only repeat its error in the log.
        """
        now = time.monotonic() if now is None else now
        stamp = stamp_of(self.path)
        first = self._stamp is None
        periodic = self._last_ok and not first and now >= self._next_resync
        if not (force or first or stamp != self._stamp or periodic):
            return False
        # A save when the re-read is due is synced as the re-read, and only the first
        # look, a forced sync or the re-read moves the next one on: a file saved every few
        # seconds must not put off the healing of lost entries while the saves go on.
        self.routine = periodic and not force
        self._stamp = stamp
        if force or first or periodic:
            self._next_resync = now + self.resync_seconds
        return True

    def record(self, ok: bool) -> None:
        self._last_ok = ok
