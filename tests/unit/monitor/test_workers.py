"""Worker presence: the heartbeat a worker writes (app/execution/presence.py) and status
reading it (app/monitor/workers.py) instead of a broadcast ping."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from app.cli.render import workers_line
from app.core.constants import WORKER_KEY_PREFIX, WORKERS_INDEX_KEY
from app.execution.presence import Presence, WorkerPresence
from app.monitor import read_status
from app.monitor.workers import read_workers
from app.schedules import ScheduleStore

URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def no_ping(store: ScheduleStore, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Calls of Celery's broadcast ping (answered by w9@host)."""
    calls: list[Any] = []

    def ping(**kwargs: Any) -> list[dict[str, Any]]:
        calls.append(kwargs)
        return [{"w9@host": {"ok": "pong"}}]

    monkeypatch.setattr(store.app.control, "ping", ping)
    return calls


def test_a_record_reads_back_and_a_damaged_one_is_skipped() -> None:
    record = WorkerPresence("w1@host", 12, 4, datetime(2026, 1, 1, tzinfo=UTC), None)

    assert WorkerPresence.parse(record.encode()) == record
    assert WorkerPresence.parse("{oops") is None
    assert WorkerPresence.parse('{"pid": 1}') is None, "no hostname"


def test_status_lists_workers_from_their_heartbeats_without_a_ping(
    store: ScheduleStore, no_ping: list[Any]
) -> None:
    Presence(store, "w2@host", 2).beat()
    Presence(store, "w1@host", 4).beat()

    status = read_status(store, URL)

    assert no_ping == [], "the default never waits for workers"
    assert (status.workers, status.workers_source) == (["w1@host", "w2@host"], "presence")
    assert status.worker_details is not None
    assert [w.concurrency for w in status.worker_details] == [4, 2]
    assert all(w.last_seen is not None for w in status.worker_details)


def test_a_ping_only_when_asked_and_nothing_when_not(
    store: ScheduleStore, no_ping: list[Any]
) -> None:
    assert read_workers(store, 0.5).names == ["w9@host"]
    assert no_ping == [{"timeout": 0.5}]
    assert read_workers(store, None).names is None


def test_an_expired_heartbeat_and_a_stopped_worker_are_gone(store: ScheduleStore) -> None:
    Presence(store, "w1@host", 1).beat()
    Presence(store, "w2@host", 1).beat()
    store.redis.delete(WORKER_KEY_PREFIX + "w1@host")  # what its expiry does

    assert read_workers(store, 0).names == ["w2@host"]
    store.forget_worker("w2@host")
    assert read_workers(store, 0).names == []


def test_the_heartbeat_thread_writes_at_once_and_removes_its_key_on_stop(
    store: ScheduleStore,
) -> None:
    presence = Presence(store, "w1@host", 3)
    presence.start()
    try:
        seen = read_workers(store, 0)
        for _ in range(200):  # the thread's first write; bounded, not timed
            if seen.names:
                break
            seen = read_workers(store, 0)
    finally:
        presence.stop()
    assert seen.names == ["w1@host"]
    assert read_workers(store, 0).names == []


def test_the_cli_says_no_worker_runs_without_mentioning_a_ping(store: ScheduleStore) -> None:
    status = read_status(store, URL)

    assert workers_line(status, None, "en") == (
        "Workers: none running (no worker heartbeat in the last 15 s)."
    )


def test_a_worker_whose_clock_runs_ahead_hides_no_other_worker(store: ScheduleStore) -> None:
    """Liveness is each key's expiry, by Redis's clock, never a writer's clock."""
    store.renew_worker("slow@a", '{"hostname": "slow@a"}', now=1_000.0)
    store.renew_worker("fast@b", '{"hostname": "fast@b"}', now=1_000_000.0)
    assert sorted(store.worker_records()) == ['{"hostname": "fast@b"}', '{"hostname": "slow@a"}']
    store.redis.delete(WORKER_KEY_PREFIX + "slow@a")  # its key expired
    assert store.worker_records() == ['{"hostname": "fast@b"}']
    assert store.redis.zrange(WORKERS_INDEX_KEY, 0, -1) == ["fast@b"]
