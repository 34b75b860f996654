"""Reading and writing schedules in Redis: the one place that does.

Every write is a WATCH/MULTI transaction on the entry key, so a definition, its run
state and its due time never disagree, and two writers never interleave. Writers push
a wake token so a sleeping Beat looks again at once (pickup in milliseconds, not at its
next poll).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from celery import Celery
from redis import Redis
from redis.client import Pipeline

from app.core.constants import (
    BEAT_WAKE_KEY,
    FIELD_META,
    FILE_INDEX_KEY,
    NEVER_SCORE,
    REDBEAT_SCHEDULE_KEY,
    WAKE_TTL_SECONDS,
)
from app.schedules import entry as codec
from app.schedules.entry import Entry, Origin
from app.schedules.errors import ScheduleExists, ScheduleNotFound, VersionMismatch
from app.schedules.keys import entry_key
from app.schedules.spec import ScheduleSpec
from app.schedules.timing import build_schedule, first_due

log = logging.getLogger(__name__)

# Marks a file-managed entry deleted through the API: the file may not bring it back
# until the entry is edited in the file again (the later edit wins).
TOMBSTONE = "deleted:"


def wake_beat(pipe: Pipeline) -> None:
    pipe.lpush(BEAT_WAKE_KEY, "1")
    pipe.ltrim(BEAT_WAKE_KEY, 0, 0)
    pipe.expire(BEAT_WAKE_KEY, WAKE_TTL_SECONDS)


@dataclass(frozen=True)
class SaveMode:
    create_only: bool = False
    must_exist: bool = False
    if_match: str | None = None


CREATE = SaveMode(create_only=True)
UPSERT = SaveMode()


class ScheduleStore:
    def __init__(self, redis: Redis, app: Celery, default_tz: str) -> None:
        self.redis = redis
        self.app = app
        self.default_tz = default_tz

    def _decode(self, key: str, fields: list[str | None]) -> Entry | None:
        return codec.decode(key, fields, self.default_tz, self.app)

    def _decode_lenient(self, key: str, fields: list[str | None]) -> Entry | None:
        """An unreadable entry counts as absent, so a save or a sync can repair it."""
        try:
            return self._decode(key, fields)
        except Exception:
            log.warning("schedule %r cannot be read; treating it as absent", key, exc_info=True)
            return None

    def get(self, name: str) -> Entry | None:
        key = entry_key(name)
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hmget(key, codec.FIELDS)
            pipe.zscore(REDBEAT_SCHEDULE_KEY, key)
            fields, score = pipe.execute()
        entry = self._decode(key, fields)
        return _with_due(entry, score)

    def get_many(self, names: Iterable[str]) -> dict[str, Entry]:
        return {e.name: e for e in self.read_keys([entry_key(n) for n in names]) if e}

    def read_keys(self, keys: list[str]) -> list[Entry | None]:
        """Entries with their due times, in one round trip; None for gone or unreadable."""
        with self.redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hmget(key, codec.FIELDS)
                pipe.zscore(REDBEAT_SCHEDULE_KEY, key)
            rows = pipe.execute()
        return [
            _with_due(self._decode_lenient(key, rows[2 * i]), rows[2 * i + 1])
            for i, key in enumerate(keys)
        ]

    def keys(self) -> list[str]:
        """Every entry key in the due-time index, sorted (RedBeat indexes every entry)."""
        return sorted(cast(list[str], self.redis.zrange(REDBEAT_SCHEDULE_KEY, 0, -1)))

    def count(self) -> int:
        return self.redis.zcard(REDBEAT_SCHEDULE_KEY)

    def save(
        self, name: str, spec: ScheduleSpec, origin: Origin | None = None, mode: SaveMode = UPSERT
    ) -> Entry:
        """Create or replace a definition; run state (last run, count) is kept.

        `origin=None` keeps the entry's origin (an API edit of a file-managed entry
        leaves it file-managed), or makes a new entry API-managed.
        """
        key = entry_key(name)

        def write(pipe: Pipeline) -> None:
            current = self._decode_lenient(key, _strs(pipe.hmget(key, codec.FIELDS)))
            _check_mode(name, current, mode)
            last_run_at = current.last_run_at if current else None
            fields = codec.encode(
                name,
                spec,
                origin or (current.origin if current else "api"),
                self.default_tz,
                self.app,
            )
            pipe.multi()
            pipe.hset(key, mapping=as_mapping(fields))
            if current is None:
                pipe.hset(key, FIELD_META, codec.encode_meta(None, 0))
            pipe.zadd(REDBEAT_SCHEDULE_KEY, {key: self._score(spec, last_run_at)})
            wake_beat(pipe)

        self.redis.transaction(write, key)
        saved = self.get(name)
        assert saved is not None
        return saved

    def _score(self, spec: ScheduleSpec, last_run_at: datetime | None) -> float:
        if not spec.enabled:
            return NEVER_SCORE
        sched = build_schedule(spec, self.default_tz, self.app)
        due = first_due(sched, last_run_at, datetime.now(UTC))
        return NEVER_SCORE if due is None else due.timestamp()

    def delete(self, name: str, if_match: str | None = None) -> Entry | None:
        """Remove an entry; returns what was deleted (None if it was unreadable)."""
        key = entry_key(name)
        deleted: list[Entry | None] = []

        def remove(pipe: Pipeline) -> None:
            fields = _strs(pipe.hmget(key, codec.FIELDS))
            if fields[0] is None:
                raise ScheduleNotFound(name)
            current_etag = codec.etag_of(fields[0], fields[2])
            if if_match is not None and if_match != current_etag:
                raise VersionMismatch(name, if_match, current_etag)
            current = self._decode_lenient(key, fields)
            file_digest = cast(str | None, pipe.hget(FILE_INDEX_KEY, name))
            pipe.multi()
            pipe.zrem(REDBEAT_SCHEDULE_KEY, key)
            pipe.delete(key)
            if (
                current
                and current.origin == "file"
                and file_digest
                and not is_tombstone(file_digest)
            ):
                pipe.hset(FILE_INDEX_KEY, name, TOMBSTONE + file_digest)
            wake_beat(pipe)
            deleted[:] = [current]

        self.redis.transaction(remove, key, FILE_INDEX_KEY)
        return deleted[0]

    def drop(self, names: Iterable[str]) -> None:
        """Remove entries outright (the file no longer declares them)."""
        with self.redis.pipeline() as pipe:
            for name in names:
                pipe.zrem(REDBEAT_SCHEDULE_KEY, entry_key(name))
                pipe.delete(entry_key(name))
            wake_beat(pipe)
            pipe.execute()


def _with_due(entry: Entry | None, score: float | None) -> Entry | None:
    if entry is not None and score is not None and score >= 0:
        entry.next_run_at = datetime.fromtimestamp(score, UTC)
    return entry


def _strs(values: Any) -> list[str | None]:
    """The client decodes responses; this tells the type checker so."""
    return cast(list[str | None], values)


def as_mapping(fields: Mapping[str, str]) -> Any:
    """redis-py's hset wants a Mapping over its whole key type union (invariant keys)."""
    return fields


def is_tombstone(value: str) -> bool:
    return value.startswith(TOMBSTONE)


def _check_mode(name: str, current: Entry | None, mode: SaveMode) -> None:
    if mode.create_only and current is not None:
        raise ScheduleExists(name)
    if (mode.must_exist or mode.if_match) and current is None:
        raise ScheduleNotFound(name)
    if mode.if_match and current is not None and mode.if_match != current.etag:
        raise VersionMismatch(name, mode.if_match, current.etag)
