"""app/alerts/loops.py: both loops as threads over fakeredis, POSTing to a local
receiver; which webhook each alert goes to, and what is counted."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import fakeredis
import pytest

from app.alerts import AlertLoops
from app.core.celery_app import celery_app
from app.core.config import Settings
from app.schedules import RunRecord, ScheduleStore, parse_spec
from tests.unit.alerts.receiver import Receiver, dead_url, receiver
from tests.unit.alerts.streams import settled
from tests.unit.beat.fakes import lua_fakeredis

TASK = "app.tasks.reports.generate_daily_report"


def wait_until(predicate: Callable[[], Any], timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
    return value


@pytest.fixture
def server() -> fakeredis.FakeServer:
    made = fakeredis.FakeServer()
    lua_fakeredis(made)
    return made


@pytest.fixture
def store(server: fakeredis.FakeServer) -> ScheduleStore:
    return ScheduleStore(lua_fakeredis(server), celery_app, "Asia/Seoul")


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as found:
        yield found


@pytest.fixture
def loops(
    server: fakeredis.FakeServer, hook: Receiver, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AlertLoops]:
    settings = Settings(
        alert_webhook_url=hook.url,  # type: ignore[arg-type]
        alert_delivery_retries=1,
        alert_retry_backoff_seconds=0,
        alert_webhook_timeout_seconds=2,
        alert_scan_seconds=0.2,
    )
    made = AlertLoops(celery_app, settings)
    monkeypatch.setattr(
        made, "_store", lambda: ScheduleStore(lua_fakeredis(server), celery_app, "Asia/Seoul")
    )
    made.start()
    yield made
    made.stop()


def failed(store: ScheduleStore, name: str, task_id: str) -> None:
    now = time.time()
    rec = RunRecord(name, f"f-{task_id}", TASK, now - 2, "failed", task_id=task_id)
    rec.started_at, rec.finished_at = now - 1, now
    store.finish_run(task_id, rec, "")


def test_a_failed_run_is_posted_once_to_the_default_or_its_own_webhook(
    store: ScheduleStore, hook: Receiver, loops: AlertLoops
) -> None:
    store.save("default", parse_spec({"task": TASK, "interval": 60}))
    with receiver("/own") as own:
        policy = {"alert_webhook_url": own.url}
        store.save("own", parse_spec({"task": TASK, "interval": 60, "policy": policy}))
        failed(store, "default", "t1")
        failed(store, "own", "t2")
        wait_until(lambda: hook.alerts() and own.alerts())
        wait_until(lambda: settled(store.redis))
    assert [(a["schedule"], a["task_id"]) for a in hook.alerts()] == [("default", "t1")]
    assert [(a["schedule"], a["task_id"]) for a in own.alerts()] == [("own", "t2")]
    assert own.paths == ["/own"]
    assert store.metric_counts().alerts == {"queued:run_failed": 2, "delivered:run_failed": 2}


def test_an_undeliverable_alert_is_counted_and_the_next_one_still_goes(
    store: ScheduleStore, hook: Receiver, loops: AlertLoops
) -> None:
    policy = {"alert_webhook_url": dead_url()}
    store.save("dead", parse_spec({"task": TASK, "interval": 60, "policy": policy}))
    failed(store, "dead", "t1")
    wait_until(lambda: store.metric_counts().alerts.get("failed:run_failed"))
    failed(store, "alive", "t2")  # deleted (or never made): the default webhook
    wait_until(lambda: hook.alerts())
    wait_until(lambda: settled(store.redis))
    counts = store.metric_counts().alerts
    assert counts["failed:run_failed"] == 1 and counts["retried:run_failed"] == 1
    assert counts["delivered:run_failed"] == 1
    assert [a["task_id"] for a in hook.alerts()] == ["t2"]


def test_a_run_still_going_past_its_limit_is_posted_while_it_runs(
    store: ScheduleStore, hook: Receiver, loops: AlertLoops
) -> None:
    policy = {"alert_long_run_seconds": 1}
    store.save("slow", parse_spec({"task": TASK, "interval": 60, "policy": policy}))
    now = time.time()
    rec = RunRecord("slow", "f", TASK, now, "running", task_id="t1", started_at=now - 3)
    assert store.register_run(rec, "allow", "", now + 60, now) is None
    [alert] = wait_until(lambda: hook.alerts("long_run"))
    assert (alert["task_id"], alert["running"]) == ("t1", True)
    assert alert["duration_seconds"] >= 3
