"""./run.sh's stack: Redis (embedded unless REDIS_URL names one), a worker, Beat, the API.

Worker, Beat and API run through the same scripts as docker compose and the
integration tests (run_worker.sh, run_celery_beat.sh, run_api.sh), so their command
lines live in those scripts and nowhere else.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.core.config import PACKAGE_DIR, Settings
from app.core.embedded_redis import HOST, find_redis_server, pick_port, ping, server_args
from app.core.run_dir import RunDir, redis_url_named
from app.launcher.child import inherited_env
from app.launcher.supervisor import Supervisor

REPO_ROOT = PACKAGE_DIR.parent.parent
# Generous, for a loaded machine replaying a large AOF or importing the app cold.
START_TIMEOUT_SECONDS = 60.0
# (name, script at the repo root), started in this order after Redis.
SCRIPTS = (("worker", "run_worker.sh"), ("beat", "run_celery_beat.sh"), ("api", "run_api.sh"))
# One readiness probe's wait for the API's answer; the gate then tries again.
PROBE_SECONDS = 2.0
PROBE_REQUEST = b"GET /health HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"


@dataclass(frozen=True)
class Layout:
    """Where the scripts are (`root`) and where a run keeps its state (`data_dir`:
    RUN_DATA_DIR, by default `.data` at the repo root, which git ignores)."""

    root: Path
    data_dir: Path

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def redis_dir(self) -> Path:
        return self.data_dir / "redis"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "run.pid"


@dataclass(frozen=True)
class RedisInfo:
    url: str
    embedded: bool


def start_stack(
    supervisor: Supervisor, settings: Settings, layout: Layout, say: Callable[[str], None]
) -> RedisInfo:
    """Start every process and return once the API accepts connections.

    Raises StartupFailed, RedisServerError (no redis-server to embed) or StopRequested.
    """
    url = named_redis_url(settings)
    if url is not None:
        redis = RedisInfo(url, embedded=False)
    else:
        redis = start_embedded_redis(supervisor, settings.redis_port, layout, say)
    # Unbuffered: log lines reach the terminal as they happen.
    env = inherited_env(PYTHONUNBUFFERED="1", REDIS_URL=redis.url)
    for name, script in SCRIPTS:
        supervisor.start(name, [str(layout.root / script)], env=env, cwd=layout.root)
    host, port = probe_host(settings.api_host), settings.api_port
    supervisor.wait_until_ready(
        supervisor.children[-1],
        lambda: answers_http(host, port),
        what=f"the API did not answer on port {port}",
        timeout=START_TIMEOUT_SECONDS,
    )
    return redis


def named_redis_url(settings: Settings) -> str | None:
    """The Redis the user asked for, or None to embed one.

    REDIS_URL counts when it is set and not empty, in the environment or in the repo's
    .env: a URL written in .env is as clear a "use this Redis" as one exported. The
    environment wins over .env, so `REDIS_URL= ./run.sh` embeds a Redis whatever .env says.
    """
    return settings.redis_url if redis_url_named(settings) else None


def start_embedded_redis(
    supervisor: Supervisor, wanted: int, layout: Layout, say: Callable[[str], None]
) -> RedisInfo:
    """redis-server with its data and AOF in the data directory's `redis/`, so schedules
    survive a restart."""
    port = pick_port(wanted)
    if port != wanted:
        say(
            f"port {wanted} is busy, so the embedded Redis uses port {port} "
            "(set REDIS_PORT to choose)"
        )
    data_dir = layout.redis_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    argv = [find_redis_server(), *server_args(port, data_dir, appendonly=True)]
    child = supervisor.start("redis", argv, cwd=data_dir, stop_last=True)
    supervisor.wait_until_ready(
        child,
        lambda: ping(port),
        what=f"Redis did not answer PING on port {port}",
        timeout=START_TIMEOUT_SECONDS,
    )
    url = f"redis://{HOST}:{port}/0"
    # For the tools run from other terminals (the CLI, ./run_flower.sh): see app.core.run_dir.
    RunDir(layout.data_dir).write_redis_url(url)
    return RedisInfo(url, embedded=True)


def probe_host(api_host: str) -> str:
    """Where to knock to see the API is up: a wildcard address is not connectable."""
    return "localhost" if api_host in ("0.0.0.0", "::") else api_host


def answers_http(host: str, port: int) -> bool:
    """An HTTP answer of any status to `GET /health`, not just an open port: with
    API_WORKERS > 1 the parent listens before any worker process has imported the app,
    so connections are queued, not served, until one has."""
    try:
        with socket.create_connection((host, port), timeout=PROBE_SECONDS) as conn:
            conn.sendall(PROBE_REQUEST % host.encode("ascii", "replace"))
            return conn.recv(16).startswith(b"HTTP/")
    except OSError:
        return False
