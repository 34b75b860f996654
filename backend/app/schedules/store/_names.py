"""The name index: every entry key in one sorted set with score 0 (NAMES_KEY).

Redis orders equal scores by member bytes, and UTF-8 bytes sort as code points do, so
`ZRANGE ... BYLEX` reads one page of entries in key order (the order lists have always
had, the order Python's `sorted` gives) at the cost of that page. The due index
(`redbeat::schedule`) is ordered by time, so without this a page had to read and sort
every key.

The index holds exactly the members of the due index. Every write through the store
adds or removes its keys here in the same transaction. Writes around the store do not:
RedBeat's own `entry.save()`/`delete()` (seed 004's third method), Beat dropping a due
member whose hash is gone, or a Redis filled before the index existed. Each read of a
page compares the two sets' sizes in the same round trip and, when they differ,
`NameIndex.rebuild` mends the index before the page is read. Equal sizes with
different members (one entry saved around the store and another deleted around it)
pass the check: the deleted one is left out and dropped from the index when a read
meets it (EntryOps.read_listed), which makes the sizes differ, so the saved one
appears at the next read's rebuild.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import cast

from redis import Redis
from redis.client import Pipeline
from redis.commands.core import Script

from app.core.constants import NAMES_KEY, REDBEAT_SCHEDULE_KEY

# Keys per mending script call: one call blocks Redis for well under a millisecond.
MEND_CHUNK = 1000

# Makes the index agree with the due index for the given keys: a key the due index
# holds is added, any other removed. Checked inside Redis, so a key the store deletes
# meanwhile (from both sets in one MULTI) is never put back.
# KEYS: name index, due index. ARGV: entry keys. Returns {added, removed}.
MEND = """
local added, removed = 0, 0
for i = 1, #ARGV do
  if redis.call('ZSCORE', KEYS[2], ARGV[i]) then
    added = added + redis.call('ZADD', KEYS[1], 0, ARGV[i])
  else
    removed = removed + redis.call('ZREM', KEYS[1], ARGV[i])
  end
end
return {added, removed}
"""


def index_keys(pipe: Pipeline, keys: Iterable[str]) -> None:
    """Queue the adding of entry keys to the name index."""
    members = dict.fromkeys(keys, 0)
    if members:
        pipe.zadd(NAMES_KEY, members)


def unindex_keys(pipe: Pipeline, keys: Iterable[str]) -> None:
    """Queue the removal of entry keys from the name index."""
    members = list(keys)
    if members:
        pipe.zrem(NAMES_KEY, *members)


@dataclass(frozen=True)
class KeyPage:
    """Entry keys in name order after a cursor key."""

    keys: list[str]
    # Whether any key follows the last one in `keys`.
    more: bool
    # Entries stored: the due index's size.
    total: int


@dataclass(frozen=True)
class Mended:
    added: int
    removed: int


class NameIndex:
    """Reads of the name index, and its mending when writes went around the store."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    @cached_property
    def _mend(self) -> Script:
        return self.redis.register_script(MEND)

    def page(self, after: str | None, count: int, check: bool = True) -> KeyPage:
        """Up to `count` keys after `after` (exclusive; None: from the first).

        One round trip. With `check`, the index's size is compared with the due
        index's in that round trip, and when they differ the index is rebuilt and the
        page read again; later pages of one walk skip the check, so entries written
        around the store during a long walk cost one rebuild, not one per page.
        """
        low = "-" if after is None else "(" + after
        # MULTI/EXEC: the two sizes are read at one moment, so a store write landing
        # between them (it changes both sets in one transaction) cannot look like
        # staleness and set off a rebuild.
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.zcard(NAMES_KEY)
            pipe.zcard(REDBEAT_SCHEDULE_KEY)
            pipe.zrange(NAMES_KEY, low, "+", bylex=True, offset=0, num=count + 1)
            indexed, total, keys = pipe.execute()
        if check and indexed != total:
            self.rebuild()
            keys = self.redis.zrange(NAMES_KEY, low, "+", bylex=True, offset=0, num=count + 1)
        keys = cast(list[str], keys)
        return KeyPage(keys[:count], len(keys) > count, int(total))

    def walk(
        self, chunk: int, after: str | None = None, first: int | None = None
    ) -> Iterator[list[str]]:
        """Every key in name order, `chunk` at a time (`first` in the first chunk when
        given), each chunk one page read (the first one checked, see `page`)."""
        check, size = True, first or chunk
        while True:
            page = self.page(after, size, check)
            check, size = False, chunk
            if page.keys:
                yield page.keys
                after = page.keys[-1]
            if not page.more:
                return

    def rebuild(self) -> Mended:
        """Make the index hold exactly the due index's members.

        Reads both sets whole (O(N), done only when their sizes differ) and mends the
        difference in chunks, so Redis is never blocked for long and a concurrent
        store write is never undone (see MEND).
        """
        with self.redis.pipeline(transaction=True) as pipe:  # one moment, as in `page`
            pipe.zrange(REDBEAT_SCHEDULE_KEY, 0, -1)
            pipe.zrange(NAMES_KEY, 0, -1)
            due, indexed = (set(cast(list[str], keys)) for keys in pipe.execute())
        return self.mend(sorted(due ^ indexed))

    def mend(self, keys: list[str]) -> Mended:
        """Index the keys the due index holds and drop the others (see MEND)."""
        added = removed = 0
        for start in range(0, len(keys), MEND_CHUNK):
            part = keys[start : start + MEND_CHUNK]
            done = cast(list[int], self._mend(keys=[NAMES_KEY, REDBEAT_SCHEDULE_KEY], args=part))
            added, removed = added + int(done[0]), removed + int(done[1])
        return Mended(added, removed)
