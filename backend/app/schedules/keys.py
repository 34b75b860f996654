"""Schedule name <-> Redis key, so that no name can reach another key.

Entry keys are RedBeat's `redbeat:<name>`, which is what seed 004's Python snippet and
its `redis-cli` examples use. RedBeat keeps its own keys under `redbeat::`; a name that
starts with `:` (or with the escape character itself) is percent-encoded as a whole,
so the mapping stays one-to-one and never lands in that namespace.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

from app.core.constants import NAME_ESCAPE, REDBEAT_PREFIX


def entry_key(name: str) -> str:
    if name.startswith((":", NAME_ESCAPE)):
        return REDBEAT_PREFIX + NAME_ESCAPE + quote(name, safe="")
    return REDBEAT_PREFIX + name


def name_from_key(key: str) -> str:
    rest = key.removeprefix(REDBEAT_PREFIX)
    if rest.startswith(NAME_ESCAPE):
        return unquote(rest[len(NAME_ESCAPE) :])
    return rest
