"""app/alerts/detector.py and results.py: the rules over history as the store keeps it
(fakeredis with the real run scripts), each event queued once."""

from __future__ import annotations

import json
import time
from collections import Counter
from types import SimpleNamespace
from typing import Any

import fakeredis
import pytest

from app.alerts import Detector, check_result
from app.core.celery_app import celery_app
from app.core.config import Settings, get_settings
from app.core.constants import HISTORY_ALL_KEY
from app.execution.tracking import RunTracker
from app.schedules import RunRecord, ScheduleStore, parse_spec
from tests.unit.alerts.streams import queued_alerts

TASK = "app.tasks.reports.generate_daily_report"
SETTINGS = Settings(
    alert_consecutive_failures=3,
    alert_long_run_factor=3,
    alert_long_run_min_seconds=60,
    alert_long_run_min_runs=5,
    alert_rate_limit=100,
)


@pytest.fixture
def detector(store: ScheduleStore) -> Detector:
    return Detector(store, SETTINGS)


def schedule(store: ScheduleStore, name: str, **policy: Any) -> None:
    store.save(name, parse_spec({"task": TASK, "interval": 60, "policy": policy}))


def ended(
    store: ScheduleStore, name: str, task_id: str, outcome: str, took: float = 1.0
) -> RunRecord:
    end = time.time()
    rec = RunRecord(name, f"f-{task_id}", TASK, end - took - 1, outcome, task_id=task_id)  # type: ignore[arg-type]
    rec.started_at, rec.finished_at = end - took, end
    if outcome == "failed":
        rec.error = {"type": "SimulatedFailure", "message": "boom", "traceback": "..."}
    store.finish_run(task_id, rec, "")
    return rec


def look(store: ScheduleStore, detector: Detector) -> list[tuple[str, str]]:
    """Have the detector look at what history holds now; (kind, id) of each event."""
    batch = store.alerts.read_records("w", 1000, 1)
    events = detector.look_at(batch.records)
    store.alerts.ack_records(batch.ids)
    return [(e.kind, e.id) for e in events]


def queued(store: ScheduleStore) -> list[dict[str, Any]]:
    return [json.loads(event) for event, _held in queued_alerts(store.redis)]


def test_failures_alert_each_and_the_streak_once_when_it_reaches_n(
    store: ScheduleStore, detector: Detector
) -> None:
    schedule(store, "a")
    for i in range(4):
        ended(store, "a", f"t{i}", "failed")
    ended(store, "a", "ok", "succeeded")
    for i in range(4, 7):
        ended(store, "a", f"t{i}", "failed")
    look(store, detector)

    kinds = Counter(a["kind"] for a in queued(store))
    assert kinds == {"run_failed": 7, "consecutive_failures": 2}
    streaks = [a for a in queued(store) if a["kind"] == "consecutive_failures"]
    assert [(a["task_id"], a["streak"]) for a in streaks] == [("t2", 3), ("t6", 3)]
    [first] = [a for a in queued(store) if a.get("task_id") == "t0"]
    assert first["error"] == {"type": "SimulatedFailure", "message": "boom"}


def test_looking_at_the_same_records_again_queues_nothing_more(
    store: ScheduleStore, detector: Detector
) -> None:
    schedule(store, "a")
    for i in range(3):
        ended(store, "a", f"t{i}", "failed")
    batch = store.alerts.read_records("w", 100, 1)
    detector.look_at(batch.records)
    before = queued(store)
    # A worker died before acknowledging: another takes the records over.
    again = store.alerts.claim_records("w2", 0, 100)
    assert len(again.records) == 3
    assert len(Detector(store, SETTINGS).look_at(again.records)) == 4  # raised again ...
    assert queued(store) == before  # ... and dropped by the queue
    assert store.metric_counts().alerts == {
        "queued:run_failed": 3,
        "queued:consecutive_failures": 1,
    }


def test_a_streak_is_counted_on_the_schedule_s_own_history(
    store: ScheduleStore, detector: Detector
) -> None:
    schedule(store, "a")
    schedule(store, "b")
    for i in range(2):
        ended(store, "a", f"a{i}", "failed")
        ended(store, "b", f"b{i}", "succeeded")
    ended(store, "a", "a2", "timed_out")
    ended(store, "b", "b2", "failed")
    look(store, detector)
    streaks = [(a["schedule"], a["task_id"]) for a in queued(store) if a["kind"] != "run_failed"]
    assert streaks == [("a", "a2")]


