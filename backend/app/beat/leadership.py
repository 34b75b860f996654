"""Which Beat dispatches: a Redis lock with a heartbeat, in one round trip per tick.

The lock is RedBeat's own key (kept by the store's BeatLocks), so a stock RedBeat Beat
and ours exclude each other. Unlike stock RedBeat, a standby never blocks inside
startup and never writes entries: it tries the lock once per tick and otherwise only
refreshes its own instance key. This module is the policy (who we are, what the
heartbeat says, when we count as leader, how long a standby waits); the store does
the reads and writes.

Why a short lock is safe: every commit of fires is fenced by the lock's token (the
store's commit writes nothing for a token that no longer holds the lock), so a
leader that stalls past its lock and wakes cannot send a fire another Beat also
sends. The lock only has to outlive the leader's gaps between renewals: one loop
interval plus one pass, and long work in a pass renews it (`keep_alive`).

How a standby waits: until the holder's lock would expire (the claim says how long it
has left), at most one loop interval, and blocked on the list a releasing leader
pushes to, so a clean stop hands over at once and a crash within a tick of the lock's
expiry.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum

from app.schedules import BeatLocks, Claim

log = logging.getLogger(__name__)

# Waits shorter than this are slept here: Redis ends a blocking call on its own clock
# tick (up to 100 ms late at hz=10), which would make a short wait several times longer.
SHORT_WAIT_SECONDS = 0.2
# Wake this long after another's lock should have expired, so the claim finds it gone
# (Redis and this process measure the same interval on different clocks).
EXPIRY_MARGIN_SECONDS = 0.02


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
    # What the last claim saw as a standby: the holder, and how long its lock has left
    # (None: it never expires by itself).
    holder_seen: str | None = None
    lock_left: float | None = 0.0
    # Why this Beat got the lock, for the log line that says it did.
    acquired_because: str = ""
    _released_seen: bool = False
    _seen_at: float = 0.0  # monotonic time of that claim
    _renewed_at: float = 0.0  # monotonic time this Beat last renewed or took the lock

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
        """Renew or take the lock and leave a heartbeat; one round trip (two on taking it)."""
        leading = self.leader_since is not None
        state = self.locks.take(
            self.token,
            self.instance_id,
            self._heartbeat("leader" if leading else "standby"),
            self.lock_timeout,
            leading=leading,
        )
        if state.claim is Claim.RENEWED:
            self._renewed_at = time.monotonic()
            return Role.LEADER
        if state.claim is Claim.ACQUIRED:
            self._released_seen = self._released_seen or state.released
            self.acquired_because = self._why_free()
            # What a standby saw is spent: a later loss starts from nothing.
            self.holder_seen, self._released_seen = None, False
            self.leader_since = datetime.now(UTC)
            self.beat()  # once more, so the heartbeat says "leader" from the first tick
            return Role.ACQUIRED
        # HELD_ELSEWHERE, or LOST: a leader whose lock is gone stands by for this tick
        # (the loop stops sending and drops its leader state) and competes again at
        # the next, like any standby.
        self.lock_left = state.expires_in
        self.holder_seen = state.holder
        self._seen_at = time.monotonic()
        self._released_seen = False
        self.lost(state.holder)
        return Role.STANDBY

    def lost(self, holder: str | None) -> None:
        """Note that the lock is not ours (found by a claim, or by a commit the store
        refused); logged once, when we led until now."""
        if self.leader_since is None:
            return  # already said
        self.leader_since = None
        if holder is None:
            why = "it expired or was deleted"
        else:
            why = f"{holder} holds it now"
        why += " (this Beat was silent for longer than the lock lasts, or Redis lost its data)"
        log.warning(
            "beat: lost the lock: %s; stopped sending and standing by. Nothing this Beat "
            "had not committed under the lock is sent.",
            why,
        )

    def keep_alive(self) -> bool:
        """For long work inside one pass (the file sync between chunks, a batch before
        its commit): renew the lock once a quarter of its time has passed since the last
        renewal (no round trip for a pass that took milliseconds). False once it is
        lost: stop writing and return to the loop, which stands by."""
        if self.leader_since is None:
            return False
        if time.monotonic() - self._renewed_at < self.lock_timeout / 4:
            return True
        return self.beat() is Role.LEADER

    def wait_as_standby(self, max_wait: float) -> bool:
        """Wait until the holder's lock would expire, a leader releases it, or
        `max_wait` passes, whichever comes first. True if a release woke us."""
        timeout = max_wait if self.lock_left is None else min(max_wait, self.lock_left)
        if self.lock_left is not None and self.lock_left < max_wait:
            timeout += EXPIRY_MARGIN_SECONDS
        if timeout <= 0:
            return False
        if timeout <= SHORT_WAIT_SECONDS:
            time.sleep(timeout)
            return False
        self._released_seen = self.locks.wait_for_release(timeout)
        return self._released_seen

    def _why_free(self) -> str:
        """What an operator needs to tell a clean hand-over from a crash or lost data."""
        holder = self.holder_seen
        if self._released_seen:
            return f"released by {holder}" if holder else "released"
        if holder is None:
            return "the lock was free"
        waited = time.monotonic() - self._seen_at
        if self.lock_left is not None and waited >= self.lock_left - EXPIRY_MARGIN_SECONDS:
            return f"the lock of {holder} expired"
        return f"the lock of {holder} was gone before it expired (released or deleted)"

    def release(self) -> bool:
        """Free the lock if it is ours, waking a standby; True if it was ours."""
        freed = self.locks.release(self.token, self.instance_id, self.lock_timeout)
        self.leader_since = None
        return freed

    def holder(self) -> str | None:
        return self.locks.holder()
