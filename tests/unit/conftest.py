"""Shared unit-test fixtures: the real task registry, a store over fakeredis, and the
store on fakeredis and on a real redis-server alike (`store_on_both`).

fakeredis is what the fast tests use, the real server is what runs in production, and
a difference between them (Lua, float scores, streams, blocking timeouts) must show in
the store's contract tests first. The real server is started once per session and
flushed before every test.
"""

from collections.abc import Iterator

import fakeredis
import pytest
from redis import Redis

from app.core.celery_app import celery_app
from app.core.embedded_redis import RedisServer
from app.schedules.registry import TaskRegistry
from app.schedules.store import ScheduleStore
from tests.unit.beat.fakes import lua_fakeredis

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


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


@pytest.fixture(params=["fakeredis", "redis-server"])
def store_on_both(request: pytest.FixtureRequest) -> Iterator[ScheduleStore]:
    """A store on each backend in turn (the contract tests name it `store`)."""
    if request.param == "fakeredis":
        client: Redis = lua_fakeredis()
    else:
        server: RedisServer = request.getfixturevalue("redis_server")
        client = Redis.from_url(server.url, decode_responses=True)
        client.flushdb()
    yield ScheduleStore(client, celery_app, "Asia/Seoul")
    client.close()
