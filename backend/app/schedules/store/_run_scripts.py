"""Lua for run history and execution policy: each script sees and changes a fire's
keys at once, so a record, its counters, its lease and its lock never disagree.

Key names are built inside the scripts from the prefixes in app.core.constants (a
schedule's keys are only known once its name is), which standalone Redis and Sentinel
allow and Redis Cluster would not; RedBeat itself needs a single node too.

Shared vocabulary (see app/schedules/runs.py for the record):
- run hash `run:<task id>`: name, lock, until (lease expiry), rec (the record JSON);
  after the run ends: name and sid (where the final record went), for lookups by id;
- `inflight:<name>` and `leases`: task id -> lease expiry; a fire counts as in
  progress while its lease is in the future;
- `lockgroup:<lock_key>`: the task id holding the group, expiring with its lease;
- `buffer:<name>`: the one fire `buffer_one` holds back: task id and rec;
- `stats:<name>`: run_count, error_count, consecutive_failures, last_outcome,
  last_finished_at, last_duration; `failing`: name -> consecutive failures.
Times are epoch seconds (floats) except stream ids and PEXPIRE, which are ms.
"""

from __future__ import annotations

import json

from app.core import constants as c
from app.schedules.store._scripts import FIELD_NAMES, lua

_PREFIXES = {
    "HIST": c.HISTORY_KEY_PREFIX,
    "STATS": c.STATS_KEY_PREFIX,
    "INFL": c.INFLIGHT_KEY_PREFIX,
    "BUF": c.BUFFER_KEY_PREFIX,
    "ALL": c.HISTORY_ALL_KEY,
    "NAMES": c.HISTORY_NAMES_KEY,
    "FAILING": c.FAILING_KEY,
    "RUN": c.RUN_KEY_PREFIX,
    "LEASES": c.LEASES_KEY,
    "LOCKG": c.LOCK_GROUP_KEY_PREFIX,
    "PAUSED": c.PAUSED_KEY,
    # The name index (store/_names.py): a gone entry leaves it with its due-index member.
    "ENTRY_NAMES": c.NAMES_KEY,
    # Metrics (count_record, count_run); bucket bounds as JSON, decoded when observed.
    "M_FIRES": c.METRICS_FIRES_KEY,
    "M_RUNS": c.METRICS_RUNS_KEY,
    "M_NAMED": c.METRICS_NAMED_KEY,
    "M_OTHER": c.METRICS_OTHER_LABEL,
    "M_DURATION": c.METRICS_DURATION_KEY,
    "M_LATENESS": c.METRICS_LATENESS_KEY,
    "B_DURATION": json.dumps(c.DURATION_BUCKETS),
    "B_LATENESS": json.dumps(c.LATENESS_BUCKETS),
}

