"""The sync's bulk path (store._bulk, schedules_file.plan): chunks, the memory a process
keeps of what it applied, keep_alive, and what every chunk writes beside the entries
(name index, job ids, audit trail, due scores), on fakeredis and a real redis-server."""

from __future__ import annotations

import gc
import json
from pathlib import Path
from typing import Any

import pytest

from app.core.constants import (
    FILE_INDEX_KEY,
    FILE_SYNC_STATE_KEY,
    NAMES_KEY,
    REDBEAT_SCHEDULE_KEY,
)
from app.schedules.keys import entry_key
from app.schedules.registry import TaskRegistry
from app.schedules.spec import parse_spec
from app.schedules.store import ScheduleStore
from app.schedules_file import format as format_module
from app.schedules_file import sync
from app.schedules_file.export import export_store
from app.schedules_file.plan import Memory
from app.schedules_file.spec_cache import SpecCache
from app.schedules_file.sync import SyncReport, sync_file

TASK = "app.tasks.scheduler.crawl_all_complexes"
SIZE = 7  # entries per test file; CHUNK is 3 here, so three chunks


def entry(i: int, version: int = 1) -> dict[str, Any]:
    return {"task": TASK, "interval": 60 * (i + 1), "description": f"v{version}"}


def schedules(size: int = SIZE, **edits: dict[str, Any]) -> dict[str, Any]:
    found = {f"e{i}": entry(i) for i in range(size)}
    return {**found, **edits}


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sync, "CHUNK", 3)
    Memory.forget()
    SpecCache.clear()


class Files:
    def __init__(self, store: ScheduleStore, registry: TaskRegistry, path: Path) -> None:
        self.store, self.registry, self.path = store, registry, path

    def sync(self, found: dict[str, Any], **kwargs: Any) -> SyncReport:
        self.path.write_text(json.dumps({"schedules": found}), encoding="utf-8")
        report = sync_file(self.store, self.path, self.registry, **kwargs)
        assert report is not None
        return report


@pytest.fixture
def files(store_on_both: ScheduleStore, registry: TaskRegistry, tmp_path: Path) -> Files:
    return Files(store_on_both, registry, tmp_path / "schedules.json")


def changed(report: SyncReport) -> dict[str, list[str]]:
    return {k: sorted(v) for k, v in vars(report).items() if v and k != "unchanged"}


def test_a_file_in_several_chunks_writes_every_index_and_record(files: Files) -> None:
    report = files.sync(schedules())
    names = [f"e{i}" for i in range(SIZE)]
    assert sorted(report.created) == names
    redis = files.store.redis
    keys = sorted(entry_key(n) for n in names)
    assert sorted(redis.zrange(REDBEAT_SCHEDULE_KEY, 0, -1)) == keys
    assert sorted(redis.zrange(NAMES_KEY, 0, -1)) == keys
    assert sorted(files.store.file_index()) == names
    assert sorted(files.store.job_ids(names).values()) == list(range(1, SIZE + 1))
    for name in names:
        [change] = files.store.audit(name, 10)
        assert (change.action, change.actor) == ("created", "file")
        saved = files.store.get(name)
        assert saved is not None and saved.origin == "file" and saved.next_run_at is not None
        assert change.etag == saved.etag


def test_removed_entries_leave_every_index(files: Files) -> None:
    files.sync(schedules())
    report = files.sync(schedules(size=2))
    gone = [f"e{i}" for i in range(2, SIZE)]
    assert sorted(report.deleted) == gone
    redis = files.store.redis
    for name in gone:
        assert not redis.exists(entry_key(name))
        assert redis.zscore(NAMES_KEY, entry_key(name)) is None
        assert redis.zscore(REDBEAT_SCHEDULE_KEY, entry_key(name)) is None
        assert files.store.audit(name, 10)[0].action == "deleted"
    assert sorted(files.store.file_index()) == ["e0", "e1"]
    assert files.store.job_ids(gone) == {}


