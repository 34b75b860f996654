"""Worker presence as stored: a key per worker that expires unless renewed, and an index
of their names, so status finds the workers in two round trips without a broadcast
ping (app/execution/presence.py writes them, app/monitor/status.py reads them).
"""

from __future__ import annotations

from typing import cast

from app.core.constants import WORKER_KEY_PREFIX, WORKER_TTL_SECONDS, WORKERS_INDEX_KEY
from app.schedules.store._base import StoreBase


class WorkerOps(StoreBase):
    def renew_worker(self, hostname: str, record: str, now: float) -> None:
        """Keep `hostname`'s record alive for WORKER_TTL_SECONDS more (its key expires
        by Redis's clock, so no worker's clock decides whether another one is alive;
        names whose key expired leave the index as `worker_records` reads it)."""
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(WORKER_KEY_PREFIX + hostname, record, ex=WORKER_TTL_SECONDS)
            pipe.zadd(WORKERS_INDEX_KEY, {hostname: now})
            pipe.execute()

    def forget_worker(self, hostname: str) -> None:
        """A worker that stops says so, rather than lingering until its key expires."""
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(WORKER_KEY_PREFIX + hostname)
            pipe.zrem(WORKERS_INDEX_KEY, hostname)
            pipe.execute()

    def worker_records(self) -> list[str]:
        """The records of live workers, by name. Liveness is the key's expiry (Redis's
        clock), so a reader whose clock differs from the workers' still sees them."""
        names = self.redis.zrange(WORKERS_INDEX_KEY, 0, -1)
        if not names:
            return []
        ordered = sorted(cast(list[str], names))
        raws = cast(list[str | None], self.redis.mget([WORKER_KEY_PREFIX + n for n in ordered]))
        gone = [name for name, raw in zip(ordered, raws, strict=True) if not raw]
        if gone:
            self.redis.zrem(WORKERS_INDEX_KEY, *gone)
        return [raw for raw in raws if raw]
