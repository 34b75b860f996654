"""What a running ./run.sh leaves in its data directory (RUN_DATA_DIR) for the tools
started from other terminals: its pid, its logs, and the URL of the Redis it embedded.

The launcher writes these; the CLI (`logs`, `restart`, and the Redis it talks to) and
./run_flower.sh read them. The URL file matters when port 6379 was busy and the
embedded Redis took another port: without it each tool would need REDIS_URL by hand.
Only an embedded Redis's URL is written (it has no password); a Redis named by
REDIS_URL is found by every tool the same way, from the environment or .env.
"""

from __future__ import annotations

import fcntl
import os
import signal
from dataclasses import dataclass
from pathlib import Path

from app.core.config import Settings

# What a running ./run.sh takes as "restart the worker, Beat and API" (CLI `restart`).
RESTART_SIGNAL = signal.SIGUSR1
PID_FILE = "run.pid"
REDIS_URL_FILE = "redis.url"


@dataclass(frozen=True)
class RunDir:
    """RUN_DATA_DIR's layout (app.launcher.stack.Layout uses the same names)."""

    path: Path

    @property
    def log_dir(self) -> Path:
        return self.path / "logs"

    @property
    def redis_dir(self) -> Path:
        return self.path / "redis"

    @property
    def pid_file(self) -> Path:
        return self.path / PID_FILE

    @property
    def redis_url_file(self) -> Path:
        return self.path / REDIS_URL_FILE

    def launcher_pid(self) -> int | None:
        """The pid of the ./run.sh that holds this directory, if one runs.

        A running launcher holds the pid file under an exclusive lock (see
        app/launcher/pidfile.py); the lock, not "is that pid alive", is the test, so a
        stale file whose pid now belongs to another process is never taken for it
        (`restart` would signal that process).
        """
        try:
            fd = os.open(self.pid_file, os.O_RDONLY)
        except OSError:
            return None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                text = os.read(fd, 64).decode(errors="replace").strip()
                return int(text) if text.isdigit() else None
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None  # nobody holds it: a file left by a launcher that died
        finally:
            os.close(fd)

    def write_redis_url(self, url: str) -> None:
        tmp = self.redis_url_file.with_suffix(".tmp")
        tmp.write_text(url + "\n")
        tmp.replace(self.redis_url_file)

    def embedded_redis_url(self) -> str | None:
        """The URL of the Redis a running ./run.sh embedded; None when none runs."""
        if self.launcher_pid() is None:
            return None
        try:
            return self.redis_url_file.read_text().strip() or None
        except OSError:
            return None


def redis_url_named(settings: Settings) -> bool:
    """REDIS_URL was set (and not empty) in the environment or .env."""
    return "redis_url" in settings.model_fields_set and bool(settings.redis_url.strip())


def resolved_redis_url(settings: Settings) -> str:
    """The Redis a tool should talk to: REDIS_URL when named, else the one a running
    ./run.sh embedded, else the default."""
    if redis_url_named(settings):
        return settings.redis_url
    return RunDir(settings.run_data_dir.resolve()).embedded_redis_url() or settings.redis_url
