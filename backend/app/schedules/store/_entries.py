"""Entries by name: read, save, delete, pages in name order; the reads status needs.

Every write is a WATCH/MULTI transaction on the entry key, so a definition, its run
state, its due time and its place in the name index never disagree, and two writers
never interleave. Writers push a wake token so a sleeping Beat looks again at once
(pickup in milliseconds, not at its next poll). Lists read the name index (see
_names.py) a page at a time, so a page costs the same at 100,000 entries as at 1,000.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import cast

from redis.client import Pipeline

from app.core.config import get_settings
from app.core.constants import (
    BUFFER_KEY_PREFIX,
    FAILING_KEY,
    FIELD_META,
    FILE_INDEX_KEY,
    NEVER_SCORE,
    REDBEAT_SCHEDULE_KEY,
    STATS_KEY_PREFIX,
)
from app.schedules import entry as codec
from app.schedules.entry import Entry, Origin
from app.schedules.errors import (
    ScheduleExists,
    ScheduleNotFound,
    TooManySchedules,
    VersionMismatch,
)
from app.schedules.keys import entry_key
from app.schedules.spec import ScheduleSpec
from app.schedules.store._base import as_mapping, strs, wake_beat, with_due
from app.schedules.store._file_index import FileMark
from app.schedules.store._job_ids import JobIdOps
from app.schedules.store._names import KeyPage, Mended, NameIndex, index_keys, unindex_keys
from app.schedules.timing import build_schedule, first_due


@dataclass(frozen=True)
class SaveMode:
    create_only: bool = False
    must_exist: bool = False
    if_match: str | None = None


CREATE = SaveMode(create_only=True)
UPSERT = SaveMode()
# Entry keys per step of a whole walk: one ZRANGE page and one pipeline of HMGETs each.
WALK_CHUNK = 1000


@dataclass(frozen=True)
class EntryPage:
    """Entries in name order after a cursor key, as (key, entry) pairs."""

    rows: list[tuple[str, Entry | None]]
    # The last key read (the next page's cursor), rows left out included.
    last: str | None
    more: bool
    # Entries stored: the due index's size.
    total: int


@dataclass(frozen=True)
class PastDue:
    """Entries whose due time has passed, as `overdue` found them."""

    entries: list[Entry]
    # Past-due members of the due index, including those beyond the limit.
    total: int
    # Members read (at most the limit); gone or unreadable ones are not in `entries`.
    read: int


class EntryOps(JobIdOps):
    def get(self, name: str) -> Entry | None:
        key = entry_key(name)
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hmget(key, codec.FIELDS)
            pipe.zscore(REDBEAT_SCHEDULE_KEY, key)
            fields, score = pipe.execute()
        entry = self._decode(key, fields)
        return with_due(entry, score)

    def get_many(self, names: Iterable[str]) -> dict[str, Entry]:
        return {e.name: e for e in self.read_keys([entry_key(n) for n in names]) if e}

    def read_keys(self, keys: list[str]) -> list[Entry | None]:
        """Entries with their due times, in one round trip; None for gone or unreadable."""
        return self._read(keys)[0]

    def _read(self, keys: list[str]) -> tuple[list[Entry | None], list[str]]:
        """read_keys, and the keys that are in neither an entry hash nor the due index."""
        with self.redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hmget(key, codec.FIELDS)
                pipe.zscore(REDBEAT_SCHEDULE_KEY, key)
            rows = pipe.execute()
        fields, scores = rows[0::2], rows[1::2]
        entries = [
            with_due(self._decode_lenient(key, fields[i]), scores[i]) for i, key in enumerate(keys)
        ]
        gone = [key for i, key in enumerate(keys) if fields[i][0] is None and scores[i] is None]
        return entries, gone

    def entry_page(self, after: str | None, count: int, check: bool = True) -> EntryPage:
        """`key_page` with its entries read by `read_listed` (one more round trip)."""
        page = self.name_index.page(after, count, check)
        rows = self.read_listed(page.keys)
        return EntryPage(rows, page.keys[-1] if page.keys else after, page.more, page.total)

    def read_listed(self, keys: list[str]) -> list[tuple[str, Entry | None]]:
        """(key, entry) for keys read from the name index; None: unreadable, or gone
        but still in the due index. A key in neither an entry hash nor the due index
        (deleted around the store) is left out and dropped from the name index."""
        entries, gone = self._read(keys)
        if not gone:
            return list(zip(keys, entries, strict=True))
        self.name_index.mend(gone)
        dropped = set(gone)
        return [(k, e) for k, e in zip(keys, entries, strict=True) if k not in dropped]

    @cached_property
    def name_index(self) -> NameIndex:
        return NameIndex(self.redis)

    def keys(self) -> list[str]:
        """Every entry key in name order (the due index's members, read through the
        name index a chunk at a time)."""
        return [key for chunk in self.name_index.walk(WALK_CHUNK) for key in chunk]

    def key_page(self, after: str | None, count: int, check: bool = True) -> KeyPage:
        """Up to `count` entry keys in name order after the key `after` (None: from the
        first), whether more follow, and the number of entries stored. One round trip
        unless entries were written around the store since the last read (then, with
        `check`, the name index is rebuilt first, see _names.py)."""
        return self.name_index.page(after, count, check)

    def walk_keys(self, chunk: int = WALK_CHUNK, first: int | None = None) -> Iterator[list[str]]:
        """Every entry key in name order, `chunk` per step (`first` in the first step
        when given), one round trip each."""
        return self.name_index.walk(chunk, first=first)

    def iter_entries(
        self, chunk: int = WALK_CHUNK, after: str | None = None
    ) -> Iterator[list[tuple[str, Entry | None]]]:
        """Every entry in name order as (key, entry) pairs, `chunk` per step (two round
        trips each), never holding more than one chunk; None: gone or unreadable."""
        while True:
            page = self.entry_page(after, chunk, check=after is None)
            if page.rows:
                yield page.rows
            if not page.more:
                return
            after = page.last

    def note_entry_keys(self, added: list[str], removed: list[str]) -> Mended:
        """Bring the name index in step for entry keys written around the store (say,
        by RedBeat's own API, as Beat hears of it). Either list may hold any key: each
        is indexed if the due index holds it and dropped otherwise, inside Redis, so a
        late or repeated notice never undoes a newer write."""
        return self.name_index.mend(sorted({*added, *removed}))

    def rebuild_name_index(self) -> Mended:
        """Make the name index hold exactly the due index's members (O(N); reads do it
        themselves when the two differ in size)."""
        return self.name_index.rebuild()

    def count(self) -> int:
        return self.redis.zcard(REDBEAT_SCHEDULE_KEY)

    def ping(self) -> None:
        """Raises redis.exceptions.RedisError when Redis does not answer."""
        self.redis.ping()

    def overdue(self, before: datetime, limit: int) -> PastDue:
        """Entries due at or before `before`, earliest first, at most `limit` read.

        Paused and finished entries score below 0 in the due index and are skipped
        without being read; a disabled entry Beat has not re-scored yet is returned,
        and callers judge it by `enabled`.
        """
        cutoff = before.timestamp()
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.zrangebyscore(REDBEAT_SCHEDULE_KEY, 0, cutoff, start=0, num=limit)
            pipe.zcount(REDBEAT_SCHEDULE_KEY, 0, cutoff)
            keys, total = pipe.execute()
        entries = [e for e in self.read_keys(list(keys)) if e is not None]
        return PastDue(entries, int(total), len(keys))

    def save(
        self, name: str, spec: ScheduleSpec, origin: Origin | None = None, mode: SaveMode = UPSERT
    ) -> Entry:
        """Create or replace a definition; run state (last run, count) is kept.

        `origin=None` keeps the entry's origin (an API edit of a file-managed entry
        leaves it file-managed), or makes a new entry API-managed. Raises
        ScheduleExists, ScheduleNotFound or VersionMismatch as `mode` asks.
        """
        key = entry_key(name)

        def write(pipe: Pipeline) -> None:
            raw = strs(pipe.hmget(key, codec.FIELDS))
            current = self._decode_lenient(key, raw)
            _check_mode(name, current, mode)
            if raw[0] is None:
                self._check_room(pipe, name)
            last_run_at = current.rhythm_from if current else None
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
            index_keys(pipe, [key])
            self.track_job_ids([name], fresh=raw[0] is None, pipe=pipe)
            wake_beat(pipe)

        self.redis.transaction(write, key)
        saved = self.get(name)
        assert saved is not None
        return saved

    def _check_room(self, pipe: Pipeline, name: str) -> None:
        """MAX_SCHEDULES, checked inside the create's transaction: the due index is
        watched too, so of two creates racing for the last place one sees the other's
        entry (its transaction retries) and the cap holds."""
        limit = get_settings().max_schedules
        # redis-py leaves Pipeline.watch untyped.
        pipe.watch(REDBEAT_SCHEDULE_KEY)  # type: ignore[no-untyped-call]
        if pipe.zcard(REDBEAT_SCHEDULE_KEY) >= limit:
            raise TooManySchedules(name, limit)

    def _score(self, spec: ScheduleSpec, last_run_at: datetime | None) -> float:
        if not spec.enabled:
            return NEVER_SCORE
        sched = build_schedule(spec, self.default_tz, self.app)
        due = first_due(sched, last_run_at, datetime.now(UTC))
        return NEVER_SCORE if due is None else due.timestamp()

    def delete(self, name: str, if_match: str | None = None) -> Entry | None:
        """Remove an entry; returns what was deleted (None if it was unreadable).

        Raises ScheduleNotFound, or VersionMismatch when `if_match` is stale. Deleting
        a file-managed entry leaves a tombstone in the file index (see FileMark).
        """
        key = entry_key(name)
        deleted: list[Entry | None] = []

        def remove(pipe: Pipeline) -> None:
            fields = strs(pipe.hmget(key, codec.FIELDS))
            if fields[0] is None:
                raise ScheduleNotFound(name)
            current_etag = codec.etag_of(fields[0], fields[2])
            if if_match is not None and if_match != current_etag:
                raise VersionMismatch(name, if_match, current_etag)
            current = self._decode_lenient(key, fields)
            raw_mark = cast(str | None, pipe.hget(FILE_INDEX_KEY, name))
            mark = FileMark.decode(raw_mark) if raw_mark else None
            pipe.multi()
            pipe.zrem(REDBEAT_SCHEDULE_KEY, key)
            unindex_keys(pipe, [key])
            pipe.delete(key)
            self.track_job_ids([name], pipe=pipe)
            # Its counters and held-back fire go; its records age out, so what it did
            # stays visible.
            pipe.delete(STATS_KEY_PREFIX + name, BUFFER_KEY_PREFIX + name)
            pipe.zrem(FAILING_KEY, name)
            if current and current.origin == "file" and mark and not mark.deleted:
                pipe.hset(FILE_INDEX_KEY, name, FileMark(mark.digest, deleted=True).encode())
            wake_beat(pipe)
            deleted[:] = [current]

        self.redis.transaction(remove, key, FILE_INDEX_KEY)
        return deleted[0]


def _check_mode(name: str, current: Entry | None, mode: SaveMode) -> None:
    if mode.create_only and current is not None:
        raise ScheduleExists(name)
    if (mode.must_exist or mode.if_match) and current is None:
        raise ScheduleNotFound(name)
    if mode.if_match and current is not None and mode.if_match != current.etag:
        raise VersionMismatch(name, mode.if_match, current.etag)
