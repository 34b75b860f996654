"""The listener for RedBeat's own saves (app/beat/notifications.py), on fakeredis, which
publishes keyspace events for every write whatever its configuration; a Redis that
sends none is a probe that writes nothing. The real thing, with a real Beat and
redis-server, is tests/integration/test_pickup_notifications.py."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import fakeredis
import pytest
from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import NoPermissionError
from redis.retry import Retry

from app.beat import notifications
from app.beat.notifications import DISABLED, NO_EVENTS, REFUSED, ForeignSaves
from app.core.celery_app import celery_app
from app.core.config import Settings
from app.core.constants import BEAT_PICKUP_KEY, BEAT_WAKE_KEY, REDBEAT_SCHEDULE_KEY
from app.core.embedded_redis import free_port
from app.monitor.status import PickupStatus, read_status
from app.schedules import PickupStore, ScheduleStore

DEADLINE = 10.0


def wait_for(check: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + DEADLINE
    while not (value := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"not within {DEADLINE:g} s: {what}")
        time.sleep(0.005)
    return value


@pytest.fixture
def client(server: fakeredis.FakeServer) -> Redis:
    """The Beat's own client, shared with the listener as Beat shares it."""
    return fakeredis.FakeRedis(server=server, decode_responses=True)


@pytest.fixture
def listener(client: Redis) -> Iterator[ForeignSaves]:
    saves = ForeignSaves(Settings(beat_max_loop_interval=1.0), "beat-1", client)
    yield saves
    saves.stop()


def state(redis: Redis) -> PickupStatus | None:
    raw = redis.get(BEAT_PICKUP_KEY)
    return PickupStatus.parse(raw if isinstance(raw, str) else None)


def test_a_zadd_on_the_due_index_wakes_beat(listener: ForeignSaves, redis: Redis) -> None:
    listener.start()
    recorded = wait_for(lambda: state(redis), "the pickup state")
    assert (recorded.keyspace_notifications, recorded.reason) == (True, None)
    assert (recorded.instance, recorded.poll_seconds) == ("beat-1", 1.0)
    assert redis.llen(BEAT_WAKE_KEY) == 0  # the probe's own event wakes nobody

    redis.zadd(REDBEAT_SCHEDULE_KEY, {"redbeat:x": 1.0})  # what entry.save() does

    # The relayed token is not a write time, so Beat's apply metric leaves it out.
    assert redis.blpop([BEAT_WAKE_KEY], timeout=DEADLINE) == (BEAT_WAKE_KEY, "0")


def test_a_delete_wakes_beat_too(listener: ForeignSaves, redis: Redis) -> None:
    redis.zadd(REDBEAT_SCHEDULE_KEY, {"redbeat:x": 1.0})
    listener.start()
    wait_for(lambda: listener.on, "the probe")

    redis.zrem(REDBEAT_SCHEDULE_KEY, "redbeat:x")  # what entry.delete() does

    assert redis.blpop([BEAT_WAKE_KEY], timeout=DEADLINE) is not None


