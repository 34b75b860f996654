"""The audit trail in the store (store/_audit.py), on fakeredis and a real redis-server,
and what the service records on each write."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from app.core.constants import AUDIT_ALL_KEY, AUDIT_KEY_PREFIX
from app.schedules import ScheduleService, TaskRegistry
from app.schedules.audit import Change, FieldChange
from app.schedules.store import ScheduleStore

TASK = "app.tasks.scheduler.crawl_all_complexes"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def event(name: str, action: Any = "changed", n: int = 0, actor: str = "file") -> Change:
    return Change(name, action, actor, (FieldChange("hour", str(n), str(n + 1)),), float(n))


@pytest.fixture
def store(store_on_both: ScheduleStore) -> ScheduleStore:
    return store_on_both


def test_changes_read_back_newest_first_page_by_page(store: ScheduleStore) -> None:
    assert store.record_changes([event("a", n=i) for i in range(5)] + [event("b")])
    first = store.audit("a", 2)
    assert [c.at for c in first] == [4.0, 3.0]
    assert all(c.id for c in first)
    rest = store.audit("a", 10, before=first[-1].id)
    assert [c.at for c in rest] == [2.0, 1.0, 0.0]
    assert store.audit("a", 10, before=rest[-1].id) == []
    assert store.audit("a", 10, before="0-0") == []
    assert [c.name for c in store.audit("b", 10)] == ["b"]
    assert store.audit("nobody", 10) == []


def test_each_trail_is_capped(store: ScheduleStore) -> None:
    store.__dict__["audit_limits"] = (3, 60)
    for i in range(5):
        store.record_changes([event("a", n=i)])
    assert [c.at for c in store.audit("a", 10)] == [4.0, 3.0, 2.0]


def test_a_deleted_schedules_trail_expires_and_a_new_one_keeps_it(store: ScheduleStore) -> None:
    store.__dict__["audit_limits"] = (100, 3600)
    key = AUDIT_KEY_PREFIX + "a"
    store.record_changes([event("a", "created")])
    assert store.redis.ttl(key) == -1
    store.record_changes([event("a", "deleted", n=1)])
    assert 3500 < store.redis.ttl(key) <= 3600
    store.record_changes([event("a", "created", n=2)])
    assert store.redis.ttl(key) == -1
    assert [c.action for c in store.audit("a", 10)] == ["created", "deleted", "created"]


def test_the_feed_gives_changes_after_a_cursor_with_the_due_batch(store: ScheduleStore) -> None:
    assert store.audit_tail() == "0-0"
    assert store.due(NOW, 10, "0-0").changes == []
    store.record_changes([event("a"), event("b", n=1)])
    both = store.due(NOW, 10, "0-0").changes
    assert [c.name for c in both] == ["a", "b"]
    tail = store.audit_tail()
    assert tail == both[-1].id
    store.record_changes([event("c", n=2)])
    assert [c.name for c in store.due(NOW, 10, tail).changes] == ["c"]
    assert store.due(NOW, 10).changes == []  # no cursor: not read at all


def test_an_unreadable_feed_entry_is_skipped(store: ScheduleStore) -> None:
    store.redis.xadd(AUDIT_ALL_KEY, {"c": "{not json"})
    store.record_changes([event("a")])
    assert [c.name for c in store.due(NOW, 10, "0-0").changes] == ["a"]


def test_a_failed_record_is_logged_not_raised(
    store: ScheduleStore, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def down(*args: Any, **kwargs: Any) -> Any:
        raise RedisConnectionError("down")

    monkeypatch.setattr(store.redis, "pipeline", down)
    assert store.record_changes([event("a")]) is False
    assert "could not record 1 change(s) (a)" in caplog.text


# --- what the service records ------------------------------------------------------


@pytest.fixture
def service(store: ScheduleStore, registry: TaskRegistry) -> ScheduleService:
    return ScheduleService(store, registry, clock=lambda: NOW)


def test_every_write_of_the_service_is_recorded_with_its_actor(service: ScheduleService) -> None:
    name = "테스트_크롤링"
    body = {"name": name, "task": TASK, "hour": 14, "minute": 30}
    service.create(body, actor="client:10.0.0.5")
    service.update(name, {"hour": 15}, actor="client:10.0.0.5")
    service.update(name, {"hour": 15}, actor="client:10.0.0.5")  # no change: no record
    service.set_enabled(name, False, actor="cli:me@box")
    service.set_enabled(name, True, actor="cli:me@box")
    service.delete(name, actor="token:ops")
    trail = service.store.audit(name, 10)
    assert [(c.action, c.actor, c.source) for c in trail] == [
        ("deleted", "token:ops", "api"),
        ("resumed", "cli:me@box", "cli"),
        ("paused", "cli:me@box", "cli"),
        ("changed", "client:10.0.0.5", "api"),
        ("created", "client:10.0.0.5", "api"),
    ]
    assert trail[3].changes == (FieldChange("hour", "14", "15"),)
    assert {c.at for c in trail} == {NOW.timestamp()}
    assert trail[0].etag is None and trail[1].etag is not None
    # The deleted record keeps the last definition.
    assert FieldChange("hour", "15", None) in trail[0].changes


def test_a_refused_write_records_nothing(service: ScheduleService) -> None:
    service.create({"name": "a", "task": TASK, "interval": 60})
    with pytest.raises(Exception, match="already exists"):
        service.create({"name": "a", "task": TASK, "interval": 60}, actor="client:x")
    with pytest.raises(Exception, match="interval"):
        service.update("a", {"interval": 0}, actor="client:x")
    assert [(c.action, c.actor) for c in service.store.audit("a", 10)] == [("created", "unknown")]
