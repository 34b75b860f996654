"""Run history and fires in progress, as stored (the scripts are in _run_scripts.py).

Beat writes through `commit_fires` (in _dispatch.py) and `sweep_lost`; the worker
through `start_run`, `retry_run`, `renew_leases` and `finish_run`; run-now through
`register_run`; the API, the CLI, status and the report tasks read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from redis.commands.core import Script

from app.core.config import get_settings
from app.core.constants import (
    FAILING_KEY,
    HISTORY_ALL_KEY,
    HISTORY_KEY_PREFIX,
    HISTORY_NAMES_KEY,
    INFLIGHT_KEY_PREFIX,
    LEASES_KEY,
    RUN_KEY_PREFIX,
    STATS_KEY_PREFIX,
)
from app.schedules.runs import STATS_WINDOW, RunRecord, RunStats, build_stats
from app.schedules.store._base import StoreBase
from app.schedules.store._run_scripts import (
    FINISH_RUN,
    REGISTER_RUN,
    RENEW_LEASES,
    SWEEP_LOST,
    UPDATE_RUN,
)

# Lost runs taken per sweep; the rest wait for the next tick.
SWEEP_BATCH = 200


@dataclass(frozen=True)
class HistoryLimits:
    """How much history is kept, and how long a queued or running fire may last."""

    max_age_seconds: float
    per_schedule: int
    all_max: int
    stale_seconds: float
    # Not history, but it rides with it into the scripts: METRICS_SCHEDULE_LIMIT.
    metrics_schedules: int = 100

    def as_json(self) -> str:
        return (
            f'{{"age_ms":{int(self.max_age_seconds * 1000)},"cap":{self.per_schedule},'
            f'"all_cap":{self.all_max},"stale":{self.stale_seconds},'
            f'"named":{self.metrics_schedules}}}'
        )


@dataclass(frozen=True)
class Buffered:
    """A fire `buffer_one` held back, now taken into progress: the caller sends it."""

    name: str
    task_id: str
    record: RunRecord
    lock: str = ""


@dataclass(frozen=True)
class RunState:
    """A fire in progress as stored."""

    task_id: str
    name: str
    lock: str
    until: float
    record: RunRecord


def _ms_id(moment: float) -> str:
    """A stream id bound for an epoch time (ids are the server's milliseconds; none
    is before 0)."""
    return str(max(0, round(moment * 1000)))


def _older_than(before: str | None) -> str | None:
    """XREVRANGE's exclusive upper bound for a cursor; None when nothing can be older
    (Redis refuses `(0-0`)."""
    if not before:
        return "+"
    return None if before in ("0-0", "0") else f"({before}"


class RunOps(StoreBase):
    @cached_property
    def history_limits(self) -> HistoryLimits:
        s = get_settings()
        return HistoryLimits(
            s.history_max_age_days * 86400,
            s.history_per_schedule,
            s.history_all_max,
            s.run_stale_seconds,
            s.metrics_schedule_limit,
        )

    @property
    def _db(self) -> Any:
        """The client, typed loosely: it decodes responses, which its stubs cannot say."""
        return self.redis

    def _script(self, source: str) -> Script:
        return self.redis.register_script(source)

    @cached_property
    def _scripts(self) -> dict[str, Script]:
        return {
            "register": self._script(REGISTER_RUN),
            "update": self._script(UPDATE_RUN),
            "renew": self._script(RENEW_LEASES),
            "finish": self._script(FINISH_RUN),
            "sweep": self._script(SWEEP_LOST),
        }

    # --- writes -------------------------------------------------------------------

    def register_run(
        self, rec: RunRecord, mode: str, lock: str, until: float, now: float
    ) -> str | None:
        """Take a fire sent by hand into progress; the reason it cannot start, or None."""
        args: list[Any] = [self.history_limits.as_json(), now, rec.schedule, rec.task_id, until]
        reason = self._scripts["register"](args=[*args, mode, lock, rec.to_json()])
        return str(reason) or None

    def start_run(self, task_id: str, rec: RunRecord, lock: str, until: float, now: float) -> None:
        self._update(task_id, rec, lock, until, now, "")

    def retry_run(
        self,
        task_id: str,
        retried: RunRecord,
        queued: RunRecord,
        lock: str,
        until: float,
        now: float,
    ) -> None:
        """Record an attempt as `retried` and keep the fire in progress for the next."""
        self._update(task_id, queued, lock, until, now, retried.to_json())

    def _update(
        self, task_id: str, rec: RunRecord, lock: str, until: float, now: float, retried: str
    ) -> None:
        args: list[Any] = [self.history_limits.as_json(), now, task_id, rec.schedule, lock, until]
        self._scripts["update"](args=[*args, rec.to_json(), retried])

    def renew_leases(
        self, runs: Sequence[tuple[str, float, float]], lease: float, now: float
    ) -> int:
        """(task id, start time, stale limit) triples; returns how many were still in
        progress. A lease is extended to now + `lease` (never past start + stale), never
        shortened."""
        if not runs:
            return 0
        flat: list[Any] = [x for triple in runs for x in triple]
        return int(self._scripts["renew"](args=[now, lease, *flat]))

    def finish_run(self, task_id: str, rec: RunRecord, lock: str) -> Buffered | None:
        """Record the run's end; returns the held-back fire to send now, if any."""
        finished = rec.finished_at if rec.finished_at is not None else 0.0
        duration = rec.duration_seconds
        args: list[Any] = [
            self.history_limits.as_json(),
            task_id,
            rec.schedule,
            lock,
            rec.to_json(),
        ]
        done = self._scripts["finish"](
            args=[*args, rec.outcome, finished, "" if duration is None else duration]
        )
        if not done[1]:
            return None
        lock = done[3] if len(done) > 3 else ""
        return Buffered(rec.schedule, done[1], RunRecord.from_json(done[2]), lock or "")

    def sweep_lost(self, task_ids: Sequence[str], now: float) -> list[Buffered]:
        """Record runs whose lease ran out as lost; returns held-back fires to send."""
        if not task_ids:
            return []
        rows = self._scripts["sweep"](args=[self.history_limits.as_json(), now, *task_ids])
        return [
            Buffered(name, tid, RunRecord.from_json(rec), lock or "")
            for name, tid, rec, lock in rows
            if tid
        ]

    def expired_leases(self, now: float, limit: int = SWEEP_BATCH) -> list[str]:
        return list(self._db.zrangebyscore(LEASES_KEY, 0, now, start=0, num=limit))

    def trim_history(self, older_than: float) -> int:
        """Drop records written before `older_than` (epoch seconds) from every
        schedule's history and the shared stream; returns how many schedule records
        went (the shared stream holds copies of them)."""
        removed = 0
        minid = _ms_id(older_than)
        for name in self.history_names():
            stream = HISTORY_KEY_PREFIX + name
            removed += int(self._db.xtrim(stream, minid=minid, approximate=False))
            # A trimmed stream stays as an empty key; an empty history is no history.
            if not self._db.xlen(stream):
                self._db.delete(stream)
                self._db.zrem(HISTORY_NAMES_KEY, name)
        self._db.xtrim(HISTORY_ALL_KEY, minid=minid, approximate=False)
        return removed

    # --- reads --------------------------------------------------------------------

    def run_state(self, task_id: str) -> RunState | None:
        fields = self._db.hgetall(RUN_KEY_PREFIX + task_id)
        if not fields or "rec" not in fields:
            return None
        rec = RunRecord.from_json(fields["rec"])
        until = float(fields.get("until") or 0)
        return RunState(task_id, fields["name"], fields.get("lock", ""), until, rec)

    def in_progress(self, name: str, limit: int | None = None) -> list[RunRecord]:
        """Fires of `name` queued or running, newest first (expired leases included
        until Beat's sweep records them as lost); at most `limit`, those whose leases
        run longest, when given."""
        ids = self._db.zrevrange(INFLIGHT_KEY_PREFIX + name, 0, -1 if limit is None else limit - 1)
        found = records_in_progress(self._db, ids)
        return sorted(found, key=lambda r: r.sent_at or r.scheduled_at, reverse=True)

    def runs(self, name: str, limit: int, before: str | None = None) -> list[RunRecord]:
        """Finished records of `name`, newest first, older than stream id `before`."""
        top = _older_than(before)
        if top is None:
            return []
        rows = self._db.xrevrange(HISTORY_KEY_PREFIX + name, top, "-", count=limit)
        return [RunRecord.from_json(f["r"], sid) for sid, f in rows]

    def recent_runs(
        self, limit: int, before: str | None = None, since: float | None = None
    ) -> list[RunRecord]:
        """Records across schedules, newest first, from the capped stream."""
        top = _older_than(before)
        if top is None:
            return []
        bottom = _ms_id(since) if since is not None else "-"
        rows = self._db.xrevrange(HISTORY_ALL_KEY, top, bottom, count=limit)
        return [RunRecord.from_json(f["r"], sid) for sid, f in rows]

    def records_between(self, name: str, start: float, end: float) -> list[RunRecord]:
        """Records of `name` written in [start, end), oldest first."""
        rows = self._db.xrange(HISTORY_KEY_PREFIX + name, _ms_id(start), f"({_ms_id(end)}")
        return [RunRecord.from_json(f["r"], sid) for sid, f in rows]

    def run_by_task(self, task_id: str) -> RunRecord | None:
        """The run with Celery task id `task_id`: in progress, or its final record
        while it is kept."""
        fields = self._db.hgetall(RUN_KEY_PREFIX + task_id)
        if not fields:
            return None
        if "rec" in fields:
            return RunRecord.from_json(fields["rec"])
        sid = fields.get("sid")
        if not sid:
            return None
        rows = self._db.xrange(HISTORY_KEY_PREFIX + fields["name"], sid, sid)
        return RunRecord.from_json(rows[0][1]["r"], sid) if rows else None

    def stats(self, name: str) -> RunStats:
        with self._db.pipeline(transaction=False) as pipe:
            pipe.hgetall(STATS_KEY_PREFIX + name)
            pipe.xrevrange(HISTORY_KEY_PREFIX + name, "+", "-", count=STATS_WINDOW * 2)
            counters, rows = pipe.execute()
        return build_stats(counters, (RunRecord.from_json(f["r"], s) for s, f in rows))

    def stats_many(self, names: Iterable[str]) -> dict[str, RunStats]:
        """Counters only (no durations): one round trip for a page of schedules."""
        names = list(names)
        with self._db.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.hgetall(STATS_KEY_PREFIX + name)
            rows = pipe.execute()
        return {name: build_stats(c, ()) for name, c in zip(names, rows, strict=True)}

    def failing(self, min_streak: int = 1) -> list[tuple[str, int]]:
        """Schedules whose last `min_streak` or more runs failed, worst first."""
        rows = self._db.zrevrangebyscore(FAILING_KEY, "+inf", min_streak, withscores=True)
        return [(name, int(score)) for name, score in rows]

    def history_names(self) -> list[str]:
        return list(self._db.zrange(HISTORY_NAMES_KEY, 0, -1))


def records_in_progress(db: Any, task_ids: Sequence[str]) -> list[RunRecord]:
    """The current records of fires in progress, in one round trip; ids whose run hash
    is gone (ended meanwhile) are left out."""
    if not task_ids:
        return []
    with db.pipeline(transaction=False) as pipe:
        for task_id in task_ids:
            pipe.hget(RUN_KEY_PREFIX + task_id, "rec")
        recs = pipe.execute()
    return [RunRecord.from_json(rec) for rec in recs if rec]
