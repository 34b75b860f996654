"""What the leading Beat's listener for RedBeat's own saves reads and writes.

RedBeat's `entry.save()` and `delete()` push nothing to our wake list; they ZADD and
ZREM the due index. With `notify-keyspace-events` holding `Kz`, Redis tells subscribers
of that key's keyspace channel about each such command, and app/beat/notifications.py
turns that into a wake-up. Whether Redis sends those events is learnt from a probe (a
zset write on a key of ours, under the same rights), not from CONFIG, which managed
Redis services and our least-privilege ACL refuse. Status reads the outcome here.
"""

from __future__ import annotations

import time
from typing import Any

from redis import Redis

from app.core.constants import (
    BEAT_PICKUP_KEY,
    BEAT_PICKUP_PROBE_KEY,
    BEAT_WAKE_KEY,
    REDBEAT_SCHEDULE_KEY,
    WAKE_TTL_SECONDS,
)

# The probe key only has to live until its event is read back.
PROBE_TTL_MS = 60_000
# Not a write time: Beat's apply metric counts only writes through the store (their
# tokens are times), not the events a listener relays.
RELAYED_TOKEN = "0"


class PickupStore:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def channel(self, key: str) -> str:
        """The keyspace channel of `key` in this client's database."""
        db = self.redis.connection_pool.connection_kwargs.get("db", 0)
        return f"__keyspace@{db}__:{key}"

    @property
    def due_index_channel(self) -> str:
        return self.channel(REDBEAT_SCHEDULE_KEY)

    @property
    def probe_channel(self) -> str:
        return self.channel(BEAT_PICKUP_PROBE_KEY)

    def subscribe(self) -> KeyspaceEvents:
        """A subscription to the due index's and the probe's keyspace channels, on a
        connection of its own."""
        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
        try:
            pubsub.subscribe(self.due_index_channel, self.probe_channel)
        except BaseException:
            pubsub.close()
            raise
        return KeyspaceEvents(pubsub)

    def probe(self) -> None:
        """A zset write on the probe key: its `zadd` event arrives on `probe_channel`
        when Redis sends zset keyspace events, and never otherwise."""
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.zadd(BEAT_PICKUP_PROBE_KEY, {"probe": time.time()})
            pipe.pexpire(BEAT_PICKUP_PROBE_KEY, PROBE_TTL_MS)
            pipe.execute()

    def wake(self) -> None:
        """Wake a Beat waiting on the wake list, leaving at most one token there. The
        token goes behind any a writer left, and only the first is kept, so a writer's
        time is not replaced."""
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.rpush(BEAT_WAKE_KEY, RELAYED_TOKEN)
            pipe.ltrim(BEAT_WAKE_KEY, 0, 0)
            pipe.expire(BEAT_WAKE_KEY, WAKE_TTL_SECONDS)
            pipe.execute()

    def write_state(self, state: str, ttl_seconds: int) -> None:
        """The leader's pickup state (JSON), kept while it renews it."""
        self.redis.set(BEAT_PICKUP_KEY, state, ex=ttl_seconds)

    def read_state(self) -> str | None:
        raw = self.redis.get(BEAT_PICKUP_KEY)
        return raw if isinstance(raw, str) else None

    def close(self) -> None:
        self.redis.close()


class KeyspaceEvents:
    """The channels' events as they arrive (the event's name, `zadd` or `zrem`, is not
    needed: any write to the due index is worth a look)."""

    def __init__(self, pubsub: Any) -> None:
        self._pubsub = pubsub

    def next_channel(self, timeout: float) -> str | None:
        """The channel of the next event, waiting up to `timeout` seconds (0: only
        one already received); None if none came. Raises RedisError when the
        connection is lost."""
        message = self._pubsub.get_message(timeout=timeout)
        if not isinstance(message, dict):
            return None
        channel = message.get("channel")
        return channel if isinstance(channel, str) else None

    def close(self) -> None:
        self._pubsub.close()
