"""The launcher's rules over a set of children.

- the first SIGINT/SIGTERM/SIGHUP asks for an orderly stop; one more while stopping
  kills what is left at once;
- stopping sends SIGTERM to every child but those marked `stop_last` (Redis), waits up
  to the stop timeout, kills the groups still running, and only then does the same
  with the `stop_last` ones, so the others can finish their work and log out cleanly;
- `watch` returns when a child exits, so that the caller stops the rest;
- SIGUSR1 (`batchsched-cli restart`) restarts every child but the `stop_last` ones, as
  stopping does, then starts each again as it was first started: new code and settings
  load while Redis, and so the schedules and queued tasks, stay up.

Signal handlers only set events: the main thread acts on them between steps, so no
stop happens halfway inside a handler.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType

from app.core.run_dir import RESTART_SIGNAL
from app.launcher.child import Child
from app.launcher.output import Terminal
from app.launcher.readiness import wait_until_ready
from app.launcher.stopping import stop_children

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# How often `watch` looks for a child that died; a stop request ends the wait at once.
WATCH_SECONDS = 0.2
STOPPING = "stopping (press Ctrl-C again to kill at once)..."


@dataclass(frozen=True)
class _Spec:
    argv: tuple[str, ...]
    env: Mapping[str, str] | None
    cwd: Path | None


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Supervisor:
    def __init__(
        self,
        log_dir: Path,
        *,
        stop_timeout: float,
        terminal: Terminal | None = None,
        say: Callable[[str], None] = _to_stderr,
    ) -> None:
        self.log_dir = log_dir
        self.stop_timeout = stop_timeout
        self.children: list[Child] = []
        self._terminal = terminal
        self._say = say
        self._stopping = threading.Event()
        self._force = threading.Event()
        self._restart = threading.Event()
        # How each child was started, by name, to start it again on a restart.
        self._specs: dict[str, _Spec] = {}

    def start(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        stop_last: bool = False,
    ) -> Child:
        child = Child.spawn(
            name,
            argv,
            log_dir=self.log_dir,
            terminal=self._terminal,
            env=env,
            cwd=cwd,
            stop_last=stop_last,
        )
        self.children.append(child)
        self._specs[name] = _Spec(tuple(argv), env, cwd)
        return child

    def wait_until_ready(
        self, child: Child, probe: Callable[[], bool], *, what: str, timeout: float
    ) -> None:
        """The readiness gate, cut short by a stop request (raises StopRequested)."""
        wait_until_ready(child, probe, what=what, timeout=timeout, interrupted=self._stopping)

    # -- signals ---------------------------------------------------------------------

    def request_stop(self) -> None:
        """What a stop signal does: the first asks for an orderly stop; any later one
        (also once a stop has begun for another reason) kills at once."""
        if self._stopping.is_set():
            self._force.set()
        self._stopping.set()

    @property
    def stop_requested(self) -> bool:
        return self._stopping.is_set()

    def install_signal_handlers(self) -> None:
        def handle(signum: int, frame: FrameType | None) -> None:
            self.request_stop()

        for sig in STOP_SIGNALS:
            signal.signal(sig, handle)
        signal.signal(RESTART_SIGNAL, lambda signum, frame: self.request_restart())

    def request_restart(self) -> None:
        self._restart.set()

    @property
    def restart_requested(self) -> bool:
        return self._restart.is_set()

    # -- running and stopping ------------------------------------------------------------

    def watch(self) -> Child | None:
        """Block until a stop is requested (None) or a child exits (that child); a
        restart requested meanwhile is carried out and the watch goes on."""
        while not self._stopping.wait(WATCH_SECONDS):
            if self._restart.is_set():
                self.restart()
                continue
            for child in self.children:
                if child.has_exited():
                    return child
        return None

    def restart(self) -> None:
        """Stop every child but the `stop_last` ones, then start each again, in order."""
        self._restart.clear()
        again = [child for child in self.children if not child.stop_last]
        self._say(f"restarting {', '.join(c.name for c in again)} (asked by SIGUSR1)...")
        self._stop(again)
        if self._stopping.is_set():
            return  # a stop came while restarting: leave them stopped
        for child in again:
            spec = self._specs[child.name]
            fresh = Child.spawn(
                child.name,
                spec.argv,
                log_dir=self.log_dir,
                terminal=self._terminal,
                env=spec.env,
                cwd=spec.cwd,
            )
            self.children[self.children.index(child)] = fresh
        self._say("restarted; Ctrl-C to stop")

    def run_until_stopped(self) -> int:
        """Watch the children: 0 once a stop is requested, 1 as soon as one of them
        exits (saying which, how, and where its log is). The caller then stops all."""
        dead = self.watch()
        if dead is None:
            self._say(STOPPING)
            return 0
        how = dead.describe_exit()
        self._say(f"{dead.name} exited ({how}), so the rest are stopping; see {dead.log_path}")
        return 1

    def stop_all(self) -> dict[str, int]:
        """Stop every child, the `stop_last` ones last; returns exit statuses by name."""
        self._stopping.set()  # from here on, a signal means "kill at once"
        first = [child for child in self.children if not child.stop_last]
        last = [child for child in self.children if child.stop_last]
        statuses = self._stop(first)
        statuses.update(self._stop(last))
        return statuses

    def _stop(self, children: list[Child]) -> dict[str, int]:
        return stop_children(children, self.stop_timeout, force=self._force, say=self._say)

    def __enter__(self) -> Supervisor:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop_all()
