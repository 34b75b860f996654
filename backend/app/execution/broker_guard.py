"""A guard for the worker's broker channels after Redis goes away (a restart, a crash).

Celery 5.7, on a lost broker connection, first "collects" the connection (kombu then
forgets the transport's client) and then closes it. Closing a channel hands back the
messages it holds unacknowledged (a late-acknowledged task running, messages
prefetched), and to do so kombu's Redis channel builds a client from
`connection.client.hostname`: on a forgotten client that raises AttributeError, which
Celery takes as unrecoverable, and the worker exits for good. Acknowledging a running
task's message on that channel later fails the same way.

So each Redis channel remembers the connection parameters it built the first time and
uses them once the client is forgotten: the hand-back (or the acknowledgement) then
reaches Redis if it is back, or fails with a connection error, which kombu expects and
handles. Installed once, in the worker only (app/execution/tracking.py imports it).
"""

from __future__ import annotations

from typing import Any

from kombu.transport import redis as kombu_redis

_REMEMBERED = "_batchsched_connparams"


def install() -> None:
    channel: Any = kombu_redis.Channel
    if getattr(channel._connparams, "_guarded", False):
        return
    original = channel._connparams

    def _connparams(self: Any, asynchronous: bool = False) -> dict[str, Any]:
        remembered: dict[bool, dict[str, Any]] = self.__dict__.setdefault(_REMEMBERED, {})
        if self.connection is not None and self.connection.client is not None:
            remembered[asynchronous] = dict(original(self, asynchronous))
            return dict(remembered[asynchronous])
        known = remembered.get(asynchronous) or next(iter(remembered.values()), None)
        if known is None:
            params: dict[str, Any] = original(self, asynchronous)  # nothing better
            return params
        return dict(known)

    _connparams._guarded = True  # type: ignore[attr-defined]
    channel._connparams = _connparams
