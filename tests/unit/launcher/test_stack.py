"""Pieces of ./run.sh's stack (app/launcher/stack.py) that need no Celery process."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.config import Settings
from app.core.embedded_redis import ping
from app.launcher import Supervisor, stack
from app.launcher.stack import (
    REPO_ROOT,
    SCRIPTS,
    Layout,
    answers_http,
    named_redis_url,
    probe_host,
    start_embedded_redis,
    start_stack,
)
from tests.unit.launcher.conftest import Said, wait_until


def test_a_busy_port_moves_the_embedded_redis_and_says_so(
    supervisor: Supervisor, said: Said, tmp_path: Path
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        wanted = busy.getsockname()[1]

        redis = start_embedded_redis(supervisor, wanted, Layout(tmp_path, tmp_path / ".data"), said)

    port = int(redis.url.rsplit(":", 1)[1].split("/")[0])
    assert port != wanted and redis.embedded and ping(port)
    assert said == [
        f"port {wanted} is busy, so the embedded Redis uses port {port} (set REDIS_PORT to choose)"
    ]
    # The AOF: one file before Redis 7, a directory of them since.
    data = tmp_path / ".data" / "redis"
    assert (data / "appendonly.aof").exists() or (data / "appendonlydir").is_dir()
    assert supervisor.children[0].stop_last


def test_the_stack_runs_the_scripts_compose_runs() -> None:
    assert [name for name, _ in SCRIPTS] == ["worker", "beat", "api"]
    assert all((REPO_ROOT / script).is_file() for _, script in SCRIPTS)


@pytest.mark.parametrize(("host", "knock"), [("0.0.0.0", "localhost"), ("::", "localhost")])
def test_a_wildcard_api_host_is_probed_on_localhost(host: str, knock: str) -> None:
    assert probe_host(host) == knock
    assert probe_host("127.0.0.1") == "127.0.0.1"


def test_the_api_is_ready_when_it_answers_http_not_when_its_port_is_open(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With several API processes the parent listens before any of them can answer."""
    monkeypatch.setattr(stack, "PROBE_SECONDS", 0.2)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        port = server.getsockname()[1]
        assert not answers_http("127.0.0.1", port)  # nothing listens
        server.listen()
        assert not answers_http("127.0.0.1", port)  # queued, never answered
        # Drop the connection that probe left queued, so the answering thread takes ours.
        server.accept()[0].close()
        answered: list[bytes] = []

        def answer() -> None:
            conn, _ = server.accept()
            with conn:
                answered.append(conn.recv(1024))
                conn.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")

        thread = threading.Thread(target=answer)
        thread.start()
        assert answers_http("127.0.0.1", port)  # any status: it is serving
        thread.join()
    assert answered[0].startswith(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")


def test_the_settings_the_launcher_reads(tmp_path: Path) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, REDIS_PORT="6390", STOP_TIMEOUT="3", RUN_DATA_DIR=str(tmp_path)
    )

    assert (settings.redis_port, settings.stop_timeout) == (6390, 3.0)
    assert settings.run_data_dir == tmp_path
    assert Settings(_env_file=None).run_data_dir == REPO_ROOT / ".data"  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("environment", "dotenv", "named"),
    [
        (None, None, None),
        ("redis://env:6379/1", None, "redis://env:6379/1"),
        # Written in .env is as clear as exported: no embedded Redis.
        (None, "redis://dotenv:6379/2", "redis://dotenv:6379/2"),
        ("redis://env:6379/1", "redis://dotenv:6379/2", "redis://env:6379/1"),
        # Empty counts as unset, and the environment's empty value beats .env's URL.
        ("", "redis://dotenv:6379/2", None),
        (None, "", None),
    ],
    ids=["neither", "environment", "dotenv", "environment-wins", "empty-env-embeds", "empty"],
)
def test_which_redis_url_means_no_embedded_redis(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    environment: str | None,
    dotenv: str | None,
    named: str | None,
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("" if dotenv is None else f"REDIS_URL={dotenv}\n")
    if environment is None:
        monkeypatch.delenv("REDIS_URL", raising=False)
    else:
        monkeypatch.setenv("REDIS_URL", environment)

    assert named_redis_url(Settings(_env_file=env_file)) == named  # type: ignore[call-arg]


@contextlib.contextmanager
def answering_server() -> Iterator[int]:
    """A stand-in API on a free port: every connection gets an HTTP 200."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.1)
    done = threading.Event()

    def serve() -> None:
        while not done.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        done.set()
        thread.join()
        server.close()


def test_a_named_redis_is_passed_on_and_none_is_embedded(
    supervisor: Supervisor, said: Said, tmp_path: Path
) -> None:
    # Stand-ins for the three scripts: they say which Redis they were given.
    for _, script in SCRIPTS:
        path = tmp_path / script
        path.write_text('#!/bin/sh\necho "given $REDIS_URL"\nexec sleep 600\n')
        path.chmod(0o755)
    with answering_server() as port:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, REDIS_URL="redis://127.0.0.1:1/3", API_PORT=str(port)
        )

        redis = start_stack(supervisor, settings, Layout(tmp_path, tmp_path / ".data"), said)

    assert (redis.url, redis.embedded) == ("redis://127.0.0.1:1/3", False)
    assert [child.name for child in supervisor.children] == [name for name, _ in SCRIPTS]
    for child in supervisor.children:
        wait_until(lambda c=child: "given redis://127.0.0.1:1/3" in c.log_text(), child.name)
    assert not (tmp_path / ".data" / "redis").exists()
