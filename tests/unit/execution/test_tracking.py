"""app/execution: the worker's side of a fire, driven the way Celery's signals drive it.

The store is fakeredis with Lua; the task is a stand-in carrying a request as Celery
builds it from a message (custom headers are attributes of the request).
"""

from __future__ import annotations

import logging
import time
from types import SimpleNamespace
from typing import Any

import pytest
from celery.exceptions import Retry, SoftTimeLimitExceeded, TimeLimitExceeded

from app.core.celery_app import celery_app
from app.execution.task import retry_delay
from app.execution.tracking import RunTracker
from app.schedules.runs import RunRecord
from app.schedules.spec import parse_spec
from app.schedules.store import ScheduleStore
from tests.unit.beat.fakes import lua_fakeredis

TASK = "app.tasks.scheduler.crawl_all_complexes"


def request(task_id: str, retries: int = 0, **headers: Any) -> SimpleNamespace:
    base = {"schedule": "a", "scheduled_at": "2026-12-02T00:00:00Z", "fire_id": "f1"}
    return SimpleNamespace(id=task_id, retries=retries, hostname="w@h", **{**base, **headers})


@pytest.fixture
def tracker(monkeypatch: pytest.MonkeyPatch) -> RunTracker:
    t = RunTracker(celery_app)
    t.store = ScheduleStore(lua_fakeredis(), celery_app, "Asia/Seoul")
    t.store.save("a", parse_spec({"task": TASK, "interval": 60}))
    monkeypatch.setattr(t, "_ensure_heartbeat", lambda: None)
    return t


def sent(tracker: RunTracker, task_id: str) -> None:
    now = time.time()
    rec = RunRecord("a", "f1", TASK, now - 1, "sent", task_id=task_id, sent_at=now)
    assert tracker.store.register_run(rec, "allow", "", now + 3600, now) is None


def task(req: SimpleNamespace) -> SimpleNamespace:
    return SimpleNamespace(request=req, name=TASK, app=celery_app)


def test_a_run_goes_from_sent_to_running_to_succeeded(
    tracker: RunTracker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app.execution.tracking")
    sent(tracker, "t1")
    tracker.start("t1", task(request("t1")))

    [running] = tracker.store.in_progress("a")
    assert (running.outcome, running.worker, running.attempt) == ("running", "w@h", 1)

    tracker.ended("t1", "SUCCESS", {"rows": 3}, task(request("t1")))

    [done] = tracker.store.runs("a", 5)
    assert (done.outcome, done.result, done.error) == ("succeeded", '{"rows":3}', None)
    assert done.duration_seconds is not None and done.duration_seconds >= 0
    [line] = [r.getMessage() for r in caplog.records if r.name == "app.execution.tracking"]
    assert line.startswith("schedule a: run t1 succeeded (fire f1, slot ")
    assert "attempt 1, took " in line


def test_a_failure_keeps_its_type_message_and_traceback_tail(tracker: RunTracker) -> None:
    sent(tracker, "t1")
    tracker.start("t1", task(request("t1")))
    exc = ValueError("supplier answered 503")
    tb = "\n".join(f"line {i}" for i in range(30))

    tracker.failed("t1", exc, tb)
    tracker.ended("t1", "FAILURE", exc, task(request("t1")))

    [done] = tracker.store.runs("a", 5)
    assert done.outcome == "failed" and done.error is not None
    assert (done.error["type"], done.error["message"]) == ("ValueError", "supplier answered 503")
    assert done.error["traceback"].splitlines() == [f"line {i}" for i in range(22, 30)]


def test_a_soft_time_limit_is_timed_out(tracker: RunTracker) -> None:
    sent(tracker, "t1")
    tracker.start("t1", task(request("t1")))
    tracker.failed("t1", SoftTimeLimitExceeded(), None)
    tracker.ended("t1", "FAILURE", None, task(request("t1")))
    assert [r.outcome for r in tracker.store.runs("a", 5)] == ["timed_out"]


def test_a_hard_time_limit_seen_by_the_main_process_ends_the_run(tracker: RunTracker) -> None:
    sent(tracker, "t1")
    tracker.start("t1", task(request("t1")))
    tracker.running.clear()  # the main process never ran it: its pool process did

    tracker.failed("t1", TimeLimitExceeded(5), None)

    [done] = tracker.store.runs("a", 5)
    assert (done.outcome, done.error and done.error["type"]) == ("timed_out", "TimeLimitExceeded")
    assert tracker.store.in_progress("a") == []


def test_a_retry_records_the_attempt_and_requeues_the_fire(tracker: RunTracker) -> None:
    sent(tracker, "t1")
    req = request("t1", retry_max=2, retry_backoff=1)
    tracker.start("t1", task(req))
    cause = RuntimeError("flaky")
    tracker.note_failure("t1", cause, "tb")
    tracker.ended("t1", "RETRY", Retry(exc=cause), task(req))

    [retried] = tracker.store.runs("a", 5)
    assert (retried.outcome, retried.attempt, retried.error["type"]) == (  # type: ignore[index]
        "retried",
        1,
        "RuntimeError",
    )
    [queued] = tracker.store.in_progress("a")
    assert (queued.outcome, queued.attempt, queued.task_id) == ("sent", 2, "t1")

    tracker.start("t1", task(request("t1", retries=1, retry_max=2, retry_backoff=1)))
    assert tracker.store.in_progress("a")[0].attempt == 2


def test_a_message_without_a_schedule_header_is_left_alone(tracker: RunTracker) -> None:
    plain = SimpleNamespace(id="x", retries=0, hostname="w@h")
    tracker.start("x", task(plain))
    tracker.ended("x", "SUCCESS", 1, task(plain))
    assert tracker.running == {} and tracker.store.runs("a", 5) == []


def test_a_fire_nobody_registered_is_recorded_from_its_headers(tracker: RunTracker) -> None:
    tracker.start("t9", task(request("t9", trigger="run_now")))
    tracker.ended("t9", "SUCCESS", None, task(request("t9")))
    [done] = tracker.store.runs("a", 5)
    assert (done.outcome, done.fire_id, done.trigger) == ("succeeded", "f1", "run_now")


@pytest.mark.parametrize(
    ("retries", "headers", "expected"),
    [
        (0, {"retry_max": 2, "retry_backoff": 10}, 10.0),
        (1, {"retry_max": 2, "retry_backoff": 10}, 20.0),
        (2, {"retry_max": 2, "retry_backoff": 10}, None),
        (0, {}, None),
        (0, {"retry_max": "x"}, None),
        # Capped under the broker's visibility timeout (one hour).
        (30, {"retry_max": 100, "retry_backoff": 10}, 3000.0),
    ],
)
def test_retry_delay_doubles_and_stops_at_the_limit(
    retries: int, headers: dict[str, Any], expected: float | None
) -> None:
    assert retry_delay(SimpleNamespace(retries=retries, **headers)) == expected


def test_a_start_redis_did_not_take_still_ends_with_its_outcome(
    tracker: RunTracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    from redis.exceptions import ConnectionError as RedisConnectionError

    sent(tracker, "t1")
    real = tracker.store.start_run

    def down(*args: Any, **kwargs: Any) -> None:
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(tracker.store, "start_run", down)
    tracker.start("t1", task(request("t1")))
    monkeypatch.setattr(tracker.store, "start_run", real)

    assert "t1" in tracker.running
    tracker.ended("t1", "SUCCESS", None, task(request("t1")))
    assert [r.outcome for r in tracker.store.runs("a", 5)] == ["succeeded"]
    assert tracker.store.in_progress("a") == []
