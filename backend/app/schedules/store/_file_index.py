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
from typing import Any, cast

from app.core.constants import (
    FILE_INDEX_KEY,
    FILE_SYNC_STATE_KEY,
)
from app.schedules.store._job_ids import JobIdOps

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
    def file_index(self) -> dict[str, FileMark]:
        raw = cast(dict[str, str], self.redis.hgetall(FILE_INDEX_KEY))
        return {name: FileMark.decode(value) for name, value in raw.items()}

    def file_marks(self, names: Sequence[str]) -> dict[str, FileMark]:
        """The marks of these names (those that have one), in one round trip."""
        if not names:
            return {}
        raw = cast(list[str | None], self.redis.hmget(FILE_INDEX_KEY, list(names)))
        return {n: FileMark.decode(v) for n, v in zip(names, raw, strict=True) if v is not None}

    def write_sync_state(self, state: Mapping[str, Any]) -> None:
        """Record the result of the last sync (ok or the error) for status and the CLI."""
        self.redis.set(FILE_SYNC_STATE_KEY, json.dumps(state, ensure_ascii=False, default=str))

    def read_sync_state(self) -> dict[str, Any] | None:
        raw = self.redis.get(FILE_SYNC_STATE_KEY)
        return cast(dict[str, Any], json.loads(raw)) if isinstance(raw, str) and raw else None
