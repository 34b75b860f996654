"""Walking many entries without holding them all: the name index a chunk at a time.

Each chunk of keys is filtered by name before any entry is decoded, so
`check_schedules.sh 수집` over 100,000 schedules decodes only the matches, and the
first chunk is printed before the second is read. The CLI's table and every export
(API and CLI) walk the store through here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase

from app.schedules.entry import Entry, Origin
from app.schedules.keys import name_from_key
from app.schedules.store import ScheduleStore

# Entries decoded per round trip: one pipeline each, and the most held at once.
CHUNK = 1000
# The first chunk is smaller, so a table's first line shows after 200 entries are
# decoded, not 1000 (about 0.2 s sooner); a wider cell in the next chunk costs at most
# one more header line.
FIRST_CHUNK = 200
GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class ListFilter:
    task: str | None = None
    enabled: bool | None = None
    origin: Origin | None = None

    @property
    def active(self) -> bool:
        return (self.task, self.enabled, self.origin) != (None, None, None)

    def matches(self, entry: Entry) -> bool:
        return (
            (self.task is None or entry.task == self.task)
            and (self.enabled is None or entry.enabled == self.enabled)
            and (self.origin is None or entry.origin == self.origin)
        )


def name_matches(name: str, pattern: str | None) -> bool:
    """A glob when the pattern has *, ? or [, else a case-insensitive substring."""
    if not pattern:
        return True
    if GLOB_CHARS & set(pattern):
        return fnmatchcase(name.casefold(), pattern.casefold())
    return pattern.casefold() in name.casefold()


def iter_chunks(
    store: ScheduleStore,
    pattern: str | None = None,
    flt: ListFilter | None = None,
    chunk: int | None = None,
    first: int | None = None,
) -> Iterator[list[tuple[str, Entry | None]]]:
    """(name, entry) pairs in name order, a chunk at a time (`first` entries, then
    `chunk`); None: unreadable or gone.

    With a ListFilter only readable entries that match it are yielded.
    """
    chunk = chunk or CHUNK
    first = min(first or FIRST_CHUNK, chunk)
    for keys in store.walk_keys(chunk, first=first):
        named = ((name_from_key(key), key) for key in keys)
        part = [(name, key) for name, key in named if name_matches(name, pattern)]
        if not part:
            continue
        names = {key: name for name, key in part}
        pairs = [(names[key], entry) for key, entry in store.read_listed(list(names))]
        if flt is not None and flt.active:
            pairs = [(n, e) for n, e in pairs if e is not None and flt.matches(e)]
        if pairs:
            yield pairs
