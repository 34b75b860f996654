"""app/beat/leadership.py: one lock, one leader, standbys that take over when it goes silent."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import fakeredis
import pytest

from app.beat.leadership import Leadership, Role
from app.core.constants import BEAT_LEADER_KEY, REDBEAT_LOCK_KEY
from app.schedules import BeatLocks

# Generous for a loaded 2-core machine: the lock below expires after 50 ms.
DEADLINE_SECONDS = 10.0


def beat(redis: fakeredis.FakeRedis, name: str, lock_timeout: float = 30.0) -> Leadership:
    return Leadership(BeatLocks(redis), lock_timeout=lock_timeout, instance_id=name)


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def heartbeat(redis: fakeredis.FakeRedis, key: str) -> dict[str, object]:
    raw = redis.get(key)
    assert isinstance(raw, str)
    return dict(json.loads(raw))


def test_the_first_beat_acquires_and_says_so_in_its_heartbeat(redis: fakeredis.FakeRedis) -> None:
    first = beat(redis, "a")

    assert first.beat() is Role.ACQUIRED
    assert redis.get(REDBEAT_LOCK_KEY) == "a"
    assert first.leader_since is not None
    assert heartbeat(redis, BEAT_LEADER_KEY)["role"] == "leader"
    assert 29_000 < redis.pttl(REDBEAT_LOCK_KEY) <= 30_000


def test_the_leader_renews_its_lock(redis: fakeredis.FakeRedis) -> None:
    first = beat(redis, "a")
    first.beat()
    redis.pexpire(REDBEAT_LOCK_KEY, 1000)  # most of its time used up

    assert first.beat() is Role.LEADER
    assert redis.pttl(REDBEAT_LOCK_KEY) > 29_000


def test_a_second_beat_stands_by_and_writes_only_its_own_key(
    redis: fakeredis.FakeRedis,
) -> None:
    first, second = beat(redis, "a"), beat(redis, "b")
    first.beat()
    leader_heartbeat = redis.get(BEAT_LEADER_KEY)

    assert second.beat() is Role.STANDBY
    assert second.leader_since is None
    assert second.holder() == "a"
    assert redis.get(REDBEAT_LOCK_KEY) == "a"
    assert redis.get(BEAT_LEADER_KEY) == leader_heartbeat
    records = BeatLocks(redis).read()
    roles = sorted((json.loads(r)["instance"], json.loads(r)["role"]) for r in records.instances)
    assert roles == [("a", "leader"), ("b", "standby")]


def test_release_frees_the_lock_for_another(redis: fakeredis.FakeRedis) -> None:
    first, second = beat(redis, "a"), beat(redis, "b")
    first.beat()
    second.beat()

    first.release()

    assert first.leader_since is None
    assert redis.get(REDBEAT_LOCK_KEY) is None
    assert redis.get(BEAT_LEADER_KEY) is None
    assert [json.loads(r)["instance"] for r in BeatLocks(redis).read().instances] == ["b"]
    assert second.beat() is Role.ACQUIRED


def test_release_by_a_standby_leaves_the_leaders_lock(redis: fakeredis.FakeRedis) -> None:
    first, second = beat(redis, "a"), beat(redis, "b")
    first.beat()
    second.beat()

    second.release()

    assert redis.get(REDBEAT_LOCK_KEY) == "a"
    assert first.beat() is Role.LEADER


def test_a_standby_takes_over_once_the_silent_leaders_lock_expires(
    redis: fakeredis.FakeRedis,
) -> None:
    first, second = beat(redis, "a", lock_timeout=0.05), beat(redis, "b", lock_timeout=0.05)
    assert first.beat() is Role.ACQUIRED
    assert second.beat() is Role.STANDBY

    wait_for(lambda: redis.get(REDBEAT_LOCK_KEY) is None, "the leader's lock to expire")

    assert second.beat() is Role.ACQUIRED
    assert redis.get(REDBEAT_LOCK_KEY) == "b"
    # The old leader, back from its silence, learns it lost the lock on its next tick.
    assert first.beat() is Role.STANDBY
    assert first.leader_since is None


@pytest.mark.parametrize("holder", ["stock-redbeat-token", "a-stale-token"])
def test_a_lock_held_by_any_other_token_means_standby(
    redis: fakeredis.FakeRedis, holder: str
) -> None:
    redis.set(REDBEAT_LOCK_KEY, holder, px=30_000)

    assert beat(redis, "a").beat() is Role.STANDBY
    assert redis.get(REDBEAT_LOCK_KEY) == holder
