"""The global pause as stored and as Beat's commit script honours it, on fakeredis and
on a real redis-server."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from redis import Redis

from app.core.celery_app import celery_app
from app.core.constants import PAUSED_KEY
from app.core.embedded_redis import RedisServer
from app.schedules.control import PauseState
from app.schedules.store import HELD_BACK, MISSED, PAUSED, SEND, ScheduleStore
from tests.unit.schedules.test_runs_store import SLOT, add, fire, outcomes, run
from tests.unit.schedules.test_runs_store import store as store  # noqa: F401 (fixture)

SINCE = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def pause(store: ScheduleStore, reason: str | None = "maintenance") -> PauseState:
    return store.pause(PauseState(True, SINCE, reason, "cli:ops@host"))


def test_not_paused_until_paused(store: ScheduleStore) -> None:
    assert store.pause_state() == PauseState(False)
    assert pause(store) == PauseState(True, SINCE, "maintenance", "cli:ops@host")
    assert store.pause_state().paused


def test_pausing_again_keeps_the_first_pause(store: ScheduleStore) -> None:
    pause(store)
    again = store.pause(PauseState(True, datetime.now(UTC), "other", "someone"))
    assert (again.since, again.reason, again.by) == (SINCE, "maintenance", "cli:ops@host")


def test_resume_reports_whether_it_was_paused(store: ScheduleStore) -> None:
    assert store.resume() is False
    pause(store)
    assert store.resume() is True
    assert store.pause_state() == PauseState(False)


def test_a_paused_fire_is_skipped_recorded_and_its_slot_served(store: ScheduleStore) -> None:
    add(store, "a")
    pause(store)

    code, task_id = fire(store, "a", SLOT)

    assert code == PAUSED
    assert outcomes(store, "a") == [("skipped", "paused")]
    assert store.in_progress("a") == []
    assert store.run_state(task_id) is None
    store.resume()
    assert fire(store, "a", SLOT)[0] != SEND, "a slot skipped while paused is not sent later"
    assert fire(store, "a", SLOT + 1)[0] == SEND


def test_a_missed_fire_while_paused_counts_as_paused(store: ScheduleStore) -> None:
    add(store, "a")
    pause(store)
    assert fire(store, "a", SLOT, mode="missed")[0] == PAUSED
    store.resume()
    assert fire(store, "a", SLOT + 1, mode="missed")[0] == MISSED
    assert outcomes(store, "a") == [("missed", None), ("skipped", "paused")]


def test_the_fire_buffer_one_holds_is_skipped_if_paused_when_released(
    store: ScheduleStore,
) -> None:
    add(store, "a")
    _, first = fire(store, "a", SLOT, mode="buffer")
    assert fire(store, "a", SLOT + 1, mode="buffer")[0] == HELD_BACK
    pause(store)

    run(store, first)

    assert store.in_progress("a") == []
    assert outcomes(store, "a") == [("skipped", "paused"), ("succeeded", None)]


@pytest.mark.parametrize("raw", ["not json", "[1]"])
def test_a_pause_written_by_hand_still_pauses(store: ScheduleStore, raw: str) -> None:
    add(store, "a")
    store.redis.set(PAUSED_KEY, raw)
    assert store.pause_state().paused
    assert fire(store, "a", SLOT)[0] == PAUSED


def test_a_pause_survives_a_redis_restart_with_persistence(tmp_path: Path) -> None:
    """As ./run.sh's embedded Redis and compose's run: append-only file on."""
    for attempt in range(2):
        with RedisServer(data_dir=tmp_path, appendonly=True) as server:
            client = Redis.from_url(server.url, decode_responses=True)
            store = ScheduleStore(client, celery_app, "Asia/Seoul")
            if attempt == 0:
                pause(store)
            else:
                assert store.pause_state() == PauseState(True, SINCE, "maintenance", "cli:ops@host")
            client.close()
