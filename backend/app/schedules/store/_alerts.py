"""Alerts as stored (app/alerts decides what to alert on and delivers).

Two streams, each read through a consumer group, so that several worker processes
share the work and each entry goes to one of them:
- the history across schedules (`hist-all`, written by the run scripts): group
  `alert-rules` looks at every record once;
- the alerts (`alerts`): one entry per alert, queued by `enqueue` at most once per
  event id and within the schedule's rate limit; group `alert-delivery` POSTs them.
An entry a consumer took and never acknowledged (its process died) is taken over by
another after a while (`claim_*`); one whose entry the stream's cap trimmed meanwhile
is acknowledged then, with nothing left to do. Delivered alerts stay in their stream,
trimmed by count: it doubles as their log.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from redis import Redis
from redis.commands.core import Script
from redis.exceptions import ResponseError

from app.core.constants import (
    ALERT_BACKLOG_SECONDS,
    ALERT_COUNTS_KEY,
    ALERT_DELIVERY_GROUP,
    ALERT_RATE_KEY_PREFIX,
    ALERT_RULES_GROUP,
    ALERT_SCAN_KEY,
    ALERT_SEEN_KEY_PREFIX,
    ALERT_SEEN_TTL_SECONDS,
    ALERT_SUPPRESSED_KEY_PREFIX,
    ALERTS_STREAM_KEY,
    ALERTS_STREAM_MAX,
    HISTORY_ALL_KEY,
    LEASES_KEY,
)
from app.schedules.runs import RunRecord
from app.schedules.store._runs import records_in_progress

# What `enqueue` did with an alert.
DUPLICATE, QUEUED, SUPPRESSED = 0, 1, 2

# KEYS: seen, rate, suppressed, alerts stream, counters.
# ARGV: event JSON, seen ttl ms, rate limit, rate window ms, kind, stream cap.
# An event seen before is dropped (0). Past the schedule's rate limit for the current
# window it is held back and counted (2); otherwise queued (1) with the count of those
# held back since the last one that went out, which it then carries.
_ENQUEUE = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[2]) then return 0 end
local n = redis.call('INCR', KEYS[2])
if n == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
if n > tonumber(ARGV[3]) then
  redis.call('INCR', KEYS[3])
  redis.call('PEXPIRE', KEYS[3], ARGV[2])
  redis.call('HINCRBY', KEYS[5], 'suppressed:' .. ARGV[5], 1)
  return 2
end
local held = redis.call('GET', KEYS[3]) or '0'
redis.call('DEL', KEYS[3])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[6], '*', 'e', ARGV[1], 's', held)
redis.call('HINCRBY', KEYS[5], 'queued:' .. ARGV[5], 1)
return 1
"""


@dataclass(frozen=True)
class RateLimit:
    """At most `count` alerts per schedule in each window of `window_seconds`."""

    count: int
    window_seconds: float


@dataclass(frozen=True)
class QueuedAlert:
    """An alert as queued: its stream id, the event JSON, how many alerts of its
    schedule the rate limit held back before it, and how often it was handed out."""

    sid: str
    event: str
    suppressed: int = 0
    deliveries: int = 1


@dataclass(frozen=True)
class RecordBatch:
    """History records taken from the stream: `ids` of every entry taken (to
    acknowledge), `records` those that could be read (stream ids set)."""

    ids: list[str]
    records: list[RunRecord]


def stream_order(sid: str | None) -> tuple[int, int]:
    """A stream id (`<ms>-<seq>`, as a record's id) as something that sorts as Redis
    orders the entries; none sorts first."""
    ms, _, seq = (sid or "0-0").partition("-")
    return int(ms), int(seq or 0)


