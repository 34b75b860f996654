"""One Beat pass over due entries: load in a batch, decide, commit, then send.

Per batch: one round trip to find due keys, one to load them all, one script call that
commits every fire's run state and next due time, then one publish per fire. The commit
comes before the send (as Celery's own Scheduler does) and is fenced twice: by the
lock token, so a Beat that lost leadership writes nothing, and by a digest of each
entry's stored revision, so an entry edited or deleted since it was loaded is not fired from
its old definition (the next pass reloads it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from app.core.constants import NEVER_SCORE
from app.schedules import Entry, after_fire, encode_meta, next_fire, revision_of

log = logging.getLogger(__name__)

# A definition Beat cannot read is looked at again after this long, not every tick.
BROKEN_ENTRY_RETRY_SECONDS = 60.0
# Tolerance for float round trips through the zset scores.
EARLY_TOLERANCE_SECONDS = 0.001

APPLY_SCRIPT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
local applied = {}
for i = 3, #KEYS do
  local a = 2 + (i - 3) * 3
  local fields = redis.call('HMGET', KEYS[i], 'definition', 'manager')
  local def = fields[1]
  if not def then
    redis.call('ZREM', KEYS[2], KEYS[i])
  elseif redis.sha1hex(def .. (fields[2] or '')) == ARGV[a] then
    if ARGV[a + 1] ~= '' then redis.call('HSET', KEYS[i], 'meta', ARGV[a + 1]) end
    redis.call('ZADD', KEYS[2], ARGV[a + 2], KEYS[i])
    applied[#applied + 1] = i - 3
  end
end
return applied
"""


@dataclass
class Step:
    key: str
    definition_sha: str
    score: float
    meta: str = ""  # empty: leave run state alone
    entry: Entry | None = None  # set when this step sends a task


def _ts(moment: datetime | None) -> float:
    return NEVER_SCORE if moment is None else moment.timestamp()


def plan_step(key: str, due_score: float, entry: Entry, now: datetime) -> Step:
    sha = entry.revision
    if not entry.enabled:
        return Step(key, sha, NEVER_SCORE)
    if entry.last_run_at is not None:
        # The score may be early (stock RedBeat truncates it to whole seconds) or stale:
        # the entry's own schedule has the last word on whether it is due yet.
        expected = next_fire(entry.schedule, entry.last_run_at)
        if expected is None:
            return Step(key, sha, NEVER_SCORE)
        if expected.timestamp() > now.timestamp() + EARLY_TOLERANCE_SECONDS:
            return Step(key, sha, expected.timestamp())
    due_at = datetime.fromtimestamp(max(due_score, 0), UTC)
    following = after_fire(entry.schedule, due_at, now)
    meta = encode_meta(now, entry.total_run_count + 1)
    return Step(key, sha, _ts(following), meta, entry)


def plan_batch(
    rows: list[tuple[str, float, list[str | None]]],
    decode: Callable[[str, list[str | None]], Entry | None],
    now: datetime,
) -> list[Step]:
    steps = []
    for key, score, fields in rows:
        try:
            entry = decode(key, fields)
        except Exception:
            log.exception(
                "beat: cannot read schedule %r; leaving it for %ds. Fix or delete it.",
                key,
                BROKEN_ENTRY_RETRY_SECONDS,
            )
            sha = revision_of(fields[0], fields[2])
            steps.append(Step(key, sha, now.timestamp() + BROKEN_ENTRY_RETRY_SECONDS))
            continue
        if entry is None:
            log.warning("beat: %r is in the schedule index but its hash is gone; dropping it", key)
            steps.append(Step(key, "", NEVER_SCORE))
            continue
        steps.append(plan_step(key, score, entry, now))
    return steps
