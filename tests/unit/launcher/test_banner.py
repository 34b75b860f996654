"""What ./run.sh prints once the stack is up (app/launcher/banner.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.core.zones import zones_line
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

    lines = text.splitlines()
    times = lines.pop(5)
    assert lines == [
        "",
        "  API    http://127.0.0.1:8000",
        "  Docs   http://127.0.0.1:8000/docs",
        "  Redis  embedded, redis://127.0.0.1:6379/0, data in /srv/.data/redis",
        "  Logs   /srv/.data/logs/{redis,worker,beat,api}.log  (./scheduler_control.sh logs)",
        "  Check  ./check_schedules.sh",
        "  Flower ./run_flower.sh  (per-task inspection, http://127.0.0.1:5555)",
        "  Ctrl-C to stop.",
    ]
    # Which zone the schedules are in, whatever this machine's zone is.
    assert times.startswith("  Times  ") and "Asia/Seoul (UTC+09:00" in times


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


def test_the_schedules_zone_is_shown_beside_the_hosts_when_they_differ() -> None:
    now = datetime(2026, 12, 1, 23, 10, tzinfo=UTC)

    assert zones_line("Asia/Seoul", now, host=UTC) == (
        "schedules in Asia/Seoul (UTC+09:00, now 08:10); this host is UTC (UTC+00:00, now 23:10)"
    )
    assert zones_line("Asia/Seoul", now, host=ZoneInfo("Asia/Seoul")) == (
        "Asia/Seoul (UTC+09:00), as this host"
    )
    assert zones_line("Asia/Kolkata", now, host=ZoneInfo("America/New_York")) == (
        "schedules in Asia/Kolkata (UTC+05:30, now 04:40); "
        "this host is America/New_York (UTC-05:00, now 18:10)"
    )
