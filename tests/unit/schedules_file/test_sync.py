"""app/schedules_file/sync.py: the rules for schedules.json and the API together.

Each row of the table is a history (file syncs, API saves and deletes, lost keys) and the
state it must end in: the last sync's report and every entry left, with its origin.
"""

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import fakeredis
import pytest

from app.core.constants import (
    FIELD_META,
    FILE_SYNC_STATE_KEY,
    REDBEAT_PREFIX,
    REDBEAT_SCHEDULE_KEY,
)
from app.schedules.entry import encode_meta
from app.schedules.keys import entry_key, name_from_key
from app.schedules.registry import TaskRegistry
from app.schedules.spec import parse_spec
from app.schedules.store import CREATE, ScheduleStore
from app.schedules_file.sync import SyncReport, read_state, sync_file

TASK = "app.tasks.scheduler.crawl_all_complexes"
A1 = {"task": TASK, "cron": "0 3 * * *"}
A2 = {"task": TASK, "cron": "0 4 * * *"}
API = {"task": TASK, "interval": 60}
LAST_RUN = datetime(2024, 3, 1, 3, 0, 0, 500000, tzinfo=UTC)


@dataclass
class World:
    store: ScheduleStore
    registry: TaskRegistry
    path: Path

    def write(self, schedules: dict[str, Any]) -> None:
        doc = {"$schema": "./schedules.schema.json", "schedules": schedules}
        self.path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")

    def sync(self, schedules: dict[str, Any] | None = None) -> SyncReport | None:
        if schedules is not None:
            self.write(schedules)
        return sync_file(self.store, self.path, self.registry)

    def entries(self) -> dict[str, tuple[str, dict[str, Any]]]:
        keys = self.store.redis.keys(REDBEAT_PREFIX + "*")
        found = self.store.get_many(name_from_key(k) for k in keys if not k.startswith("redbeat::"))
        return {n: (e.origin, e.spec.to_document() if e.spec else {}) for n, e in found.items()}

    def hash(self, name: str) -> dict[str, Any]:
        key = entry_key(name)
        return {
            "fields": self.store.redis.hgetall(key),
            "score": self.store.redis.zscore(REDBEAT_SCHEDULE_KEY, key),
        }

    def set_run_state(self, name: str, last_run_at: datetime, count: int) -> None:
        self.store.redis.hset(entry_key(name), FIELD_META, encode_meta(last_run_at, count))

    def vanish(self, name: str) -> None:
        self.store.redis.delete(entry_key(name))
        self.store.redis.zrem(REDBEAT_SCHEDULE_KEY, entry_key(name))


@pytest.fixture
def world(store: ScheduleStore, registry: TaskRegistry, tmp_path: Path) -> World:
    return World(store, registry, tmp_path / "schedules.json")


def run(world: World, steps: list[tuple[Any, ...]]) -> SyncReport | None:
    report = None
    for op, *args in steps:
        if op == "file":
            report = world.sync(args[0])
        elif op == "api_save":
            world.store.save(args[0], parse_spec(args[1]))
        elif op == "api_create":
            world.store.save(args[0], parse_spec(args[1]), origin="api", mode=CREATE)
        elif op == "api_delete":
            world.store.delete(args[0])
        elif op == "vanish":
            world.vanish(args[0])
        else:
            raise AssertionError(op)
    return report


def doc(raw: dict[str, Any]) -> dict[str, Any]:
    return parse_spec(raw).to_document()


