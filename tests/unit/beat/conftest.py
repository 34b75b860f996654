"""Beat's tests run on fakeredis with Lua (a fresh server per test), as the Beat's
own scripts need it; see fakes.py."""

from collections.abc import Iterator

import fakeredis
import pytest

from tests.unit.beat.fakes import lua_fakeredis


@pytest.fixture
def server() -> fakeredis.FakeServer:
    return fakeredis.FakeServer()


@pytest.fixture
def redis(server: fakeredis.FakeServer) -> Iterator[fakeredis.FakeRedis]:
    client = lua_fakeredis(server)
    yield client
    client.close()
