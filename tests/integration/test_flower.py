"""./run_flower.sh against a real redis-server and a real worker: Flower answers HTTP
and shows the worker (the one documented command; docker compose runs it too)."""

from __future__ import annotations

import importlib.util
import urllib.request

import pytest

from app.core.embedded_redis import free_port
from tests.integration.conftest import ROOT, START_DEADLINE, Proc, Stack, wait_until

if importlib.util.find_spec("flower") is None:
    pytest.skip(
        "flower is not installed (scripts/bootstrap.sh --dev installs it)", allow_module_level=True
    )


def get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode())
    except OSError:
        return None


def test_flower_answers_and_shows_the_worker(stack: Stack) -> None:
    stack.worker()
    port = free_port()
    argv = [str(ROOT / "run_flower.sh"), f"--port={port}"]  # options after the script's name
    flower = Proc(stack.supervisor.start("flower", argv, env=stack.env), "run_flower.sh")
    base = f"http://127.0.0.1:{port}"

    try:
        wait_until(lambda: get(f"{base}/healthcheck") == "OK", START_DEADLINE, "Flower to answer")
        page = wait_until(
            lambda: (text := get(f"{base}/workers")) and "worker@" in text and text,
            START_DEADLINE,
            "the worker on Flower's workers page",
        )
    except AssertionError:
        raise AssertionError(flower.log()[-3000:]) from None
    assert "worker@" in page
    assert "Flower for the workers on redis://127.0.0.1:" in flower.log()
