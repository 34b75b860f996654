"""Run records written the way the worker, run-now and Beat write them: through the
store's own methods (register_run, start_run, finish_run, sweep_lost, commit_fires),
never by hand-made Redis keys."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from app.core.celery_app import celery_app
from app.schedules import FireArgs, RunRecord, ScheduleStore, encode_meta, encode_slot
from app.schedules.keys import entry_key
from tests.unit.beat.fakes import Commit

TASK = "app.tasks.scheduler.crawl_all_complexes"
LEASE = 3600.0
TOKEN = "test-beat"


def store_of(redis: object) -> ScheduleStore:
    return ScheduleStore(redis, celery_app, "Asia/Seoul")  # type: ignore[arg-type]


def queue(store: ScheduleStore, name: str, now: float | None = None) -> str:
    """A run-now fire taken into progress (outcome `sent`); returns its task id."""
    now = time.time() if now is None else now
    task_id = f"task-{uuid.uuid4()}"
    rec = RunRecord(name, str(uuid.uuid4()), TASK, now, "sent", "run_now", task_id, now)
    assert store.register_run(rec, "allow", "", now + LEASE, now) is None
    return task_id


def start(store: ScheduleStore, task_id: str, lease: float = 60.0) -> RunRecord:
    """The worker starts the fire: outcome `running`, with a lease."""
    state = store.run_state(task_id)
    assert state is not None
    now = time.time()
    rec = replace(state.record, outcome="running", started_at=now, worker="w1@test")
    store.start_run(task_id, rec, state.lock, now + lease, now)
    return rec


def finish(
    store: ScheduleStore, task_id: str, outcome: str = "succeeded", took: float = 1.5
) -> None:
    """The worker ends the run `took` seconds after it started."""
    state = store.run_state(task_id)
    assert state is not None and state.record.started_at is not None
    end = replace(state.record, outcome=outcome, finished_at=state.record.started_at + took)  # type: ignore[arg-type]
    if outcome == "failed":
        end = replace(end, error={"type": "ValueError", "message": "bad row 7"})
    store.finish_run(task_id, end, state.lock)


def run(store: ScheduleStore, name: str, outcome: str = "succeeded", took: float = 1.5) -> str:
    """One whole run: queued, started, ended; returns its task id."""
    task_id = queue(store, name)
    start(store, task_id)
    finish(store, task_id, outcome, took)
    return task_id


def lose(store: ScheduleStore, name: str) -> str:
    """A run whose worker died: its lease runs out and Beat's sweep records it lost."""
    task_id = queue(store, name)
    start(store, task_id, lease=-1.0)  # its lease ended a second ago
    assert task_id in store.expired_leases(time.time())
    store.sweep_lost([task_id], time.time())
    return task_id


def wait_for_next_ms(after_id: str) -> None:
    """Until the clock is past the stream time of `after_id`, so the next record is
    written at a later millisecond (a deadline, not a fixed sleep)."""
    ms = int(after_id.split("-")[0])
    deadline = time.monotonic() + 5
    while time.time() * 1000 <= ms + 1:
        assert time.monotonic() < deadline, "the clock did not move"
        time.sleep(0.001)


def beat_fire(store: ScheduleStore, name: str, slot: float, mode: str) -> int:
    """Beat commits `name`'s `slot` (mode skip | allow | missed); returns the code."""
    store.beats.claim(TOKEN, TOKEN, "{}", 30)
    entry = store.get(name)
    assert entry is not None
    now = time.time()
    task_id = f"{name}-{slot}"
    rec = RunRecord(name, f"fire-{slot}", TASK, slot, "sent", task_id=task_id, sent_at=now)
    if mode == "missed":
        rec = replace(rec, outcome="missed", task_id=None, sent_at=None, missed_count=3)
    sent = datetime.fromtimestamp(now, UTC)
    step = Commit(
        entry_key(name),
        entry.revision,
        slot + 60,
        encode_meta(sent, entry.total_run_count + 1),
        encode_slot(datetime.fromtimestamp(slot, UTC), sent),
        FireArgs(mode, name, task_id, now + LEASE, 0.0, "", rec.to_json()),
    )
    codes = store.commit_fires(TOKEN, [step], now)
    assert codes is not None
    return codes[0]


def create(client: Any, *names: str) -> None:
    """Schedules through the API, every minute."""
    for name in names:
        body = {"name": name, "task": TASK, "interval": 60}
        assert client.post("/api/scheduler/schedule", json=body).status_code == 201
