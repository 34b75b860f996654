"""The API in-process, on fakeredis: fast checks of every rule and status code.
The same calls against real Redis, worker and Beat are in tests/integration."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import fakeredis
import pytest
from fastapi.testclient import TestClient

from app.api.deps import get_redis, get_settings
from app.api.main import app
from app.core.celery_app import celery_app
from app.core.config import Settings
from app.schedules import ScheduleStore
from tests.unit.beat.fakes import lua_fakeredis

CRAWL = "app.tasks.scheduler.crawl_all_complexes"
BASE = "/api/scheduler/schedule"
SEED_004_BODY: dict[str, Any] = {
    "name": "테스트_크롤링",
    "task": CRAWL,
    "hour": 14,
    "minute": 30,
    "day_of_week": "3",
    "description": "매주 수요일 오후 2시 30분",
}


@pytest.fixture
def fake_redis() -> fakeredis.FakeRedis:
    # With the Lua Redis gives scripts: run history is written by the store's scripts.
    return lua_fakeredis()


@pytest.fixture
def store(fake_redis: fakeredis.FakeRedis) -> ScheduleStore:
    """The store the API's routes read, for writing history as Beat and workers do."""
    return ScheduleStore(fake_redis, celery_app, "Asia/Seoul")


@pytest.fixture
def settings() -> Settings:
    return Settings(redis_url="redis://unused:6379/0", timezone="Asia/Seoul")


@pytest.fixture
def client(fake_redis: fakeredis.FakeRedis, settings: Settings) -> Iterator[TestClient]:
    app.dependency_overrides[get_redis] = lambda: fake_redis
    app.dependency_overrides[get_settings] = lambda: settings
    with TestClient(app) as test_client:
        yield test_client
    app.dependency_overrides.clear()


def one(path_name: str) -> str:
    return f"{BASE}/{path_name}"