# (history, last sync's non-empty report lists, entries left: name -> (origin, definition))
CASES = [
    pytest.param(
        [("file", {"a": A1, "b": API})],
        {"created": ["a", "b"]},
        {"a": ("file", doc(A1)), "b": ("file", doc(API))},
        id="new_entries_created",
    ),
    pytest.param(
        [("file", {"a": A1}), ("file", {"a": A1})],
        {"unchanged": ["a"]},
        {"a": ("file", doc(A1))},
        id="unchanged_file",
    ),
    pytest.param(
        [("file", {"a": A1}), ("file", {"a": A2})],
        {"updated": ["a"]},
        {"a": ("file", doc(A2))},
        id="edited_in_file",
    ),
    pytest.param(
        [("file", {"a": A1, "b": A2}), ("file", {"a": A1})],
        {"deleted": ["b"], "unchanged": ["a"]},
        {"a": ("file", doc(A1))},
        id="removed_from_file",
    ),
    pytest.param(
        [("api_save", "x", API), ("file", {"a": A1}), ("file", {"a": A2}), ("file", {})],
        {"deleted": ["a"]},
        {"x": ("api", doc(API))},
        id="api_entry_untouched",
    ),
    pytest.param(
        [("file", {"a": A1}), ("api_save", "a", API), ("file", {"a": A1})],
        {"unchanged": ["a"]},
        {"a": ("file", doc(API))},
        id="api_edit_survives_resync",
    ),
    pytest.param(
        [("file", {"a": A1}), ("api_save", "a", API), ("file", {"a": A1}), ("file", {"a": A2})],
        {"updated": ["a"]},
        {"a": ("file", doc(A2))},
        id="then_file_edit_wins",
    ),
    pytest.param(
        [("file", {"a": A1}), ("api_save", "a", API), ("file", {})],
        {"deleted": ["a"]},
        {},
        id="api_edited_entry_removed_from_file",
    ),
    pytest.param(
        [("file", {"a": A1, "b": A2}), ("api_delete", "a"), ("file", {"a": A1, "b": A2})],
        {"kept_deleted": ["a"], "unchanged": ["b"]},
        {"b": ("file", doc(A2))},
        id="api_delete_not_undone",
    ),
    pytest.param(
        [("file", {"a": A1}), ("api_delete", "a"), ("file", {"a": A1}), ("file", {"a": A1})],
        {"kept_deleted": ["a"]},
        {},
        id="api_delete_not_undone_twice",
    ),
    pytest.param(
        [("file", {"a": A1}), ("api_delete", "a"), ("file", {"a": A1}), ("file", {"a": A2})],
        {"recreated": ["a"]},
        {"a": ("file", doc(A2))},
        id="api_delete_then_file_edit_brings_back",
    ),
    pytest.param(
        [("file", {"a": A1}), ("api_delete", "a"), ("file", {}), ("file", {"a": A1})],
        {"created": ["a"]},
        {"a": ("file", doc(A1))},
        id="api_delete_removed_then_readded",
    ),
    # The API's delete leaves a tombstone in the file index; the entry it creates next
    # under the same name is the API's, and the file dropping the name must not touch it.
    pytest.param(
        [("file", {"a": A1}), ("api_delete", "a"), ("api_create", "a", API), ("file", {})],
        {},
        {"a": ("api", doc(API))},
        id="api_recreated_entry_survives_file_removal",
    ),
    pytest.param(
        [
            ("file", {"a": A1}),
            ("api_delete", "a"),
            ("api_create", "a", API),
            ("file", {"a": A1}),
            ("file", {}),
        ],
        {},
        {"a": ("api", doc(API))},
        id="api_recreated_entry_survives_resync_then_removal",
    ),
    pytest.param(
        [("file", {"a": A1, "b": A2}), ("vanish", "a"), ("file", {"a": A1, "b": A2})],
        {"recreated": ["a"], "unchanged": ["b"]},
        {"a": ("file", doc(A1)), "b": ("file", doc(A2))},
        id="vanished_entry_recreated",
    ),
    pytest.param(
        [("file", {"a": A1}), ("vanish", "a"), ("file", {"a": A2})],
        {"recreated": ["a"]},
        {"a": ("file", doc(A2))},
        id="vanished_and_edited",
    ),
    pytest.param(
        [("file", {":schedule": A1, "%41": A1, "주간업데이트": A2}), ("file", {"%41": A2})],
        {"deleted": [":schedule", "주간업데이트"], "updated": ["%41"]},
        {"%41": ("file", doc(A2))},
        id="escaped_and_korean_names",
    ),
]


