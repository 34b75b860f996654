"""What ./run.sh prints once the stack is up (app/launcher/banner.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.launcher.banner import banner, browsable_host


@pytest.mark.parametrize(
    ("api_host", "shown"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("0.0.0.0", "127.0.0.1"),
        ("", "127.0.0.1"),
        ("::", "[::1]"),
        ("[::]", "[::1]"),
        ("::1", "[::1]"),
        ("fe80::1", "[fe80::1]"),
        ("localhost", "localhost"),
    ],
)
def test_the_url_host(api_host: str, shown: str) -> None:
    assert browsable_host(api_host) == shown


def test_the_banner_with_the_embedded_redis_on_its_default_port() -> None:
    text = banner(
        api_host="127.0.0.1",
        api_port=8000,
        redis_url="redis://127.0.0.1:6379/0",
        embedded=True,
        redis_dir=Path("/srv/.data/redis"),
        log_dir=Path("/srv/.data/logs"),
    )

    assert text.splitlines() == [
        "",
        "  API    http://127.0.0.1:8000",
        "  Docs   http://127.0.0.1:8000/docs",
        "  Redis  embedded, redis://127.0.0.1:6379/0, data in /srv/.data/redis",
        "  Logs   /srv/.data/logs/{redis,worker,beat,api}.log",
        "  Check  ./check_schedules.sh",
        "  Ctrl-C to stop.",
    ]


def test_another_port_is_named_in_the_check_command() -> None:
    text = banner(
        api_host="0.0.0.0",
        api_port=18080,
        redis_url="redis://127.0.0.1:40001/0",
        embedded=True,
        redis_dir=Path("redis"),
        log_dir=Path("logs"),
    )

    assert "  Check  REDIS_URL=redis://127.0.0.1:40001/0 ./check_schedules.sh" in text
    assert "  API    http://127.0.0.1:18080" in text


def test_an_outside_redis_is_not_called_embedded() -> None:
    text = banner(
        api_host="127.0.0.1",
        api_port=8000,
        redis_url="redis://:secret@cache:6379/2",
        embedded=False,
        redis_dir=Path("redis"),
        log_dir=Path("logs"),
    )

    assert "  Redis  redis://:***@cache:6379/2 (REDIS_URL, from the environment or .env)" in text
    assert "  Check  ./check_schedules.sh" in text