# `limits` (every script that writes history takes it as its first ARGV): a JSON
# object {"age_ms", "cap", "all_cap", "stale"}.
_COMMON = """
local HIST, STATS, INFL, BUF = $HIST, $STATS, $INFL, $BUF
local ALL, NAMES, FAILING, RUN = $ALL, $NAMES, $FAILING, $RUN
local LEASES, LOCKG, PAUSED = $LEASES, $LOCKG, $PAUSED
local ERRORS = {failed = true, timed_out = true, lost = true}
local RUNS = {succeeded = true, failed = true, timed_out = true, lost = true}
-- How long a finished run stays findable by its task id (its record may outlive it).
local POINTER_MS = 86400000

local function ms(seconds) return math.floor(seconds * 1000) end

-- Append a record to its schedule's stream and the stream across schedules, trimmed
-- by age and count (by the server's clock, which stream ids come from). Returns the
-- record's stream id.
local function server_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Metrics (docs/metrics.md): counters that GET /metrics reads at scrape time.
local M_FIRES, M_RUNS, M_NAMED, M_OTHER = $M_FIRES, $M_RUNS, $M_NAMED, $M_OTHER
-- Outcomes of an attempt that was started: its record says when.
local STARTED = {succeeded = true, failed = true, timed_out = true, lost = true, retried = true}

-- One observation into a histogram hash: field i counts values up to the i-th bound
-- (one past the last bound: the rest), `sum_us` adds them up in whole microseconds
-- (HINCRBY costs half of HINCRBYFLOAT). `bounds`: JSON, decoded once per script call.
local decoded = {}
local function observe(key, bounds, value)
  local b = decoded[bounds]
  if not b then
    b = cjson.decode(bounds)
    decoded[bounds] = b
  end
  local i = #b + 1
  for j = 1, #b do
    if value <= b[j] then
      i = j
      break
    end
  end
  redis.call('HINCRBY', key, i, 1)
  redis.call('HINCRBY', key, 'sum_us', math.floor(value * 1e6 + 0.5))
end

-- A field of a record's JSON text, read without decoding it: a record's keys are the
-- only unescaped quotes in it. `key` with its quotes and colon; `pattern` anchored.
local function field(rec, key, pattern)
  local at = string.find(rec, key, 1, true)
  if at then return string.match(rec, pattern, at + #key) end
  return nil
end

-- A record's part of the metrics: skips and misses by reason, retried attempts, and
-- how late a fire's first attempt started after its slot (once per fire); final
-- outcomes are counted by tally(). A run's schedule gets a series of its own while
-- fewer than `limits.named` have one.
local function count_record(limits, name, rec)
  local outcome = field(rec, '"outcome":"', '^[%l_]+')
  if outcome == 'skipped' or outcome == 'missed' then
    local reason = field(rec, '"reason":"', '^[^"]*') or ''
    redis.call('HINCRBY', M_FIRES, outcome .. '|' .. reason, 1)
    return
  end
  if not STARTED[outcome] then return end
  if outcome == 'retried' then redis.call('HINCRBY', M_FIRES, 'retried', 1) end
  if RUNS[outcome] and redis.call('SCARD', M_NAMED) < (limits.named or 100) then
    redis.call('SADD', M_NAMED, name)
  end
  local attempt = field(rec, '"attempt":', '^%d+')
  if attempt and attempt ~= '1' then return end
  local started = tonumber(field(rec, '"started_at":', '^[-%d.eE+]+') or '')
  local slot = tonumber(field(rec, '"scheduled_at":', '^[-%d.eE+]+') or '')
  if started and slot then observe($M_LATENESS, $B_LATENESS, math.max(0, started - slot)) end
end

-- A run's final outcome under its schedule's name if it has a series, else under
-- M_OTHER; and how long it ran (a lost run's end is unknown).
local function count_run(name, outcome, duration)
  local label = M_OTHER
  if redis.call('SISMEMBER', M_NAMED, name) == 1 then label = name end
  redis.call('HINCRBY', M_RUNS, outcome .. '|' .. label, 1)
  -- The total apart: a deleted schedule's series goes, what it ran stays counted.
  redis.call('HINCRBY', M_FIRES, outcome, 1)
  local seconds = tonumber(duration)
  if seconds and outcome ~= 'lost' then observe($M_DURATION, $B_DURATION, seconds) end
end

local function append(limits, name, rec)
  local stream = HIST .. name
  local written = server_ms()
  local oldest = string.format('%d', math.max(0, written - limits.age_ms))
  -- One id in both streams, so a record's time and cursor are the same wherever it is
  -- read. Every schedule's record goes to the shared stream first, whose ids only
  -- grow, so its id is later than any in the schedule's own stream; should that ever
  -- not hold (the shared stream deleted and the clock set back), the schedule's
  -- stream gets an id of its own rather than losing the record.
  local id = redis.call('XADD', ALL, 'MAXLEN', '~', limits.all_cap, '*', 'r', rec)
  redis.call('XTRIM', ALL, 'MINID', '~', oldest)
  local same = redis.pcall('XADD', stream, 'MINID', oldest, id, 'r', rec)
  if type(same) == 'table' and same.err then
    id = redis.call('XADD', stream, 'MINID', oldest, '*', 'r', rec)
  end
  redis.call('XTRIM', stream, 'MAXLEN', limits.cap)
  redis.call('PEXPIRE', stream, limits.age_ms)
  redis.call('ZADD', NAMES, written, name)
  count_record(limits, name, rec)
  return id
end

-- Count a final outcome in the schedule's stats.
local function tally(name, outcome, finished, duration)
  if not RUNS[outcome] then return end
  local st = STATS .. name
  redis.call('HINCRBY', st, 'run_count', 1)
  if ERRORS[outcome] then
    redis.call('HINCRBY', st, 'error_count', 1)
    local streak = redis.call('HINCRBY', st, 'consecutive_failures', 1)
    redis.call('ZADD', FAILING, streak, name)
  else
    redis.call('HSET', st, 'consecutive_failures', 0)
    redis.call('ZREM', FAILING, name)
  end
  redis.call('HSET', st, 'last_outcome', outcome, 'last_finished_at', finished,
    'last_duration', duration)
  count_run(name, outcome, duration)
end

-- Take a fire into progress: its run hash, its lease, its lock group. `fresh`: the
-- task id is new, so no earlier hash needs clearing.
local function register(limits, id, name, lock, rec, now, untill, fresh)
  local key = RUN .. id
  if not fresh then redis.call('DEL', key) end
  redis.call('HSET', key, 'name', name, 'lock', lock, 'until', untill, 'rec', rec)
  redis.call('PEXPIRE', key, ms(untill - now + limits.stale))
  redis.call('ZADD', INFL .. name, untill, id)
  redis.call('ZADD', LEASES, untill, id)
  if lock ~= '' then
    redis.call('SET', LOCKG .. lock, id, 'PX', math.max(1, ms(untill - now)))
  end
end

-- Why a fire cannot start now, or nil. mode: skip | allow | buffer.
local function busy(name, mode, gap, lock, now)
  if mode ~= 'allow' and redis.call('ZCOUNT', INFL .. name, '(' .. now, '+inf') > 0 then
    return 'overlap'
  end
  if gap > 0 then
    local last = tonumber(redis.call('HGET', STATS .. name, 'last_finished_at'))
    if last and now < last + gap then return 'min_gap' end
  end
  if lock ~= '' and redis.call('EXISTS', LOCKG .. lock) == 1 then return 'lock_key' end
  return nil
end

local function with_outcome(rec, outcome, reason, now)
  local r = cjson.decode(rec)
  r.outcome = outcome
  r.reason = reason
  if outcome == 'skipped' then
    r.task_id = nil
    r.sent_at = nil
  end
  if outcome == 'lost' then r.finished_at = now end
  return cjson.encode(r)
end

-- The end of a fire in progress: record, counters, lease and lock released, and the
-- fire `buffer_one` held back (if any) taken into progress, unless its lock group is
-- held (then it is skipped). Returns {sid, held task id or false, its rec, its lock}.
local function finish(limits, id, name, lock, rec, outcome, finished, duration)
  local sid = append(limits, name, rec)
  tally(name, outcome, finished, duration)
  local key = RUN .. id
  redis.call('DEL', key)
  redis.call('HSET', key, 'name', name, 'sid', sid)
  redis.call('PEXPIRE', key, math.min(limits.age_ms, POINTER_MS))
  redis.call('ZREM', INFL .. name, id)
  redis.call('ZREM', LEASES, id)
  if lock ~= '' and redis.call('GET', LOCKG .. lock) == id then
    redis.call('DEL', LOCKG .. lock)
  end
  local buffered = redis.call('HMGET', BUF .. name, 'id', 'rec', 'lock')
  if buffered[1] then
    redis.call('DEL', BUF .. name)
    local held_lock = buffered[3] or ''
    local reason = nil
    if redis.call('EXISTS', PAUSED) == 1 then
      reason = 'paused'
    elseif held_lock ~= '' and redis.call('EXISTS', LOCKG .. held_lock) == 1 then
      reason = 'lock_key'
    end
    if reason then
      append(limits, name, with_outcome(buffered[2], 'skipped', reason, finished))
      return {sid, false, false}
    end
    local untill = finished + limits.stale
    local r = cjson.decode(buffered[2])
    r.sent_at = finished
    local text = cjson.encode(r)
    register(limits, buffered[1], name, held_lock, text, finished, untill)
    return {sid, buffered[1], text, held_lock}
  end
  return {sid, false, false}
end

"""


