"""The Beat lock and heartbeats as stored; which Beat should lead is app/beat's policy.

The lock is RedBeat's own key, so a stock RedBeat Beat and ours exclude each other.
Every Beat, leader or standby, keeps an instance key alive, so status lists standbys.
A leader that releases the lock leaves a token on a list that standbys block on, so
one of them takes over at once instead of at its next look.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from typing import NamedTuple, cast

from redis import Redis
from redis.commands.core import Script

from app.core.constants import (
    BEAT_INSTANCE_KEY_PREFIX,
    BEAT_INSTANCES_KEY,
    BEAT_LEADER_KEY,
    BEAT_RELEASED_KEY,
    INSTANCE_TTL_SECONDS,
    REDBEAT_LOCK_KEY,
)


class Claim(Enum):
    """What one `claim` found."""

    HELD_ELSEWHERE = 0
    RENEWED = 1
    ACQUIRED = 2
    # The caller said it leads, but the lock is not its own any more (expired while it
    # was stalled, deleted, or Redis restarted without its data): nothing was taken.
    LOST = 3


class LockState(NamedTuple):
    claim: Claim
    # Seconds until another's lock expires: None when it never does (a lock written
    # without a TTL); 0 when no lock is there. Only for HELD_ELSEWHERE and LOST.
    expires_in: float | None
    # Whose token the lock holds then (None: nobody's).
    holder: str | None
    # ACQUIRED only: a leader had released the lock and no standby had been woken by it
    # yet (this claim came first); the release token is gone with this claim.
    released: bool = False


# One Beat's tick: renew or take the lock, and leave a heartbeat, in one round trip.
# KEYS: lock, leader heartbeat, instance key, instances index, released list.
# ARGV: token, lock ttl ms, instance ttl ms, heartbeat json, '1' if the caller leads.
# Returns {code, lock pttl, holder or false, released}: code 2 = just acquired, 1 = renewed,
# 0 = held by another (standby), 3 = the caller led and the lock is gone or another's
# (it takes nothing, so it stands by once and drops its leader state before it leads
# again). The pttl is the lock's own when code is 0 or 3 (-2: no lock, -1: no expiry,
# or a Redis user whose ACL rules predate PTTL: the standby then looks once per loop
# interval). `released` is 1 when taking the lock found (and deleted) a release token
# that no standby had popped: so no token outlives the release it stands for.
# The index scores each instance key by its expiry; the expired ones leave it here.
CLAIM = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[4], now + tonumber(ARGV[3]), KEYS[3])
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. now)
local holder = redis.call('GET', KEYS[1])
local result = 0
local released = 0
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  result = 1
elseif ARGV[5] == '1' then
  result = 3
elseif not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  result = 2
  released = redis.call('DEL', KEYS[5])
end
if result == 1 or result == 2 then
  redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[2])
end
redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[3])
local pttl = 0
if result == 0 or result == 3 then
  pttl = redis.pcall('PTTL', KEYS[1])
  if type(pttl) ~= 'number' then
    pttl = -1
  end
end
return {result, pttl, holder, released}
"""

# KEYS: lock, leader heartbeat, instance key, instances index, released list.
# ARGV: token, released token ttl ms. Only the holder's token frees the lock (and then
# leaves one token for a standby: the list never holds more, and it expires once a
# standby would have found the lock free by itself); the instance key goes either way.
# Returns 1 if the lock was freed.
RELEASE = """
local freed = 0
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[5])
  redis.call('LPUSH', KEYS[5], ARGV[1])
  redis.call('PEXPIRE', KEYS[5], ARGV[2])
  freed = 1
end
redis.call('DEL', KEYS[3])
redis.call('ZREM', KEYS[4], KEYS[3])
return freed
"""


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
        return self.redis.register_script(CLAIM)

    @cached_property
    def _release(self) -> Script:
        return self.redis.register_script(RELEASE)

    def claim(self, token: str, instance_id: str, heartbeat: str, lock_timeout: float) -> Claim:
        """Renew the lock if `token` holds it, take it if it is free; in one round trip,
        also leave `heartbeat` on this instance's key (and on the leader key when the
        lock is ours). Raises redis.exceptions.RedisError when Redis does not answer."""
        return self.take(token, instance_id, heartbeat, lock_timeout).claim

    def take(
        self,
        token: str,
        instance_id: str,
        heartbeat: str,
        lock_timeout: float,
        leading: bool = False,
    ) -> LockState:
        """As `claim`, and also how long another's lock has left. With `leading` (the
        caller believes it holds the lock) a lock found free is not taken: the answer
        is LOST, so the caller drops what it did as leader before it competes again."""
        code, pttl, holder, released = self._claim(
            keys=[
                REDBEAT_LOCK_KEY,
                BEAT_LEADER_KEY,
                _instance_key(instance_id),
                BEAT_INSTANCES_KEY,
                BEAT_RELEASED_KEY,
            ],
            args=[
                token,
                max(1, int(lock_timeout * 1000)),
                INSTANCE_TTL_SECONDS * 1000,
                heartbeat,
                "1" if leading else "0",
            ],
        )
        pttl = int(pttl)
        expires_in = None if pttl == -1 else max(pttl, 0) / 1000
        claim = Claim(int(code))
        if claim is Claim.RENEWED or claim is Claim.ACQUIRED:
            return LockState(claim, None, token, bool(released))
        return LockState(claim, expires_in, holder if isinstance(holder, str) else None)

    def release(self, token: str, instance_id: str, lock_timeout: float = 30.0) -> bool:
        """Free the lock if `token` holds it (and wake one standby), and remove this
        instance's key. True if the lock was freed."""
        freed = self._release(
            keys=[
                REDBEAT_LOCK_KEY,
                BEAT_LEADER_KEY,
                _instance_key(instance_id),
                BEAT_INSTANCES_KEY,
                BEAT_RELEASED_KEY,
            ],
            args=[token, max(1, int(lock_timeout * 1000))],
        )
        return bool(freed)

    def wait_for_release(self, timeout: float) -> bool:
        """Block until a leader releases the lock or `timeout` seconds pass (Redis ends
        a blocking call on its own clock tick, so up to 100 ms late at hz=10). True
        if a release woke us; the lock may still have been taken by another standby."""
        if timeout <= 0:
            return False  # BLPOP's 0 would block for ever
        return bool(self.redis.blpop([BEAT_RELEASED_KEY], timeout=timeout))

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
