"""What a sync logs and records: a periodic re-read that changes nothing is DEBUG, not
INFO (8,640 lines a day otherwise); every change it makes is in the audit trail as
"file"."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from app.schedules.registry import TaskRegistry
from app.schedules.store import ScheduleStore
from app.schedules_file.sync import sync_file
from app.schedules_file.watch import FileWatch

TASK = "app.tasks.scheduler.crawl_all_complexes"
LOGGER = "app.schedules_file.sync"


def write(path: Path, schedules: dict[str, Any]) -> None:
    path.write_text(json.dumps({"schedules": schedules}), encoding="utf-8")


def levels(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    found = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == LOGGER]
    caplog.clear()
    return found


def test_only_a_routine_sync_that_changes_nothing_is_quiet(
    store: ScheduleStore,
    registry: TaskRegistry,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    path = tmp_path / "schedules.json"
    write(path, {"a": {"task": TASK, "interval": 60}})
    sync_file(store, path, registry)
    assert levels(caplog) == [(logging.INFO, "schedules.json applied (1 entries): {'created': 1}")]
    sync_file(store, path, registry, routine=True)
    assert levels(caplog) == [(logging.DEBUG, "schedules.json applied (1 entries): no changes")]
    sync_file(store, path, registry)  # on start or on a save: said at INFO
    assert levels(caplog) == [(logging.INFO, "schedules.json applied (1 entries): no changes")]
    store.delete("a")
    sync_file(store, path, registry, routine=True)  # the re-read that heals: said
    assert levels(caplog)[-1][0] == logging.INFO


def test_the_watch_says_which_syncs_are_routine(tmp_path: Path) -> None:
    path = tmp_path / "schedules.json"
    path.write_text("{}")
    watch = FileWatch(path, resync_seconds=10)
    assert watch.should_sync(now=0) and not watch.routine  # the first look
    assert watch.should_sync(now=10.5) and watch.routine  # nothing prompted it
    path.write_text('{"schedules": {}}')
    assert watch.should_sync(now=11) and not watch.routine  # a save
    assert watch.should_sync(force=True, now=12) and not watch.routine  # taking the lock


def test_each_change_of_a_sync_is_recorded_as_made_by_the_file(
    store: ScheduleStore, registry: TaskRegistry, tmp_path: Path
) -> None:
    path = tmp_path / "schedules.json"
    write(path, {"a": {"task": TASK, "interval": 60}, "b": {"task": TASK, "interval": 60}})
    sync_file(store, path, registry)
    write(path, {"a": {"task": TASK, "interval": 90}})
    sync_file(store, path, registry)
    sync_file(store, path, registry)  # nothing changed: nothing recorded
    trail_a = store.audit("a", 10)
    assert [(c.action, c.actor, c.source) for c in trail_a] == [
        ("changed", "file", "file"),
        ("created", "file", "file"),
    ]
    assert [(c.field, c.old, c.new) for c in trail_a[0].changes] == [("interval", 60.0, 90.0)]
    assert [c.action for c in store.audit("b", 10)] == ["deleted", "created"]


def test_a_refused_webhook_is_masked_in_the_state_and_the_log(
    store: ScheduleStore, registry: TaskRegistry, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The sync state is what the status API (no token) and check_schedules.sh show."""
    caplog.set_level(logging.INFO, logger=LOGGER)
    secret = "s3cr3t"
    path = tmp_path / "schedules.json"
    nested = {"alert_webhook_url": f"https://hooks.slack.com/services/{secret} x"}
    write(
        path,
        {
            "a": {"task": TASK, "interval": 60, "policy": nested},
            "b": {"task": TASK, "interval": 60, "alert_webhook_url": f"hooks/{secret}"},
        },
    )

    assert sync_file(store, path, registry) is None

    state = store.read_sync_state()
    assert state is not None and state["ok"] is False
    assert secret not in json.dumps(state, ensure_ascii=False)
    assert [(p["field"], p["value"]) for p in state["problems"]] == [
        ("schedules.a.policy.alert_webhook_url", "https://hooks.slack.com/…"),
        ("schedules.b.policy.alert_webhook_url", "…"),
    ]
    [(level, line)] = levels(caplog)
    assert level == logging.ERROR and "schedules.a.policy.alert_webhook_url" in line
    assert secret not in line and "https://hooks.slack.com/…" in line