def _lua(body: str) -> str:
    return lua(_COMMON + body, {**FIELD_NAMES, **_PREFIXES})


# Beat's commit of one batch of fires, fenced three times: nothing is written unless
# the caller's token holds the lock; an entry whose revision (sha1 of definition +
# manager) differs from the one planned from is skipped (edited or deleted since); and
# a fire whose slot is not later than the slot last served is skipped (one slot is
# sent at most once, whatever the lock said). While dispatching is paused (the PAUSED
# key, read here so that a pause fences a batch already planned), every fire is
# skipped with reason `paused` and its slot still counts as served, so resuming never
# sends a burst of the slots that passed. Otherwise the policy: a fire is sent, skipped
# (a record with its reason), held back (buffer_one) or recorded as missed.
# A fire's task message built beforehand is LPUSHed here when its code is send, so
# the fire is recorded sent and its message is in the queue in one atomic step: a
# Beat killed after the commit cannot leave a fire recorded sent that was never queued
# (it would also hold its schedule in progress until its lease ran out).
# KEYS: lock, due index, n entry keys, then the queue lists the messages go to.
# ARGV: token, now, limits, n, then per entry one JSON array of 13 strings: revision,
# meta ('' keeps run state), next score, slot, mode, name, task id, lease until, min
# gap, lock key, rec, the index in KEYS of its message's list and the index in ARGV
# of its message ('0' for no message) (one argument per entry: redis-py packs each
# argument apart, and eleven per fire were a tenth of Beat's time); then the messages.
# mode: '' (no fire), plain (send, record nothing), skip | allow | buffer (the
# overlap policy of a fire to send), missed (record, do not send).
# Returns a code per entry: 0 not applied, 1 applied, 2 send, 3 skipped, 4 missed,
# 5 held back, 6 skipped as paused; or nil when the token does not hold the lock.
COMMIT_FIRES = _lua("""
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
local now = tonumber(ARGV[2])
local limits = cjson.decode(ARGV[3])
local paused = redis.call('EXISTS', PAUSED) == 1
local codes = {}
-- The due index is written with one ZADD (and one ZREM) per call, not one per entry:
-- each is one keyspace event for a Beat listening on the index.
local scores, gone = {}, {}
-- Messages by list (KEYS index), in step order; the lists in first-seen order.
local pushes, lists = {}, {}
local function slot_of(text)
  if not text then return nil end
  return tonumber(string.match(text, '^([^|]+)'))
end
for i = 3, tonumber(ARGV[4]) + 2 do
  local f = cjson.decode(ARGV[i + 2])
  local fields = redis.call('HMGET', KEYS[i], $definition, $manager, $slot)
  local def = fields[1]
  local mode = f[5]
  local code = 0
  if not def then
    gone[#gone + 1] = KEYS[i]
  elseif redis.sha1hex(def .. (fields[2] or '')) ~= f[1] then
    code = 0
  elseif mode ~= '' and slot_of(fields[3]) and slot_of(f[4]) <= slot_of(fields[3]) then
    code = 0
  else
    code = 1
    local name, id, rec = f[6], f[7], f[11]
    local untill, gap, lock = tonumber(f[8]), tonumber(f[9]), f[10]
    if mode ~= '' and paused then
      if mode ~= 'plain' then append(limits, name, with_outcome(rec, 'skipped', 'paused', now)) end
      code = 6
    elseif mode == 'plain' then
      code = 2
    elseif mode == 'missed' then
      append(limits, name, rec)
      code = 4
    elseif mode ~= '' then
      local reason = busy(name, mode, gap, lock, now)
      if reason == 'overlap' and mode == 'buffer' and redis.call('EXISTS', BUF .. name) == 0 then
        redis.call('HSET', BUF .. name, 'id', id, 'rec', rec, 'lock', lock)
        redis.call('PEXPIRE', BUF .. name, ms(limits.stale))
        code = 5
      elseif reason then
        append(limits, name, with_outcome(rec, 'skipped', reason, now))
        code = 3
      else
        -- Beat's task ids are new uuid4s: nothing to clear first.
        register(limits, id, name, lock, rec, now, untill, true)
        code = 2
      end
    end
    if f[2] ~= '' then
      redis.call('HSET', KEYS[i], $meta, f[2], $slot, f[4])
    end
    scores[#scores + 1] = f[3]
    scores[#scores + 1] = KEYS[i]
  end
  local q = tonumber(f[12])
  if code == 2 and q and q > 0 then
    local list = pushes[q]
    if not list then
      list = {}
      pushes[q] = list
      lists[#lists + 1] = q
    end
    list[#list + 1] = ARGV[tonumber(f[13])]
  end
  codes[#codes + 1] = code
end
-- unpack() is bounded by Lua's C stack (8000 values): a huge batch goes in chunks.
local CHUNK = 7000
for from = 1, #scores, CHUNK do
  redis.call('ZADD', KEYS[2], unpack(scores, from, math.min(from + CHUNK - 1, #scores)))
end
for from = 1, #gone, CHUNK do
  redis.call('ZREM', KEYS[2], unpack(gone, from, math.min(from + CHUNK - 1, #gone)))
  redis.call('ZREM', $ENTRY_NAMES, unpack(gone, from, math.min(from + CHUNK - 1, #gone)))
end
-- One LPUSH per list with its messages in order leaves what a LPUSH per message
-- would (the first sent is the first a worker pops).
for _, q in ipairs(lists) do
  local list = pushes[q]
  for from = 1, #list, CHUNK do
    redis.call('LPUSH', KEYS[q], unpack(list, from, math.min(from + CHUNK - 1, #list)))
  end
end
return codes
""")

