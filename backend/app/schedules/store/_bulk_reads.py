"""The file sync's and the export's reads of many entries, without decoding them.

Decoding an entry builds its schedule object (crontab parsing) and costs about 50 µs;
asking Redis whether an entry's hash is there, or reading the spec our `manager` field
keeps, costs a few. At 100,000 entries that is the difference between seconds and a
minute.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from functools import cached_property

from redis.commands.core import Script

from app.core.constants import FIELD_DEFINITION, FIELD_MANAGER
from app.schedules import entry as codec
from app.schedules.entry import Entry
from app.schedules.keys import entry_key, name_from_key
from app.schedules.spec import ScheduleSpec, parse_spec
from app.schedules.store._base import strs
from app.schedules.store._entries import EntryOps
from app.schedules.store._scripts import MISSING_ENTRIES

# Keys per command (ZMSCORE) or per pipeline (HMGET) when reading many entries.
PRESENCE_CHUNK = 2000


class FileReadOps(EntryOps):
    @cached_property
    def _missing_script(self) -> Script:
        return self.redis.register_script(MISSING_ENTRIES)

    def present(self, names: Sequence[str]) -> set[str]:
        """The names whose entry Redis holds (its hash has a definition), asked of a few
        thousand keys per script call, without reading or decoding any entry."""
        found = set(names)
        with self.redis.pipeline(transaction=False) as pipe:
            for start in range(0, len(names), PRESENCE_CHUNK):
                part = [entry_key(n) for n in names[start : start + PRESENCE_CHUNK]]
                self._missing_script(keys=part, client=pipe)
            rows = pipe.execute()
        for start, missing in zip(range(0, len(names), PRESENCE_CHUNK), rows, strict=True):
            found.difference_update(names[start + int(i)] for i in missing)
        return found

    def unreadable(self, names: Sequence[str]) -> set[str]:
        """The names whose entry `get()` could not read (and so treats as absent), read
        PRESENCE_CHUNK per round trip. An entry whose `manager` field still vouches for
        its definition (the digest it recorded matches) is taken as readable without
        decoding; any other is decoded whole."""
        broken: set[str] = set()
        for start in range(0, len(names), PRESENCE_CHUNK):
            part = names[start : start + PRESENCE_CHUNK]
            with self.redis.pipeline(transaction=False) as pipe:
                for name in part:
                    pipe.hmget(entry_key(name), codec.FIELDS)
                rows = pipe.execute()
            for name, fields in zip(part, rows, strict=True):
                if (
                    not _vouched(strs(fields))
                    and self._decode_lenient(entry_key(name), fields) is None
                ):
                    broken.add(name)
        return broken

    def documents(self, chunk: int) -> Iterator[list[tuple[str, ScheduleSpec | Entry | None]]]:
        """Every entry in key order, `chunk` per round trip, as read_documents reads it,
        with its name."""
        keys = self.keys()
        for start in range(0, len(keys), chunk):
            part = keys[start : start + chunk]
            yield list(zip(map(name_from_key, part), self.read_documents(part), strict=True))

    def read_documents(self, keys: Sequence[str]) -> list[ScheduleSpec | Entry | None]:
        """For an export: the spec of each entry this project wrote, read from its
        `manager` field without building its schedule; an entry written around us
        (RedBeat's own API) decoded whole (read_keys); None when gone or unreadable.
        Two fields per entry cross the wire, not four."""
        with self.redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hmget(key, [FIELD_DEFINITION, FIELD_MANAGER])
            rows = pipe.execute()
        found: list[ScheduleSpec | Entry | None] = []
        foreign: list[int] = []
        for i, (definition, manager) in enumerate(rows):
            spec = _stored_spec(definition, manager)
            if spec is None and definition:
                foreign.append(i)
            found.append(spec)
        for i, entry in zip(foreign, self.read_keys([keys[i] for i in foreign]), strict=True):
            found[i] = entry
        return found


def _stored_spec(definition: str | None, manager: str | None) -> ScheduleSpec | None:
    """The spec our `manager` field holds, if it still vouches for the definition."""
    if not definition or not manager:
        return None
    try:
        held = json.loads(manager)
        if isinstance(held, dict) and held.get("definition") == codec.digest(definition):
            return parse_spec(held["spec"], stored=True)
    except Exception:
        return None  # decoded whole by the caller, which says why it cannot be read
    return None


def _vouched(fields: list[str | None]) -> bool:
    definition, _meta, manager = fields[:3]
    if not definition or not manager:
        return False
    try:
        held = json.loads(manager)
    except ValueError:
        return False
    return isinstance(held, dict) and held.get("definition") == codec.digest(definition)
