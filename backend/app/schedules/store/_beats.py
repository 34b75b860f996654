"""The Beat lock and heartbeats as stored; which Beat should lead is app/beat's policy.

The lock is RedBeat's own key, so a stock RedBeat Beat and ours exclude each other.
Every Beat, leader or standby, keeps an instance key alive, so status lists standbys.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from typing import cast

from redis import Redis
from redis.commands.core import Script

from app.core.constants import (
    BEAT_INSTANCE_KEY_PREFIX,
    BEAT_INSTANCES_KEY,
    BEAT_LEADER_KEY,
    INSTANCE_TTL_SECONDS,
    REDBEAT_LOCK_KEY,
)
from app.schedules.store._scripts import CLAIM_LOCK, RELEASE_LOCK


class Claim(Enum):
    """What one `claim` found."""

    HELD_ELSEWHERE = 0
    RENEWED = 1
    ACQUIRED = 2


@dataclass(frozen=True)
class BeatRecords:
    """Heartbeats as written (JSON text), for status to parse."""

    leader: str | None
    # The lock's token: our Beats use their instance id, a stock RedBeat its own token.
    lock_holder: str | None
    instances: list[str]


class BeatLocks:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    @cached_property
    def _claim(self) -> Script:
        return self.redis.register_script(CLAIM_LOCK)

    @cached_property
    def _release(self) -> Script:
        return self.redis.register_script(RELEASE_LOCK)

    def claim(self, token: str, instance_id: str, heartbeat: str, lock_timeout: float) -> Claim:
        """Renew the lock if `token` holds it, take it if it is free; in one round trip,
        also leave `heartbeat` on this instance's key (and on the leader key when the
        lock is ours). Raises redis.exceptions.RedisError when Redis does not answer."""
        result = self._claim(
            keys=[
                REDBEAT_LOCK_KEY,
                BEAT_LEADER_KEY,
                _instance_key(instance_id),
                BEAT_INSTANCES_KEY,
            ],
            args=[token, int(lock_timeout * 1000), INSTANCE_TTL_SECONDS * 1000, heartbeat],
        )
        return Claim(int(result))

    def release(self, token: str, instance_id: str) -> None:
        """Free the lock if `token` holds it, and remove this instance's key."""
        self._release(
            keys=[
                REDBEAT_LOCK_KEY,
                BEAT_LEADER_KEY,
                _instance_key(instance_id),
                BEAT_INSTANCES_KEY,
            ],
            args=[token],
        )

    def holder(self) -> str | None:
        value = self.redis.get(REDBEAT_LOCK_KEY)
        return value if isinstance(value, str) else None

    def read(self) -> BeatRecords:
        """Two round trips: the lock, the leader and the index of instance keys, then
        those keys (an expired one reads as nothing, whatever the index still says)."""
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.get(BEAT_LEADER_KEY)
            pipe.get(REDBEAT_LOCK_KEY)
            pipe.zrange(BEAT_INSTANCES_KEY, 0, -1)
            leader, holder, keys = pipe.execute()
        raws = cast(list[str | None], self.redis.mget(sorted(keys))) if keys else []
        return BeatRecords(leader, holder, [raw for raw in raws if raw])


def _instance_key(instance_id: str) -> str:
    return BEAT_INSTANCE_KEY_PREFIX + instance_id
