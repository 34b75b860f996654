"""MAX_SCHEDULES in the store and the file sync: a create beyond it writes nothing, the
cap holds when creates race, and a schedules.json that would pass it changes nothing."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from redis import Redis

from app.core.celery_app import celery_app
from app.core.config import get_settings
from app.core.constants import FILE_SYNC_STATE_KEY
from app.core.embedded_redis import RedisServer
from app.schedules import ScheduleStore, TaskRegistry, TooManySchedules, parse_spec
from app.schedules.store import CREATE
from app.schedules_file import sync
from app.schedules_file.sync import sync_file

TASK = "app.tasks.scheduler.crawl_all_complexes"
SPEC = parse_spec({"task": TASK, "interval": 60})
CAP = 3


@pytest.fixture(autouse=True)
def cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "max_schedules", CAP)


def test_the_create_past_the_cap_raises_and_writes_nothing(store_on_both: ScheduleStore) -> None:
    store = store_on_both
    for i in range(CAP):
        store.save(f"s{i}", SPEC, mode=CREATE)
    keys = sorted(store.redis.keys("*"))
    with pytest.raises(TooManySchedules) as refused:
        store.save("one-too-many", SPEC, mode=CREATE)
    assert "MAX_SCHEDULES" in str(refused.value)
    assert sorted(store.redis.keys("*")) == keys
    # Replacing an existing entry is no create: allowed at the cap.
    store.save("s0", parse_spec({"task": TASK, "interval": 120}))


def test_racing_creates_never_pass_the_cap(redis_server: RedisServer) -> None:
    clients = [Redis.from_url(redis_server.url, decode_responses=True) for _ in range(8)]
    clients[0].flushdb()
    stores = [ScheduleStore(c, celery_app, "Asia/Seoul") for c in clients]
    start = threading.Barrier(len(stores))
    outcomes: list[str] = []

    def create(i: int) -> None:
        start.wait()
        try:
            stores[i].save(f"racer{i}", SPEC, mode=CREATE)
            outcomes.append("created")
        except TooManySchedules:
            outcomes.append("refused")

    threads = [threading.Thread(target=create, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["created"] * CAP + ["refused"] * (len(stores) - CAP)
    assert stores[0].count() == CAP
    for c in clients:
        c.close()


def test_a_file_that_would_pass_the_cap_changes_nothing(
    store: ScheduleStore, registry: TaskRegistry, tmp_path: Path
) -> None:
    path = tmp_path / "schedules.json"
    store.save("api-made", SPEC, mode=CREATE)
    four = {f"f{i}": {"task": TASK, "interval": 60} for i in range(4)}
    path.write_text(json.dumps({"schedules": four}), encoding="utf-8")
    keys = sorted(store.redis.keys("*"))
    assert sync_file(store, path, registry) is None
    assert sorted(k for k in store.redis.keys("*") if k != FILE_SYNC_STATE_KEY) == keys
    state = json.loads(store.redis.get(FILE_SYNC_STATE_KEY) or "{}")
    assert state["ok"] is False and "MAX_SCHEDULES" in state["error"]
    assert state["problems"][0]["field"] == "schedules"
    # Two fit beside the API's one.
    two = dict(list(four.items())[:2])
    path.write_text(json.dumps({"schedules": two}), encoding="utf-8")
    report = sync_file(store, path, registry)
    assert report is not None and sorted(report.created) == ["f0", "f1"]
    # The sync creates before it deletes: a swap at the cap is refused whole too.
    swapped = {"f0": four["f0"], "f2": four["f2"]}
    path.write_text(json.dumps({"schedules": swapped}), encoding="utf-8")
    assert sync_file(store, path, registry) is None
    assert sorted(store.get_many(["f0", "f1", "f2"])) == ["f0", "f1"]


def test_a_create_racing_the_sync_is_reported_and_what_the_sync_wrote_is_recorded(
    store: ScheduleStore, registry: TaskRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if an API create took the last place between the sync's look and its writes.
    monkeypatch.setattr(sync, "check_room", lambda store, loaded: None)
    path = tmp_path / "schedules.json"
    four = {f"f{i}": {"task": TASK, "interval": 60} for i in range(4)}
    path.write_text(json.dumps({"schedules": four}), encoding="utf-8")

    assert sync_file(store, path, registry) is None
    assert store.count() == CAP
    state = json.loads(store.redis.get(FILE_SYNC_STATE_KEY) or "{}")
    assert state["ok"] is False and "MAX_SCHEDULES" in state["error"]

    written = ["f0", "f1", "f2"]
    assert sorted(store.get_many(four)) == written
    for name in written:
        assert [(c.action, c.actor) for c in store.audit(name, 10)] == [("created", "file")]
    assert sorted(store.file_index()) == written
    # With room again, the next sync adds the last one and leaves the others as they are.
    monkeypatch.setattr(get_settings(), "max_schedules", CAP + 1)
    report = sync_file(store, path, registry)
    assert report is not None
    assert (report.created, sorted(report.unchanged)) == (["f3"], written)