# Beat's load of a batch: each due entry's fields (schedules.entry.FIELDS order), flat,
# four per key (false where absent). One command instead of an HMGET per entry: the
# client packs and parses one reply, not hundreds. KEYS: entry keys.
LOAD_FIELDS = lua("""
local out = {}
for i = 1, #KEYS do
  local f = redis.call('HMGET', KEYS[i], $definition, $meta, $manager, $slot)
  for j = 1, 4 do out[#out + 1] = f[j] end
end
return out
""")

# A fire sent outside Beat (run now): taken into progress unless its policy says it
# cannot start (min_gap does not apply to a run asked for by hand).
# ARGV: limits, now, name, task id, lease until, mode (skip | allow | buffer), lock
# key, rec. Returns '' when registered, else the reason it cannot start.
REGISTER_RUN = _lua("""
local limits = cjson.decode(ARGV[1])
local now, name, id = tonumber(ARGV[2]), ARGV[3], ARGV[4]
local untill, mode, lock, rec = tonumber(ARGV[5]), ARGV[6], ARGV[7], ARGV[8]
local reason = busy(name, mode, 0, lock, now)
if reason then return reason end
register(limits, id, name, lock, rec, now, untill)
return ''
""")

# A worker started a run, or retries it: the record and lease are replaced. A fire
# nobody registered (or one already recorded as lost) is registered now, since it
# does run. ARGV: limits, now, task id, name, lock, lease until, rec, retried record
# ('' when starting). Returns 1.
UPDATE_RUN = _lua("""
local limits = cjson.decode(ARGV[1])
local now, id, name, lock = tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5]
local untill, rec, retried = tonumber(ARGV[6]), ARGV[7], ARGV[8]
if retried ~= '' then append(limits, name, retried) end
register(limits, id, name, lock, rec, now, untill)
return 1
""")

