"""app/alerts/switch.py: alerts run only with the history on too, and both places that
start alert work (the worker's loops, a run's failed-items check) agree."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest

from app.alerts import check_result, worker
from app.alerts.switch import alerts_active
from app.core.celery_app import celery_app
from app.core.config import Settings, get_settings
from app.schedules import RunRecord, ScheduleStore
from tests.unit.alerts.streams import queued_alerts
from tests.unit.beat.fakes import lua_fakeredis

TASK = "app.tasks.reports.generate_daily_report"


@pytest.mark.parametrize(
    ("alerts", "history", "active"),
    [(True, True, True), (True, False, False), (False, True, False), (False, False, False)],
)
def test_alerts_need_the_history(alerts: bool, history: bool, active: bool) -> None:
    assert alerts_active(Settings(alerts_enabled=alerts, history_enabled=history)) is active


@pytest.mark.parametrize(("history", "queued"), [(True, 1), (False, 0)])
def test_failed_items_are_queued_only_when_a_worker_would_deliver_them(
    monkeypatch: pytest.MonkeyPatch, history: bool, queued: int
) -> None:
    store = ScheduleStore(lua_fakeredis(), celery_app, "Asia/Seoul")
    monkeypatch.setattr(get_settings(), "alerts_enabled", True)
    monkeypatch.setattr(get_settings(), "history_enabled", history)
    rec = RunRecord("gone", "f", TASK, time.time(), "running", task_id="t1")
    check_result(store, rec, {"failed": 50, "found": 100})
    assert len(queued_alerts(store.redis)) == queued

    started: list[Any] = []
    monkeypatch.setattr(
        worker,
        "AlertLoops",
        lambda app, settings: SimpleNamespace(start=lambda: started.append(app), stop=lambda: None),
    )
    worker._start(sender=SimpleNamespace(app=celery_app))
    worker._stop()
    assert len(started) == queued
