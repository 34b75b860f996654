"""No worker runs a pickled message: the broker carries JSON only.

Anyone who can write to Redis can push a message into the queue the worker reads. A
pickle payload would run code as the worker unpickles it, so the worker accepts JSON
only (accept_content in app/core/celery_app.py). Here a message shaped exactly as
Celery sends a task (protocol 2 headers, a registered task's name) but serialized with
pickle is pushed into the `celery` queue; unpickled, it would create a marker file.
The worker refuses it without unpickling (the marker stays absent), says so in its
log, and goes on serving: a JSON message pushed after it runs and succeeds.
"""

from __future__ import annotations

import json
import pickle
import uuid
from pathlib import Path
from typing import Any

from kombu import Connection
from redis import Redis

from app.core.celery_app import celery_app
from app.core.embedded_redis import RedisServer
from tests.integration.conftest import Stack, wait_until

CRAWL = "app.tasks.scheduler.crawl_all_complexes"
# The queue a worker started without -Q reads (Celery's default).
QUEUE = "celery"
# What Celery's consumer logs when a message's content type is not accepted.
REFUSED = "Refusing to deserialize untrusted content of type pickle"


class Marker:
    """Unpickling this creates `path`: what an attacker's payload would do instead."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.path,))


def push(url: str, task_id: str, args: tuple[Any, ...], serializer: str) -> None:
    """Push one task message straight into the queue, as a client of the broker would:
    the headers, properties and body Celery builds, encoded with `serializer`."""
    message = celery_app.amqp.as_task_v2(task_id, CRAWL, args=args, kwargs={})
    with Connection(url) as conn:
        conn.Producer().publish(
            message.body,
            serializer=serializer,
            exchange="",
            routing_key=QUEUE,
            headers=message.headers,
            **message.properties,
        )


def result(redis: Redis, task_id: str) -> dict[str, Any] | None:
    raw = redis.get(f"celery-task-meta-{task_id}")
    return json.loads(raw) if raw else None


def test_the_payload_would_run_if_unpickled(tmp_path: Path) -> None:
    """The control: the same payload, unpickled here, does create its marker."""
    marker = tmp_path / "control"
    pickle.loads(pickle.dumps(((Marker(marker),), {}, {})))
    assert marker.exists()


def test_worker_refuses_a_pickled_message_and_keeps_serving(
    stack: Stack, redis_server: RedisServer, redis: Redis, tmp_path: Path
) -> None:
    worker = stack.worker()
    marker = tmp_path / "pickle-ran"
    pickled_id, json_id = f"pickled-{uuid.uuid4()}", f"json-{uuid.uuid4()}"

    push(redis_server.url, pickled_id, (Marker(marker),), "pickle")
    push(redis_server.url, json_id, (), "json")

    done = wait_until(lambda: result(redis, json_id), what="the JSON task's result")
    assert done["status"] == "SUCCESS", done
    wait_until(lambda: REFUSED in worker.log(), what="the worker logging the refusal")
    assert not marker.exists()
    assert result(redis, pickled_id) is None
    assert worker.popen.poll() is None, "the worker stopped"
    # Refused and dropped, not left to be delivered again.
    assert redis.llen(QUEUE) == 0
    # crawl_all_complexes is acknowledged late: after its result is stored.
    wait_until(lambda: not redis.hlen("unacked"), what="every message acknowledged")
