"""Starting and stopping the project's scripts for a benchmark run."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEADLINE = 60.0


def start(script: str, env: dict[str, str], log: Path, ready: str) -> subprocess.Popen[bytes]:
    """Run ./<script> in its own session; return once `ready` shows in its log."""
    proc = subprocess.Popen(
        [str(ROOT / script)],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    end = time.monotonic() + DEADLINE
    while ready not in log.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > end:
            stop(proc)
            raise SystemExit(f"{script} did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(20)
