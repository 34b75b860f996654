"""One named child process in a process group of its own, its output tagged and logged.

Its own group: a Ctrl-C on the terminal reaches only the launcher, which then stops the
children in order, and SIGKILL can reach the whole group (a worker's pool processes
too) when the child does not stop in time.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.launcher.output import LinePump, Terminal, rotate

# Long enough for the pump to copy what a child wrote just before it exited.
PUMP_DRAIN_SECONDS = 5.0


def inherited_env(**overrides: str) -> dict[str, str]:
    """The launcher's own environment plus `overrides`, for a child.

    This passes the environment on; it reads no setting from it (Settings does that).
    """
    return {**os.environ, **overrides}


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    pump: LinePump | None
    # Stopped after every other child (Redis: the others need it to finish cleanly).
    stop_last: bool = False
    _group_gone: bool = field(default=False, repr=False)

    @classmethod
    def spawn(
        cls,
        name: str,
        argv: Sequence[str],
        *,
        log_dir: Path,
        terminal: Terminal | None = None,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        stop_last: bool = False,
    ) -> Child:
        """Start `argv`; its output goes to `<log_dir>/<name>.log` (and, tagged, to
        `terminal`).

        `env` is the child's whole environment (None: the launcher's).
        """
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_dir / f"{name}.log"
        rotate(log_path)
        # With no terminal to copy to, the child writes its log itself: no pipe, so a
        # chatty child is never slowed down by the reader.
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=log if terminal is None else subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=dict(env) if env is not None else None,
                cwd=cwd,
                process_group=0,
            )
        pump = None
        if terminal is not None and process.stdout is not None:
            pump = LinePump(name, process.stdout, log_path, terminal)
            pump.start()
        return cls(name, process, log_path, pump, stop_last)

    @property
    def pid(self) -> int:
        return self.process.pid

    def has_exited(self) -> bool:
        """True once the child has exited.

        It is left unreaped (a zombie) until `reap`, so that its pid, which is also its
        group's id, cannot be reused by an unrelated process before the group is killed.
        """
        if self.process.returncode is not None:
            return True
        if not hasattr(os, "waitid"):  # macOS: no waitid, so poll (which reaps)
            return self.process.poll() is not None
        try:
            found = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:  # reaped elsewhere, e.g. by a caller's process.wait()
            return True
        return found is not None

    def send(self, sig: int) -> None:
        """`sig` to the child itself (a Celery worker passes SIGTERM on to its pool)."""
        if self.process.returncode is None:
            self.process.send_signal(sig)

    def signal_group(self, sig: int = signal.SIGKILL) -> None:
        """`sig` to every process of the child's group, while the group id is still ours."""
        if self._group_gone or self.process.returncode is not None:
            return
        try:
            os.killpg(self.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass  # Already gone.

    def reap(self) -> int:
        """Collect the exit status of a child that has exited (waits if it has not).

        What is left of its group, e.g. pool processes it did not wait for, is killed
        first, so nothing stays behind.
        """
        if self.process.returncode is None and self.has_exited():
            self.signal_group(signal.SIGKILL)
        code = self.process.wait()
        self._group_gone = True
        if self.pump is not None:
            self.pump.join(PUMP_DRAIN_SECONDS)
        return code

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def describe_exit(self) -> str:
        """`status N`, or the signal that killed it."""
        code = self.reap()
        if code < 0:
            return f"killed by {signal.Signals(-code).name}"
        return f"status {code}"
