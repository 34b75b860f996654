"""Run history written at chosen moments: a clock for the fake Redis server and the tasks,
and a writer that writes history the way Beat and the workers do.

Each HistoryWriter method sets the shared clock (the fake Redis server's and the tasks')
to the moment of the write, then calls the store's own write method: `register_run` (a fire
taken into progress), `start_run`, `retry_run`, `finish_run`, `sweep_lost`, and Beat's
`commit_fires` for skipped and missed fires. Times are wall-clock text in the app's
timezone ('2025-07-19 01:00:05').
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

from app.core.celery_app import celery_app
from app.schedules import (
    MISSED,
    SKIPPED,
    FireArgs,
    RunRecord,
    ScheduleStore,
    encode_meta,
    encode_slot,
    parse_spec,
)

TASK = "app.tasks.collection.collect_all_suppliers"
BEAT = "test-beat"

# fakeredis modules that read `time.time()` for the server's clock: stream ids (XADD *)
# and the TIME command. Private to fakeredis (pinned in backend/pyproject.toml);
# test_the_fake_server_clock_drives_stream_ids_and_time fails if an upgrade moves them.
FAKE_SERVER_CLOCK_MODULES = ("fakeredis.model._stream", "fakeredis.commands_mixins.server_mixin")


class Clock:
    """One moment for the fake Redis server and the tasks; moves only when told."""

    def __init__(self) -> None:
        self.now = time.time()
        self.tz = ZoneInfo(str(celery_app.conf.timezone))

    def time(self) -> float:
        return self.now

    def set(self, moment: float) -> float:
        self.now = moment
        return moment

    def local(self, text: str) -> float:
        """Epoch seconds of a wall-clock time in the app's timezone, '2025-07-19 01:00'."""
        return datetime.fromisoformat(text).replace(tzinfo=self.tz).timestamp()


class TimeModule(ModuleType):
    """The `time` module as the fake server sees it: `time()` is the clock's."""

    def __init__(self, clock: Clock) -> None:
        super().__init__("time")
        self._clock = clock

    def time(self) -> float:
        return self._clock.now

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


@dataclass
class _Commit:
    """One entry's part of Beat's commit (a FireCommit)."""

    key: str
    revision: str
    score: float
    meta: str
    slot: str
    fire: FireArgs


class HistoryWriter:
    def __init__(self, store: ScheduleStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def _at(self, when: str) -> float:
        return self.clock.set(self.clock.local(when))

    # --- a fire that runs -------------------------------------------------------------

    def send(
        self, name: str, slot: str, *, trigger: str = "beat", lock: str = "", lease: float = 60
    ) -> RunRecord:
        """The fire for `slot` taken into progress at its slot; returns its record."""
        now = self._at(slot)
        task_id = f"{name}@{slot}"
        rec = RunRecord(name, f"fire:{task_id}", TASK, now, "sent", trigger, task_id, now)  # type: ignore[arg-type]
        assert self.store.register_run(rec, "allow", lock, now + lease, now) is None
        return rec

    def start(self, rec: RunRecord, when: str, lock: str = "", lease: float = 60) -> RunRecord:
        now = self._at(when)
        running = replace(rec, outcome="running", started_at=now, finished_at=None, worker="w1")
        assert running.task_id is not None
        self.store.start_run(running.task_id, running, lock, now + lease, now)
        return running

    def finish(self, rec: RunRecord, when: str, outcome: str = "succeeded", lock: str = "") -> None:
        now = self._at(when)
        assert rec.task_id is not None
        done = replace(rec, outcome=outcome, finished_at=now)  # type: ignore[arg-type]
        self.store.finish_run(rec.task_id, done, lock)

    def retry(self, rec: RunRecord, when: str) -> RunRecord:
        """The running attempt fails and will be retried; returns the queued next one."""
        now = self._at(when)
        assert rec.task_id is not None
        retried = replace(rec, outcome="retried", finished_at=now)
        queued = replace(rec, outcome="sent", attempt=rec.attempt + 1, started_at=None)
        self.store.retry_run(rec.task_id, retried, queued, "", now + 600, now)
        return queued

    def run(
        self, name: str, slot: str, started: str, finished: str, outcome: str = "succeeded"
    ) -> None:
        """A whole run: sent at its slot, started and ended at the given times."""
        rec = self.send(name, slot)
        self.finish(self.start(rec, started), finished, outcome)

    def sweep(self, when: str) -> None:
        """Beat's sweep at `when`: runs whose lease ran out become `lost`."""
        now = self._at(when)
        self.store.sweep_lost(self.store.expired_leases(now), now)

    # --- Beat's commit: skipped and missed fires --------------------------------------

    def add_schedule(self, name: str) -> None:
        self.store.save(name, parse_spec({"task": TASK, "interval": 600}))

    def commit(
        self,
        name: str,
        slot: str,
        mode: str = "skip",
        *,
        written: str | None = None,
        gap: float = 0.0,
        lock: str = "",
        missed_count: int | None = None,
    ) -> int:
        """Beat commits `name`'s fire for `slot` at `written` (default: the slot)."""
        served = self.clock.local(slot)
        now = self._at(written or slot)
        entry = self.store.get(name)
        assert entry is not None
        task_id = f"{name}@{slot}"
        rec = RunRecord(name, f"fire:{task_id}", TASK, served, "sent", "beat", task_id, now)
        if mode == "missed":
            rec = replace(rec, outcome="missed", task_id=None, sent_at=None)
            rec = replace(rec, reason="catchup_window", missed_count=missed_count)
        sent = datetime.fromtimestamp(now, UTC)
        step = _Commit(
            entry.key,
            entry.revision,
            served + 600,
            encode_meta(sent, entry.total_run_count + 1),
            encode_slot(datetime.fromtimestamp(served, UTC), sent),
            FireArgs(mode, name, task_id, now + 600, gap, lock, rec.to_json()),
        )
        self.store.beats.claim(BEAT, BEAT, "{}", 30)
        codes = self.store.commit_fires(BEAT, [step], now)
        assert codes is not None and codes[0] in (SKIPPED, MISSED), f"{name} {slot}: {codes}"
        return codes[0]
