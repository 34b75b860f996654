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
        """Keep `hostname`'s record alive for WORKER_TTL_SECONDS more; workers silent
        longer than that leave the index here (their keys expire by themselves)."""
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(WORKER_KEY_PREFIX + hostname, record, ex=WORKER_TTL_SECONDS)
            pipe.zadd(WORKERS_INDEX_KEY, {hostname: now})
            pipe.zremrangebyscore(WORKERS_INDEX_KEY, "-inf", f"({now - WORKER_TTL_SECONDS}")
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
        keys = [WORKER_KEY_PREFIX + str(n) for n in sorted(cast(list[str], names))]
        return [raw for raw in cast(list[str | None], self.redis.mget(keys)) if raw]
