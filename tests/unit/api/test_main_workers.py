"""`batchsched-api` with API_WORKERS: one uvicorn process, or a parent and N workers
on a listening socket that asyncio takes for TCP (so TCP_NODELAY is set)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from app.api import __main__ as api_main
from app.core.config import get_settings
from app.core.embedded_redis import free_port

TOKENS = ("API_TOKEN", "API_TOKENS", "API_READ_TOKENS")


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Runs main() with uvicorn stubbed out; says how it would have served."""
    seen: dict[str, Any] = {}

    class Recorded:
        def __init__(self, config: uvicorn.Config, sockets: list[socket.socket]) -> None:
            seen["workers"], seen["sockets"] = config.workers, sockets

        def run(self) -> None:
            seen["ran"] = True

    monkeypatch.setattr(api_main, "Multiprocess", Recorded)
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(single=kw, app=app))
    for name in ("API_TOKEN", "API_TOKENS", "API_READ_TOKENS", "API_HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("API_PORT", str(free_port()))
    get_settings.cache_clear()
    yield seen
    get_settings.cache_clear()
    for sock in seen.get("sockets", []):
        sock.close()


def test_one_worker_is_plain_uvicorn_run(
    served: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("API_WORKERS", "1")

    assert api_main.main() == 0
    assert served["app"] == api_main.APP and "workers" not in served["single"]
    assert "ran" not in served


def test_several_workers_share_a_tcp_socket(
    served: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("API_WORKERS", "3")

    assert api_main.main() == 0

    assert served["ran"] and served["workers"] == 3 and "single" not in served
    [listener] = served["sockets"]
    # asyncio sets TCP_NODELAY on accepted connections only when this says TCP; uvicorn's
    # own bind leaves 0, and each keep-alive answer then waited ~40 ms for a delayed ACK.
    assert listener.proto == socket.IPPROTO_TCP
    assert listener.getsockname()[0] == "127.0.0.1"


def test_python_dash_m_app_api_runs_the_same_checks() -> None:
    """`python -m app.api` (the module docstring's way) reaches main(): a refusal."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("API_")}
    done = subprocess.run(
        [sys.executable, "-m", "app.api"],
        # Empty values win over any token a developer's .env holds.
        env={**env, "API_HOST": "0.0.0.0", "API_WORKERS": "2", **dict.fromkeys(TOKENS, "")},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 2, done.stderr
    assert "refusing to listen on 0.0.0.0 without API_TOKEN" in done.stderr
