"""One launcher per data directory: a pid file held under an exclusive lock.

A lock rather than "is the pid in the file alive": the kernel drops it when the
launcher dies however it dies, so a stale file never blocks a start and a reused pid
never fakes a running launcher.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from app.launcher.errors import AlreadyRunning

# A holder that removes the file between our open and our lock leaves us a lock on a
# file nobody sees; we then retry on the new file, a few times.
CLAIM_ATTEMPTS = 3


class PidFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def claim(self) -> None:
        """Hold the file and write our pid in it, or raise AlreadyRunning."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(CLAIM_ATTEMPTS):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                other = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
                os.close(fd)
                raise AlreadyRunning(
                    f"another ./run.sh is running (pid {other}) with its data in "
                    f"{self.path.parent}; stop it first, or set RUN_DATA_DIR to another "
                    "directory"
                ) from None
            if self._is_current(fd):
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                self._fd = fd
                return
            os.close(fd)
        raise AlreadyRunning(f"could not hold {self.path}: it keeps being replaced")

    def release(self) -> None:
        if self._fd is None:
            return
        # Removed while still locked, so that a launcher that opened the old file
        # sees it is stale (see _is_current) instead of running beside a new one.
        self.path.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None

    def _is_current(self, fd: int) -> bool:
        try:
            return os.stat(self.path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            return False

    def __enter__(self) -> PidFile:
        self.claim()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()