# Renew the leases of runs in progress. ARGV: now, lease seconds, then per run: task
# id, start time (epoch) and its stale limit (seconds). A lease never reaches past
# start + stale, and is never shortened (a retry waiting out its backoff holds a longer
# one). Returns how many runs were still in progress.
RENEW_LEASES = _lua("""
local now, lease = tonumber(ARGV[1]), tonumber(ARGV[2])
local renewed = 0
for i = 3, #ARGV, 3 do
  local id, started, stale = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  local run = redis.call('HMGET', RUN .. id, 'name', 'lock', 'rec', 'until')
  if run[1] and run[3] then
    local untill = math.min(now + lease, started + stale)
    if untill > (tonumber(run[4]) or 0) then
      redis.call('HSET', RUN .. id, 'until', untill)
      redis.call('ZADD', INFL .. run[1], 'XX', untill, id)
      redis.call('ZADD', LEASES, 'XX', untill, id)
      if run[2] ~= '' and redis.call('GET', LOCKG .. run[2]) == id then
        redis.call('PEXPIRE', LOCKG .. run[2], math.max(1, ms(untill - now)))
      end
    end
    renewed = renewed + 1
  end
end
return renewed
""")

# A run ended. ARGV: limits, task id, name, lock, rec, outcome, finished, duration.
# Returns finish()'s {sid, buffered task id, its rec}.
# A run that already ended (recorded as lost when its worker froze past its lease,
# then woke and finished it) is no longer in progress: its record is kept, as what
# really happened, but it counts no second run and frees nothing, since the schedule,
# its lock group and the fire `buffer_one` holds now belong to newer runs.
FINISH_RUN = _lua("""
local limits = cjson.decode(ARGV[1])
local id, name, finished = ARGV[2], ARGV[3], tonumber(ARGV[7])
local run = redis.call('HMGET', RUN .. id, 'rec', 'sid')
if not run[1] and run[2] then
  local sid = append(limits, name, ARGV[5], finished)
  redis.call('HSET', RUN .. id, 'sid', sid)
  return {sid, false, false}
end
return finish(limits, id, name, ARGV[4], ARGV[5], ARGV[6], finished, ARGV[8])
""")

# Runs whose lease ran out are recorded as lost. ARGV: limits, now, task ids (from the
# leases zset). Returns, per run taken, {name, buffered task id or false, its rec}.
SWEEP_LOST = _lua("""
local limits = cjson.decode(ARGV[1])
local now = tonumber(ARGV[2])
local out = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  local score = tonumber(redis.call('ZSCORE', LEASES, id))
  if score and score <= now then
    local run = redis.call('HMGET', RUN .. id, 'name', 'lock', 'rec')
    if run[1] and run[3] then
      local rec = with_outcome(run[3], 'lost', 'lease expired', now)
      local done = finish(limits, id, run[1], run[2] or '', rec, 'lost', now, '')
      out[#out + 1] = {run[1], done[2], done[3], done[4] or ''}
    else
      redis.call('ZREM', LEASES, id)
    end
  end
end
return out
""")
