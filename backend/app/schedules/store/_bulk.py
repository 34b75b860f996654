"""Many file entries per round trip: the schedules.json sync's writes, drops and reads.

`save()` costs a WATCH, a read, a MULTI and a read-back per entry: about 300 entries a
second, so a 100,000-entry file took minutes. Here one chunk of entries is one
optimistic transaction: WATCH the chunk's keys, read them all in one pipeline, decide,
then MULTI/EXEC the writes. A chunk that anything else wrote meanwhile (the API, Beat
firing one of its entries) fails as a whole and is read and decided again, so nothing
racing the sync is lost and no chunk is half written.

What `save()` and `delete()` keep per entry holds per chunk too: MAX_SCHEDULES (the due
index is watched when the chunk creates), the run state of an updated entry, the due
score, the job ids, the name index, the file index marks, and a wake-up for Beat.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, NamedTuple, cast

from redis.client import Pipeline
from redis.commands.core import Script
from redis.exceptions import WatchError

from app.core.config import get_settings
from app.core.constants import (
    AUDIT_ALL_KEY,
    AUDIT_ALL_MAX,
    AUDIT_KEY_PREFIX,
    BUFFER_KEY_PREFIX,
    FAILING_KEY,
    FIELD_DEFINITION,
    FIELD_MANAGER,
    FILE_INDEX_KEY,
    REDBEAT_SCHEDULE_KEY,
    STATS_KEY_PREFIX,
)
from app.schedules import entry as codec
from app.schedules.audit import change_from_documents, document_of
from app.schedules.entry import Entry
from app.schedules.keys import entry_key
from app.schedules.spec import CRON_FIELDS, ScheduleSpec
from app.schedules.store._audit import AuditOps
from app.schedules.store._base import as_mapping, strs, wake_beat
from app.schedules.store._bulk_codec import FieldEncoder
from app.schedules.store._bulk_reads import FileReadOps
from app.schedules.store._file_index import FileMark
from app.schedules.store._names import index_keys, unindex_keys
from app.schedules.store._scripts import WRITE_FILE_ENTRIES

# A new entry's run state: never run.
NEW_RUN_STATE = codec.encode_meta(None, 0)
# Tries of one chunk against racing writers before it is split in two; a chunk of one
# entry retries until it goes through, as save() does.
CHUNK_TRIES = 4
# Timings whose due score is remembered (due_score); past it, the memory starts over.
DUE_MEMO_SIZE = 100_000
# The spec fields a due score depends on (with the run state it counts from).
_TIMING = (*CRON_FIELDS, "cron", "interval", "anchor", "at", "timezone", "enabled")


class FileWrite(NamedTuple):
    """One file entry to write, and the mark to record for it once written."""

    name: str
    spec: ScheduleSpec
    mark: FileMark


@dataclass(frozen=True)
class _AuditStamp:
    """Who the audit trail names for a sync's changes, and when they were made."""

    actor: str
    at: float


@dataclass(frozen=True)
class Written:
    """One entry a chunk wrote: what was there before, and the version written."""

    name: str
    before: Entry | None
    etag: str


@dataclass
class ChunkResult:
    written: list[Written] = field(default_factory=list)
    # The first entry refused for MAX_SCHEDULES (nothing after it was created), if any.
    refused: str | None = None


@dataclass
class _Read:
    """A chunk as read under WATCH: raw fields and decoded entries, by name."""

    raw: dict[str, list[str | None]]
    entries: dict[str, Entry | None]