def test_a_burst_leaves_one_token_and_keeps_a_writers_time(
    listener: ForeignSaves, redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    relayed: list[int] = []
    wake = PickupStore.wake

    def counted(self: PickupStore) -> None:
        wake(self)
        relayed.append(int(redis.llen(BEAT_WAKE_KEY)))

    monkeypatch.setattr(PickupStore, "wake", counted)
    listener.start()
    wait_for(lambda: listener.on, "the probe")
    redis.lpush(BEAT_WAKE_KEY, "1700000000.5")  # a writer through the store

    for i in range(200):
        redis.zadd(REDBEAT_SCHEDULE_KEY, {f"redbeat:{i}": float(i)})
    wait_for(lambda: relayed, "a relayed event")

    assert set(relayed) == {1}  # never more than one token waiting
    assert redis.lrange(BEAT_WAKE_KEY, 0, -1) == ["1700000000.5"]


def test_without_events_it_says_off_once_and_wakes_nobody(
    listener: ForeignSaves,
    redis: Redis,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(PickupStore, "probe", lambda self: None)  # its event never comes
    monkeypatch.setattr(notifications, "PROBE_TIMEOUT_SECONDS", 0.2)
    caplog.set_level(logging.INFO, logger="app.beat.notifications")
    listener.start()

    recorded = wait_for(lambda: state(redis), "the pickup state")

    assert (recorded.keyspace_notifications, recorded.reason) == (False, NO_EVENTS)
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "beat: pickup of RedBeat's own saves: keyspace notifications off: Redis sends "
        "none; such saves are seen within 1 s (start Redis with --notify-keyspace-events "
        "Kz to see them at once)"
    ]


def test_turned_off_by_the_setting_it_records_why_and_listens_to_nothing(
    client: Redis, redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app.beat.notifications")
    saves = ForeignSaves(Settings(beat_keyspace_notifications=False), "beat-1", client)
    saves.start()
    try:
        recorded = wait_for(lambda: state(redis), "the pickup state")
        assert (recorded.keyspace_notifications, recorded.reason) == (False, DISABLED)
        assert "keyspace notifications off (BEAT_KEYSPACE_NOTIFICATIONS is false)" in caplog.text
        assert redis.pubsub_numsub(PickupStore(redis).due_index_channel)[0][1] == 0
    finally:
        saves.stop()


def test_an_unreachable_redis_is_logged_once_retried_slowly_and_stop_ends_it(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Nothing listens on that port; no retries inside redis-py, so each attempt is one
    # of the listener's.
    unreachable = Redis(port=free_port(), retry=Retry(NoBackoff(), 0), decode_responses=True)

    attempts: list[float] = []
    subscribe = PickupStore.subscribe

    def counted(self: PickupStore) -> Any:
        attempts.append(time.monotonic())
        return subscribe(self)

    monkeypatch.setattr(PickupStore, "subscribe", counted)
    caplog.set_level(logging.INFO, logger="app.beat.notifications")
    saves = ForeignSaves(Settings(), "beat-1", unreachable)
    saves.start()
    wait_for(lambda: len(attempts) >= 3, "three attempts")
    saves.stop()

    assert saves._thread is None
    lost = [r for r in caplog.records if "lost Redis" in r.getMessage()]
    assert len(lost) == 1 and lost[0].levelno == logging.WARNING
    # Backing off: each wait at least as long as the one before (0.5 s, 1 s, ...).
    gaps = [b - a for a, b in zip(attempts, attempts[1:], strict=False)]
    assert gaps[0] >= notifications.RETRY_FIRST_SECONDS
    assert all(later >= earlier * 0.9 for earlier, later in zip(gaps, gaps[1:], strict=False))


def test_stop_ends_the_thread_and_start_again_listens_anew(
    listener: ForeignSaves, redis: Redis
) -> None:
    listener.start()
    wait_for(lambda: listener.on, "the probe")
    thread = listener._thread
    listener.stop()
    assert thread is not None and not thread.is_alive()
    assert redis.pubsub_numsub(PickupStore(redis).due_index_channel)[0][1] == 0

    listener.start()
    wait_for(lambda: listener.on, "the probe again")
    redis.zadd(REDBEAT_SCHEDULE_KEY, {"redbeat:x": 1.0})
    assert redis.blpop([BEAT_WAKE_KEY], timeout=DEADLINE) is not None


@pytest.mark.parametrize(
    "raw",
    [None, "", "not json", "[]", '{"reason": "x"}', '{"keyspace_notifications": "yes"}'],
)
def test_status_reads_an_unreadable_record_as_none(raw: str | None) -> None:
    assert PickupStatus.parse(raw) is None


def test_status_shows_what_the_leader_recorded(listener: ForeignSaves, redis: Redis) -> None:
    listener.start()
    wait_for(lambda: state(redis), "the pickup state")

    found = read_status(ScheduleStore(redis, celery_app, "Asia/Seoul"), "redis://fake/0")

    assert found.pickup is not None and found.pickup.keyspace_notifications is True
    assert found.as_dict()["pickup"]["instance"] == "beat-1"


def test_a_refused_subscription_is_reported_once_and_not_retried_at_once(
    listener: ForeignSaves,
    redis: Redis,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    attempts: list[float] = []

    def refused(self: PickupStore) -> Any:
        attempts.append(time.monotonic())
        raise NoPermissionError("this user has no permissions to access one of the channels")

    monkeypatch.setattr(PickupStore, "subscribe", refused)
    caplog.set_level(logging.INFO, logger="app.beat.notifications")
    listener.start()

    recorded = wait_for(lambda: state(redis), "the pickup state")

    assert recorded.keyspace_notifications is False
    assert recorded.reason is not None and recorded.reason.startswith(REFUSED)
    time.sleep(0.5)  # a retry loop would have asked again by now
    assert len(attempts) == 1
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "+subscribe" in warnings[0].getMessage()
