"""Which Beat dispatches: a Redis lock with a heartbeat, in one round trip per tick.

The lock is RedBeat's own key, so a stock RedBeat Beat and ours exclude each other.
Unlike stock RedBeat, a standby never blocks inside startup and never writes entries:
it tries the lock once per tick and otherwise only refreshes its own instance key.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum

from redis import Redis

from app.core.constants import (
    BEAT_INSTANCE_KEY_PREFIX,
    BEAT_LEADER_KEY,
    INSTANCE_TTL_SECONDS,
    REDBEAT_LOCK_KEY,
)

# KEYS: lock, leader heartbeat, instance key.
# ARGV: token, lock ttl ms, instance ttl ms, heartbeat json.
# Returns: 2 = just acquired, 1 = still held, 0 = held by another (standby).
_BEAT_SCRIPT = """
local holder = redis.call('GET', KEYS[1])
local result = 0
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  result = 1
elseif not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  result = 2
end
if result > 0 then
  redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[2])
end
redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[3])
return result
"""

# KEYS: lock, leader heartbeat, instance key. ARGV: token.
_RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1], KEYS[2])
end
redis.call('DEL', KEYS[3])
return 1
"""


class Role(Enum):
    STANDBY = 0
    LEADER = 1
    ACQUIRED = 2


@dataclass
class Leadership:
    redis: Redis
    lock_timeout: float
    instance_id: str = field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    )
    leader_since: datetime | None = None

    def __post_init__(self) -> None:
        self._beat = self.redis.register_script(_BEAT_SCRIPT)
        self._release = self.redis.register_script(_RELEASE_SCRIPT)

    @property
    def token(self) -> str:
        return self.instance_id

    @property
    def instance_key(self) -> str:
        return BEAT_INSTANCE_KEY_PREFIX + self.instance_id

    def _heartbeat(self, role: str) -> str:
        return json.dumps(
            {
                "instance": self.instance_id,
                "host": socket.gethostname(),
                "pid": os.getpid(),
                "role": role,
                "leader_since": self.leader_since.isoformat() if self.leader_since else None,
                "last_tick": datetime.now(UTC).isoformat(),
                "lock_timeout": self.lock_timeout,
            }
        )

    def beat(self) -> Role:
        """Renew or take the lock and leave a heartbeat; one round trip."""
        role = "leader" if self.leader_since else "standby"
        result = int(
            self._beat(
                keys=[REDBEAT_LOCK_KEY, BEAT_LEADER_KEY, self.instance_key],
                args=[
                    self.token,
                    int(self.lock_timeout * 1000),
                    INSTANCE_TTL_SECONDS * 1000,
                    self._heartbeat(role),
                ],
            )
        )
        if result == 2:
            self.leader_since = datetime.now(UTC)
            self.beat()  # once more, so the heartbeat says "leader" from the first tick
            return Role.ACQUIRED
        if result == 0:
            self.leader_since = None
            return Role.STANDBY
        return Role.LEADER

    def release(self) -> None:
        self._release(
            keys=[REDBEAT_LOCK_KEY, BEAT_LEADER_KEY, self.instance_key], args=[self.token]
        )
        self.leader_since = None

    def holder(self) -> str | None:
        value = self.redis.get(REDBEAT_LOCK_KEY)
        return value if isinstance(value, str) else None
