"""Pieces of ./run.sh's stack (app/launcher/stack.py) that need no Celery process."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from app.core.config import Settings
from app.core.embedded_redis import ping
from app.launcher import StartupFailed, Supervisor
from app.launcher.stack import (
    REPO_ROOT,
    SCRIPTS,
    Layout,
    accepts_connections,
    probe_host,
    start_embedded_redis,
)
from tests.unit.launcher.conftest import Said


def test_a_busy_port_moves_the_embedded_redis_and_says_so(
    supervisor: Supervisor, said: Said, tmp_path: Path
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        wanted = busy.getsockname()[1]

        redis = start_embedded_redis(supervisor, wanted, Layout(tmp_path), said)

    port = int(redis.url.rsplit(":", 1)[1].split("/")[0])
    assert port != wanted and redis.embedded and ping(port)
    assert said == [
        f"port {wanted} is busy, so the embedded Redis uses port {port} (set REDIS_PORT to choose)"
    ]
    assert (tmp_path / ".data" / "redis" / "appendonly.aof").exists()
    assert supervisor.children[0].stop_last


def test_the_stack_runs_the_scripts_compose_runs() -> None:
    assert [name for name, _ in SCRIPTS] == ["worker", "beat", "api"]
    assert all((REPO_ROOT / script).is_file() for _, script in SCRIPTS)


@pytest.mark.parametrize(("host", "knock"), [("0.0.0.0", "localhost"), ("::", "localhost")])
def test_a_wildcard_api_host_is_probed_on_localhost(host: str, knock: str) -> None:
    assert probe_host(host) == knock
    assert probe_host("127.0.0.1") == "127.0.0.1"


def test_accepts_connections() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        port = server.getsockname()[1]
        assert not accepts_connections("127.0.0.1", port)
        server.listen()
        assert accepts_connections("127.0.0.1", port)


def test_the_settings_the_launcher_reads() -> None:
    settings = Settings(_env_file=None, REDIS_PORT="6390", STOP_TIMEOUT="3")  # type: ignore[call-arg]

    assert (settings.redis_port, settings.stop_timeout) == (6390, 3.0)
    assert "redis_url" not in settings.model_fields_set  # so an embedded Redis is started
    assert StartupFailed.__mro__[1].__name__ == "LaunchError"
