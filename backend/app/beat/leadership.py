"""Which Beat dispatches: a Redis lock with a heartbeat, in one round trip per tick.

The lock is RedBeat's own key (kept by the store's BeatLocks), so a stock RedBeat Beat
and ours exclude each other. Unlike stock RedBeat, a standby never blocks inside
startup and never writes entries: it tries the lock once per tick and otherwise only
refreshes its own instance key. This module is the policy (who we are, what the
heartbeat says, when we count as leader); the store does the reads and writes.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum

from app.schedules import BeatLocks, Claim


class Role(Enum):
    STANDBY = 0
    LEADER = 1
    ACQUIRED = 2


@dataclass
class Leadership:
    locks: BeatLocks  # the store's (ScheduleStore.beats)
    lock_timeout: float
    instance_id: str = field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    )
    leader_since: datetime | None = None

    @property
    def token(self) -> str:
        return self.instance_id

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
        claim = self.locks.claim(
            self.token, self.instance_id, self._heartbeat(role), self.lock_timeout
        )
        if claim is Claim.ACQUIRED:
            self.leader_since = datetime.now(UTC)
            self.beat()  # once more, so the heartbeat says "leader" from the first tick
            return Role.ACQUIRED
        if claim is Claim.HELD_ELSEWHERE:
            self.leader_since = None
            return Role.STANDBY
        return Role.LEADER

    def release(self) -> None:
        self.locks.release(self.token, self.instance_id)
        self.leader_since = None

    def holder(self) -> str | None:
        return self.locks.holder()
