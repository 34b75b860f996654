"""The alert tests' store: fakeredis with Lua, the alert groups made."""

from __future__ import annotations

import fakeredis
import pytest

from app.core.celery_app import celery_app
from app.schedules import ScheduleStore
from tests.unit.beat.fakes import lua_fakeredis


@pytest.fixture
def client() -> fakeredis.FakeRedis:
    return lua_fakeredis()


@pytest.fixture
def store(client: fakeredis.FakeRedis) -> ScheduleStore:
    made = ScheduleStore(client, celery_app, "Asia/Seoul")
    made.alerts.ensure_groups()
    return made
