"""Shared fixtures for app/schedules: the real task registry and a store over fakeredis."""

from collections.abc import Iterator

import fakeredis
import pytest

from app.core.celery_app import celery_app
from app.schedules.registry import TaskRegistry
from app.schedules.store import ScheduleStore

DEFAULT_TZ = "Asia/Seoul"


@pytest.fixture(scope="session")
def registry() -> TaskRegistry:
    return TaskRegistry.from_celery(celery_app)


@pytest.fixture
def redis() -> Iterator[fakeredis.FakeRedis]:
    # A server of its own: FakeRedis instances otherwise share one per host and port.
    client = fakeredis.FakeRedis(server=fakeredis.FakeServer(), decode_responses=True)
    yield client
    client.close()


@pytest.fixture
def store(redis: fakeredis.FakeRedis) -> ScheduleStore:
    return ScheduleStore(redis, celery_app, DEFAULT_TZ)