@pytest.mark.parametrize(("steps", "report", "entries"), CASES)
def test_reconcile_rules(
    world: World,
    steps: list[tuple[Any, ...]],
    report: dict[str, list[str]],
    entries: dict[str, tuple[str, dict[str, Any]]],
) -> None:
    result = run(world, steps)
    assert result is not None
    got = {k: sorted(v) for k, v in vars(result).items() if v}
    assert got == report
    assert result.counts() == {k: len(report.get(k, [])) for k in result.counts()}
    assert not result.stopped
    state = read_state(world.store)
    assert state is not None and state["ok"] is True
    assert state["counts"] == result.counts()
    assert world.entries() == entries


def test_an_entry_the_api_recreates_during_a_sync_is_not_dropped(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sync reads, decides, then drops: an API delete and create in between (a
    running API, a sync in Beat) must not lose the API's new entry. The chunk's
    transaction fails on the watched key, and its second read sees the API's entry."""
    world.sync({"a": A1})
    read = world.store._read_chunk
    reads: list[list[str]] = []

    def read_then_api_recreates(names: list[str], keys: list[str]) -> Any:
        found = read(names, keys)
        reads.append(names)
        if len(reads) == 1:
            world.store.delete("a")
            world.store.save("a", parse_spec(API), origin="api", mode=CREATE)
        return found

    monkeypatch.setattr(world.store, "_read_chunk", read_then_api_recreates)
    report = world.sync({})

    assert report is not None and report.deleted == []
    assert reads == [["a"], ["a"]]  # read again after the racing write
    assert world.entries() == {"a": ("api", doc(API))}


def test_an_api_edit_racing_a_file_update_is_not_lost_to_stale_run_state(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write between the chunk's read and its transaction (here Beat recording a
    run) makes the chunk read again: the update keeps the run state written last."""
    world.sync({"a": A1})
    read = world.store._read_chunk
    calls: list[int] = []

    def read_then_beat_fires(names: list[str], keys: list[str]) -> Any:
        found = read(names, keys)
        calls.append(1)
        if len(calls) == 1:
            world.set_run_state("a", LAST_RUN, 7)
        return found

    monkeypatch.setattr(world.store, "_read_chunk", read_then_beat_fires)
    report = world.sync({"a": A2})

    assert report is not None and report.updated == ["a"] and len(calls) == 2
    entry = world.store.get("a")
    assert entry is not None and (entry.last_run_at, entry.total_run_count) == (LAST_RUN, 7)
    assert world.entries() == {"a": ("file", doc(A2))}


def test_api_entry_bytes_never_change(world: World) -> None:
    world.store.save("x", parse_spec(API))
    world.set_run_state("x", LAST_RUN, 4)
    before = world.hash("x")
    for schedules in ({"a": A1}, {"a": A2, "b": A1}, {}, {"b": A1}):
        world.sync(schedules)
        assert world.hash("x") == before


def test_a_file_entry_adopts_an_api_entry_of_the_same_name(world: World) -> None:
    """Declaring a name in the file is an edit made later than the API's, so the file
    takes the entry over (run state kept); this is how an export, once committed,
    becomes file-managed. Entries the file does not name are never touched."""
    world.store.save("x", parse_spec(API))
    world.store.save("y", parse_spec(API))
    world.set_run_state("x", LAST_RUN, 3)
    world.sync({"x": A1})
    assert world.entries() == {"x": ("file", doc(A1)), "y": ("api", doc(API))}
    entry = world.store.get("x")
    assert (entry.last_run_at, entry.total_run_count) == (LAST_RUN, 3)


def test_unchanged_file_writes_nothing(world: World) -> None:
    world.sync({"a": A1, "b": API})
    world.set_run_state("a", LAST_RUN, 7)
    before = {n: world.hash(n) for n in ("a", "b")}
    etag = world.store.get("a").etag
    assert world.sync({"a": A1, "b": API}) == SyncReport(unchanged=["a", "b"])
    assert {n: world.hash(n) for n in ("a", "b")} == before
    entry = world.store.get("a")
    assert entry.etag == etag
    assert (entry.last_run_at, entry.total_run_count) == (LAST_RUN, 7)


@pytest.mark.parametrize(
    "steps",
    [
        pytest.param([("file", {"a": A2})], id="file_edit"),
        pytest.param([("file", {"a": A1})], id="unchanged_resync"),
        pytest.param([("api_save", "a", API), ("file", {"a": A1})], id="api_edit_then_resync"),
        pytest.param([("api_save", "a", API), ("file", {"a": A2})], id="api_edit_then_file_edit"),
    ],
)
def test_run_state_survives(world: World, steps: list[tuple[Any, ...]]) -> None:
    world.sync({"a": A1})
    world.set_run_state("a", LAST_RUN, 12)
    run(world, steps)
    entry = world.store.get("a")
    assert entry is not None
    assert (entry.last_run_at, entry.total_run_count) == (LAST_RUN, 12)


def test_an_update_does_not_catch_up_a_missed_slot(world: World) -> None:
    # The last run was days ago; the edit must not make the entry due at once.
    world.sync({"a": A1})
    world.set_run_state("a", LAST_RUN, 1)
    started = time.time()
    world.sync({"a": A2})
    assert world.hash("a")["score"] > started


def dump(redis: fakeredis.FakeRedis) -> dict[str, Any]:
    """Every key and value, except the sync state that a failed sync must update."""
    readers = {
        "hash": redis.hgetall,
        "string": redis.get,
        "list": lambda k: redis.lrange(k, 0, -1),
        "zset": lambda k: redis.zrange(k, 0, -1, withscores=True),
        "stream": lambda k: redis.xrange(k),  # the audit trail
    }
    return {
        key: readers[redis.type(key)](key) for key in redis.keys("*") if key != FILE_SYNC_STATE_KEY
    }


@pytest.mark.parametrize(
    ("text", "error", "problem_fields"),
    [
        pytest.param(
            '{"schedules": {"a": ', "invalid JSON at line 1, column 21", [], id="bad_json"
        ),
        pytest.param(
            '{"schedules": {"a": {"task": "x", "interval": 5}, "a": {"task": "x", "interval": 5}}}',
            "duplicate key 'a'",
            [],
            id="duplicate_key",
        ),
        pytest.param(
            json.dumps({"schedules": {"a": A2, "c": {"task": "nope", "interval": 60}}}),
            "schedules.c.task",
            ["schedules.c.task"],
            id="unknown_task",
        ),
        pytest.param(
            json.dumps({"schedules": {"a": {"task": TASK, "hour": "25"}}}),
            "schedules.a.hour",
            ["schedules.a.hour"],
            id="bad_cron_field",
        ),
        pytest.param("[]", '"schedules" object', [], id="not_an_object"),
    ],
)
def test_invalid_file_changes_nothing(
    world: World, text: str, error: str, problem_fields: list[str]
) -> None:
    world.store.save("x", parse_spec(API))
    world.sync({"a": A1, "b": A2})
    world.store.delete("b")
    before = dump(world.store.redis)
    world.path.write_text(text, encoding="utf-8")
    assert sync_file(world.store, world.path, world.registry) is None
    assert dump(world.store.redis) == before
    state = read_state(world.store)
    assert state is not None
    assert state["ok"] is False
    assert error in state["error"]
    assert state["path"] == str(world.path)
    assert [p["field"] for p in state["problems"]] == problem_fields
    # Fixing the file applies it, and the state says so.
    assert world.sync({"a": A2}) == SyncReport(updated=["a"])
    assert read_state(world.store)["ok"] is True


def test_missing_file_changes_nothing(world: World) -> None:
    world.sync({"a": A1})
    before = dump(world.store.redis)
    world.path.unlink()
    assert world.sync() is None
    assert dump(world.store.redis) == before
    assert "cannot read" in read_state(world.store)["error"]


def test_sync_repairs_an_unreadable_file_entry(world: World) -> None:
    world.sync({"a": A1})
    world.store.redis.hset(entry_key("a"), "definition", "{not json")
    # A sync on a save takes the hash's presence for an entry that is there...
    world.write({"a": A1})
    assert sync_file(world.store, world.path, world.registry, full=False) is not None
    assert world.store.get_many(["a"]) == {}
    # ...a full one (Beat taking the lock, the CLI, the periodic re-read) reads it.
    report = world.sync({"a": A1})
    assert report is not None and report.recreated == ["a"]
    assert world.entries() == {"a": ("file", doc(A1))}