class AlertStore:
    """The alert queue and the rules' view of history; one round trip per method unless
    its docstring says otherwise. Raises redis.exceptions.RedisError when Redis does
    not answer."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    @property
    def _db(self) -> Any:
        """The client, typed loosely: it decodes responses, which its stubs cannot say."""
        return self.redis

    @cached_property
    def _enqueue(self) -> Script:
        return self.redis.register_script(_ENQUEUE)

    # --- the queue of alerts ---------------------------------------------------------

    def enqueue(self, event_id: str, name: str, kind: str, event: str, limit: RateLimit) -> int:
        """Queue an alert once per `event_id`: DUPLICATE, QUEUED or SUPPRESSED."""
        keys = [
            ALERT_SEEN_KEY_PREFIX + event_id,
            ALERT_RATE_KEY_PREFIX + name,
            ALERT_SUPPRESSED_KEY_PREFIX + name,
            ALERTS_STREAM_KEY,
            ALERT_COUNTS_KEY,
        ]
        ttl_ms = ALERT_SEEN_TTL_SECONDS * 1000
        window_ms = max(1, int(limit.window_seconds * 1000))
        args: list[Any] = [event, ttl_ms, limit.count, window_ms, kind, ALERTS_STREAM_MAX]
        return int(self._enqueue(keys=keys, args=args))

    def read_alerts(self, consumer: str, count: int, block_ms: int) -> list[QueuedAlert]:
        """New alerts for `consumer`, waiting up to `block_ms` for one."""
        rows = self._read(ALERTS_STREAM_KEY, ALERT_DELIVERY_GROUP, consumer, count, block_ms)
        return [_alert(sid, fields) for sid, fields in rows if fields]

    def claim_alerts(self, consumer: str, idle_ms: int, count: int) -> list[QueuedAlert]:
        """Alerts another consumer took and has not acknowledged for `idle_ms`."""
        claimed = self._claim(ALERTS_STREAM_KEY, ALERT_DELIVERY_GROUP, consumer, idle_ms, count)
        return [_alert(sid, fields, deliveries + 1) for sid, fields, deliveries in claimed]

    def ack_alerts(self, sids: Sequence[str]) -> None:
        if sids:
            self._db.xack(ALERTS_STREAM_KEY, ALERT_DELIVERY_GROUP, *sids)

    # --- history, as the rules read it -----------------------------------------------

    def read_records(self, consumer: str, count: int, block_ms: int) -> RecordBatch:
        """Records of any schedule not yet looked at, for `consumer`."""
        rows = self._read(HISTORY_ALL_KEY, ALERT_RULES_GROUP, consumer, count, block_ms)
        return _batch(rows)

    def claim_records(self, consumer: str, idle_ms: int, count: int) -> RecordBatch:
        claimed = self._claim(HISTORY_ALL_KEY, ALERT_RULES_GROUP, consumer, idle_ms, count)
        return _batch([(sid, fields) for sid, fields, _ in claimed])

    def ack_records(self, sids: Sequence[str]) -> None:
        if sids:
            self._db.xack(HISTORY_ALL_KEY, ALERT_RULES_GROUP, *sids)

    def running_records(self, now: float, limit: int) -> list[RunRecord]:
        """Fires in progress whose lease has not run out (at most `limit`); two round
        trips."""
        ids = self._db.zrangebyscore(LEASES_KEY, f"({now}", "+inf", start=0, num=limit)
        return records_in_progress(self._db, ids)

    def take_scan_turn(self, owner: str, seconds: float) -> bool:
        """True for one caller per `seconds`: whose turn it is to look at runs in
        progress."""
        return bool(self._db.set(ALERT_SCAN_KEY, owner, nx=True, px=max(1, int(seconds * 1000))))

    # --- counters and upkeep ---------------------------------------------------------

    def count(self, state: str, kind: str, amount: int = 1) -> None:
        self._db.hincrby(ALERT_COUNTS_KEY, f"{state}:{kind}", amount)

    def forget_idle_consumers(self, idle_ms: int) -> int:
        """Drop consumers (dead processes) idle that long with nothing pending; a few
        round trips. Returns how many went."""
        gone = 0
        for stream, group in (
            (HISTORY_ALL_KEY, ALERT_RULES_GROUP),
            (ALERTS_STREAM_KEY, ALERT_DELIVERY_GROUP),
        ):
            try:
                consumers = self._db.xinfo_consumers(stream, group)
            except ResponseError:
                continue  # no stream or group yet
            for info in consumers:
                if int(info["pending"]) == 0 and int(info["idle"]) >= idle_ms:
                    gone += int(self._db.xgroup_delconsumer(stream, group, info["name"]))
        return gone

    # --- groups ----------------------------------------------------------------------

    def ensure_groups(self) -> None:
        """Make both groups if missing. The rules start from records of the last
        ALERT_BACKLOG_SECONDS (none older: a first start must not alert on old
        history); the delivery from the first alert queued."""
        self._make_group(HISTORY_ALL_KEY, ALERT_RULES_GROUP)
        self._make_group(ALERTS_STREAM_KEY, ALERT_DELIVERY_GROUP)

    def _make_group(self, stream: str, group: str) -> None:
        start = "0"
        if stream == HISTORY_ALL_KEY:
            start = f"{max(0, int((time.time() - ALERT_BACKLOG_SECONDS) * 1000))}-0"
        try:
            self._db.xgroup_create(stream, group, id=start, mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def _read(
        self, stream: str, group: str, consumer: str, count: int, block_ms: int
    ) -> list[tuple[str, dict[str, str] | None]]:
        for attempt in (1, 2):
            try:
                answer = self._db.xreadgroup(
                    group, consumer, {stream: ">"}, count=count, block=block_ms
                )
                break
            except ResponseError as exc:
                # The stream was deleted (and its group with it): make it again.
                if "NOGROUP" not in str(exc) or attempt == 2:
                    raise
                self._make_group(stream, group)
        if not answer:
            return []
        return list(answer[0][1])

    def _claim(
        self, stream: str, group: str, consumer: str, idle_ms: int, count: int
    ) -> list[tuple[str, dict[str, str], int]]:
        """Entries pending for `idle_ms` or longer, now `consumer`'s: id, fields and how
        often they were handed out before. Two round trips; two more if one did not come
        back (`_ack_trimmed`)."""
        try:
            pending = self._db.xpending_range(stream, group, "-", "+", count)
        except ResponseError:
            return []  # no group yet
        stale = {
            p["message_id"]: int(p["times_delivered"])
            for p in pending
            if int(p["time_since_delivered"]) >= idle_ms
        }
        if not stale:
            return []
        # XCLAIM checks the idle time again, so two consumers never both take one.
        rows = self._db.xclaim(stream, group, consumer, idle_ms, list(stale))
        taken = [(sid, fields, stale.get(sid, 1)) for sid, fields in rows if sid and fields]
        self._ack_trimmed(stream, group, stale.keys() - {sid for sid, _, _ in taken})
        return taken

    def _ack_trimmed(self, stream: str, group: str, missing: set[str]) -> None:
        """Acknowledge the pending ids whose entries the stream's cap trimmed away: there
        is nothing left to do for them. Redis 7 drops them from the group as XCLAIM meets
        them; Redis 6.2 answers nil for each and keeps it pending, so without this they
        would be handed out at every take-over, forever, and fill its count. An id still
        in the stream (another consumer took it first) is left alone."""
        if not missing:
            return
        ordered = sorted(missing, key=stream_order)
        with self._db.pipeline(transaction=False) as pipe:
            for sid in ordered:
                pipe.xrange(stream, sid, sid, count=1)
            found = pipe.execute()
        gone = [sid for sid, rows in zip(ordered, found, strict=True) if not rows]
        if gone:
            self._db.xack(stream, group, *gone)


def _batch(rows: list[tuple[str, dict[str, str] | None]]) -> RecordBatch:
    records = []
    for sid, fields in rows:
        try:
            records.append(RunRecord.from_json(fields["r"], sid) if fields else None)
        except (KeyError, TypeError, ValueError):
            # Not a record this code can read (written by another version?): skipped,
            # and acknowledged with the rest, so it is not handed out again and again.
            records.append(None)
    return RecordBatch([sid for sid, _ in rows], [r for r in records if r is not None])


def _alert(sid: str, fields: dict[str, str], deliveries: int = 1) -> QueuedAlert:
    return QueuedAlert(sid, fields.get("e", ""), int(fields.get("s") or 0), deliveries)