def test_a_run_far_longer_than_usual_alerts_when_it_ends(
    store: ScheduleStore, detector: Detector
) -> None:
    schedule(store, "a")
    for i in range(5):
        ended(store, "a", f"t{i}", "succeeded", took=20.0)
    ended(store, "a", "slow", "succeeded", took=61.0)  # 3 x 20 = 60: just past it
    ended(store, "a", "slower", "succeeded", took=59.0)
    assert look(store, detector) == [("long_run", "long_run:slow:1")]
    [alert] = queued(store)
    assert (alert["threshold_seconds"], alert["usual_seconds"], alert["running"]) == (60, 20, False)


def test_too_few_runs_to_know_the_usual_never_alert_without_a_limit_of_its_own(
    store: ScheduleStore, detector: Detector
) -> None:
    schedule(store, "a")
    schedule(store, "own", alert_long_run_seconds=5)
    for i in range(4):
        ended(store, "a", f"t{i}", "succeeded", took=1.0)
    ended(store, "a", "slow", "succeeded", took=500.0)
    ended(store, "own", "o1", "succeeded", took=6.0)
    assert look(store, detector) == [("long_run", "long_run:o1:1")]


def test_a_run_still_going_past_its_limit_alerts_once_and_not_again_at_its_end(
    store: ScheduleStore, detector: Detector
) -> None:
    schedule(store, "a", alert_long_run_seconds=5)
    now = time.time()
    rec = RunRecord("a", "f-t1", TASK, now - 10, "running", task_id="t1", started_at=now - 8)
    assert store.register_run(rec, "allow", "", now + 60, now) is None
    fresh = RunRecord("a", "f-t2", TASK, now, "running", task_id="t2", started_at=now - 1)
    assert store.register_run(fresh, "allow", "", now + 60, now) is None

    [event] = detector.scan_running()
    assert (event.id, event.running, event.task_id) == ("long_run:t1:1", True, "t1")
    assert detector.scan_running()[0].id == event.id  # looked at again: the same event
    rec.outcome, rec.finished_at = "succeeded", time.time()
    store.finish_run("t1", rec, "")
    assert look(store, detector) == [("long_run", "long_run:t1:1")]
    assert [a["id"] for a in queued(store)] == ["long_run:t1:1"]


def test_a_missed_fire_alerts(
    store: ScheduleStore, detector: Detector, client: fakeredis.FakeRedis
) -> None:
    rec = RunRecord("gone", "fire-9", TASK, time.time() - 100, "missed", missed_count=4)
    client.xadd(HISTORY_ALL_KEY, {"r": rec.to_json()})
    assert look(store, detector) == [("missed", "missed:fire-9")]  # deleted schedule: defaults
    assert queued(store)[0]["missed_count"] == 4


def test_a_successful_run_reporting_failed_items_alerts_from_the_worker(
    store: ScheduleStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    schedule(store, "items")
    schedule(store, "strict", alert_failed_items=2)
    tracker = RunTracker(celery_app)
    tracker.store = store
    monkeypatch.setattr(tracker, "_ensure_heartbeat", lambda: None)

    def run(name: str, task_id: str, result: Any) -> None:
        request = SimpleNamespace(
            id=task_id, retries=0, hostname="w@h", schedule=name, fire_id=f"f-{task_id}"
        )
        task = SimpleNamespace(request=request, name=TASK, app=celery_app)
        tracker.start(task_id, task)
        tracker.ended(task_id, "SUCCESS", result, task)

    totals = {"suppliers": {}, "totals": {"found": 2395, "saved": 2375, "failed": 20}}
    run("items", "t1", totals)  # seed 001: 10 or more
    run("items", "t2", {"failed": 9, "found": 800})
    run("items", "t3", {"failed": 4, "found": 4})  # all of them
    run("strict", "t4", {"failed": 2, "found": 800})  # its own threshold
    run("items", "t5", {"found": 800})  # no count: nothing
    alerts = [(a["task_id"], a["failed_items"], a.get("total_items")) for a in queued(store)]
    assert alerts == [("t1", 20, 2395), ("t3", 4, 4), ("t4", 2, 800)]
    assert {a["outcome"] for a in queued(store)} == {"succeeded"}
    # The runs themselves were recorded as ever.
    assert [r.outcome for r in store.runs("items", 10)] == ["succeeded"] * 4


def test_checking_a_result_never_fails_the_run(
    store: ScheduleStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_name: str) -> None:
        raise RuntimeError("redis gone")

    monkeypatch.setattr(store, "get", broken)
    rec = RunRecord("a", "f", TASK, time.time(), "running", task_id="t1")
    check_result(store, rec, {"failed": 50})  # logged, not raised
    monkeypatch.setattr(get_settings(), "alerts_enabled", False)
    monkeypatch.setattr(store, "get", lambda _name: pytest.fail("alerts are off"))
    check_result(store, rec, {"failed": 50})
