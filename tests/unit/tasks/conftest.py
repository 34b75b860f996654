"""The run history the report and clean-up tasks read, on a fake Redis of its own.

Every test here gets `history_store`: the tasks' `open_store` yields a store over a
fresh fakeredis server with the scripts' Lua, so no task test reads or trims whatever
Redis runs on this machine. `clock` sets one time for that server's clock (stream ids
and TIME, which the history scripts trim by) and the tasks' own: records are then
written at chosen moments, as if Beat and the workers wrote them then.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import fakeredis
import pytest

from app.core.celery_app import celery_app
from app.schedules import ScheduleStore
from app.tasks import history_report
from tests.unit.beat.fakes import lua_fakeredis
from tests.unit.tasks.history_fakes import FAKE_SERVER_CLOCK_MODULES, Clock, TimeModule


@pytest.fixture(autouse=True)
def history_store(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScheduleStore]:
    client: fakeredis.FakeRedis = lua_fakeredis()
    store = ScheduleStore(client, celery_app, str(celery_app.conf.timezone))

    @contextmanager
    def open_store() -> Iterator[ScheduleStore]:
        yield store

    monkeypatch.setattr(history_report, "open_store", open_store)
    yield store
    client.close()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    found = Clock()
    fake_time = TimeModule(found)
    for module in FAKE_SERVER_CLOCK_MODULES:
        monkeypatch.setattr(f"{module}.time", fake_time)
    monkeypatch.setattr(history_report, "wall_clock", found.time)
    return found
