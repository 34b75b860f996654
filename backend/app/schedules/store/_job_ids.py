"""Seed 000's numeric job ids: `/scheduler/jobs/1` names an entry by a number.

RedBeat has names only, so the ids live beside the entries in two hashes (name -> id,
id -> name) drawn from one counter that only grows: an id is never given to another
name, so an old link or script never reaches the wrong job. One script keeps the
mapping in step with the entries, run inside the same MULTI as each write:

- `save` of a new entry gives it the next id (an entry re-created under an old name is
  a new job, with a new id); a save of an existing one keeps its id;
- `delete`, and the file sync's drops, take the id away with the entry;
- an entry with no id (written by RedBeat's own API, or before ids existed) gets one
  the first time it is asked for (`job_ids`), in the order asked.

An entry deleted behind our back (RedBeat's API) leaves its id until that id is looked
up (`job_name` drops it then). The script judges an entry by its RedBeat `definition`
field, the same test every other read of the store uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import cast

from redis.client import Pipeline
from redis.commands.core import Script

from app.core.constants import JOB_ID_COUNTER_KEY, JOB_IDS_KEY, JOB_NAMES_KEY
from app.schedules.keys import entry_key
from app.schedules.store._base import StoreBase
from app.schedules.store._scripts import lua

# KEYS: counter, name -> id, id -> name, then one entry key per name.
# ARGV: fresh ('1': each entry is new, so it gets a new id), then the names.
# Returns per name its id, or 0 when its entry does not exist (any id it had is dropped).
TRACK_JOB_IDS = lua("""
local fresh = ARGV[1] == '1'
local ids = {}
for i = 4, #KEYS do
  local name = ARGV[i - 2]
  local id = redis.call('HGET', KEYS[2], name)
  local exists = redis.call('HEXISTS', KEYS[i], $definition) == 1
  if id and (fresh or not exists) then
    redis.call('HDEL', KEYS[2], name)
    if redis.call('HGET', KEYS[3], id) == name then redis.call('HDEL', KEYS[3], id) end
    id = false
  end
  if exists and not id then
    id = redis.call('INCR', KEYS[1])
    redis.call('HSET', KEYS[2], name, id)
    redis.call('HSET', KEYS[3], id, name)
  end
  ids[#ids + 1] = exists and tonumber(id) or 0
end
return ids
""")


class JobIdOps(StoreBase):
    @cached_property
    def _track_script(self) -> Script:
        return self.redis.register_script(TRACK_JOB_IDS)

    def track_job_ids(
        self, names: Sequence[str], fresh: bool = False, pipe: Pipeline | None = None
    ) -> list[int]:
        """Bring the ids of `names` in step with their entries (see the module
        docstring); queued on `pipe` when given (its result then comes with the
        pipeline's), else run at once and returns the ids, 0 for an entry that is gone."""
        if not names:
            return []
        keys = [JOB_ID_COUNTER_KEY, JOB_IDS_KEY, JOB_NAMES_KEY, *map(entry_key, names)]
        args = ["1" if fresh else "0", *names]
        result = self._track_script(keys=keys, args=args, client=pipe)
        return [] if pipe is not None else [int(i) for i in result]

    def job_ids(self, names: Sequence[str]) -> dict[str, int]:
        """The ids of these entries; one with none gets the next, in the order given.
        Names whose entry does not exist are left out. One round trip when every
        entry has its id already."""
        if not names:
            return {}
        known = cast(list[str | None], self.redis.hmget(JOB_IDS_KEY, list(names)))
        ids = {n: int(i) for n, i in zip(names, known, strict=True) if i is not None}
        missing = [n for n in names if n not in ids]
        ids.update(zip(missing, self.track_job_ids(missing), strict=True))
        return {n: ids[n] for n in names if ids.get(n)}

    def job_name(self, job_id: int) -> str | None:
        """The name of the entry with this id; None if no existing entry has it."""
        name = self.redis.hget(JOB_NAMES_KEY, str(job_id))
        if not isinstance(name, str):
            return None
        # Confirms the entry exists (and drops the id of one deleted behind our back).
        return name if self.track_job_ids([name]) == [job_id] else None