class BulkOps(FileReadOps, AuditOps):
    @cached_property
    def write_script(self) -> Script:
        return self.redis.register_script(WRITE_FILE_ENTRIES)

    def write_file_chunk(
        self, writes: Sequence[tuple[str, ScheduleSpec, FileMark]], actor: str, at: float
    ) -> ChunkResult:
        """Create or replace these entries (name, spec, mark to record) as file-managed,
        in one transaction, with their marks in the file index and one audit record per
        entry that changed, made by `actor` at `at`. Run state is kept; a new entry
        counts against MAX_SCHEDULES, and those beyond it are left out (`refused`)."""
        by_name = {w[0]: FileWrite(*w) for w in writes}
        audit = _AuditStamp(actor, at)
        if not by_name:
            return ChunkResult()

        def queue(pipe: Pipeline, names: list[str], read: _Read) -> ChunkResult:
            return _Plan(self, [by_name[n] for n in names], read, audit).queue(pipe)

        result: ChunkResult = self._optimistic(list(by_name), queue)
        return result

    def drop_file_chunk(self, names: Sequence[str]) -> list[Entry]:
        """Forget these names in the file index and delete those of their entries still
        file-managed (read under WATCH, so one the API took over meanwhile stays).
        Returns the entries deleted, as they were."""

        def queue(pipe: Pipeline, part: list[str], read: _Read) -> list[Entry]:
            gone = [e for e in read.entries.values() if e is not None and e.origin == "file"]
            keys = [e.key for e in gone]
            # A hash already gone may have left its due-index member behind.
            hollow = [entry_key(n) for n in part if read.raw[n][0] is None]
            pipe.multi()
            pipe.hdel(FILE_INDEX_KEY, *part)
            if hollow:
                pipe.zrem(REDBEAT_SCHEDULE_KEY, *hollow)
                unindex_keys(pipe, hollow)
            if gone:
                pipe.zrem(REDBEAT_SCHEDULE_KEY, *keys)
                pipe.delete(*keys)
                unindex_keys(pipe, keys)
                self.track_job_ids([e.name for e in gone], pipe=pipe)
                # As delete(): counters and a held-back fire go, records age out.
                pipe.delete(
                    *(STATS_KEY_PREFIX + e.name for e in gone),
                    *(BUFFER_KEY_PREFIX + e.name for e in gone),
                )
                pipe.zrem(FAILING_KEY, *(e.name for e in gone))
                wake_beat(pipe)
            return gone

        if not names:
            return []
        dropped: list[Entry] = self._optimistic(list(names), queue)
        return dropped

    def _optimistic(
        self, names: list[str], queue: Callable[[Pipeline, list[str], _Read], Any]
    ) -> Any:
        """Run `queue` (which decides from what was read and queues a MULTI) under a
        WATCH of the entries' keys, again on a racing write; a chunk that keeps losing
        is split, down to single entries that retry until they go through."""
        keys = [entry_key(n) for n in names]
        for _ in range(CHUNK_TRIES if len(names) > 1 else 1_000_000):
            with self.redis.pipeline(transaction=True) as pipe:
                # redis-py leaves Pipeline.watch untyped.
                pipe.watch(*keys)  # type: ignore[no-untyped-call]
                read = self._read_chunk(names, keys)
                try:
                    result = queue(pipe, names, read)
                    pipe.execute()
                    return result
                except WatchError:
                    continue
        half = len(names) // 2
        first = self._optimistic(names[:half], queue)
        if isinstance(first, ChunkResult) and first.refused is not None:
            return first  # no room left for the second half's new entries either
        return _merge(first, self._optimistic(names[half:], queue))

    def _read_chunk(self, names: list[str], keys: list[str]) -> _Read:
        """The entries' fields in one round trip on another connection: what the WATCH
        guards is read after it was set. (Their due scores are not needed: a write
        computes its own from the run state.)"""
        with self.redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hmget(key, codec.FIELDS)
            rows = pipe.execute()
        raw = {n: strs(fields) for n, fields in zip(names, rows, strict=True)}
        entries = {n: self._decode_lenient(k, raw[n]) for n, k in zip(names, keys, strict=True)}
        return _Read(raw, entries)

    @cached_property
    def field_encoder(self) -> FieldEncoder:
        return FieldEncoder(self.default_tz, self.app)

    @cached_property
    def _due_memo(self) -> dict[Any, float]:
        return {}

    def due_score(self, spec: ScheduleSpec, last_run_at: datetime | None) -> float:
        """The due score `save()` computes, remembered per timing and run state: a file
        holds many entries with the same timing, and crontab math costs ~80 µs.

        A score is the first slot of a fixed grid after now, so the one remembered stays
        right for as long as it lies ahead (no slot can have come between). The one
        exception is a plain interval that never ran: its slot is now + interval, and
        is not remembered."""
        key = (*(getattr(spec, f) for f in _TIMING), last_run_at)
        memo = self._due_memo
        score = memo.get(key)
        if score is not None and score > time.time():
            return score
        score = self._score(spec, last_run_at)
        if spec.interval is None or spec.anchor is not None or last_run_at is not None:
            if len(memo) >= DUE_MEMO_SIZE:
                memo.clear()
            memo[key] = score
        return score


