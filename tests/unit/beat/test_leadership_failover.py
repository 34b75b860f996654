"""app/beat/leadership.py: a lost lock, a standby's wait and a release that wakes it.

On fakeredis and on a real redis-server alike: the lock scripts' answers (PTTL, a
missing holder, a blocking pop) are where the two could differ.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from redis import Redis

from app.beat.leadership import Leadership, Role
from app.core.constants import BEAT_LEADER_KEY, BEAT_RELEASED_KEY, REDBEAT_LOCK_KEY
from app.core.embedded_redis import RedisServer
from app.schedules import BeatLocks
from tests.unit.beat.fakes import lua_fakeredis

LOST = "beat: lost the lock"
# Longer than any test here may take: a wait that ignored the lock's expiry, or a
# release, would run into the test's timeout instead of returning.
LONG = 600.0


@pytest.fixture(params=["fakeredis", "redis-server"])
def client(request: pytest.FixtureRequest) -> Iterator[Redis]:
    if request.param == "fakeredis":
        redis: Redis = lua_fakeredis()
    else:
        server: RedisServer = request.getfixturevalue("redis_server")
        redis = Redis.from_url(server.url, decode_responses=True)
        redis.flushdb()
    yield redis
    redis.close()


def beat(redis: Redis, name: str, lock_timeout: float = 30.0) -> Leadership:
    return Leadership(BeatLocks(redis), lock_timeout=lock_timeout, instance_id=name)


def lost_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith(LOST)]


def test_a_leader_whose_lock_was_deleted_stands_by_once_then_takes_it_afresh(
    client: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="app.beat.leadership")
    first = beat(client, "a")
    assert first.beat() is Role.ACQUIRED
    client.delete(REDBEAT_LOCK_KEY)  # expired, evicted, or Redis restarted empty

    assert first.beat() is Role.STANDBY
    assert first.leader_since is None
    assert client.get(REDBEAT_LOCK_KEY) is None, "a leader that lost the lock takes nothing"
    assert first.keep_alive() is False
    [line] = lost_lines(caplog)
    assert "expired or was deleted" in line

    first.wait_as_standby(LONG)  # the lock is free: no wait
    assert first.beat() is Role.ACQUIRED
    assert first.acquired_because == "the lock was free"
    assert len(lost_lines(caplog)) == 1, "the loss is logged once"


def test_a_leader_that_finds_another_holding_the_lock_says_who_once(
    client: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="app.beat.leadership")
    first, second = beat(client, "a"), beat(client, "b")
    first.beat()
    client.set(REDBEAT_LOCK_KEY, "b", px=30_000)  # a's lock expired and b took it

    assert first.beat() is Role.STANDBY
    assert first.beat() is Role.STANDBY
    assert second.beat() is Role.LEADER
    [line] = lost_lines(caplog)
    assert "b holds it now" in line
    assert first.holder_seen == "b"


def test_keep_alive_renews_the_lock_while_it_is_ours_and_says_when_it_is_not(
    client: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="app.beat.leadership")
    first = beat(client, "a")
    assert first.keep_alive() is False, "a standby has nothing to keep alive"
    first.beat()
    client.pexpire(REDBEAT_LOCK_KEY, 500)

    # Just renewed: no round trip (a pass of milliseconds costs Redis nothing).
    assert first.keep_alive() is True
    assert client.pttl(REDBEAT_LOCK_KEY) <= 500

    first._renewed_at -= first.lock_timeout / 4  # a quarter of the lock has passed
    assert first.keep_alive() is True
    assert client.pttl(REDBEAT_LOCK_KEY) > 29_000

    client.set(REDBEAT_LOCK_KEY, "b", px=30_000)  # a long sync outlived the lock
    first._renewed_at -= first.lock_timeout / 4
    assert first.keep_alive() is False
    assert first.leader_since is None
    assert len(lost_lines(caplog)) == 1
    assert client.get(REDBEAT_LOCK_KEY) == "b"


def test_a_standby_learns_how_long_the_lock_has_left_and_wakes_when_it_expires(
    client: Redis,
) -> None:
    first, second = beat(client, "a", lock_timeout=0.3), beat(client, "b", lock_timeout=0.3)
    assert first.beat() is Role.ACQUIRED
    assert second.beat() is Role.STANDBY
    assert second.lock_left is not None and 0 < second.lock_left <= 0.3
    assert second.holder_seen == "a"

    # Bounded by the lock's expiry, not by LONG; nothing released it.
    assert second.wait_as_standby(LONG) is False
    assert second.beat() is Role.ACQUIRED
    assert second.acquired_because == "the lock of a expired"


def test_a_release_wakes_a_waiting_standby_and_leaves_one_token_that_expires(
    client: Redis,
) -> None:
    first, second = beat(client, "a"), beat(client, "b")
    first.beat()
    second.beat()
    assert second.lock_left is not None and second.lock_left > 29

    assert first.release() is True
    assert client.llen(BEAT_RELEASED_KEY) == 1
    assert 0 < client.pttl(BEAT_RELEASED_KEY) <= 30_000

    assert second.wait_as_standby(LONG) is True
    assert second.beat() is Role.ACQUIRED
    assert second.acquired_because == "released by a"
    assert client.llen(BEAT_RELEASED_KEY) == 0

    # Its commit refused later (the lock deleted), it takes the lock again: not a release.
    client.delete(REDBEAT_LOCK_KEY)
    second.lost(None)
    assert second.beat() is Role.ACQUIRED
    assert second.acquired_because == "the lock was free"


def test_a_standby_that_finds_the_lock_released_before_it_waits_says_so_and_takes_the_token(
    client: Redis,
) -> None:
    first, second = beat(client, "a"), beat(client, "b")
    first.beat()
    second.beat()
    first.release()

    assert second.beat() is Role.ACQUIRED  # its claim came before any wait
    assert second.acquired_because == "released by a"
    assert client.exists(BEAT_RELEASED_KEY) == 0, "no token outlives the hand-over"


def test_a_release_by_one_that_does_not_hold_the_lock_wakes_nobody(client: Redis) -> None:
    first, second = beat(client, "a"), beat(client, "b")
    first.beat()
    second.beat()

    assert second.release() is False
    assert client.exists(BEAT_RELEASED_KEY) == 0
    assert client.get(REDBEAT_LOCK_KEY) == "a"
    assert client.get(BEAT_LEADER_KEY) is not None


def test_a_lock_without_expiry_is_looked_at_once_per_loop(client: Redis) -> None:
    """A lock written with no TTL (by hand, or a foreign tool) never frees itself: the
    standby looks again after its loop interval rather than waiting for ever."""
    client.set(REDBEAT_LOCK_KEY, "someone-else")
    standby = beat(client, "b")

    assert standby.beat() is Role.STANDBY
    assert standby.lock_left is None
    assert standby.wait_as_standby(0.3) is False
    assert standby.beat() is Role.STANDBY
