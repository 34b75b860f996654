"""app/beat/publish.py: the lean path pushes, byte for byte, what Celery's send_task pushes.

The broker is kombu's own Redis transport over a fakeredis server, so both paths run
their real code down to the LPUSH; only the ids that differ by design (the delivery
tag, the clock behind `expires`) are pinned.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import fakeredis
import pytest
from celery.signals import before_task_publish
from kombu.transport import redis as kombu_redis

from app.beat.publish import LeanPublisher
from app.core.celery_app import celery_app

REGISTERED = "app.tasks.maintenance.health_check"
NOW = datetime(2026, 12, 2, 12, 0, 0, 123456, tzinfo=UTC)
OUR_HEADERS = {
    "celery_beat_task": True,
    "schedule": "매일_보고서",
    "scheduled_at": "2026-12-02T12:00:00Z",
    "fire_id": "5f0c2f6e-4c52-5b0e-9d5e-0f5a2b9c1d11",
    "lease": 60.0,
    "retry_max": 3,
    "retry_backoff": 2.5,
    "lock_key": "crawler",
}


@pytest.fixture
def broker(monkeypatch: pytest.MonkeyPatch) -> Iterator[fakeredis.FakeRedis]:
    server = fakeredis.FakeServer()

    def create_client(self: Any, asynchronous: bool = False) -> fakeredis.FakeRedis:
        return fakeredis.FakeRedis(server=server)

    monkeypatch.setattr(kombu_redis.Channel, "_create_client", create_client)
    monkeypatch.setattr(kombu_redis.Channel, "_next_delivery_tag", lambda self: "tag-1")
    monkeypatch.setattr("celery._state._task_join_will_block", True)  # as in Beat
    monkeypatch.setattr(celery_app, "now", lambda: NOW)
    celery_app.loader.import_default_modules()  # as in Beat: the tasks are registered
    assert REGISTERED in celery_app.tasks
    client = fakeredis.FakeRedis(server=server)
    yield client
    client.close()


def lists(redis: fakeredis.FakeRedis) -> dict[bytes, list[bytes]]:
    """Every list in the broker, emptied as it is read."""
    found = {k: redis.lrange(k, 0, -1) for k in redis.keys("*") if redis.type(k) == b"list"}
    for key in found:
        redis.delete(key)
    return found


CASES = [
    pytest.param(REGISTERED, [], {}, {}, {}, None, None, id="defaults"),
    pytest.param(
        REGISTERED,
        [1, "한글", 2.5, None, True],
        {"nested": [1, {"b": None}], "텍스트": "값"},
        {"queue": "reports", "priority": 7, "expires": 30.5},
        OUR_HEADERS,
        120.0,
        100.0,
        id="every-option",
    ),
    pytest.param(
        "not.registered.here",
        ["x" * 3000, list(range(200))],
        {"k": "y" * 2000},
        {"priority": 0, "expires": 10},
        {"schedule": "s"},
        None,
        5.0,
        id="long-reprs-unregistered",
    ),
    pytest.param(REGISTERED, [], {}, {"queue": "celery", "priority": 3}, {}, None, None, id="pri"),
    pytest.param(REGISTERED, [], {}, {"priority": 9, "expires": 0.001}, {}, 1.0, None, id="edge"),
]


@pytest.mark.parametrize(("task", "args", "kwargs", "options", "headers", "hard", "soft"), CASES)
def test_the_lean_message_is_what_send_task_pushes(
    broker: fakeredis.FakeRedis,
    task: str,
    args: list[Any],
    kwargs: dict[str, Any],
    options: dict[str, Any],
    headers: dict[str, Any],
    hard: float | None,
    soft: float | None,
) -> None:
    limits = {k: v for k, v in (("time_limit", hard), ("soft_time_limit", soft)) if v is not None}
    with celery_app.producer_or_acquire() as producer:
        celery_app.send_task(
            task, args, kwargs, producer=producer, task_id="tid", headers=dict(headers),
            **options, **limits,
        )  # fmt: skip
        want = lists(broker)
        lean = LeanPublisher(celery_app, producer.channel)
        lean.declared(options.get("queue"))
        message = lean.message(task, args, kwargs, "tid", options, dict(headers), hard, soft)
        assert message is not None
        broker.lpush(*message)  # as the store's commit pushes it
    got = lists(broker)
    assert len(want) == 1
    assert got == want


def test_options_outside_the_lean_set_take_send_task(
    broker: fakeredis.FakeRedis,
) -> None:
    with celery_app.producer_or_acquire() as producer:
        lean = LeanPublisher(celery_app, producer.channel)
        lean.declared(None)
        assert lean.message(REGISTERED, [], {}, "t2", {"routing_key": "x"}, {}) is None
        assert lean.message(REGISTERED, [], {}, "t4", {"expires": "2026-12-03"}, {}) is None
        message = lean.message(REGISTERED, [], {}, "t5", {}, {})
    assert message is not None and message[0] == "celery"
    assert broker.keys("*") == []  # building a message pushes nothing


def bindings(redis: fakeredis.FakeRedis) -> dict[bytes, set[bytes]]:
    return {k: redis.smembers(k) for k in redis.keys("_kombu.binding.*")}


def test_a_queues_first_lean_message_declares_it_as_send_task_does(
    broker: fakeredis.FakeRedis,
) -> None:
    # Fresh connections: kombu caches declarations per connection.
    with celery_app.connection_for_write() as conn:
        celery_app.send_task(
            REGISTERED, [], {}, producer=conn.Producer(), task_id="t0", queue="reports"
        )
    want = bindings(broker)
    assert want
    broker.flushall()
    with celery_app.connection_for_write() as conn:
        lean = LeanPublisher(celery_app, conn.default_channel)
        message = lean.message(REGISTERED, [], {}, "t1", {"queue": "reports"}, {})
        assert message is not None and message[0] == "reports"
        assert bindings(broker) == want
        # Declared once: the next message of the queue does not declare it again.
        broker.flushall()
        assert lean.message(REGISTERED, [], {}, "t2", {"queue": "reports"}, {}) is not None
        assert bindings(broker) == {}


def test_routes_and_publish_signal_receivers_turn_the_lean_path_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert LeanPublisher.refusal(celery_app) is None

    def receiver(**_: Any) -> None:
        return None

    before_task_publish.connect(receiver)
    try:
        assert LeanPublisher.refusal(celery_app) == "before_task_publish has receivers"
    finally:
        before_task_publish.disconnect(receiver)
    monkeypatch.setitem(celery_app.conf, "task_routes", {"app.*": {"queue": "x"}})
    assert LeanPublisher.refusal(celery_app) == "task_routes are set"


def test_a_broker_other_than_the_stores_redis_turns_the_lean_path_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The store's commit pushes the messages: to the store's Redis, unprefixed.
    url = celery_app.conf.broker_url
    assert LeanPublisher.refusal(celery_app, url) is None
    assert LeanPublisher.refusal(celery_app, url + "0") == (
        "the broker is not the Redis the schedules are stored in"
    )
    monkeypatch.setitem(celery_app.conf, "broker_transport_options", {"global_keyprefix": "p:"})
    assert LeanPublisher.refusal(celery_app, url) == "the broker prefixes its keys"
