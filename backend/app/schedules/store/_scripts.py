"""The store's Lua scripts: each a write that must see and change several keys at once.

Field names are formatted in from app.core.constants when this module is imported, so
a renamed field cannot leave a script reading the old one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from string import Template

from app.core.constants import FIELD_DEFINITION, FIELD_MANAGER, FIELD_META, FIELD_SLOT

# The hash fields scripts name, as `$definition` and so on.
FIELD_NAMES = {
    "definition": FIELD_DEFINITION,
    "manager": FIELD_MANAGER,
    "meta": FIELD_META,
    "slot": FIELD_SLOT,
}


def lua(template: str, names: Mapping[str, str] = FIELD_NAMES) -> str:
    """`template` with each `$name` replaced by its value as a Lua string literal
    (json.dumps of an ASCII name is one)."""
    return Template(template).substitute({k: json.dumps(v) for k, v in names.items()})


# The file sync's writes of one chunk (store._bulk), queued in its MULTI: each entry's
# definition and manager (and run state, for a new one), and its audit record, written
# as record_changes writes it (field "c" of the schedule's capped stream and of the
# feed; the stream outlives nothing it describes, so any expiry is lifted). One script
# call instead of four commands per entry: redis-py's packing of a command costs more
# than Redis's running of it.
# KEYS: the audit feed, then per entry: its key, its audit stream.
# ARGV: per-schedule cap, feed cap, then per entry: definition, manager, meta ('' keeps
# the run state), change JSON ('' records none).
WRITE_FILE_ENTRIES = lua("""
local cap, feed_cap = ARGV[1], ARGV[2]
for i = 2, #KEYS, 2 do
  local a = 3 + (i - 2) * 2
  local key, trail = KEYS[i], KEYS[i + 1]
  if ARGV[a + 2] ~= '' then
    redis.call('HSET', key, $definition, ARGV[a], $manager, ARGV[a + 1], $meta, ARGV[a + 2])
  else
    redis.call('HSET', key, $definition, ARGV[a], $manager, ARGV[a + 1])
  end
  if ARGV[a + 3] ~= '' then
    redis.call('XADD', trail, 'MAXLEN', cap, '*', 'c', ARGV[a + 3])
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', feed_cap, '*', 'c', ARGV[a + 3])
    redis.call('PERSIST', trail)
  end
end
return (#KEYS - 1) / 2
""")

# Which of these entries' hashes are gone (no `definition` field: what every read of the
# store takes as absent), for the file sync's plan; a few thousand keys per call.
# KEYS: entry keys. Returns the 0-based indexes of those missing.
MISSING_ENTRIES = lua("""
local missing = {}
for i = 1, #KEYS do
  if redis.call('HEXISTS', KEYS[i], $definition) == 0 then
    missing[#missing + 1] = i - 1
  end
end
return missing
""")
