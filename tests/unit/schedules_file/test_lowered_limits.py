"""A lowered MAX_ARGS_BYTES holds schedules.json's arguments written anew, and never
refuses the file for an entry whose arguments Redis already holds."""

import json
from pathlib import Path
from typing import Any

import pytest

from app.core.config import get_settings
from app.schedules.registry import TaskRegistry
from app.schedules.store import ScheduleStore
from app.schedules_file.format import FileError, load_file
from app.schedules_file.sync import read_state, sync_file

TASK = "app.tasks.collection.collect_wholesale_products"
BIG = {"task": TASK, "cron": "0 3 * * *", "kwargs": {"suppliers": ["zentrade", "ownerclan"]}}


def write(path: Path, schedules: dict[str, Any]) -> None:
    path.write_text(json.dumps({"schedules": schedules}), encoding="utf-8")


def test_a_lowered_limit_keeps_the_file_entries_redis_holds(
    store: ScheduleStore, registry: TaskRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "schedules.json"
    write(path, {"big": BIG, "edited": BIG})
    assert sync_file(store, path, registry) is not None
    monkeypatch.setattr(get_settings(), "max_args_bytes", 20)
    # Unchanged, and changed but for its arguments: both applied.
    write(path, {"big": BIG, "edited": {**BIG, "cron": "0 4 * * *"}})
    report = sync_file(store, path, registry)
    assert report is not None, read_state(store)
    assert report.unchanged == ["big"] and report.updated == ["edited"]
    # New arguments, or a new entry, are held to the lowered limit (whole file refused).
    write(path, {"big": BIG, "new": BIG})
    assert sync_file(store, path, registry) is None
    with pytest.raises(FileError, match="MAX_ARGS_BYTES"):
        load_file(path, registry, store)
    # Without a store (nothing known to be held) every entry is checked as new.
    write(path, {"big": BIG})
    with pytest.raises(FileError, match="MAX_ARGS_BYTES"):
        load_file(path, registry)
    load_file(path, registry, store)