def test_a_sync_on_save_reads_only_what_differs_from_its_last_sync(
    files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    files.sync(schedules())
    asked: list[list[str]] = []
    present = files.store.present
    monkeypatch.setattr(files.store, "file_index", lambda: pytest.fail("read the whole index"))
    monkeypatch.setattr(files.store, "present", lambda n: asked.append(list(n)) or present(n))

    report = files.sync(schedules(e3=entry(3, version=2), new=entry(9)), full=False)

    assert changed(report) == {"created": ["new"], "updated": ["e3"]}
    assert len(report.unchanged) == SIZE - 1
    assert asked == [["e3", "new"]]
    spec = files.store.get("e3")
    assert spec is not None and spec.spec is not None and spec.spec.description == "v2"


def test_a_sync_on_save_after_another_process_synced_reads_everything(
    files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    files.sync(schedules())
    # Another process (a CLI apply) applied a file since: its id is in the sync state.
    state = json.loads(files.store.redis.get(FILE_SYNC_STATE_KEY))
    files.store.redis.set(FILE_SYNC_STATE_KEY, json.dumps({**state, "sync_id": "theirs"}))
    files.store.redis.hset(FILE_INDEX_KEY, "e1", "deleted:x")  # its marks differ
    read: list[int] = []
    index = files.store.file_index
    monkeypatch.setattr(files.store, "file_index", lambda: read.append(1) or index())

    report = files.sync(schedules(), full=False)

    assert read == [1]
    assert report.updated == ["e1"]  # its mark said another definition: written again


def test_an_api_delete_stays_deleted_through_syncs_on_save(files: Files) -> None:
    files.sync(schedules())
    files.store.delete("e2")
    assert files.sync(schedules(), full=False).created == []
    assert files.store.get("e2") is None
    # An edit of it in the file brings it back.
    report = files.sync(schedules(e2=entry(2, version=2)), full=False)
    assert report.recreated == ["e2"]


def test_keep_alive_stops_between_chunks_and_the_next_sync_finishes(files: Files) -> None:
    calls: list[int] = []

    def keep_alive() -> bool:
        calls.append(1)
        return False  # the lock is lost at the first question

    report = files.sync(schedules(), keep_alive=keep_alive)

    assert report.stopped and calls == [1]
    assert len(report.created) == 3  # the first chunk, whole
    assert files.store.count() == 3 and len(files.store.file_index()) == 3
    assert files.store.read_sync_state() is None  # not recorded as a sync
    report = files.sync(schedules(), full=False)
    assert not report.stopped and len(report.created) == SIZE - 3
    assert len(report.unchanged) == 3


def test_updates_keep_run_state_and_api_entries_are_untouched(files: Files) -> None:
    files.store.save("api", parse_spec({"task": TASK, "interval": 5}))
    files.sync(schedules())
    files.store.redis.hset(
        entry_key("e4"),
        "meta",
        json.dumps({"last_run_at": None, "total_run_count": 9}),
    )
    before = files.store.redis.hgetall(entry_key("api"))
    files.sync(schedules(e4=entry(4, version=3)))
    e4 = files.store.get("e4")
    assert e4 is not None and e4.total_run_count == 9
    assert files.store.redis.hgetall(entry_key("api")) == before
    assert [c.action for c in files.store.audit("e4", 10)] == ["changed", "created"]


def test_export_reads_stored_specs_as_the_full_decode_does(files: Files) -> None:
    files.sync(schedules())
    files.store.save("api", parse_spec({"task": TASK, "cron": "0 3 * * *", "timezone": "UTC"}))
    # Edited with RedBeat's own API: the definition no longer matches our manager field.
    definition = json.loads(files.store.redis.hget(entry_key("e0"), "definition"))
    definition["enabled"] = False
    files.store.redis.hset(entry_key("e0"), "definition", json.dumps(definition))
    files.store.redis.hset(entry_key("e1"), "definition", "{not json")

    export = export_store(files.store)

    assert export.specs["e0"].enabled is False
    assert export.unreadable == ["e1"]
    assert sorted(export.specs) == sorted(n for n in [*schedules(), "api"] if n != "e1")
    for name, spec in export.specs.items():
        stored = files.store.get(name)
        assert stored is not None and stored.spec == spec


def test_a_lost_entry_waits_for_the_periodic_re_read_not_a_save(files: Files) -> None:
    files.sync(schedules())
    files.store.redis.delete(entry_key("e5"))
    files.store.redis.zrem(REDBEAT_SCHEDULE_KEY, entry_key("e5"))
    # A save compares the file with what this process applied: it cannot see the loss.
    assert files.sync(schedules(), full=False).recreated == []
    # The periodic re-read asks Redis which entries it holds, and recreates it.
    assert files.sync(schedules(), full=False, routine=True).recreated == ["e5"]
    assert files.store.get("e5") is not None


def test_the_validation_cache_tells_one_from_one_point_zero(
    files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    """1 == 1.0 in Python, yet they are different kwargs (and digests): the cache must
    not take one for the other, nor skip validating the new one."""
    quiet = {"task": TASK, "interval": 60, "kwargs": {"simulate_seconds": 1}}
    files.sync({"a": quiet, "b": entry(1)})
    validated: list[Any] = []
    real = format_module.validate_spec
    monkeypatch.setattr(
        format_module,
        "validate_spec",
        lambda raw, *a, **k: validated.append(raw) or real(raw, *a, **k),
    )

    loud = {**quiet, "kwargs": {"simulate_seconds": 1.0}}
    report = files.sync({"a": loud, "b": entry(1)}, full=False)

    assert report.updated == ["a"] and validated == [loud]
    a = files.store.get("a")
    assert a is not None and repr(a.kwargs) == "{'simulate_seconds': 1.0}"


def test_a_dropped_name_whose_hash_is_gone_leaves_no_index_member(files: Files) -> None:
    files.sync(schedules(size=2))
    files.store.redis.delete(entry_key("e1"))  # the hash only: its index members stay
    assert files.sync(schedules(size=1)).deleted == []
    assert files.store.redis.zscore(REDBEAT_SCHEDULE_KEY, entry_key("e1")) is None
    assert files.store.redis.zscore(NAMES_KEY, entry_key("e1")) is None
    assert sorted(files.store.file_index()) == ["e0"]


def test_due_scores_are_remembered_only_while_they_lie_ahead(
    store: ScheduleStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    computed: list[str] = []
    score = store._score
    monkeypatch.setattr(
        store, "_score", lambda s, last: computed.append(s.timing_kind) or score(s, last)
    )
    daily = parse_spec({"task": TASK, "cron": "0 3 * * *"})
    fresh = parse_spec({"task": TASK, "interval": 60})

    first = store.due_score(daily, None)
    assert store.due_score(daily, None) == first and computed == ["cron"]
    # A remembered slot that has passed is computed again.
    [key] = store._due_memo
    store._due_memo[key] = 1.0
    assert store.due_score(daily, None) == first and computed == ["cron", "cron"]
    # A plain interval that never ran is due an interval from now: never remembered.
    store.due_score(fresh, None)
    store.due_score(fresh, None)
    assert computed[2:] == ["interval", "interval"]


def test_an_entry_whose_hash_alone_was_lost_is_recreated_by_the_periodic_re_read(
    files: Files,
) -> None:
    """Deleted with DEL (its due-index member left behind): still gone for every read."""
    files.sync(schedules())
    files.store.redis.delete(entry_key("e6"))
    assert files.sync(schedules(), full=False, routine=True).recreated == ["e6"]
    assert files.store.get("e6") is not None


def test_the_cyclic_collector_is_paused_for_a_sync_and_resumed_after(
    files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    plan = sync.plan_sync
    monkeypatch.setattr(sync, "plan_sync", lambda *a: seen.append(gc.isenabled()) or plan(*a))
    assert gc.isenabled()
    files.sync(schedules())
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        files.sync(schedules())
        assert not gc.isenabled(), "left off when it was off"
    finally:
        gc.enable()