class _Plan:
    """One chunk of file writes decided against what was read under WATCH, queued as
    one script call (definitions and audit records, WRITE_FILE_ENTRIES) and a few
    commands for the whole chunk (due scores, name index, file marks, job ids)."""

    def __init__(
        self, store: BulkOps, writes: Sequence[FileWrite], read: _Read, audit: _AuditStamp
    ) -> None:
        self.store = store
        self.writes = writes
        self.read = read
        self.audit = audit
        self.result = ChunkResult()
        self.keys: list[str] = []
        self.args: list[str] = []
        self.scores: dict[str, float] = {}

    def queue(self, pipe: Pipeline) -> ChunkResult:
        room = self._room(pipe)
        fresh: list[str] = []
        kept: list[str] = []
        marks: dict[str, str] = {}
        for write in self.writes:
            new = self.read.raw[write.name][0] is None
            if new:
                if room <= 0:
                    self.result.refused = write.name
                    break
                room -= 1
            self._add(write, self.read.entries[write.name])
            (fresh if new else kept).append(write.name)
            marks[write.name] = write.mark.encode()
        pipe.multi()
        if marks:
            cap, _keep = self.store.audit_limits
            self.store.write_script(
                keys=[AUDIT_ALL_KEY, *self.keys],
                args=[cap, AUDIT_ALL_MAX, *self.args],
                client=pipe,
            )
            pipe.zadd(REDBEAT_SCHEDULE_KEY, cast(Any, self.scores))
            index_keys(pipe, self.scores)
            pipe.hset(FILE_INDEX_KEY, mapping=as_mapping(marks))
            self.store.track_job_ids(fresh, fresh=True, pipe=pipe)
            self.store.track_job_ids(kept, pipe=pipe)
            wake_beat(pipe)
        return self.result

    def _room(self, pipe: Pipeline) -> int:
        """Places left under MAX_SCHEDULES, when the chunk creates: the due index is
        watched before it is counted, so a racing create (an API call) makes this
        transaction fail and count again, as in save()."""
        if all(self.read.raw[w.name][0] is not None for w in self.writes):
            return 0
        pipe.watch(REDBEAT_SCHEDULE_KEY)  # type: ignore[no-untyped-call]
        return get_settings().max_schedules - int(pipe.zcard(REDBEAT_SCHEDULE_KEY))

    def _add(self, write: FileWrite, before: Entry | None) -> None:
        """One entry's fields, score and audit record, as save() and record_changes
        would write them; run state is kept (a new entry's starts empty)."""
        store, name = self.store, write.name
        key = entry_key(name)
        document = write.spec.to_document()
        fields = store.field_encoder.encode(name, write.spec, "file", document)
        definition, manager = fields[FIELD_DEFINITION], fields[FIELD_MANAGER]
        etag = codec.etag_of(definition, manager)
        change = change_from_documents(
            name, document_of(before), document, self.audit.actor, self.audit.at, etag
        )
        meta = NEW_RUN_STATE if before is None else ""
        self.keys += [key, AUDIT_KEY_PREFIX + name]
        self.args += [definition, manager, meta, change.to_json() if change else ""]
        last_run_at = before.rhythm_from if before else None
        self.scores[key] = store.due_score(write.spec, last_run_at)
        self.result.written.append(Written(name, before, etag))


def _merge(first: Any, second: Any) -> Any:
    """Two halves' results as one: entries dropped, or a ChunkResult."""
    if isinstance(first, list):
        return cast(list[Entry], first) + cast(list[Entry], second)
    return ChunkResult(first.written + second.written, second.refused)
