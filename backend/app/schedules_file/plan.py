"""What a sync must write, decided before it writes anything.

A file entry whose definition is the one last applied (its mark in the file index) and
which Redis still holds is unchanged; one the API deleted since is left deleted (its
tombstone); every other entry is written. Names the index knows and the file no longer
declares are dropped. Deciding this reads the file index and asks Redis which entries
it holds (store.present): no entry is read or decoded.

At 100,000 entries those two reads alone take a second or more, too slow for a save
that edits one entry. So the process that applied a file remembers what it applied
(`Applied`), tagged with an id it wrote into the sync state; the next sync in the same
process, if no other sync ran in between (the id in Redis is still its own), compares
the file with that memory and asks the index and Redis about the entries that differ
only. What the API does meanwhile is safe to miss: it never writes a mark with a
new digest, and an API delete leaves a tombstone that a changed file entry overrides
anyway. An entry lost from Redis is not seen this way; the periodic re-read recreates
it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from app.schedules import FileMark, ScheduleSpec, ScheduleStore


class FileWrite(NamedTuple):
    """One file entry to write, and the mark to record for it once written."""

    name: str
    spec: ScheduleSpec
    mark: FileMark


@dataclass
class Plan:
    unchanged: list[str] = field(default_factory=list)
    kept_deleted: list[str] = field(default_factory=list)
    writes: list[FileWrite] = field(default_factory=list)
    # Names the index knows and the file no longer declares.
    gone: list[str] = field(default_factory=list)
    # Names that had a mark (an entry written without one is "created", not "recreated").
    marked: set[str] = field(default_factory=set)
    # Names written that Redis does not hold now, what counts against MAX_SCHEDULES,
    # when the plan counted them (`counted`).
    creates: int = 0
    counted: bool = False


def plan_full(
    store: ScheduleStore,
    specs: Mapping[str, ScheduleSpec],
    digests: Mapping[str, str],
    read_all: bool,
) -> Plan:
    """The plan from the whole file index. `read_all`: also read every entry the file
    manages, and rewrite those that cannot be read."""
    index = store.file_index()
    same = [n for n in specs if (m := index.get(n)) and not m.deleted and m.digest == digests[n]]
    present = store.present(same)
    if read_all:
        present -= store.unreadable(sorted(present))
    plan = Plan(gone=[n for n in index if n not in specs], marked=set(index))
    _decide(plan, specs, digests, index, present)
    return plan


def _decide(
    plan: Plan,
    specs: Mapping[str, ScheduleSpec],
    digests: Mapping[str, str],
    index: Mapping[str, FileMark],
    present: set[str],
    names: Any = None,
) -> None:
    for name in specs if names is None else names:
        mark, digest = index.get(name), digests[name]
        if mark is not None and mark.digest == digest and (mark.deleted or name in present):
            (plan.kept_deleted if mark.deleted else plan.unchanged).append(name)
        else:
            plan.writes.append(FileWrite(name, specs[name], FileMark(digest)))


def plan_changes(
    store: ScheduleStore,
    specs: Mapping[str, ScheduleSpec],
    digests: Mapping[str, str],
    applied: Applied,
) -> Plan:
    """The plan from what this process applied last: only entries whose digest differs
    from it (new ones included) and names it had that the file lacks are looked up."""
    before = applied.digests
    differ = [n for n in specs if before.get(n) != digests[n]]
    gone = [n for n in before if n not in specs]
    index = store.file_marks(differ)
    present = store.present(differ)
    plan = Plan(gone=gone, marked=set(index))
    for name in specs:
        if before.get(name) == digests[name]:
            deleted = name in applied.kept_deleted
            (plan.kept_deleted if deleted else plan.unchanged).append(name)
    _decide(plan, specs, digests, index, present, differ)
    plan.creates = sum(1 for w in plan.writes if w.name not in present)
    plan.counted = True
    return plan


@dataclass
class Applied:
    """A file as this process last applied it (see the module docstring)."""

    redis: Any
    sync_id: str
    digests: dict[str, str]
    kept_deleted: set[str]


class Memory:
    """The one `Applied` a process keeps: Beat's, or a CLI run's (which ends with it)."""

    last: Applied | None = None

    @classmethod
    def new_id(cls) -> str:
        return uuid.uuid4().hex

    @classmethod
    def remember(
        cls, store: ScheduleStore, sync_id: str, digests: Mapping[str, str], kept: list[str]
    ) -> None:
        cls.last = Applied(store.redis, sync_id, dict(digests), set(kept))

    @classmethod
    def forget(cls) -> None:
        cls.last = None

    @classmethod
    def valid_for(cls, store: ScheduleStore, state: Mapping[str, Any] | None) -> Applied | None:
        """The memory, if it is of this Redis and the last sync recorded there is ours."""
        last = cls.last
        if last is None or last.redis is not store.redis or state is None:
            return None
        return last if state.get("sync_id") == last.sync_id else None
