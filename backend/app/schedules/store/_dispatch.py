"""What Beat asks of the store: what is due, commit a batch of fires, wait for a change.

A pass costs two round trips to load a batch (the due keys with the next due time
after them, then their hashes, read by one script) and one script call to commit it, however many
entries it holds.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, Protocol

from redis.commands.core import Script

from app.core.constants import (
    AUDIT_ALL_KEY,
    AUDIT_FEED_BATCH,
    BEAT_WAKE_KEY,
    LEASES_KEY,
    REDBEAT_LOCK_KEY,
    REDBEAT_SCHEDULE_KEY,
)
from app.schedules import entry as codec
from app.schedules.audit import Change
from app.schedules.entry import Entry, revision_of
from app.schedules.store._audit import decode_feed
from app.schedules.store._run_scripts import COMMIT_FIRES, LOAD_FIELDS
from app.schedules.store._runs import SWEEP_BATCH, RunOps


@dataclass(frozen=True, slots=True)
class DueRow:
    """One due member of the index, decoded.

    `entry` is None when the hash is gone (the member is stale) or when it cannot be
    decoded (`error` says why). `revision` is that of the fields read ("" when gone):
    a commit fenced on it applies only if nobody changed the entry since.
    """

    key: str
    score: float
    entry: Entry | None
    revision: str
    error: Exception | None = None


@dataclass(frozen=True)
class DueBatch:
    rows: list[DueRow]
    # The earliest due time after `now`, peeked in the same round trip; None if none.
    next_due: float | None
    # Task ids of runs whose lease ran out (for `sweep_lost`), read in the same trip.
    expired: list[str] = field(default_factory=list)
    # The audit feed's changes after the id `due` was given, oldest first (Beat logs them).
    changes: list[Change] = field(default_factory=list)


class FireCommit(Protocol):
    """One entry's part of `commit_fires` (Beat's dispatch.Step is one)."""

    @property
    def key(self) -> str: ...

    @property
    def revision(self) -> str: ...

    @property
    def score(self) -> float: ...

    @property
    def meta(self) -> str: ...

    @property
    def slot(self) -> str: ...

    @property
    def fire(self) -> FireArgs | None: ...


@dataclass(frozen=True, slots=True)
class FireArgs:
    """What the commit needs to record a fire and apply its policy.

    mode: plain (send, record nothing), skip | allow | buffer (the overlap policy of a
    fire to send), missed (record it, send nothing).
    """

    mode: str
    name: str
    task_id: str
    until: float  # lease expiry while queued
    min_gap: float
    lock: str
    record: str  # RunRecord JSON

    def argv(self) -> list[Any]:
        return [
            self.mode,
            self.name,
            self.task_id,
            self.until,
            self.min_gap,
            self.lock,
            self.record,
        ]


# What commit_fires reports per step.
NOT_APPLIED, APPLIED, SEND, SKIPPED, MISSED, HELD_BACK, PAUSED = range(7)
_NO_FIRE = ["", "", "", 0, 0, "", ""]
_NO_MESSAGE = [0, 0]
# A fire's task message: the broker's queue list key and the payload to LPUSH to it.
QueuedMessage = tuple[str, str]


def _text(value: Any) -> str:
    """An argument as redis-py would send it (floats as repr, which round-trips)."""
    if isinstance(value, str):
        return value
    return repr(value) if isinstance(value, float) else str(value)


class DispatchOps(RunOps):
    @cached_property
    def _commit_fires(self) -> Script:
        return self.redis.register_script(COMMIT_FIRES)

    @cached_property
    def _load_fields(self) -> Script:
        return self.redis.register_script(LOAD_FIELDS)

    def due(self, now: datetime, limit: int, changes_after: str | None = None) -> DueBatch:
        """Up to `limit` entries due at or before `now`, earliest first, and the next
        due time after `now`. Entries that never run again (score < 0) are not due.
        With `changes_after` (a stream id), the audit feed's changes after it too."""
        moment = now.timestamp()
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.zrangebyscore(REDBEAT_SCHEDULE_KEY, 0, moment, start=0, num=limit, withscores=True)
            pipe.zrangebyscore(
                REDBEAT_SCHEDULE_KEY, f"({moment}", "+inf", start=0, num=1, withscores=True
            )
            pipe.zrangebyscore(LEASES_KEY, 0, moment, start=0, num=SWEEP_BATCH)
            if changes_after is not None:
                pipe.xrange(AUDIT_ALL_KEY, f"({changes_after}", "+", count=AUDIT_FEED_BATCH)
            due, upcoming, expired, *feed = pipe.execute()
        next_due = upcoming[0][1] if upcoming else None
        changes = decode_feed(feed[0]) if feed else []
        if not due:
            return DueBatch([], next_due, expired, changes)
        flat = self._load_fields(keys=[key for key, _score in due])
        width = len(codec.FIELDS)
        rows = [flat[i : i + width] for i in range(0, len(flat), width)]
        return DueBatch(
            [self._row(key, score, f) for (key, score), f in zip(due, rows, strict=True)],
            next_due,
            expired,
            changes,
        )

    @cached_property
    def _shared(self) -> codec.SharedParts:
        return codec.SharedParts()

    def _row(self, key: str, score: float, fields: list[str | None]) -> DueRow:
        revision = revision_of(fields[0], fields[2])
        try:
            # Beat only reads what it loads here, so the decoded timings are shared.
            entry = codec.decode(key, fields, self.default_tz, self.app, self._shared)
            return DueRow(key, score, entry, revision)
        except Exception as exc:
            return DueRow(key, score, None, revision, exc)

    def commit_fires(
        self,
        token: str,
        steps: Sequence[FireCommit],
        now: float,
        messages: Sequence[QueuedMessage | None] = (),
    ) -> list[int] | None:
        """Record a batch of fires: run state, next due time, history and policy, in one
        script call.

        `messages`, one per step where given: the (queue list key, payload) of the
        fire's task message, LPUSHed by the same script call if and only if the step's
        code is SEND (the broker is this Redis), so a fire recorded sent is queued too.

        Returns a code per step (NOT_APPLIED, APPLIED, SEND, SKIPPED, MISSED,
        HELD_BACK, PAUSED: skipped since dispatching is globally paused). A step is not
        applied when its entry changed since its revision was read, or when its slot was
        already served (one slot is sent at most once); one whose hash is gone drops its
        index member. Returns None, having written
        nothing, when `token` does not hold the Beat lock. Raises
        redis.exceptions.RedisError when Redis does not answer.
        """
        args: list[Any] = [token, now, self.history_limits.as_json(), len(steps)]
        keys = [REDBEAT_LOCK_KEY, REDBEAT_SCHEDULE_KEY, *(step.key for step in steps)]
        payloads: list[str] = []
        # Queue lists go in KEYS (Lua indexes them from 1), each once.
        list_index: dict[str, int] = {}
        first_payload = len(args) + len(steps) + 1
        for i, step in enumerate(steps):
            values = [step.revision, step.meta, step.score, step.slot]
            values += step.fire.argv() if step.fire is not None else _NO_FIRE
            message = messages[i] if i < len(messages) else None
            if message is None:
                values += _NO_MESSAGE
            else:
                list_key, payload = message
                if list_key not in list_index:
                    list_index[list_key] = len(keys) + len(list_index) + 1
                values += [list_index[list_key], first_payload + len(payloads)]
                payloads.append(payload)
            args.append(json.dumps([_text(v) for v in values], ensure_ascii=False))
        keys += list_index
        args += payloads
        codes = self._commit_fires(keys=keys, args=args)
        return None if codes is None else [int(c) for c in codes]

    def wait_for_change(self, timeout: float) -> float | None:
        """Block until a writer signals a change or `timeout` seconds pass. Returns when
        the latest change was written (epoch seconds, by the writer's clock; 0.0 from a
        writer that did not say), or None if no change came.

        Redis ends a blocking call on its own clock tick (up to 100 ms late at hz=10).
        """
        popped = self.redis.blpop([BEAT_WAKE_KEY], timeout=timeout)
        if not popped:
            return None
        try:
            return float(popped[1])
        except ValueError:
            return 0.0
