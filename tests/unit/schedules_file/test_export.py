"""app/schedules_file/export.py: what is exported, what is reported, and the atomic write."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from redbeat.schedules import rrule

from app.core.celery_app import celery_app
from app.schedules.entry import Entry
from app.schedules.spec import parse_spec
from app.schedules_file.export import NEW_FILE_MODE, collect, write_atomic
from app.schedules_file.format import SCHEMA_REF

TASK = "app.tasks.maintenance.health_check"


def entry(name: str, raw: dict[str, object] | None) -> Entry:
    spec = parse_spec(raw) if raw is not None else None
    # A raw rrule, as RedBeat's own API can write: it has no schedules.json form.
    sched = rrule("HOURLY", interval=6, app=celery_app)
    return Entry(name, TASK, [], {}, {}, True, sched, spec, "api", None, 0, "{}")


def test_entries_with_a_spec_are_exported_the_rest_reported() -> None:
    export = collect(
        [
            ("나중", entry("나중", {"task": TASK, "interval": 60, "enabled": False})),
            ("여섯시간", entry("여섯시간", None)),
            ("망가짐", None),
            ("먼저", entry("먼저", {"task": TASK, "cron": "0 3 * * *"})),
        ]
    )

    assert list(json.loads(export.render())["schedules"]) == ["나중", "먼저"]
    assert export.document() == json.loads(export.render())
    assert export.document()["$schema"] == SCHEMA_REF
    assert export.document()["schedules"]["나중"] == {
        "task": TASK,
        "interval": 60.0,
        "enabled": False,
    }
    assert [s.name for s in export.skipped] == ["여섯시간"]
    assert export.skipped[0].timing.startswith("<rrule: freq: 4")
    assert export.unreadable == ["망가짐"]
    assert "나중" in export.render() and "\\u" not in export.render(), "Korean stays readable"


def test_write_atomic_creates_a_readable_file(tmp_path: Path) -> None:
    target = tmp_path / "schedules.json"

    write_atomic(target, "새 내용\n")

    assert target.read_text(encoding="utf-8") == "새 내용\n"
    assert stat.S_IMODE(target.stat().st_mode) == NEW_FILE_MODE
    assert [p.name for p in tmp_path.iterdir()] == ["schedules.json"]


def test_write_atomic_keeps_an_existing_files_mode(tmp_path: Path) -> None:
    target = tmp_path / "schedules.json"
    target.write_text("old", encoding="utf-8")
    os.chmod(target, 0o600)

    write_atomic(target, "new")

    assert target.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "schedules.json"
    target.write_text("old", encoding="utf-8")

    def refuse(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, "new")

    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["schedules.json"]
