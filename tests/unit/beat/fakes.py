"""A fakeredis client on a server of its own, with the Lua Redis gives scripts.

fakeredis runs Lua through lupa but has no `redis.sha1hex`, which the store's commit
script calls (real Redis has had it since 2.6); it is added here from hashlib, so the
script runs unchanged. The store's contract tests also run it on a real redis-server.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import fakeredis

from app.schedules.store import FireArgs


def _sha1hex(data: Any) -> bytes:
    return hashlib.sha1(bytes(data)).hexdigest().encode()


def lua_fakeredis(server: fakeredis.FakeServer | None = None) -> fakeredis.FakeRedis:
    server = server or fakeredis.FakeServer()
    client = fakeredis.FakeRedis(server=server, decode_responses=True)
    client.eval("return 1", 0)  # the server builds its Lua runtime on first use
    # A private attribute of fakeredis (pinned in backend/pyproject.toml): if an upgrade
    # renames it, this line fails loudly rather than the scripts failing obscurely.
    server._lua_runtime.globals().redis.sha1hex = _sha1hex  # type: ignore[attr-defined]
    return client


@dataclass(frozen=True)
class Commit:
    """One entry's part of Beat's commit, as tests build it (the store's FireCommit)."""

    key: str
    revision: str
    score: float
    meta: str = ""
    slot: str = ""
    fire: FireArgs | None = None
