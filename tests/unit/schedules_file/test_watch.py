"""FileWatch: when the leader re-reads schedules.json (app/schedules_file/watch.py)."""

from __future__ import annotations

import os
from pathlib import Path

from app.schedules_file.watch import FileWatch


def test_first_look_syncs_then_only_changes_or_the_period_do(tmp_path: Path) -> None:
    path = tmp_path / "schedules.json"
    path.write_text("{}")
    watch = FileWatch(path, resync_seconds=10)
    assert watch.should_sync(now=0)
    assert not watch.should_sync(now=1)
    path.write_text('{"schedules": {}}')  # in place: size changes
    assert watch.should_sync(now=2)
    assert not watch.should_sync(now=3)
    assert watch.should_sync(now=12.5)  # the periodic re-read


def test_rename_save_with_same_size_and_mtime_is_seen(tmp_path: Path) -> None:
    path = tmp_path / "schedules.json"
    path.write_text("{}")
    stat = path.stat()
    watch = FileWatch(path, resync_seconds=10)
    assert watch.should_sync(now=0)
    new = tmp_path / "new.json"
    new.write_text("[]")
    os.utime(new, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    new.replace(path)  # a new inode, as vim and VS Code save
    assert watch.should_sync(now=1)


def test_missing_file_and_forced_sync(tmp_path: Path) -> None:
    path = tmp_path / "schedules.json"
    watch = FileWatch(path, resync_seconds=10)
    assert watch.should_sync(now=0)
    assert not watch.should_sync(now=1)
    assert watch.should_sync(force=True, now=2)
    path.write_text("{}")
    assert watch.should_sync(now=3)


def test_an_invalid_file_is_not_reread_until_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "schedules.json"
    path.write_text("{broken")
    watch = FileWatch(path, resync_seconds=10)
    assert watch.should_sync(now=0)
    watch.record(ok=False)
    assert not watch.should_sync(now=50)
    path.write_text("{}")
    assert watch.should_sync(now=51)
    watch.record(ok=True)
    assert watch.should_sync(now=62)


def test_saves_more_often_than_the_period_do_not_put_off_the_reread(tmp_path: Path) -> None:
    path = tmp_path / "schedules.json"
    path.write_text("{}")
    watch = FileWatch(path, resync_seconds=10)
    assert watch.should_sync(now=0)
    rereads = []
    for second in range(5, 41, 5):  # saved every 5 s
        path.write_text("{}" + " " * second)
        assert watch.should_sync(now=second)
        rereads.append(watch.routine)
    # The re-read comes due at 10, 20, 30 and 40 s whatever the saves do.
    assert rereads == [False, True, False, True, False, True, False, True]
