"""What the schedules.json sync remembers between runs, and its last result.

FILE_INDEX_KEY maps a name to the digest of the file definition last applied, which
tells "edited in the file" apart from "edited through the API" across restarts. A
mark written when the API deletes a file-managed entry (a tombstone) keeps the file
from bringing it back until the entry is edited in the file again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

from redis.commands.core import Script

from app.core.constants import (
    FILE_INDEX_KEY,
    FILE_SYNC_STATE_KEY,
    NAMES_KEY,
    REDBEAT_SCHEDULE_KEY,
)
from app.schedules.entry import Entry
from app.schedules.store._base import as_mapping, wake_beat
from app.schedules.store._job_ids import JobIdOps
from app.schedules.store._scripts import DROP_UNCHANGED

# Prefix of a tombstone in the index; what follows is the digest the API deleted.
_TOMBSTONE = "deleted:"


@dataclass(frozen=True)
class FileMark:
    """One name in the file index: the digest of the file definition last applied, and
    whether the API has deleted the entry since (a tombstone)."""

    digest: str
    deleted: bool = False

    def encode(self) -> str:
        return _TOMBSTONE + self.digest if self.deleted else self.digest

    @classmethod
    def decode(cls, raw: str) -> FileMark:
        if raw.startswith(_TOMBSTONE):
            return cls(raw[len(_TOMBSTONE) :], deleted=True)
        return cls(raw)


class FileIndexOps(JobIdOps):
    @cached_property
    def _drop_unchanged(self) -> Script:
        return self.redis.register_script(DROP_UNCHANGED)

    def file_index(self) -> dict[str, FileMark]:
        raw = cast(dict[str, str], self.redis.hgetall(FILE_INDEX_KEY))
        return {name: FileMark.decode(value) for name, value in raw.items()}

    def file_marks(self, names: Sequence[str]) -> dict[str, FileMark]:
        """The marks of these names (those that have one), in one round trip."""
        if not names:
            return {}
        raw = cast(list[str | None], self.redis.hmget(FILE_INDEX_KEY, list(names)))
        return {n: FileMark.decode(v) for n, v in zip(names, raw, strict=True) if v is not None}

    def apply_file_plan(
        self,
        drop: Sequence[Entry],
        index: Mapping[str, FileMark],
        was: Mapping[str, FileMark],
    ) -> list[str]:
        """Finish a sync in one transaction: drop entries, then record the new index.

        `drop` holds entries as the sync read them: one changed since (the API deleted
        and re-created it, or edited it) is left alone. Only the marks that
        differ from `was` (the index the sync read) are written, so a tombstone the API
        writes meanwhile for a name this sync did not change survives. Returns the
        names dropped.
        """
        with self.redis.pipeline(transaction=True) as pipe:
            if drop:
                args = [raw for e in drop for raw in (e.raw_definition, e.raw_manager or "")]
                self._drop_unchanged(
                    keys=[REDBEAT_SCHEDULE_KEY, NAMES_KEY, *(e.key for e in drop)],
                    args=args,
                    client=pipe,
                )
                self.track_job_ids([e.name for e in drop], pipe=pipe)  # the dropped ones' ids go
                wake_beat(pipe)
            gone = [n for n in was if n not in index]
            if gone:
                pipe.hdel(FILE_INDEX_KEY, *gone)
            changed = {n: m.encode() for n, m in index.items() if was.get(n) != m}
            if changed:
                pipe.hset(FILE_INDEX_KEY, mapping=as_mapping(changed))
            results = pipe.execute()
        return [drop[int(i)].name for i in results[0]] if drop else []

    def write_sync_state(self, state: Mapping[str, Any]) -> None:
        """Record the result of the last sync (ok or the error) for status and the CLI."""
        self.redis.set(FILE_SYNC_STATE_KEY, json.dumps(state, ensure_ascii=False, default=str))

    def read_sync_state(self) -> dict[str, Any] | None:
        raw = self.redis.get(FILE_SYNC_STATE_KEY)
        return cast(dict[str, Any], json.loads(raw)) if isinstance(raw, str) and raw else None
